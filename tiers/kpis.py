"""Partner Program Tier Advancements: the KPI's figures for a period, computed in the database.

Every function is a pure function of its period and segment and costs a fixed number of
queries whatever the number of partners or transitions.

Definitions (PRODUCT.md, "Partner Program Tier Advancements"):
- a transition is an enrollment (no from tier), an advancement (to a higher-ranked tier) or a
  downgrade (to a lower-ranked one);
- the headline is the number of distinct partners with at least one advancement effective in
  the period (first and last day included);
- the advancement rate is advancing partners / partners active on the period's first day;
- a partner is stagnant at the end of a period when it is active then, in a tier other than
  the top one, and its latest transition took effect STAGNATION_MONTHS (12) or more before.

A period in progress (PRODUCT.md, "Periods in progress and future dates") is *to date*: its
figures cover its first day to today (no transition takes effect in the future, so they are
the period's own), it is compared with the same number of days at the start of the previous
period and of the period a year earlier, it is never flagged a decline, and its stagnant
partners are judged on today.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Avg, Count, F, Min, Q, Subquery
from django.utils import timezone

from partnerprogram import freshness
from partnerprogram.models import FeedbackTopic, Partner, PartnerFeedback
from partnerprogram.rules import days
from partnerprogram.rules.bands import change_percent, percent
from partnerprogram.rules.periods import Period, PeriodKind, add_months
from partnerprogram.segments import ALL, in_segment
from tiers.models import Tier, TierTransition

TREND_LENGTH = 8

ADVANCEMENT = Q(from_tier__isnull=False, to_tier__rank__gt=F("from_tier__rank"))
DOWNGRADE = Q(from_tier__isnull=False, to_tier__rank__lt=F("from_tier__rank"))
ENROLLMENT = Q(from_tier__isnull=True)


@dataclass(frozen=True)
class TierCount:
    tier_id: int
    tier: str
    rank: int
    partners: int


@dataclass(frozen=True)
class PeriodCount:
    """A period's headline, and its change against the period it is compared with (None
    when that one had no advancing partner). `window` is the days counted: the period
    itself, or its first days when it is compared with a period in progress."""

    period: Period
    advancing_partners: int
    change_percent: Decimal | None = None
    window: Period | None = None

    def __post_init__(self):
        if self.window is None:
            object.__setattr__(self, "window", self.period)

    @property
    def whole_period(self):
        return self.window == self.period

    @property
    def label(self):
        """What was counted, as people read it: "FY2026 Q3", or "the first 58 days of FY2026
        Q3"."""
        if self.whole_period:
            return self.period.label
        days = self.window.days
        return f"the first {'day' if days == 1 else f'{days} days'} of {self.period.label}"


@dataclass(frozen=True)
class TierAdvancements:
    period: Period
    advancing_partners: int  # the headline
    advancement_events: int
    downgrades: int
    enrollments: int
    active_at_start: int
    advancement_rate: Decimal | None  # percent of active_at_start; None when that is 0
    by_tier: tuple[TierCount, ...]  # distinct partners advancing into each tier, by rank
    previous: PeriodCount
    year_ago: PeriodCount
    trend: tuple[PeriodCount, ...]  # TREND_LENGTH periods of the same kind, oldest first
    stagnant_by_tier: dict  # {tier name: stagnant partners on stagnant_on}, lowest first
    to_date: bool = False  # in progress: figures from the first day to `through`
    through: object = None  # the last day the figures cover: the earlier of the end and today

    def __post_init__(self):
        if self.through is None:
            object.__setattr__(self, "through", self.period.end)

    @property
    def days_covered(self):
        return (self.through - self.period.start).days + 1

    @property
    def stagnant_on(self):
        """The day its stagnant partners are judged on: the earlier of its end and today."""
        return self.through

    @property
    def stagnant_partners(self):
        return sum(self.stagnant_by_tier.values())

    @property
    def net_movement(self):
        return self.advancement_events - self.downgrades

    @property
    def comparisons(self):
        """The previous period, and the period a year earlier unless it is the same one (a
        fiscal year's previous period is the year before)."""
        if self.year_ago.window == self.previous.window:
            return (self.previous,)
        return (self.previous, self.year_ago)

    @property
    def declined(self):
        """Fewer advancing partners than in the previous period: flagged as a decline, but
        never while the period runs (its end is still to come)."""
        return not self.to_date and self.advancing_partners < self.previous.advancing_partners


def transitions_in(period, segment=ALL):
    """Transitions effective in the period, of partners in the segment (the tier criterion
    is the partner's tier on the period's last day)."""
    partners = in_segment(Partner.objects.all(), segment, period.end)
    transitions = TierTransition.objects.filter(
        effective_on__gte=period.start, effective_on__lte=period.end
    )
    if segment:
        transitions = transitions.filter(partner__in=partners.values("pk"))
    return transitions


