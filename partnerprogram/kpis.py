"""The figures of the daily work: partners below threshold and at risk, segment alerts,
feedback summaries and the dashboard's work panel, computed in the database.

Every function takes the day (or period) it is about and costs a fixed number of queries
whatever the number of partners: partners are classified by annotations (correlated
subqueries and Exists), never by a Python loop over partners.

Definitions (PRODUCT.md, "Below threshold"):
- a partner is active on D when joined_on <= D and (ended_on is empty or ended_on > D);
- its tier on D is the to tier of its latest transition effective on or before D;
- a certification is valid on D when awarded_on <= D < expires_on and D < revoked_on;
- *below threshold* on D: active, its tier on D requires a level, and it holds no valid
  certification at that level's rank or higher;
- *at risk* on D: active, its tier on D requires a level, it holds a qualifying valid
  certification, and the one that keeps it above threshold (the latest-ending qualifying
  valid certification; ending = the earlier of expires_on and revoked_on, empty = never) ends
  within settings.AT_RISK_WINDOW_DAYS days: D < end <= D + window.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)

from certifications.kpis import (
    certification_breakdown,
    level_cube,
    level_rank_on,
    levels_by_rank,
)
from certifications.models import CertificationLevel, PartnerCertification
from partnerprogram.models import (
    Partner,
    PartnerFeedback,
    RemediationReview,
    ReviewReason,
    ReviewStatus,
)
from partnerprogram.rules.bands import Band, percent, truncate
from partnerprogram.rules.periods import Period
from partnerprogram.segments import Dimension
from partnerprogram.state import levels_are_current, remembered
from tiers.models import Tier, TierTransition

# The reasons of a review that deals with a partner's certification: an open one of these
# counts as "an open review" on the remediation page.
CERTIFICATION_REASONS = (ReviewReason.CERTIFICATION_GAP, ReviewReason.CERTIFICATION_EXPIRED)


class Standing(models.TextChoices):
    """Where an active partner stands against its tier's certification requirement."""

    BELOW_THRESHOLD = "below_threshold", "Below threshold"
    AT_RISK = "at_risk", "At risk"
    MEETS = "meets", "Meets requirement"
    NO_REQUIREMENT = "no_requirement", "No requirement"
    INACTIVE = "inactive", "Not active"

    @property
    def band(self):
        """The band whose colour the standing is shown in (None: no colour)."""
        return {
            Standing.BELOW_THRESHOLD: Band.ACTION_REQUIRED,
            Standing.AT_RISK: Band.GOOD_STANDING,
            Standing.MEETS: Band.EXEMPLARY,
        }.get(self)


# Worst first, so that sorting by standing brings the partners to act on to the top.
STANDING_ORDER = {
    Standing.BELOW_THRESHOLD: 0,
    Standing.AT_RISK: 1,
    Standing.MEETS: 2,
    Standing.NO_REQUIREMENT: 3,
    Standing.INACTIVE: 4,
}


def at_risk_horizon(day):
    """The last day on which a certification may end for its partner to be at risk on
    `day`."""
    return day + dt.timedelta(days=settings.AT_RISK_WINDOW_DAYS)


def _ends_on():
    """The day a certification stops being valid: the earlier of its expiry and revocation,
    NULL when it has neither. Spelt out because LEAST() treats NULL differently in SQLite and
    PostgreSQL."""
    return Case(
        When(expires_on__isnull=True, then=F("revoked_on")),
        When(revoked_on__isnull=True, then=F("expires_on")),
        When(revoked_on__lt=F("expires_on"), then=F("revoked_on")),
        default=F("expires_on"),
        output_field=DateField(),
    )


