"""Partner Certification Levels: the KPI's figures on a date, computed in the database.

Every function is a pure function of its date and segment (the same arguments give the same
figures until the data changes) and costs a fixed number of queries whatever the number of
partners. The counting is done in the database: one query counts the active partners of a day
by segment and level (the cube, certifications.cube), and the figures are sums of its few
cells; no Python loop runs over partners or certifications.

Definitions (PRODUCT.md, "Partner Certification Levels"):
- a partner is active on D when joined_on <= D and (ended_on is empty or ended_on > D);
- a certification is valid on D when awarded_on <= D < expires_on and D < revoked_on (empty
  dates never stop it);
- a partner's level on D is the highest-ranked level among its certifications valid on D;
- the exact share of a level counts partners whose level is that level; the cumulative share
  counts partners at that level or higher; the band is decided on the exact cumulative ratio.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, Exists, F, OuterRef, Q

from certifications.cube import (
    level_cube,
    level_cubes,
    level_rank_on,
    level_segments,
    level_totals,
)
from certifications.models import CertificationLevel, PartnerCertification
from partnerprogram import freshness
from partnerprogram.models import (
    FeedbackTopic,
    Partner,
    PartnerFeedback,
    PartnerType,
    Region,
    user_label,
)
from partnerprogram.rules import days
from partnerprogram.rules.bands import Band, band_for, percent
from partnerprogram.rules.periods import add_months, quarter_ends
from partnerprogram.segments import ALL, Dimension, in_segment
from tiers.models import Tier


@dataclass(frozen=True)
class LevelShare:
    """One level's figures: partners whose level is exactly this one, and at it or higher."""

    level_id: int
    name: str
    rank: int
    partners: int
    percent: Decimal | None
    cumulative_partners: int
    cumulative_percent: Decimal | None
    band: Band | None


@dataclass(frozen=True)
class CertificationLevels:
    """The KPI on one date for one segment. Percentages are None (undefined) when no partner
    is active; nothing divides by zero."""

    as_of: dt.date
    active_partners: int
    levels: tuple[LevelShare, ...]  # by rank, lowest first
    not_certified: int
    not_certified_percent: Decimal | None
    target: LevelShare | None  # the headline: the cumulative share at the target level

    @property
    def is_defined(self):
        return self.active_partners > 0

    @property
    def band(self):
        return self.target.band if self.target else None


@dataclass(frozen=True)
class SegmentShare:
    """A breakdown row: one segment's distribution and its band at the target level."""

    key: object  # the segment's id or choice key; None for "no account manager"
    label: str
    params: dict  # URL parameters selecting this segment
    figures: CertificationLevels

    @property
    def band(self):
        return self.figures.band


@dataclass(frozen=True)
class TrendPoint:
    as_of: dt.date
    active_partners: int
    cumulative_partners: int
    cumulative_percent: Decimal | None
    band: Band | None


@dataclass(frozen=True)
class CertificationRisks:
    """Live warnings of the KPI card on a date."""

    as_of: dt.date
    window_days: int
    expiring_certifications: int  # valid on D, expiring within the window
    expiring_partners: int
    lapsed_partners: int  # certified three months before D, active and not certified on D
    lapsed_percent: Decimal | None  # of the partners active on D
    active_partners: int


def levels_by_rank():
    """All levels, lowest rank first, and the target level (None when there are none)."""
    levels = list(CertificationLevel.objects.order_by("rank"))
    target = None
    if settings.KPI_TARGET_LEVEL:
        wanted = settings.KPI_TARGET_LEVEL.casefold()
        target = next((level for level in levels if level.name.casefold() == wanted), None)
    elif levels:
        target = levels[0]
    return levels, target


def partners_in(as_of, segment=ALL):
    """The partners the KPI counts on `as_of`: active then, in the segment."""
    return in_segment(Partner.objects.active_on(as_of), segment, as_of)


def _figures(as_of, levels, target, counts):
    """CertificationLevels from {rank or None: partners} (None: not certified)."""
    active = sum(counts.values())
    shares, cumulative = [], sum(n for rank, n in counts.items() if rank is not None)
    for level in levels:
        exact = counts.get(level.rank, 0)
        shares.append(
            LevelShare(
                level_id=level.pk,
                name=level.name,
                rank=level.rank,
                partners=exact,
                percent=percent(exact, active),
                cumulative_partners=cumulative,
                cumulative_percent=percent(cumulative, active),
                band=band_for(cumulative, active),
            )
        )
        cumulative -= exact
    not_certified = counts.get(None, 0)
    return CertificationLevels(
        as_of=as_of,
        active_partners=active,
        levels=tuple(shares),
        not_certified=not_certified,
        not_certified_percent=percent(not_certified, active),
        target=next((s for s in shares if target and s.level_id == target.pk), None),
    )


