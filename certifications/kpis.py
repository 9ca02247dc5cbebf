"""Partner Certification Levels: the KPI's figures on a date, computed in the database.

Every function is a pure function of its date and segment (the same arguments give the same
figures until the data changes) and costs a fixed number of queries whatever the number of
partners: the counting is done by aggregates over correlated subqueries, never by a Python
loop over partners or certifications.

Definitions (PRODUCT.md, "Partner Certification Levels"):
- a partner is active on D when joined_on <= D and (ended_on is empty or ended_on > D);
- a certification is valid on D when awarded_on <= D < expires_on and D < revoked_on (empty
  dates never stop it);
- a partner's level on D is the highest-ranked level among its certifications valid on D;
- the exact share of a level counts partners whose level is that level; the cumulative share
  counts partners at that level or higher; the band is decided on the exact cumulative ratio.
"""

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.lookups import Exact

from partnerprogram.models import Partner
from partnerprogram.periods import Band, add_months, band_for, percent, quarter_ends
from partnerprogram.segments import ALL, Dimension
from tiers.models import Tier, tier_id_on

from .models import CertificationLevel, PartnerCertification


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


def level_rank_on(day):
    """Subquery: the rank of the highest level valid on `day` of the outer partner, or
    NULL."""
    return Subquery(
        PartnerCertification.objects.valid_on(day)
        .filter(partner=OuterRef("pk"))
        .order_by("-level__rank")
        .values("level__rank")[:1]
    )


def certified_on(day, minimum_rank=None):
    """Exists: the outer partner holds a certification valid on `day` (at `minimum_rank` or
    higher when given)."""
    valid = PartnerCertification.objects.valid_on(day).filter(partner=OuterRef("pk"))
    if minimum_rank is not None:
        valid = valid.filter(level__rank__gte=minimum_rank)
    return Exists(valid)


def partners_in(as_of, segment=ALL):
    """The partners the KPI counts on `as_of`: active then, in the segment."""
    return Partner.objects.active_on(as_of).in_segment(segment, as_of)


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


def certification_levels(as_of, segment=ALL):
    """The distribution of active partners by highest level held on `as_of`, the cumulative
    shares, and the headline at the target level. Two queries."""
    levels, target = levels_by_rank()
    rows = (
        partners_in(as_of, segment)
        .annotate(level_rank=level_rank_on(as_of))
        .values("level_rank")
        .annotate(partners=Count("pk"))
        .order_by()
    )
    counts = {row["level_rank"]: row["partners"] for row in rows}
    return _figures(as_of, levels, target, counts)


_DIMENSION_FIELDS = {
    Dimension.REGION: ("region_id", "region__name"),
    Dimension.PARTNER_TYPE: ("partner_type", None),
    Dimension.ACCOUNT_MANAGER: ("account_manager_id", "account_manager__username"),
}


def certification_breakdown(as_of, dimension, segment=ALL):
    """One row per segment of `dimension` (region, partner type, tier on `as_of`, account
    manager) with its distribution and band; segments with no active partner are left out.
    Rows are ordered by label. Three queries at most."""
    from partnerprogram.models import PartnerType

    dimension = Dimension(dimension)
    levels, target = levels_by_rank()
    partners = partners_in(as_of, segment).annotate(level_rank=level_rank_on(as_of))
    if dimension == Dimension.TIER:
        partners = partners.with_tier_on(as_of)
        key_field, label_field = "tier_on_day_id", None
    else:
        key_field, label_field = _DIMENSION_FIELDS[dimension]
    extra = ["account_manager__first_name", "account_manager__last_name"]
    fields = [key_field] + ([label_field] if label_field else [])
    if dimension == Dimension.ACCOUNT_MANAGER:
        fields += extra
    rows = partners.values(*fields, "level_rank").annotate(partners=Count("pk")).order_by()

    counts, labels, params = {}, {}, {}
    tier_names = dict(Tier.objects.values_list("pk", "name")) if dimension == Dimension.TIER else {}
    for row in rows:
        key = row[key_field]
        counts.setdefault(key, {})[row["level_rank"]] = row["partners"]
        if dimension == Dimension.TIER:
            labels[key] = tier_names.get(key, "No tier")
            params[key] = {"tier": labels[key]} if key else {}
        elif dimension == Dimension.PARTNER_TYPE:
            labels[key] = PartnerType(key).label
            params[key] = {"partner_type": key}
        elif dimension == Dimension.ACCOUNT_MANAGER:
            full_name = " ".join(filter(None, (row[extra[0]], row[extra[1]])))
            labels[key] = full_name or row[label_field] or "No account manager"
            params[key] = {"account_manager": row[label_field]} if key else {}
        else:
            labels[key] = row[label_field]
            params[key] = {"region": row[label_field]}
    return tuple(
        SegmentShare(
            key=key,
            label=labels[key],
            params={**segment.as_params(), **params[key]},
            figures=_figures(as_of, levels, target, counts[key]),
        )
        for key in sorted(counts, key=lambda k: labels[k].casefold())
    )


