"""The feedback form, the feedback table with its filters and summary, and escaping."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from partnerprogram import kpis
from partnerprogram.models import PartnerFeedback
from partnerprogram.rules.periods import Period
from tests import factories as f

from .daily import assert_refused, count_queries

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = timezone.localdate()
LIST = reverse("feedback:list")
CREATE = reverse("feedback:create")


@pytest.fixture
def partners():
    return {
        "acme": f.partner("Acme", joined_on=D(2024, 1, 1)),
        "bolt": f.partner("Bolt", joined_on=D(2024, 1, 1)),
        "cobalt": f.partner("Cobalt", joined_on=D(2024, 1, 1), ended_on=D(2025, 3, 1)),
        "delta": f.partner("Delta", joined_on=D(2025, 6, 1)),
    }


def valid(partner_, **overrides):
    return {
        "partner": partner_.name,
        "received_on": "2025-05-02",
        "channel": "qbr",
        "topic": "training",
        "rating": "4",
        "comment": "Labs were great.",
        **overrides,
    }


# --- The form ----------------------------------------------------------------------------


def test_a_manager_logs_feedback_and_goes_back_where_they_came_from(
    manager_client, partners, manager
):
    came_from = reverse("partners:list") + "?region=EMEA"
    response = manager_client.post(
        CREATE, {**valid(partners["acme"], follow_up_needed="on"), "next": came_from}
    )
    assert response.status_code == 302 and response.url == came_from
    feedback = PartnerFeedback.objects.get()
    assert (feedback.partner, feedback.received_on, feedback.rating) == (
        partners["acme"],
        D(2025, 5, 2),
        4,
    )
    assert feedback.channel == "qbr" and feedback.topic == "training"
    assert feedback.follow_up_needed is True
    assert feedback.logged_by == manager
    page = manager_client.get(came_from)
    assert "Feedback from Acme logged." in page.text


def test_without_next_the_manager_lands_on_the_partner_page(manager_client, partners):
    response = manager_client.post(CREATE, valid(partners["bolt"]))
    assert response.url == partners["bolt"].get_absolute_url()


def test_an_outside_next_is_ignored(manager_client, partners):
    response = manager_client.post(
        CREATE, {**valid(partners["bolt"]), "next": "https://evil.example/steal"}
    )
    assert response.url == partners["bolt"].get_absolute_url()


def test_from_the_partner_page_the_partner_is_filled_in(manager_client, partners):
    response = manager_client.get(CREATE, {"partner": partners["bolt"].pk, "next": "/partners/"})
    assert response.context["form"]["partner"].value() == "Bolt"
    text = response.text
    assert 'value="Bolt"' in text and 'list="id_partner-options"' in text
    # The other partners are suggested by the server as one types, not listed in the page.
    assert "Acme" not in text and 'data-partner-search="/partners/search/"' in text
    assert 'name="next" value="/partners/"' in text
    assert response.context["form"]["received_on"].value() == TODAY


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"partner": "Nobody Inc"}, "partner", "No partner has this name"),
        ({"partner": ""}, "partner", "This field is required."),
        ({"received_on": "TOMORROW"}, "received_on", "Feedback cannot be received in the future."),
        ({"received_on": "2025-02-30"}, "received_on", "Enter a valid date."),
        ({"channel": "fax"}, "channel", "Select a valid choice."),
        ({"topic": ""}, "topic", "This field is required."),
        ({"rating": "0"}, "rating", "A rating is from 1 to 5."),
        ({"rating": "6"}, "rating", "A rating is from 1 to 5."),
        ({"rating": ""}, "rating", "This field is required."),
        ({"comment": "   "}, "comment", "Write down what the partner said."),
        ({"comment": "x" * 2001}, "comment", "at most 2000 characters"),
    ],
)
def test_invalid_feedback_is_refused_with_its_message_and_nothing_saved(
    manager_client, partners, overrides, field, message
):
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    overrides = {k: tomorrow if v == "TOMORROW" else v for k, v in overrides.items()}
    response = manager_client.post(CREATE, valid(partners["acme"], **overrides))
    assert_refused(response, field, message)
    assert PartnerFeedback.objects.count() == 0


def test_the_longest_comment_allowed_is_saved(manager_client, partners):
    response = manager_client.post(CREATE, valid(partners["acme"], comment="y" * 2000))
    assert response.status_code == 302
    assert len(PartnerFeedback.objects.get().comment) == 2000


# --- The table and its filters -----------------------------------------------------------


@pytest.fixture
def rows(partners, manager):
    acme, bolt, cobalt = partners["acme"], partners["bolt"], partners["cobalt"]
    return {
        "acme_apr": f.feedback(acme, D(2025, 4, 5), topic="training", channel="survey", rating=5),
        "acme_may": f.feedback(
            acme,
            D(2025, 5, 10),
            topic="support",
            channel="call",
            rating=2,
            follow_up_needed=True,
            logged_by=manager,
        ),
        "bolt_jun": f.feedback(bolt, D(2025, 6, 20), topic="training", channel="qbr", rating=3),
        "cobalt_jan": f.feedback(
            cobalt, D(2025, 1, 15), topic="tools", channel="portal", rating=1, follow_up_needed=True
        ),
    }


def listed(response):
    assert response.status_code == 200
    return [row.record.pk for row in response.context["table"].paginated_rows]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, ["bolt_jun", "acme_may", "acme_apr", "cobalt_jan"]),  # newest first
        ({"partner": "Acme"}, ["acme_may", "acme_apr"]),
        ({"topic": "training"}, ["bolt_jun", "acme_apr"]),
        ({"channel": "call"}, ["acme_may"]),
        ({"rating": "1"}, ["cobalt_jan"]),
        ({"received_from": "2025-04-05", "received_to": "2025-05-10"}, ["acme_may", "acme_apr"]),
        ({"follow_up_needed": "true"}, ["acme_may", "cobalt_jan"]),
        ({"follow_up_needed": "false", "topic": "training"}, ["bolt_jun", "acme_apr"]),
    ],
)
def test_each_filter_narrows_the_feedback_table(viewer_client, rows, params, expected):
    assert listed(viewer_client.get(LIST, params)) == [rows[name].pk for name in expected]


def test_a_date_range_that_ends_before_it_starts_is_refused(viewer_client, rows):
    response = viewer_client.get(LIST, {"received_from": "2025-06-01", "received_to": "2025-05-01"})
    assert "The end of the range cannot be before its start." in response.text


def test_the_summary_counts_and_averages_the_filtered_rows_and_the_response_share(
    viewer_client, rows
):
    response = viewer_client.get(LIST, {"received_from": "2025-04-01", "received_to": "2025-06-30"})
    summary = response.context["summary"]
    assert summary.count == 3
    assert summary.average_rating == Decimal("3.3")  # (5 + 2 + 3) / 3, truncated
    assert [(t.label, t.count, t.average_rating) for t in summary.by_topic] == [
        ("Training", 2, Decimal("4.0")),
        ("Support", 1, Decimal("2.0")),
    ]
    # Active during Q2 2025: Acme, Bolt and Delta (joined 2025-06-01); Cobalt ended 2025-03-01.
    assert (summary.active_partners, summary.responding_partners) == (3, 2)
    assert summary.response_percent == Decimal("66.6")
    text = response.text
    assert "66.6%" in text and "2 of 3 partners active in the period" in text
    shown = text.split('data-testid="feedback-summary"')[1].split("</section>")[0]
    assert "5 Apr 2025" not in shown and "1 Apr 2025 – 30 Jun 2025" in shown


def test_without_dates_the_summary_is_of_the_quarter_so_far(viewer_client, rows, partners):
    # Every figure covers the same days: the four rows of 2025 are listed but not summed;
    # today's rating of 4 from Bolt is.
    f.feedback(partners["bolt"], TODAY, rating=4)
    response = viewer_client.get(LIST)
    summary = response.context["summary"]
    quarter = Period.quarter_containing(TODAY)
    assert (summary.period.start, summary.period.end) == (quarter.start, TODAY)
    assert len(listed(response)) == 5
    assert (summary.count, summary.average_rating) == (1, Decimal("4.0"))
    assert [(t.count, t.average_rating) for t in summary.by_topic] == [(1, Decimal("4.0"))]
    assert (summary.active_partners, summary.responding_partners) == (3, 1)
    assert f"Summary of these rows received {summary.period.label}" in response.text


def test_the_summary_of_no_rows_has_no_average(rows):
    summary = kpis.feedback_summary(
        PartnerFeedback.objects.filter(rating=4), Period.custom(D(2025, 1, 1), D(2025, 1, 31))
    )
    assert summary.count == 0 and summary.average_rating is None and summary.by_topic == ()


def test_feedback_comments_are_text_everywhere(manager_client, partners):
    comment = '<script>alert("pwned")</script><b>bold</b>'
    f.feedback(partners["acme"], TODAY, comment=comment)
    for url in (LIST, partners["acme"].get_absolute_url(), reverse("dashboard")):
        text = manager_client.get(url).text
        assert "<script>alert" not in text and "<b>bold" not in text, url
        assert "&lt;script&gt;alert(" in text, url
    csv = manager_client.get(LIST, {"_export": "csv"}).content.decode()
    assert "<script>" in csv  # a download keeps the text as it was written


def test_the_feedback_table_costs_the_same_queries_for_5_and_50_rows(
    viewer_client, partners, manager, django_assert_num_queries
):
    for n in range(5):
        f.feedback(partners["acme"], D(2025, 5, 1) + dt.timedelta(days=n), logged_by=manager)
    few = count_queries(lambda: viewer_client.get(LIST, {"per_page": 100}))
    for n in range(45):
        partner = f.partner(f"More {n}")
        f.feedback(partner, D(2025, 3, 1) + dt.timedelta(days=n), logged_by=manager)
    with django_assert_num_queries(few):
        response = viewer_client.get(LIST, {"per_page": 100})
    assert len(listed(response)) == 50
