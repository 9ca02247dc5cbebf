"""The nightly refresh_state: stored levels for the new day, the kept figures of days gone
by dropped, the differences writes left added up, and today's figures filled."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from certifications import cube
from partnerprogram import freshness
from partnerprogram.freshness import ADVANCING, LEVELS, PARTNERS, RISKS, STAGNANT, STANDINGS
from partnerprogram.freshness.kept import _where
from partnerprogram.freshness.stored import state_day
from partnerprogram.models import KeptCount
from partnerprogram.rules.periods import Period
from tests import factories as f
from tests.freshness.checks import CLOSED_QUARTER_ENDS, TODAY, disagreements, kept_figures
from tests.kept import is_kept

pytestmark = pytest.mark.django_db


@pytest.fixture
def program():
    levels = f.standard_levels()
    registered, silver, *_ = f.standard_tiers(levels)
    old = f.partner("Old", joined_on=dt.date(2024, 1, 1))
    f.transition(old, registered, dt.date(2024, 1, 1), from_tier=None)
    recent = f.partner("Recent", joined_on=dt.date(2024, 1, 1))
    f.transition(recent, silver, dt.date(2024, 1, 1), from_tier=None)
    return {"old": old, "recent": recent, "levels": levels}


def test_refresh_state_fills_today_and_drops_the_days_gone_by(program):
    quarter_end = CLOSED_QUARTER_ENDS[-1]
    gone_by = quarter_end + dt.timedelta(days=1)  # a day that was today once
    cube.level_cubes([gone_by])  # not kept: no snapshot day
    KeptCount.objects.create(figure=LEVELS, day=gone_by, key="", count=0)  # as if it were
    call_command("refresh_state", stdout=StringIO())
    assert state_day() == TODAY
    assert not is_kept(LEVELS, gone_by)
    for figure in (LEVELS, RISKS, STANDINGS):
        assert is_kept(figure, TODAY), figure
    assert is_kept(LEVELS, quarter_end)
    assert is_kept(PARTNERS, dt.date.max)
    assert is_kept(STAGNANT, TODAY)  # the periods in progress are judged on today
    assert disagreements() == []


def test_refresh_state_forgets_what_periods_in_progress_asked_for_on_days_gone_by(program):
    """A period in progress asks for its stagnant partners of today and for the first days
    of the periods it is compared with; the next night forgets them (tomorrow asks for
    others), but keeps a month's end and the periods themselves."""
    current = Period.quarter_containing(TODAY)
    window = current.previous().first_days(current.days_to(TODAY))
    month_end = CLOSED_QUARTER_ENDS[-1]  # a quarter's end is a month's end
    a_past_today = month_end - dt.timedelta(days=1)
    call_command("refresh_state", stdout=StringIO())
    assert is_kept(ADVANCING, *_where(window))  # filled for today's pages
    assert is_kept(ADVANCING, *_where(current.previous()))
    old_window = Period.custom(current.previous().start, current.previous().start)
    freshness.counts(ADVANCING, [old_window])  # a window a page asked for once
    freshness.counts(STAGNANT, [a_past_today, month_end])
    assert is_kept(ADVANCING, *_where(old_window)) and is_kept(STAGNANT, a_past_today)
    call_command("refresh_state", stdout=StringIO())
    assert not is_kept(ADVANCING, *_where(old_window))
    assert not is_kept(STAGNANT, a_past_today)
    assert is_kept(STAGNANT, month_end)
    assert is_kept(ADVANCING, *_where(current.previous()))
    assert is_kept(ADVANCING, *_where(window))  # today's, filled again
    assert disagreements() == []


def test_refresh_state_adds_up_the_differences_writes_left(program):
    call_command("refresh_state", stdout=StringIO())
    for day in (dt.date(2024, 6, 1), TODAY):  # a back-dated award, and one of today
        f.certification(program["recent"], program["levels"][0], day)
    figures = kept_figures()
    rows = KeptCount.objects.values("figure", "day", "period", "key").annotate(n=Count("*"))
    assert any(row["n"] > 1 for row in rows)  # rows of differences
    call_command("refresh_state", stdout=StringIO())
    rows = KeptCount.objects.values("figure", "day", "period", "key").annotate(n=Count("*"))
    assert all(row["n"] == 1 for row in rows)
    assert kept_figures() == figures
    assert disagreements() == []
