"""Where partners stand against their tier's certification requirement: below threshold,
at risk, meeting it, computed in the database.

Every function takes the day it is about and costs a fixed number of queries whatever the
number of partners: partners are classified by annotations (correlated subqueries and
Exists), never by a Python loop over partners.

Definitions (PRODUCT.md, "Below threshold"; the day rules are partnerprogram.rules.days):
- *below threshold* on D: active, its tier on D requires a level, and it holds no valid
  certification at that level's rank or higher;
- *at risk* on D: active, its tier on D requires a level, it holds a qualifying valid
  certification, and the one that keeps it above threshold (the latest-ending qualifying
  valid certification; ending = the earlier of expires_on and revoked_on, empty = never) ends
  within settings.AT_RISK_WINDOW_DAYS days: D < end <= D + window.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)

from certifications.cube import level_rank_on
from certifications.models import PartnerCertification
from partnerprogram import freshness
from partnerprogram.models import Partner, RemediationReview, ReviewReason
from partnerprogram.rules import days
from partnerprogram.rules.bands import Band
from tiers.models import TierTransition

# The reasons of a review that deals with a partner's certification: an open one of these
# counts as "an open review" on the remediation page.
CERTIFICATION_REASONS = (
    ReviewReason.CERTIFICATION_GAP,
    ReviewReason.CERTIFICATION_EXPIRED,
    ReviewReason.CERTIFICATION_EXPIRING,
)


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


def with_standing(partners, day, *, known=None, stored=None):
    """Annotate a Partner queryset with the partner's standing on `day`:

    - `tier_on_day_id`, `tier_rank`: its tier on `day` (NULL: no tier);
    - `required_rank`: the rank of the level that tier requires (NULL: none);
    - `level_rank`: the rank of the highest level it holds valid on `day` (NULL: none);
    - `keeps_until`: the day its latest-ending qualifying certification ends (NULL: none, or
      one that never ends);
    - `lapsed`: it held a qualifying certification that expired or was revoked by `day`;
    - `open_review_id`: its open certification review (gap or expired), or NULL;
    - `standing`: a Standing value; `standing_order`: worst first, for sorting.

    `known`: the standing every partner of the queryset is known to have (the caller filters
    on it): written as a constant rather than classified row by row. `stored`: whether
    stored state answers for `day`, when the caller knows.
    """
    if stored is None:
        stored = freshness.stored_state_answers(day)
    partners = _with_tier_and_level(partners, day, stored)
    certifications = PartnerCertification.objects
    keeps_until = (
        F("qualified_until")
        if stored
        else days.qualified_until(day, certifications, OuterRef("required_rank"))
    )
    qualifying = certifications.filter(
        partner=OuterRef("pk"), level__rank__gte=OuterRef("required_rank")
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
    if known is not None:
        return partners.annotate(
            standing=Value(known.value, output_field=models.CharField()),
            standing_order=Value(STANDING_ORDER[known], output_field=IntegerField()),
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
    transitions = TierTransition.objects
    return partners.annotate(
        tier_on_day_id=days.tier_on(day, transitions),
        tier_rank=days.tier_on(day, transitions, value="to_tier__rank"),
        required_rank=days.tier_on(day, transitions, value="to_tier__required_level__rank"),
        level_rank=level_rank_on(day),
    )


def _standing_conditions(day, per_row=False, stored=None):
    """{Standing: Q} over the annotations of `with_standing`. Computed live, the at-risk
    condition first narrows to partners with a certification ending in the window (as a
    list of them when filtering many partners, as a per-partner index probe when classifying
    a few rows); from stored state, `keeps_until` is a column and needs no narrowing."""
    stored = freshness.stored_state_answers(day) if stored is None else stored
    active = days.active_on(day)
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
    chosen on their own stored columns alone (an index, no join), as `standing_counts`
    counts them: the annotations' joins then only describe the rows chosen. (Repeating the
    condition through those joins chose the same rows, at a cost in PostgreSQL planning
    time on every page.)"""
    stored = freshness.stored_state_answers(day)
    if standing in STORED_STANDINGS and stored:
        partners = partners.filter(days.active_on(day) & _stored_standing(standing, day))
        return with_standing(partners, day, known=standing, stored=stored)
    known = standing if standing in EXACT_CONDITIONS else None
    partners = with_standing(partners, day, known=known, stored=stored)
    return partners.filter(_standing_conditions(day, stored=stored)[standing])


# The standings whose own condition selects exactly the partners the CASE of with_standing
# puts in them (below threshold comes first; at risk requires the level held): filtered on
# it, their rows need no CASE. "Meets" and "no requirement" are the CASE's later branches.
EXACT_CONDITIONS = (Standing.BELOW_THRESHOLD, Standing.AT_RISK)


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
    """Q on partners' stored state: in a tier that requires a level, holding none or a lower
    one (an index in name order answers it)."""
    return Q(below_requirement=True)


def below_threshold(day):
    """The partners below threshold on `day`, annotated as by `with_standing`, ordered by
    name. A queryset: tables sort, filter and paginate it."""
    return with_standing_in(Partner.objects.all(), day, Standing.BELOW_THRESHOLD)


def at_risk(day):
    """The partners at risk on `day` (their certification ends within the at-risk window),
    annotated as by `with_standing` (`keeps_until` is the day it ends), ordered by name."""
    return with_standing_in(Partner.objects.all(), day, Standing.AT_RISK)


def standing_counts(day):
    """{"below_threshold": partners, "at_risk": partners} on `day`. Two queries; on a kept
    day (today, a closed quarter end) one, once kept (partnerprogram.freshness)."""
    kept = freshness.counts(freshness.STANDINGS, [day])[day]
    return {standing.value: kept.get(standing.value, 0) for standing in STORED_STANDINGS}


@freshness.kept_figure(freshness.STANDINGS, variant=lambda: str(settings.AT_RISK_WINDOW_DAYS))
def standing_tallies(days_, partners=None):
    """{day: {standing: partners}} below threshold and at risk, of the whole program (of
    `partners` only, when given: one query a day). With stored state that answers for the
    day they are counted on the partners' own columns (an index, no join)."""
    tallies = {}
    for day in days_:
        if partners is None:
            tallies[day] = {
                standing.value: _count_in(day, standing) for standing in STORED_STANDINGS
            }
            continue
        rows = with_standing(Partner.objects.filter(pk__in=partners), day)
        counted = dict(rows.values_list("standing").annotate(n=Count("*")).order_by())
        tallies[day] = {
            standing.value: counted.get(standing.value, 0) for standing in STORED_STANDINGS
        }
    return tallies


def _count_in(day, standing):
    if freshness.stored_state_answers(day):
        return Partner.objects.active_on(day).filter(_stored_standing(standing, day)).count()
    return with_standing_in(Partner.objects.all(), day, standing).count()


def review_reason_for(partner):
    """The reason to open a review for a partner annotated by `with_standing`: its
    certification is expiring (it is at risk), expired (it held a qualifying one that lapsed)
    or a gap (it never held the level its tier requires)."""
    if partner.standing == Standing.AT_RISK:
        return ReviewReason.CERTIFICATION_EXPIRING
    if partner.lapsed:
        return ReviewReason.CERTIFICATION_EXPIRED
    return ReviewReason.CERTIFICATION_GAP