def advancing_counts(periods, segment=ALL):
    """{period: distinct advancing partners} for several periods. For the whole program the
    closed periods are kept (partnerprogram.freshness): one query once kept, the others
    counted in one query; a segment is always counted live."""
    periods = list(dict.fromkeys(periods))
    if segment:
        return _count_advancing(periods, segment)
    kept = freshness.counts(freshness.ADVANCING, periods)
    return {period: kept[period].get("partners", 0) for period in periods}


@freshness.kept_figure(freshness.ADVANCING, per_period=True)
def advancing_tallies(periods, partners=None):
    """{period: {"partners": distinct advancing partners}} of the whole program (of
    `partners` only, when given)."""
    counts = _count_advancing(periods, ALL, partners)
    return {period: {"partners": counts[period]} for period in periods}


def _count_advancing(periods, segment, partners=None):
    aggregates = {
        f"p{index}": Count(
            "partner",
            distinct=True,
            filter=ADVANCEMENT & Q(effective_on__gte=p.start, effective_on__lte=p.end),
        )
        for index, p in enumerate(periods)
    }
    if segment.tier:
        # Each period's tier criterion is the tier on its own last day.
        return {
            p: transitions_in(p, segment).aggregate(n=aggregates[f"p{index}"])["n"]
            for index, p in enumerate(periods)
        }
    span = Period.custom(min(p.start for p in periods), max(p.end for p in periods))
    transitions = transitions_in(span, segment)
    if partners is not None:
        transitions = transitions.filter(partner__in=partners)
    totals = transitions.aggregate(**aggregates)
    return {p: totals[f"p{index}"] for index, p in enumerate(periods)}


def judged_on(period):
    """The day a period's stagnant partners are judged on: the earlier of its last day and
    today (a period in progress is judged on today, not on an end still to come)."""
    return min(period.end, timezone.localdate())


def stagnant_partners(period, segment=ALL):
    """Partners stagnant on `judged_on(period)`, annotated with `tier_on_day_id` and
    `latest_change_on` (the day of their latest transition): active on that day, in a tier
    other than the top one, whose latest transition took effect STAGNATION_MONTHS or more
    before that day. Today reads the partners' stored current tier and last change
    (transitions never take effect in the future)."""
    return stagnant_on(judged_on(period), segment)


def stagnant_on(end, segment=ALL):
    """Partners stagnant on the day `end` (see stagnant_partners)."""
    cutoff = add_months(end, -settings.STAGNATION_MONTHS)
    top_rank = Tier.objects.order_by("-rank").values("rank")[:1]
    below_top = Tier.objects.filter(rank__lt=Subquery(top_rank)).values("pk")
    partners = Partner.objects.active_on(end)
    if end >= timezone.localdate():
        return (
            in_segment(partners, segment, end, stored=True)
            .filter(current_tier__in=below_top, tier_changed_on__lte=cutoff)
            .annotate(tier_on_day_id=F("current_tier_id"), latest_change_on=F("tier_changed_on"))
        )
    transitions = TierTransition.objects
    return (
        in_segment(partners, segment, end)
        .annotate(
            tier_on_day_id=days.tier_on(end, transitions),
            latest_change_on=days.tier_on(end, transitions, value="effective_on"),
        )
        .filter(latest_change_on__lte=cutoff, tier_on_day_id__in=below_top)
    )


def stagnant_count(period, segment=ALL):
    """How many partners are stagnant on `judged_on(period)`. One query."""
    return sum(_stagnant_counts(period, segment).values())


def tier_advancements(period, segment=ALL):
    """The KPI for `period` (a partnerprogram.rules.periods.Period) and segment: the headline, the
    other figures, advancements into each tier, the previous period and the same period a
    year earlier, the trend of TREND_LENGTH periods ending with this one, and the stagnant
    partners by tier. For the whole program a period that has started reads kept figures
    only (a few queries); a segment's are computed (seven queries).

    A period in progress (today is one of its days) is to date: it is compared with the
    first as many days of the previous period and of the period a year earlier as it has
    had (kept like any other period: custom ranges of ADVANCING), and never declines."""
    if segment:
        figures = _period_counts(period, segment)
    else:
        figures = freshness.counts(freshness.PERIOD_TOTALS, [period])[period]
    into = {int(key.removeprefix(INTO)): n for key, n in figures.items() if key.startswith(INTO)}
    # Sorted here: ordering the few tiers in SQL made SQLite walk the quarter once per tier.
    by_tier = sorted(
        Tier.objects.filter(pk__in=into).values_list("pk", "name", "rank"),
        key=lambda row: row[2],
    )
    active_at_start = figures.get("active_at_start", 0)
    trend_periods = trend_of(period)
    today = timezone.localdate()
    to_date = period.in_progress(today)
    days_so_far = period.days_to(today)

    def window(other):
        return other.first_days(days_so_far) if to_date else other

    # A custom range has no "start of the previous period" to speak of: it is compared
    # with the days it covers so far, moved back by as many days and by a year.
    covered = window(period) if period.kind == PeriodKind.RANGE else period
    previous, year_ago = covered.previous(), covered.year_earlier()
    counts = advancing_counts([*trend_periods, window(previous), window(year_ago)], segment)
    headline = figures.get("advancing_partners", 0)

    def compared(other):
        n = counts[window(other)]
        return PeriodCount(other, n, change_percent(headline, n), window(other))

    return TierAdvancements(
        period=period,
        advancing_partners=headline,
        advancement_events=figures.get("advancement_events", 0),
        downgrades=figures.get("downgrades", 0),
        enrollments=figures.get("enrollments", 0),
        active_at_start=active_at_start,
        advancement_rate=percent(headline, active_at_start),
        by_tier=tuple(TierCount(pk, name, rank, into[pk]) for pk, name, rank in by_tier),
        previous=compared(previous),
        year_ago=compared(year_ago),
        trend=tuple(PeriodCount(p, counts[p]) for p in trend_periods),
        stagnant_by_tier=stagnant_by_tier(period, segment),
        to_date=to_date,
        through=judged_on(period),
    )