def with_standing(partners, day):
    """Annotate a Partner queryset with the partner's standing on `day`:

    - `tier_on_day_id`, `tier_rank`: its tier on `day` (NULL: no tier);
    - `required_rank`: the rank of the level that tier requires (NULL: none);
    - `level_rank`: the rank of the highest level it holds valid on `day` (NULL: none);
    - `keeps_until`: the day its latest-ending qualifying certification ends (NULL: none, or
      one that never ends);
    - `lapsed`: it held a qualifying certification that expired or was revoked by `day`;
    - `open_review_id`: its open certification review (gap or expired), or NULL;
    - `standing`: a Standing value; `standing_order`: worst first, for sorting.
    """
    stored = levels_are_current(day)
    partners = _with_tier_and_level(partners, day, stored)
    qualifying = PartnerCertification.objects.filter(
        partner=OuterRef("pk"), level__rank__gte=OuterRef("required_rank")
    )
    keeps_until = (
        F("qualified_until")
        if stored
        else Subquery(
            qualifying.valid_on(day)
            .annotate(ends_on=_ends_on())
            .order_by(F("ends_on").desc(nulls_first=True))
            .values("ends_on")[:1],
            output_field=DateField(),
        )
    )
    lapsed = qualifying.filter(awarded_on__lte=day).filter(
        Q(expires_on__lte=day) | Q(revoked_on__lte=day)
    )
    open_review = (
        RemediationReview.objects.open()
        .filter(partner=OuterRef("pk"), reason__in=CERTIFICATION_REASONS)
        .order_by("opened_on", "pk")
        .values("pk")[:1]
    )
    partners = partners.annotate(
        keeps_until=keeps_until,
        lapsed=Exists(lapsed),
        open_review_id=Subquery(open_review),
    )
    conditions = _standing_conditions(day, per_row=True, stored=stored)
    cases = [
        (conditions[Standing.BELOW_THRESHOLD], Standing.BELOW_THRESHOLD),
        (conditions[Standing.AT_RISK], Standing.AT_RISK),
        (conditions[Standing.MEETS], Standing.MEETS),
        (conditions[Standing.NO_REQUIREMENT], Standing.NO_REQUIREMENT),
    ]
    return partners.annotate(
        standing=Case(
            *(When(condition, then=Value(value.value)) for condition, value in cases),
            default=Value(Standing.INACTIVE.value),
            output_field=models.CharField(),
        ),
        standing_order=Case(
            *(When(condition, then=Value(STANDING_ORDER[value])) for condition, value in cases),
            default=Value(STANDING_ORDER[Standing.INACTIVE]),
            output_field=IntegerField(),
        ),
    )


def qualified_until_on(day):
    """Subquery for partners (an UPDATE's SET may not join): the day the outer partner's
    certifications valid on `day` at or above its current tier's required level stop being
    valid; NULL when one never ends, or none is held, or the tier requires nothing."""
    required_rank = Tier.objects.filter(pk=OuterRef(OuterRef("current_tier_id"))).values(
        "required_level__rank"
    )[:1]
    return Subquery(
        PartnerCertification.objects.valid_on(day)
        .filter(partner=OuterRef("pk"), level__rank__gte=Subquery(required_rank))
        .annotate(ends_on=_ends_on())
        .order_by(F("ends_on").desc(nulls_first=True))
        .values("ends_on")[:1],
        output_field=DateField(),
    )


def _with_tier_and_level(partners, day, stored):
    """Annotate the tier on `day` (`tier_on_day_id`, `tier_rank`, `required_rank`) and the
    highest level held (`level_rank`): from the partners' stored current tier and level when
    they are current for `day` (`stored`), else by correlated subqueries."""
    if stored:
        return partners.annotate(
            tier_on_day_id=F("current_tier_id"),
            tier_rank=F("current_tier__rank"),
            required_rank=F("current_tier__required_level__rank"),
            level_rank=F("current_level__rank"),
        )
    latest = TierTransition.objects.filter(partner=OuterRef("pk"), effective_on__lte=day).order_by(
        "-effective_on"
    )
    return partners.annotate(
        tier_on_day_id=Subquery(latest.values("to_tier")[:1]),
        tier_rank=Subquery(latest.values("to_tier__rank")[:1]),
        required_rank=Subquery(latest.values("to_tier__required_level__rank")[:1]),
        level_rank=level_rank_on(day),
    )


def _standing_conditions(day, per_row=False, stored=None):
    """{Standing: Q} over the annotations of `with_standing`. Computed live, the at-risk
    condition first narrows to partners with a certification ending in the window (as a
    list of them when filtering many partners, as a per-partner index probe when classifying
    a few rows); from stored state, `keeps_until` is a column and needs no narrowing."""
    stored = levels_are_current(day) if stored is None else stored
    active = Q(joined_on__lte=day) & (Q(ended_on__isnull=True) | Q(ended_on__gt=day))
    requires = active & Q(required_rank__isnull=False)
    if stored:
        ending_soon = Q()
    elif per_row:
        ending_soon = Q(Exists(_ending_within_window(day).filter(partner=OuterRef("pk"))))
    else:
        ending_soon = Q(pk__in=_ending_within_window(day))
    return {
        Standing.BELOW_THRESHOLD: requires
        & (Q(level_rank__isnull=True) | Q(level_rank__lt=F("required_rank"))),
        Standing.AT_RISK: requires
        & Q(level_rank__gte=F("required_rank"))
        & ending_soon
        & Q(keeps_until__isnull=False, keeps_until__lte=at_risk_horizon(day)),
        Standing.MEETS: requires,
        Standing.NO_REQUIREMENT: active,
    }