def certification_levels(as_of, segment=ALL, *, cube=None, levels=None):
    """The distribution of active partners by highest level held on `as_of`, the cumulative
    shares, and the headline at the target level. Two queries (none with `cube` and `levels`
    given: the day's cube and levels_by_rank())."""
    levels, target = levels or levels_by_rank()
    if cube is None and not segment:  # the whole program: its totals, not every cell
        return _figures(as_of, levels, target, level_totals([as_of])[as_of])
    cube = cube or level_cube(as_of)
    return _figures(as_of, levels, target, cube.counts(segment))


def _segment_labels(dimension, keys):
    """{key: (label, URL parameters)} of a breakdown's segments. One query at most."""
    if dimension == Dimension.PARTNER_TYPE:
        return {key: (PartnerType(key).label, {"partner_type": key}) for key in keys}
    if dimension == Dimension.REGION:
        names = dict(Region.objects.filter(pk__in=keys).values_list("pk", "name"))
        return {key: (names.get(key, "Unknown region"), {"region": names.get(key)}) for key in keys}
    if dimension == Dimension.TIER:
        names = dict(Tier.objects.filter(pk__in=keys).values_list("pk", "name"))
        return {
            key: (names[key], {"tier": names[key]}) if key in names else ("No tier", {})
            for key in keys
        }
    users = {
        user.pk: user for user in get_user_model().objects.filter(pk__in=[k for k in keys if k])
    }
    return {
        key: (
            user_label(users[key]),
            {"account_manager": users[key].get_username()},
        )
        if key in users
        else ("No account manager", {})
        for key in keys
    }


def certification_breakdown(as_of, dimension, segment=ALL, *, cube=None, levels=None):
    """One row per segment of `dimension` (region, partner type, tier on `as_of`, account
    manager) with its distribution and band; segments with no active partner are left out.
    Rows are ordered by label. Three queries at most (one with `cube` and `levels`)."""
    dimension = Dimension(dimension)
    return certification_breakdowns(as_of, [dimension], segment, cube=cube, levels=levels)[
        dimension
    ]


def certification_breakdowns(as_of, dimensions, segment=ALL, *, cube=None, levels=None):
    """{dimension: certification_breakdown rows} for several dimensions, summing the cube's
    cells once for all of them. A query per dimension for its labels (regions, tiers,
    managers), and two more without `cube` and `levels`."""
    dimensions = [Dimension(d) for d in dimensions]
    levels = levels or levels_by_rank()
    cube = cube or level_cube(as_of)
    sums = cube.sums(segment, dimensions)
    return {d: _breakdown_rows(as_of, d, sums[d], segment, levels) for d in dimensions}


def segment_breakdowns(as_of, *, levels=None):
    """{dimension: certification_breakdown rows} of the whole program by region, partner
    type and account manager, from their kept sums (not the cube): the segments' figures
    that the pages about work to do show. A query per dimension for its labels, and two
    (one with `levels` given: levels_by_rank())."""
    levels = levels or levels_by_rank()
    sums = level_segments(as_of)
    return {d: _breakdown_rows(as_of, d, counts, ALL, levels) for d, counts in sums.items()}


def _breakdown_rows(as_of, dimension, counts, segment, levels):
    levels, target = levels
    labels = _segment_labels(dimension, list(counts))
    return tuple(
        SegmentShare(
            key=key,
            label=labels[key][0],
            params={**segment.as_params(), **labels[key][1]},
            figures=_figures(as_of, levels, target, counts[key]),
        )
        for key in sorted(counts, key=lambda k: labels[k][0].casefold())
    )


def certification_trend(as_of, count=8, segment=ALL, *, levels=None):
    """The target level's cumulative share at each of the last `count` fiscal quarter ends
    on or before `as_of`, oldest first. Two queries once the quarter ends' snapshots exist."""
    levels, target = levels or levels_by_rank()
    days = quarter_ends(as_of, count)
    if segment:
        cubes = level_cubes(days)
        counts = {day: cubes[day].counts(segment) for day in days}
    else:  # the whole program: its totals, not every cell
        counts = level_totals(days)
    return tuple(_trend_point(_figures(day, levels, target, counts[day])) for day in days)


def _trend_point(figures):
    certified = figures.target.cumulative_partners if figures.target else 0
    return TrendPoint(
        as_of=figures.as_of,
        active_partners=figures.active_partners,
        cumulative_partners=certified,
        cumulative_percent=percent(certified, figures.active_partners),
        band=band_for(certified, figures.active_partners),
    )


def trend_ending_on(trend, figures):
    """`trend` with the day of `figures` (CertificationLevels) as its last point when that
    day is no quarter end: a chart of it ends where the headline stands. No query."""
    if trend and trend[-1].as_of == figures.as_of:
        return trend
    return (*trend, _trend_point(figures))


