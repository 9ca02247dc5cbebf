"""The dashboard's daily-work panel: below threshold and at risk today, open and overdue
reviews, the latest feedback and the quarter's average rating."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from partnerprogram import kpis
from partnerprogram.rules.periods import Period
from tests import factories as f

from .daily import build_program, count_queries, reference

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = timezone.localdate()
QUARTER = Period.quarter_containing(TODAY)


@pytest.fixture
def work(manager):
    program = build_program()
    acme, bolt = program["Registered Only"], program["Expert In Silver"]
    f.review(acme, manager, opened_on=TODAY - dt.timedelta(days=40))  # overdue
    f.review(bolt, manager, opened_on=TODAY, status="in_progress")
    f.review(
        bolt,
        manager,
        opened_on=D(2025, 1, 1),
        reason="other",
        status="resolved",
        outcome="Done.",
        closed_on=D(2025, 1, 2),
    )
    f.feedback(acme, QUARTER.start, rating=5, comment="First of the quarter")
    f.feedback(bolt, TODAY, rating=2, comment="Newest")
    for n in range(5):
        f.feedback(acme, QUARTER.start - dt.timedelta(days=n + 1), rating=1, comment=f"Old {n}")
    return program


def test_the_figures_count_today_s_partners_reviews_and_feedback(work):
    figures = kpis.dashboard_work(TODAY)
    below, at_risk = reference(TODAY)
    assert (figures.below_threshold, figures.at_risk) == (len(below), len(at_risk))
    assert figures.below_threshold > 0
    assert (figures.open_reviews, figures.overdue_reviews) == (2, 1)
    assert [item.comment for item in figures.recent_feedback] == [
        "Newest",
        "First of the quarter",
        "Old 0",
        "Old 1",
        "Old 2",
    ]
    assert figures.quarter == QUARTER
    assert (figures.quarter_feedback, figures.quarter_average_rating) == (2, Decimal("3.5"))


def test_the_dashboard_shows_the_panel_with_links_to_the_work(viewer_client, work):
    figures = kpis.dashboard_work(TODAY)
    text = viewer_client.get(reverse("dashboard")).text
    assert f'data-testid="work-below">{figures.below_threshold}<' in text
    assert f'data-testid="work-at-risk">{figures.at_risk}<' in text
    assert 'href="/remediation/reviews/?status=active" data-testid="work-open-reviews">2<' in text
    assert (
        'href="/remediation/reviews/?overdue=yes" data-testid="work-overdue-reviews">1 overdue<'
        in (text)
    )
    assert 'data-testid="work-quarter-average">3.5<' in text
    assert f"Feedback {QUARTER.label}" in text
    assert text.index("Newest") < text.index("First of the quarter")


def test_without_feedback_the_quarter_has_no_average(viewer_client, manager):
    figures = kpis.dashboard_work(TODAY)
    assert figures.quarter_average_rating is None and figures.recent_feedback == ()
    assert "No feedback yet." in viewer_client.get(reverse("dashboard")).text


def test_the_dashboard_costs_the_same_queries_for_few_and_many_partners(
    viewer_client, work, manager, django_assert_num_queries
):
    viewer_client.get(reverse("dashboard"))  # today's figures are kept, then kept true
    few = count_queries(lambda: viewer_client.get(reverse("dashboard")))
    silver = work.tiers[1]
    for n in range(40):
        partner = f.partner(f"More {n}")
        f.transition(partner, silver, D(2024, 1, 1))
        f.feedback(partner, TODAY)
        f.review(partner, manager, opened_on=TODAY - dt.timedelta(days=50))
    with django_assert_num_queries(few):
        viewer_client.get(reverse("dashboard"))
    assert kpis.dashboard_work(TODAY).overdue_reviews == 41
