"""Stored state: each partner's current tier and last tier change (from its transitions),
its current level, the day its qualification for its tier ends and whether it holds the
level its tier requires at all (from its certifications, as of the state's day). Pages about
today read these columns instead of computing them.

The tier columns follow every write at once. The level columns are true for one day, the
one recorded in ProgramState("levels"): certifications expire with time, so `refresh()`
computes them again every night, and they answer for a day only when it is today and the
state's day (`stored_state_answers`).
"""

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import models
from django.db.models import Case, F, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThan
from django.utils import timezone

from certifications.models import PartnerCertification
from partnerprogram.freshness.feeds import LEVEL, QUALIFICATION, STORED, TIER
from partnerprogram.models import Partner, ProgramState
from partnerprogram.rules import days
from tiers.models import TierTransition

LEVELS_KEY = "levels"


# Inside `one_state_day()` (a request), the state's day is read once, not by every figure
# that asks whether stored state answers.
_remembered = ContextVar("remembered_state_day", default=None)


@contextmanager
def one_state_day():
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


@dataclass(frozen=True)
class StoredState:
    """The day every partner's stored level and qualification were computed for, and when
    they were (None for a state recorded before that was kept)."""

    day: dt.date
    refreshed_at: dt.datetime | None


def stored_state():
    """The StoredState, or None before the first refresh. One query, once a request."""
    memo = _remembered.get()
    if memo is not None and LEVELS_KEY in memo:
        return memo[LEVELS_KEY]
    row = ProgramState.objects.filter(key=LEVELS_KEY).values_list("as_of", "refreshed_at")
    found = StoredState(*row[0]) if row else None
    if memo is not None:
        memo[LEVELS_KEY] = found
    return found


def state_day():
    """The day every partner's stored level and qualification were computed for, or None."""
    found = stored_state()
    return found.day if found else None


def stored_state_answers(day):
    """True when stored state can answer for `day`: it is today and the levels were
    computed for today."""
    return day == timezone.localdate() and state_day() == day


def answering_state(day):
    """The StoredState when it answers for `day` (stored_state_answers), else None: what a
    page about today says its figures are as of."""
    return stored_state() if stored_state_answers(day) else None


def _values(columns, day):
    """{column: expression} of the stored `columns` for the outer partner, as of `day`."""
    transitions, certifications = TierTransition.objects, PartnerCertification.objects
    # The tier of the partner's latest transition: the one it is in now (none takes effect
    # in the future). The qualification is read from that transition, not from the stored
    # current tier, which the same UPDATE may be changing; it is compared inside the
    # certifications' subquery, so the partner is two levels out.
    required_rank = days.tier_on(
        None,
        transitions,
        value="to_tier__required_level__rank",
        partner=OuterRef(OuterRef("pk")),
    )
    expressions = {
        "current_tier": lambda: days.tier_on(None, transitions),
        "tier_changed_on": lambda: days.tier_on(None, transitions, value="effective_on"),
        "current_level": lambda: days.level_on(day, certifications, value="id"),
        "qualified_until": lambda: days.qualified_until(day, certifications, required_rank),
        "below_requirement": lambda: _below_requirement(day, transitions, certifications),
    }
    return {column: expressions[column]() for column in columns}


def _below_requirement(day, transitions, certifications):
    """True when the partner's tier (of its latest transition) requires a level and the
    highest it holds valid on `day` ranks lower, or it holds none."""
    required = days.tier_on(None, transitions, value="to_tier__required_level__rank")
    held = days.level_on(day, certifications)
    # Each subquery once (ranks are never negative; no requirement compares as unknown):
    # every repetition costs PostgreSQL planning time on each write.
    return Case(
        When(LessThan(Coalesce(held, Value(-1)), required), then=Value(True)),
        default=Value(False),
        output_field=models.BooleanField(),
    )


def _differs(column, value):
    """Q: the stored `column` is not the annotated `value` (NULLs compared as values)."""
    return (
        Q(**{f"{value}__isnull": True, f"{column}__isnull": False})
        | Q(**{f"{value}__isnull": False, f"{column}__isnull": True})
        | (Q(**{f"{value}__isnull": False}) & ~Q(**{column: F(value)}))
    )


def recompute(partner_ids=None, columns=STORED):
    """Compute the stored `columns` of the partners `partner_ids` (None: every partner)
    again. Only the rows whose values changed are written: rewriting every row would bloat
    the table and its covering indexes on PostgreSQL. The level columns are left alone
    until a state day exists (`refresh()` has run once)."""
    day = state_day()
    columns = tuple(c for c in columns if c in TIER or day is not None)
    if not columns or partner_ids is not None and not partner_ids:
        return
    # A plain QuerySet: this is the write that the watch of Partner lets nobody else make.
    partners = models.QuerySet(Partner)
    if partner_ids is not None:
        partners = partners.filter(pk__in=partner_ids)
    values = _values(columns, day)
    now = partners.annotate(**{f"{column}_now": value for column, value in values.items()})
    changed = Q(pk__in=[])
    for column in columns:
        changed |= _differs(column, f"{column}_now")
    partners.filter(pk__in=now.filter(changed).values("pk")).update(**values)


def refresh_levels(day=None):
    """Compute every partner's level and qualification for `day` (default today) and record
    it as the state's day."""
    day = set_state_day(day or timezone.localdate())
    recompute(None, LEVEL + QUALIFICATION)
    return day


def set_state_day(day):
    """Record `day` as the day stored levels are computed for, now; the caller computes them
    (refresh_levels, or a batch that recomputes every partner at its end)."""
    ProgramState.objects.update_or_create(
        key=LEVELS_KEY, defaults={"as_of": day, "refreshed_at": timezone.now()}
    )
    if (memo := _remembered.get()) is not None:
        memo.clear()  # read again: the transaction that set it may yet roll back
    return day