def certification_risks(as_of, segment=ALL):
    """The live warnings: certifications expiring within the at-risk window, and partners
    whose certification lapsed in the last three months (certified on the day three months
    before, not certified on `as_of`). Three queries, each starting from the few
    certifications that end near the day (the expiry and revocation indexes), never from
    every partner; for the whole program on a kept day (today, a closed quarter end), one
    query once kept."""
    if segment:
        counts = _risk_counts(as_of, segment)
    else:
        kept = freshness.counts(freshness.RISKS, [as_of])[as_of]
        counts = {key: kept.get(key, 0) for key in RISK_COUNTS}
    return CertificationRisks(
        as_of=as_of,
        window_days=settings.AT_RISK_WINDOW_DAYS,
        lapsed_percent=percent(counts["lapsed_partners"], counts["active_partners"]),
        **counts,
    )


RISK_COUNTS = ("expiring_certifications", "expiring_partners", "lapsed_partners", "active_partners")


@freshness.kept_figure(freshness.RISKS, variant=lambda: str(settings.AT_RISK_WINDOW_DAYS))
def risk_counts(days, partners=None):
    """{day: the warnings' counts} of the whole program (of `partners` only, when given)."""
    return {day: _risk_counts(day, ALL, partners) for day in days}


def _risk_counts(as_of, segment, partners=None):
    horizon = as_of + dt.timedelta(days=settings.AT_RISK_WINDOW_DAYS)
    active = partners_in(as_of, segment)
    if partners is not None:
        active = active.filter(pk__in=partners)
    expiring = (
        _of_partners_in(PartnerCertification.objects.valid_on(as_of), as_of, segment, partners)
        .filter(expires_on__gt=as_of, expires_on__lte=horizon)
        .aggregate(certifications=Count("pk"), partners=Count("partner", distinct=True))
    )
    before = add_months(as_of, -3)
    # Certified three months ago and not now means a certification valid then ended since.
    ended_since = _of_partners_in(
        PartnerCertification.objects.valid_on(before), as_of, segment, partners
    ).filter(
        Q(expires_on__gt=before, expires_on__lte=as_of)
        | Q(revoked_on__gt=before, revoked_on__lte=as_of)
    )
    still_certified = PartnerCertification.objects.valid_on(as_of).filter(
        partner=OuterRef("partner")
    )
    lapsed = ended_since.exclude(Exists(still_certified)).aggregate(
        partners=Count("partner", distinct=True)
    )["partners"]
    return {
        "expiring_certifications": expiring["certifications"],
        "expiring_partners": expiring["partners"],
        "lapsed_partners": lapsed,
        "active_partners": active.count(),
    }


def _of_partners_in(certifications, as_of, segment, partners=None):
    """Certifications of partners active on `as_of` in the segment (and among `partners`,
    when given), by a join on the partner's own fields (a list of every active partner would
    be read first)."""
    certifications = certifications.filter(days.active_on(as_of, "partner__"))
    if partners is not None:
        certifications = certifications.filter(partner__in=partners)
    for field, value in (
        ("region", segment.region),
        ("partner_type", segment.partner_type),
        ("account_manager", segment.account_manager),
    ):
        if value:
            certifications = certifications.filter(**{f"partner__{field}": value})
    if segment.tier:
        certifications = certifications.filter(partner__in=partners_in(as_of, segment).values("pk"))
    return certifications


def partners_behind(as_of, *, mode, level=None, segment=ALL):
    """The active partners behind a figure on `as_of`, annotated with `level_rank` (their
    level's rank, or None): `exact` (level is `level`), `cumulative` (at `level` or higher)
    or `not_certified`. A queryset, for tables to sort, filter and paginate; it reads the
    stored levels when they are current for `as_of`."""
    if freshness.stored_state_answers(as_of):
        partners = in_segment(Partner.objects.active_on(as_of), segment, as_of, stored=True)
        partners = partners.annotate(level_rank=F("current_level__rank"))
    else:
        partners = partners_in(as_of, segment).annotate(level_rank=level_rank_on(as_of))
    if mode == "exact":
        return partners.filter(level_rank=level.rank)
    if mode == "cumulative":
        return partners.filter(level_rank__gte=level.rank)
    if mode == "not_certified":
        return partners.filter(level_rank__isnull=True)
    raise ValueError(f"Unknown drill-down {mode!r}: use exact, cumulative or not_certified.")


def process_feedback(as_of):
    """Feedback on the certification process in the 12 months up to `as_of`: count and
    average rating (None when there is none). One query."""
    return PartnerFeedback.objects.filter(
        topic=FeedbackTopic.CERTIFICATION_PROCESS,
        received_on__gt=add_months(as_of, -12),
        received_on__lte=as_of,
    ).aggregate(count=Count("*"), average=Avg("rating"))