def trend_of(period):
    """The TREND_LENGTH periods of its kind ending with `period`, from the first that ends
    on or after the day the program's first partner joined: bars before the program had
    partners would only be empty. One query (an index's first entry)."""
    first_day = Partner.objects.aggregate(first=Min("joined_on"))["first"]
    periods = period.trailing(TREND_LENGTH)
    return [p for p in periods if first_day is not None and p.end >= first_day] or [period]


INTO = "into:"  # the key of a period's advancing partners into a tier: "into:<tier id>"


@freshness.kept_figure(freshness.PERIOD_TOTALS, per_period=True)
def period_tallies(periods, partners=None):
    """{period: {figure: count}} of the whole program (of `partners` only, when given): see
    _period_counts."""
    return {period: _period_counts(period, ALL, partners) for period in periods}


def _period_counts(period, segment, partners=None):
    """The counts of the period's figures: advancing_partners, advancement_events,
    downgrades, enrollments, active_at_start, and the advancing partners into each tier
    (key INTO + its id). Three queries."""
    transitions = transitions_in(period, segment)
    active = in_segment(Partner.objects.active_on(period.start), segment, period.end)
    if partners is not None:
        transitions = transitions.filter(partner__in=partners)
        active = active.filter(pk__in=partners)
    counts = transitions.aggregate(
        advancing_partners=Count("partner", distinct=True, filter=ADVANCEMENT),
        advancement_events=Count("pk", filter=ADVANCEMENT),
        downgrades=Count("pk", filter=DOWNGRADE),
        enrollments=Count("pk", filter=ENROLLMENT),
    )
    counts["active_at_start"] = active.count()
    into = (
        transitions.filter(ADVANCEMENT)
        .values("to_tier_id")
        .annotate(partners=Count("partner", distinct=True))
        .order_by()
    )
    counts.update({f"{INTO}{row['to_tier_id']}": row["partners"] for row in into})
    return counts


def advancements(period, segment=ALL):
    """The advancement transitions of the period (partner, from and to tier, date), for the
    table of advancing partners."""
    return transitions_in(period, segment).filter(ADVANCEMENT)


def stagnant_by_tier(period, segment=ALL):
    """{tier name: stagnant partners} on `judged_on(period)`, lowest tier first. Two
    queries."""
    counts = _stagnant_counts(period, segment)
    return {
        tier.name: counts[str(tier.pk)]
        for tier in Tier.objects.order_by("rank")
        if str(tier.pk) in counts
    }


def _stagnant_counts(period, segment):
    """{str(tier id): stagnant partners} on `judged_on(period)`. One query; for the whole
    program kept for that day (partnerprogram.freshness: few days are ever asked for)."""
    day = judged_on(period)
    if segment:
        return _stagnant_by_tier_id(day, segment)
    return freshness.counts(freshness.STAGNANT, [day])[day]


@freshness.kept_figure(freshness.STAGNANT, variant=lambda: str(settings.STAGNATION_MONTHS))
def stagnant_tallies(ends, partners=None):
    """{day: {str(tier id): stagnant partners}} of the whole program (of `partners` only,
    when given)."""
    return {end: _stagnant_by_tier_id(end, ALL, partners) for end in ends}


def _stagnant_by_tier_id(end, segment, partners=None):
    stagnant = stagnant_on(end, segment)
    if partners is not None:
        stagnant = stagnant.filter(pk__in=partners)
    rows = stagnant.values("tier_on_day_id").annotate(partners=Count("*")).order_by()
    return {str(row["tier_on_day_id"]): row["partners"] for row in rows}


def criteria_feedback(period):
    """Feedback on the tier criteria received in the period: count and average rating
    (None when there is none). One query."""
    return PartnerFeedback.objects.filter(
        topic=FeedbackTopic.TIER_CRITERIA,
        received_on__gte=period.start,
        received_on__lte=period.end,
    ).aggregate(count=Count("*"), average=Avg("rating"))
