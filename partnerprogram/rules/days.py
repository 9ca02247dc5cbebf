"""The day rules of PRODUCT.md, each written once. Every query that asks what was true on a
day builds on these, from the KPI pages to the stored state; nothing else spells them out.

- A partner is *active on D* when joined_on <= D and (ended_on is empty or ended_on > D);
  *active during* a period when it is active on at least one of its days.
- A certification is *valid on D* when awarded_on <= D, (expires_on is empty or
  D < expires_on) and (revoked_on is empty or D < revoked_on). It *ends on* the earlier of
  expires_on and revoked_on (never, when it has neither).
- A partner's *tier on D* is the to tier of its latest transition effective on or before D.
- A partner's *level on D* is the highest-ranked level among its certifications valid on D.
- A partner is *qualified until* the day its certifications valid on D at a required rank
  or higher stop being valid: the latest end among them.
- A day after today is a *projection* (PRODUCT.md, "Periods in progress and future dates"):
  what would be true on it if no certification were awarded, renewed or revoked and no
  partner joined or left; certifications expire as recorded. So the partners active on it
  are those active today, and the certifications valid on it are those valid today that
  have not expired by then (an end or a revocation recorded for a later day is not assumed).

The rules name fields, not models, so that they sit below every model: a rule about another
table's rows (a partner's tier or level) takes those rows, a queryset, as an argument.
"""

import datetime as dt

from django.db.models import Case, DateField, F, Max, OuterRef, Q, Subquery, When
from django.utils import timezone

from partnerprogram.rules.periods import PROJECTION


def projected_from(day):
    """Today, when `day` is after it (the figures of `day` are a projection from today);
    else None."""
    today = timezone.localdate()
    return today if isinstance(day, dt.date) and day > today else None


def projection(day):
    """What the figures of `day` assume when it is after today (PROJECTION), else None:
    the label of a page or an answer about a projected day."""
    return PROJECTION if projected_from(day) else None


def active_on(day, path=""):
    """Q: the partner (at `path`, such as "partner__") is active on `day`. On a day after
    today, the partners active today: none joins or leaves in a projection."""
    day = projected_from(day) or day
    return Q(**{f"{path}joined_on__lte": day}) & (
        Q(**{f"{path}ended_on__isnull": True}) | Q(**{f"{path}ended_on__gt": day})
    )


def active_during(start, end, path=""):
    """Q: the partner was active on at least one day from `start` to `end`."""
    return Q(**{f"{path}joined_on__lte": end}) & (
        Q(**{f"{path}ended_on__isnull": True}) | Q(**{f"{path}ended_on__gt": start})
    )


def valid_on(day, path=""):
    """Q: the certification (at `path`) is valid on `day`. On a day after today, valid
    today and not expired by `day`: none is awarded, renewed or revoked in a projection."""
    if today := projected_from(day):
        return valid_on(today, path) & (
            Q(**{f"{path}expires_on__isnull": True}) | Q(**{f"{path}expires_on__gt": day})
        )
    return (
        Q(**{f"{path}awarded_on__lte": day})
        & (Q(**{f"{path}expires_on__isnull": True}) | Q(**{f"{path}expires_on__gt": day}))
        & (Q(**{f"{path}revoked_on__isnull": True}) | Q(**{f"{path}revoked_on__gt": day}))
    )


def ends_on():
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


def tier_on(day, transitions, value="to_tier", partner=None):
    """Subquery: `value` of the outer partner's latest transition effective on or before
    `day` (by default its tier on `day`), NULL when it had none. `day` None: its latest
    transition of all (no transition takes effect in the future)."""
    rows = transitions.filter(partner=partner or OuterRef("pk"))
    if day is not None:
        rows = rows.filter(effective_on__lte=day)
    return Subquery(rows.order_by("-effective_on").values(value)[:1])


def level_on(day, certifications, value="rank", partner=None):
    """Subquery: the outer partner's level on `day`, as its rank (`value` "rank") or its
    id ("id"); NULL when it holds no valid certification. MAX over the partner's few rows
    needs no sort, so the rank is taken that way."""
    held = certifications.filter(valid_on(day), partner=partner or OuterRef("pk"))
    if value == "rank":
        return Subquery(held.values("partner").annotate(rank=Max("level__rank")).values("rank"))
    return Subquery(held.order_by("-level__rank").values("level_id")[:1])


def qualified_until(day, certifications, required_rank, partner=None):
    """Subquery: the day the outer partner's certifications valid on `day` at
    `required_rank` (an expression) or higher stop being valid; NULL when one of them never
    ends, or it holds none."""
    return Subquery(
        certifications.filter(
            valid_on(day), partner=partner or OuterRef("pk"), level__rank__gte=required_rank
        )
        .annotate(ends=ends_on())
        .order_by(F("ends").desc(nulls_first=True))
        .values("ends")[:1],
        output_field=DateField(),
    )