def certification_trend(as_of, count=8, segment=ALL):
    """The target level's cumulative share at each of the last `count` fiscal quarter ends on
    or before `as_of`, oldest first. One query for all of them (plus the levels)."""
    _, target = levels_by_rank()
    days = quarter_ends(as_of, count)
    aggregates = {}
    for index, day in enumerate(days):
        active = Q(joined_on__lte=day) & (Q(ended_on__isnull=True) | Q(ended_on__gt=day))
        if segment.tier:
            active &= Exact(tier_id_on(day), segment.tier.pk)
        aggregates[f"active_{index}"] = Count("pk", filter=active)
        if target:
            aggregates[f"certified_{index}"] = Count(
                "pk", filter=active & Q(certified_on(day, target.rank))
            )
    # The tier criterion is per date (above), the others are the partner's own fields.
    base = Partner.objects.in_segment(replace(segment, tier=None), as_of)
    totals = base.aggregate(**aggregates)
    points = []
    for index, day in enumerate(days):
        active = totals[f"active_{index}"]
        certified = totals.get(f"certified_{index}", 0) or 0
        points.append(
            TrendPoint(
                as_of=day,
                active_partners=active,
                cumulative_partners=certified,
                cumulative_percent=percent(certified, active),
                band=band_for(certified, active),
            )
        )
    return tuple(points)


def certification_risks(as_of, segment=ALL):
    """The live warnings: certifications expiring within the at-risk window, and partners
    whose certification lapsed in the last three months. Two queries."""
    window = settings.AT_RISK_WINDOW_DAYS
    horizon = as_of + dt.timedelta(days=window)
    partners = partners_in(as_of, segment)
    expiring = (
        PartnerCertification.objects.valid_on(as_of)
        .filter(expires_on__lte=horizon, partner__in=partners.values("pk"))
        .aggregate(certifications=Count("pk"), partners=Count("partner", distinct=True))
    )
    quarter_before = add_months(as_of, -3)
    lapsed = partners.aggregate(
        active=Count("pk"),
        lapsed=Count("pk", filter=Q(certified_on(quarter_before)) & ~Q(certified_on(as_of))),
    )
    return CertificationRisks(
        as_of=as_of,
        window_days=window,
        expiring_certifications=expiring["certifications"],
        expiring_partners=expiring["partners"],
        lapsed_partners=lapsed["lapsed"],
        lapsed_percent=percent(lapsed["lapsed"], lapsed["active"]),
        active_partners=lapsed["active"],
    )


def partners_behind(as_of, *, mode, level=None, segment=ALL):
    """The active partners behind a figure on `as_of`, annotated with `level_rank` (their
    level's rank, or None): `exact` (level is `level`), `cumulative` (at `level` or higher)
    or `not_certified`. A queryset, for tables to sort, filter and paginate."""
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
    from django.db.models import Avg

    from partnerprogram.models import FeedbackTopic, PartnerFeedback

    return PartnerFeedback.objects.filter(
        topic=FeedbackTopic.CERTIFICATION_PROCESS,
        received_on__gt=add_months(as_of, -12),
        received_on__lte=as_of,
    ).aggregate(count=Count("pk"), average=Avg("rating"))