def _ending_within_window(day):
    horizon = at_risk_horizon(day)
    return PartnerCertification.objects.filter(
        Q(expires_on__gt=day, expires_on__lte=horizon)
        | Q(revoked_on__gt=day, revoked_on__lte=horizon)
    ).values("partner")


def standing_condition(day, standing):
    """The Q that selects partners annotated by `with_standing` in one standing on `day`."""
    return _standing_conditions(day)[standing]


def with_standing_in(partners, day, standing):
    """`partners` annotated as by `with_standing` and narrowed to one standing on `day`,
    filtering on its own condition (not the CASE over all of them), so that only the
    partners that may be in it are examined. With current stored state, the partners are
    first narrowed on their own tier and level columns (an index, no join), so that the
    annotations' joins run only for the few that remain."""
    if standing in STORED_STANDINGS and levels_are_current(day):
        partners = partners.filter(_stored_standing(standing, day))
    return with_standing(partners, day).filter(_standing_conditions(day)[standing])


STORED_STANDINGS = (Standing.BELOW_THRESHOLD, Standing.AT_RISK)


def _stored_standing(standing, day):
    """Q on partners' stored current tier, level and qualification end that selects the
    partners in `standing` today, once they are known to be active (stored state must be
    current for `day`). A stored qualification end implies a tier that requires a level,
    met."""
    if standing == Standing.BELOW_THRESHOLD:
        return _stored_below_requirement()
    return Q(qualified_until__gt=day, qualified_until__lte=at_risk_horizon(day))


def _stored_below_requirement():
    """Q on partners' stored current tier and level: in a tier that requires a level, holding
    none or a lower one. Built from the few tiers and levels as (tier, level) pairs that the
    partner_standing index answers without reading partners."""
    ranks = dict(CertificationLevel.objects.values_list("pk", "rank"))
    condition = Q(pk__in=[])
    for tier_id, required_id in Tier.objects.filter(required_level__isnull=False).values_list(
        "pk", "required_level"
    ):
        lower = [pk for pk, rank in ranks.items() if rank < ranks[required_id]]
        held = Q(current_level__isnull=True) | Q(current_level__in=lower)
        condition |= Q(current_tier=tier_id) & held
    return condition


def below_threshold(day):
    """The partners below threshold on `day`, annotated as by `with_standing`, ordered by
    name. A queryset: tables sort, filter and paginate it."""
    return with_standing_in(Partner.objects.all(), day, Standing.BELOW_THRESHOLD)


def at_risk(day):
    """The partners at risk on `day` (their certification ends within the at-risk window),
    annotated as by `with_standing` (`keeps_until` is the day it ends), ordered by name."""
    return with_standing_in(Partner.objects.all(), day, Standing.AT_RISK)


def standing_counts(day):
    """{"below_threshold": partners, "at_risk": partners} on `day`. Two queries; on a snapshot
    day one, once kept (partnerprogram.state.remembered). With current stored state they are
    counted on the partners' own columns (an index, no join)."""

    def count(standing):
        if levels_are_current(day):
            return Partner.objects.active_on(day).filter(_stored_standing(standing, day)).count()
        return with_standing_in(Partner.objects.all(), day, standing).count()

    return remembered(
        f"standing_counts:{settings.AT_RISK_WINDOW_DAYS}",
        day,
        lambda: {standing.value: count(standing) for standing in STORED_STANDINGS},
    )


def review_reason_for(partner):
    """The reason to open a review for a partner annotated by `with_standing`: its
    certification expired (it is at risk, or it held a qualifying one that lapsed) or a gap
    (it never held the level its tier requires)."""
    if partner.standing == Standing.AT_RISK or partner.lapsed:
        return ReviewReason.CERTIFICATION_EXPIRED
    return ReviewReason.CERTIFICATION_GAP


# --- Segment alerts ----------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentAlert:
    """A segment whose cumulative certification rate at the target level is in Action
    required on the day."""

    dimension: Dimension
    label: str
    params: dict  # partner list filters selecting the segment; empty when none can
    active_partners: int
    certified_partners: int
    cumulative_percent: Decimal | None
    band: Band
    target_level: str


ALERT_DIMENSIONS = (Dimension.REGION, Dimension.PARTNER_TYPE, Dimension.ACCOUNT_MANAGER)


