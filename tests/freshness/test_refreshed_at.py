"""The nightly refresh records when it ran, and the pages whose figures come from stored
state say "Figures as of <day> (refreshed <when>)"; pages about another day say nothing."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from partnerprogram import freshness
from partnerprogram.freshness.stored import set_state_day
from partnerprogram.rules.periods import Period, day_label
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def program():
    levels = f.standard_levels()
    registered, *_ = f.standard_tiers(levels)
    partner = f.partner("Old", joined_on=dt.date(2024, 1, 1))
    f.transition(partner, registered, dt.date(2024, 1, 1), from_tier=None)


def test_the_refresh_records_when_it_ran(program):
    assert freshness.stored_state() is None
    before = timezone.now()
    day = freshness.refresh()
    first = freshness.stored_state()
    assert first.day == day and before <= first.refreshed_at <= timezone.now()
    freshness.refresh()
    assert freshness.stored_state().refreshed_at > first.refreshed_at


def note(response):
    text = response.content.decode()
    start = text.find('data-testid="figures-as-of">')
    return None if start < 0 else text[start:].split(">", 1)[1].split("<", 1)[0]


PAGES_ABOUT_TODAY = [
    ("dashboard", {}),
    ("certifications:kpi", {}),
    ("certifications:kpi", {"dimension": "tier"}),
    ("tiers:kpi", {}),
    ("remediation:overview", {}),
]


@pytest.mark.parametrize(("url", "params"), PAGES_ABOUT_TODAY)
def test_pages_about_today_say_when_their_figures_were_refreshed(
    program, viewer_client, url, params
):
    today = freshness.refresh()
    refreshed = timezone.localtime(freshness.stored_state().refreshed_at)
    when = f"{date_format(refreshed, 'DATETIME_FORMAT')} {refreshed:%Z}"
    response = viewer_client.get(reverse(url), params)
    assert note(response) == f"Figures as of {day_label(today)} (refreshed {when})."


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("certifications:kpi", {"as_of": "2025-06-30"}),
        ("tiers:kpi", {"period": Period.quarter_containing(dt.date(2025, 5, 1)).key}),
        ("remediation:overview", {"as_of": "2025-06-30"}),
    ],
)
def test_pages_about_another_day_say_nothing_of_it(program, viewer_client, url, params):
    freshness.refresh()
    assert note(viewer_client.get(reverse(url), params)) is None


def test_a_state_of_yesterday_answers_nothing_so_nothing_is_said(program, viewer_client):
    set_state_day(timezone.localdate() - dt.timedelta(days=1))
    assert note(viewer_client.get(reverse("dashboard"))) is None
