"""The figures of the daily work: segment alerts, feedback summaries and the dashboard's
work panel, computed in the database, each in a fixed number of queries."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, Exists, OuterRef, Q

from certifications.kpis import segment_breakdowns
from partnerprogram import freshness
from partnerprogram.kpis.standing import standing_counts
from partnerprogram.models import (
    ActionItem,
    FeedbackTopic,
    Partner,
    PartnerFeedback,
    RemediationReview,
    ReviewStatus,
)
from partnerprogram.rules import days
from partnerprogram.rules.bands import Band, percent, truncate
from partnerprogram.rules.periods import Period
from partnerprogram.segments import Dimension

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


def segment_alerts(day, *, levels=None):
    """Regions, partner types and account managers in Action required at the target level on
    `day`, each dimension in label order. Empty when there is no level. Five queries (four
    with `levels` given: certifications.kpis.levels_by_rank(), which a page may share)."""
    alerts = []
    breakdowns = segment_breakdowns(day, levels=levels)
    for dimension in ALERT_DIMENSIONS:
        for row in breakdowns[dimension]:
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
    """The feedback rows received in a period summed up, and how many partners gave
    feedback in it: every figure covers the same days.

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
    """Summarise the rows of `feedback` (a PartnerFeedback queryset, e.g. the filtered rows
    of the feedback page) received during `period`: count, average rating overall and by
    topic, and the share of partners active during `period` who gave feedback in it. Three
    queries."""
    feedback = feedback.order_by().filter(
        received_on__gte=period.start, received_on__lte=period.end
    )
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
    responded = feedback.filter(partner=OuterRef("pk"))
    partners = Partner.objects.filter(days.active_during(period.start, period.end))
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
    overdue_action_items: int  # not done, due before as_of, on open reviews
    recent_feedback: tuple  # the latest PartnerFeedback rows, newest first, with partner
    quarter: Period  # the fiscal quarter containing as_of
    quarter_feedback: int
    quarter_average_rating: Decimal | None


def dashboard_work(as_of):
    """Below-threshold and at-risk counts, open and overdue reviews, overdue action items,
    the latest feedback and the quarter's average rating on `as_of`. Eight queries."""
    standing = standing_counts(as_of)
    # The open reviews only, read from the (status, due_on) index: counting with a filter
    # over every review read them all.
    reviews = RemediationReview.objects.filter(status__in=ReviewStatus.open_values()).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=as_of))
    )
    # Read from the index of the items not done, whatever the number of done ones.
    overdue_items = ActionItem.objects.overdue_on(as_of).count()
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
        overdue_action_items=overdue_items,
        recent_feedback=tuple(recent[:RECENT_FEEDBACK]),
        quarter=quarter,
        quarter_feedback=in_quarter["count"],
        quarter_average_rating=_average(in_quarter["average"]),
    )


# --- Partners ------------------------------------------------------------------------------

NO_DAY = dt.date.max  # the partner count belongs to no day


def partner_count():
    """How many partners the program has, ended ones included. One query once kept."""
    return freshness.counts(freshness.PARTNERS, [NO_DAY])[NO_DAY].get("partners", 0)


@freshness.kept_figure(freshness.PARTNERS)
def partner_tallies(days_, partners=None):
    """{day: {"partners": how many}} (of `partners` only, when given); the same whatever the
    day."""
    rows = Partner.objects.all() if partners is None else Partner.objects.filter(pk__in=partners)
    count = rows.count()
    return {day: {"partners": count} for day in days_}