def segment_alerts(day):
    """Regions, partner types and account managers in Action required at the target level on
    `day`, each dimension in label order. Empty when there is no level. Five queries."""
    alerts = []
    levels, cube = levels_by_rank(), level_cube(day)
    for dimension in ALERT_DIMENSIONS:
        for row in certification_breakdown(day, dimension, cube=cube, levels=levels):
            target = row.figures.target
            if target is None or target.band != Band.ACTION_REQUIRED:
                continue
            alerts.append(
                SegmentAlert(
                    dimension=dimension,
                    label=row.label,
                    params=row.params,
                    active_partners=row.figures.active_partners,
                    certified_partners=target.cumulative_partners,
                    cumulative_percent=target.cumulative_percent,
                    band=target.band,
                    target_level=target.name,
                )
            )
    return tuple(alerts)


# --- Feedback ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicAverage:
    topic: str
    label: str
    count: int
    average_rating: Decimal | None


@dataclass(frozen=True)
class FeedbackSummary:
    """A set of feedback rows summed up, and how many partners gave feedback in a period.

    `responding_partners` counts the partners active during `period` (joined on or before its
    last day, not ended on or before its first) with at least one of the rows received in it;
    `response_percent` is their share of `active_partners` (None when there are none)."""

    count: int
    average_rating: Decimal | None  # truncated to one decimal
    by_topic: tuple[TopicAverage, ...]  # topics with rows, in the topics' order
    period: Period
    active_partners: int
    responding_partners: int
    response_percent: Decimal | None


def _average(value):
    return None if value is None else truncate(Decimal(str(value)), 1)


def feedback_summary(feedback, period):
    """Summarise `feedback` (a PartnerFeedback queryset, e.g. the filtered rows of the
    feedback page): count, average rating overall and by topic, and the share of partners
    active during `period` who gave feedback in it. Three queries."""
    from partnerprogram.models import FeedbackTopic

    feedback = feedback.order_by()
    totals = feedback.aggregate(count=Count("*"), average=Avg("rating"))
    topics = {
        row["topic"]: row
        for row in feedback.values("topic").annotate(count=Count("*"), average=Avg("rating"))
    }
    by_topic = tuple(
        TopicAverage(topic, label, topics[topic]["count"], _average(topics[topic]["average"]))
        for topic, label in FeedbackTopic.choices
        if topic in topics
    )
    responded = feedback.filter(
        partner=OuterRef("pk"), received_on__gte=period.start, received_on__lte=period.end
    )
    partners = Partner.objects.filter(joined_on__lte=period.end).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=period.start)
    )
    shares = partners.aggregate(
        active=Count("pk"), responding=Count("pk", filter=Q(Exists(responded)))
    )
    return FeedbackSummary(
        count=totals["count"],
        average_rating=_average(totals["average"]),
        by_topic=by_topic,
        period=period,
        active_partners=shares["active"],
        responding_partners=shares["responding"],
        response_percent=percent(shares["responding"], shares["active"]),
    )


# --- Dashboard -----------------------------------------------------------------------------

RECENT_FEEDBACK = 5


@dataclass(frozen=True)
class DashboardWork:
    """The dashboard's panel of daily work on `as_of`."""

    as_of: dt.date
    below_threshold: int
    at_risk: int
    open_reviews: int
    overdue_reviews: int
    recent_feedback: tuple  # the latest PartnerFeedback rows, newest first, with partner
    quarter: Period  # the fiscal quarter containing as_of
    quarter_feedback: int
    quarter_average_rating: Decimal | None


def dashboard_work(as_of):
    """Below-threshold and at-risk counts, open and overdue reviews, the latest feedback and
    the quarter's average rating on `as_of`. Seven queries."""
    standing = standing_counts(as_of)
    reviews = RemediationReview.objects.aggregate(
        open=Count("pk", filter=Q(status__in=ReviewStatus.open_values())),
        overdue=Count("pk", filter=Q(status__in=ReviewStatus.open_values(), due_on__lt=as_of)),
    )
    quarter = Period.quarter_containing(as_of)
    in_quarter = PartnerFeedback.objects.filter(
        received_on__gte=quarter.start, received_on__lte=min(quarter.end, as_of)
    ).aggregate(count=Count("*"), average=Avg("rating"))
    recent = PartnerFeedback.objects.filter(received_on__lte=as_of).select_related("partner")
    return DashboardWork(
        as_of=as_of,
        below_threshold=standing["below_threshold"],
        at_risk=standing["at_risk"],
        open_reviews=reviews["open"],
        overdue_reviews=reviews["overdue"],
        recent_feedback=tuple(recent[:RECENT_FEEDBACK]),
        quarter=quarter,
        quarter_feedback=in_quarter["count"],
        quarter_average_rating=_average(in_quarter["average"]),
    )
