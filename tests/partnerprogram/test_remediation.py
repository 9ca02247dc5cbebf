"""The remediation page (below threshold, at risk, segment alerts), the reviews table and
page, and the forms and services that open, edit, close and reopen reviews."""

import datetime as dt
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from partnerprogram.daily.remediation import services
from partnerprogram.models import Partner, PartnerType, RemediationReview, ReviewReason
from tests import factories as f

from .daily import AT_RISK_ON_DAY, BELOW_ON_DAY, DAY, assert_refused, build_program, count_queries
from .test_table_speed import rows_both_ways

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = timezone.localdate()
OVERVIEW = reverse("remediation:overview")
REVIEWS = reverse("remediation:review-list")
CREATE = reverse("remediation:review-create")


@pytest.fixture
def program():
    return build_program()


def group(response, name):
    table = response.context["below_table" if name == "below" else "at_risk_table"]
    return [row.record.name for row in table.paginated_rows]


# --- The remediation page ----------------------------------------------------------------


def test_the_page_lists_both_groups_on_the_chosen_day(viewer_client, program):
    response = viewer_client.get(OVERVIEW, {"as_of": DAY.isoformat()})
    assert group(response, "below") == BELOW_ON_DAY
    # At risk: soonest end first (1, 20, 60 and 90 days left).
    soonest_first = sorted(AT_RISK_ON_DAY, key=lambda pair: pair[1])
    assert group(response, "at_risk") == [name for name, _ in soonest_first]
    days_left = [
        row.get_cell("days_left") for row in response.context["at_risk_table"].paginated_rows
    ]
    assert days_left == [(end - DAY).days for _, end in soonest_first] == [1, 20, 60, 90]
    text = response.text
    assert 'data-testid="below-count">5<' in text and 'data-testid="at_risk-count">4<' in text
    assert "28 Sep 2025" in text  # Expiring In 90's expiry date


def test_without_a_day_the_page_is_about_today(viewer_client, program):
    response = viewer_client.get(OVERVIEW)
    assert response.context["as_of"] == TODAY
    assert "Promoted After" in group(response, "below")  # Platinum now, holding Professional


def test_an_invalid_day_says_so_and_shows_today(viewer_client, program):
    response = viewer_client.get(OVERVIEW, {"as_of": "31/12/2025"})
    assert response.context["as_of"] == TODAY
    assert "Enter a date as YYYY-MM-DD." in response.text
    assert "The day in the filters was refused; showing today instead." in response.text


def test_each_row_shows_tier_required_and_held_levels(viewer_client, program):
    response = viewer_client.get(OVERVIEW, {"as_of": DAY.isoformat()})
    rows = {row.record.name: row for row in response.context["below_table"].paginated_rows}
    gold = rows["Associate In Gold"]
    assert (
        gold.get_cell("tier"),
        gold.get_cell("required_level"),
        gold.get_cell("held_level"),
    ) == (
        "Gold",
        "Professional",
        "Associate",
    )
    assert rows["Expired Associate"].get_cell("held_level") == "None"


def test_a_manager_opens_a_review_in_one_click_with_the_form_prefilled(
    manager_client, program, manager
):
    response = manager_client.get(OVERVIEW, {"as_of": DAY.isoformat()})
    rows = {row.record.name: row for row in response.context["below_table"].paginated_rows}
    button = str(rows["Expired Associate"].get_cell("open_review"))
    assert "Open review</a>" in button
    href = button.split('href="')[1].split('"')[0].replace("&amp;", "&")
    query = parse_qs(urlparse(href).query)
    assert query["reason"] == ["certification_expired"]  # its qualifying certification expired
    assert query["next"] == [f"{OVERVIEW}?as_of={DAY.isoformat()}"]
    form = manager_client.get(href).context["form"]
    assert form["partner"].value() == "Expired Associate"
    assert form["reason"].value() == "certification_expired"
    assert form["owner"].value() == manager.pk
    assert form["due_on"].value() == TODAY + dt.timedelta(days=30)
    gap = str(rows["Associate In Gold"].get_cell("open_review"))
    assert "reason=certification_gap" in gap
    at_risk = {r.record.name: r for r in response.context["at_risk_table"].paginated_rows}
    expiring = str(at_risk["Expiring In 90"].get_cell("open_review"))
    assert "reason=certification_expiring" in expiring  # not expired yet: 90 days left


def test_a_partner_with_an_open_review_links_to_it_instead(manager_client, program, manager):
    review = f.review(program["Associate In Gold"], manager, reason=ReviewReason.CERTIFICATION_GAP)
    response = manager_client.get(OVERVIEW, {"as_of": DAY.isoformat()})
    rows = {row.record.name: row for row in response.context["below_table"].paginated_rows}
    cell = str(rows["Associate In Gold"].get_cell("open_review"))
    assert f'href="{review.get_absolute_url()}"' in cell and "Open review</a>" not in cell


def test_a_viewer_sees_whether_a_review_is_open_but_no_button(viewer_client, program):
    response = viewer_client.get(OVERVIEW, {"as_of": DAY.isoformat()})
    assert "btn btn-sm btn-primary" not in response.text
    assert CREATE not in response.text
    rows = {row.record.name: row for row in response.context["below_table"].paginated_rows}
    assert rows["Associate In Gold"].get_cell("open_review") == "No"


def test_each_group_downloads_as_csv(viewer_client, program):
    response = viewer_client.get(
        OVERVIEW, {"as_of": DAY.isoformat(), "_export": "csv", "_table": "at_risk"}
    )
    assert response["Content-Disposition"].endswith('at-risk-2025-06-30.csv"')
    lines = response.content.decode().splitlines()
    assert lines[0] == (
        "Partner,Tier,Tier requires,Holds,Certification ends,Days left,Account manager,Review"
    )
    assert lines[1] == "Expert Ending Tomorrow,Platinum,Expert,Expert,2025-07-01,1,,No"
    assert len(lines) == 1 + len(AT_RISK_ON_DAY)


@pytest.fixture
def segments(manager):
    """On DAY: EMEA has 1 of 4 active partners certified (Action required), APAC 3 of 3;
    resellers 1 of 4, MSPs 3 of 3; the manager's partners 1 of 4."""
    associate = f.level("Associate", 1)
    emea, apac = f.region("EMEA"), f.region("APAC")
    for n in range(4):
        partner = f.partner(f"Emea {n}", region=emea, account_manager=manager)
        if n == 0:
            f.certification(partner, associate, D(2024, 2, 1))
    for n in range(3):
        partner = f.partner(f"Apac {n}", region=apac, partner_type=PartnerType.MSP)
        f.certification(partner, associate, D(2024, 2, 1))


def test_segments_in_action_required_are_alerted_with_a_link_to_their_partners(
    viewer_client, segments
):
    response = viewer_client.get(OVERVIEW, {"as_of": DAY.isoformat()})
    alerts = [
        (alert.dimension.value, alert.label, alert.active_partners, str(alert.cumulative_percent))
        for alert, link in response.context["alerts"]
    ]
    assert alerts == [
        ("region", "EMEA", 4, "25.0"),
        ("partner_type", "Reseller", 4, "25.0"),
        ("account_manager", "Morgan Manager", 4, "25.0"),
    ]
    links = [link for _, link in response.context["alerts"]]
    assert links[0] == "/partners/?region=EMEA&status=active"
    assert links[2] == "/partners/?account_manager=manager&status=active"
    assert response.text.count('class="badge band-action_required"') == 3
    partners = viewer_client.get(links[0])
    assert [row.record.name for row in partners.context["table"].paginated_rows] == [
        f"Emea {n}" for n in range(4)
    ]


def test_the_remediation_page_costs_the_same_queries_for_few_and_many_partners(
    manager_client, program, django_assert_num_queries
):
    params = {"as_of": DAY.isoformat()}
    manager_client.get(OVERVIEW, params)  # DAY is a quarter end: its figures are kept
    few = count_queries(lambda: manager_client.get(OVERVIEW, params))
    silver, associate = program.tiers[1], program.levels[0]
    for n in range(45):
        below = f.partner(f"Below {n}")
        f.transition(below, silver, D(2024, 1, 1))
        risky = f.partner(f"Risky {n}")
        f.transition(risky, silver, D(2024, 1, 1))
        f.certification(risky, associate, D(2024, 1, 1), expires_on=DAY + dt.timedelta(days=9))
    with django_assert_num_queries(few):
        response = manager_client.get(OVERVIEW, params)
    assert response.context["below_table"].paginator.count == len(BELOW_ON_DAY) + 45


def test_the_tables_rows_are_django_tables2s_own(manager_client, program, manager, rf):
    """The page writes its rows without django-tables2's generic cell lookup and links
    without reverse() per row (partnerprogram.web.tables_extra, url_by_pk): the same rows
    as django-tables2's template writes, links to partners and reviews included."""
    review = f.review(program["Associate In Gold"], manager, reason=ReviewReason.CERTIFICATION_GAP)
    program["Expert Ending Tomorrow"].account_manager = manager
    program["Expert Ending Tomorrow"].save()
    response = manager_client.get(OVERVIEW, {"as_of": DAY.isoformat()})
    request = response.wsgi_request
    for name in ("below_table", "at_risk_table"):
        ours, theirs = rows_both_ways(response.context[name], request)
        assert ours == theirs and ours
    text = response.text
    partner = program["Associate In Gold"]
    assert f'<a href="{partner.get_absolute_url()}">Associate In Gold</a>' in text
    assert f'<a href="{review.get_absolute_url()}">Review #{review.pk}</a>' in text
    assert "Morgan Manager" in text and "Open review</a>" in text


# --- Opening a review --------------------------------------------------------------------


def open_data(partner_, **overrides):
    return {
        "partner": partner_.name,
        "reason": "certification_gap",
        "owner": overrides.pop("owner_pk", ""),
        "due_on": (TODAY + dt.timedelta(days=30)).isoformat(),
        "action_plan": "additional_training",
        "notes": "Book the Associate course.",
        **overrides,
    }


def test_a_manager_opens_a_review_lands_on_it_and_can_go_back_to_the_remediation_page(
    manager_client, program, manager
):
    partner = program["Associate In Gold"]
    back = f"{OVERVIEW}?as_of={DAY.isoformat()}"
    response = manager_client.post(
        CREATE, {**open_data(partner, owner_pk=manager.pk), "next": back}, follow=True
    )
    review = RemediationReview.objects.get()
    assert response.redirect_chain == [
        (f"{review.get_absolute_url()}?{urlencode({'next': back})}", 302)
    ]
    assert response.context["review"] == review
    assert f'href="{escape(back)}" data-testid="back"' in response.text
    assert f'Review of Associate In Gold opened (<a href="{review.get_absolute_url()}">' in (
        response.text
    )
    response = manager_client.get(back)
    assert (review.partner, review.reason, review.owner) == (partner, "certification_gap", manager)
    assert (review.opened_on, review.due_on, review.status) == (
        TODAY,
        TODAY + dt.timedelta(days=30),
        "open",
    )
    assert review.action_plan == "additional_training"
    rows = {row.record.name: row for row in response.context["below_table"].paginated_rows}
    assert f"Review #{review.pk}" in str(rows["Associate In Gold"].get_cell("open_review"))


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"partner": "Nobody"}, "partner", "No partner has this name"),
        ({"reason": ""}, "reason", "This field is required."),
        ({"reason": "bad_luck"}, "reason", "Select a valid choice."),
        ({"owner_pk": ""}, "owner", "This field is required."),
        ({"due_on": ""}, "due_on", "This field is required."),
        ({"due_on": "YESTERDAY"}, "due_on", "A review cannot be due before it was opened."),
        ({"action_plan": "pray"}, "action_plan", "Select a valid choice."),
    ],
)
def test_an_invalid_review_is_refused_with_its_message_and_nothing_saved(
    manager_client, program, manager, overrides, field, message
):
    overrides.setdefault("owner_pk", manager.pk)
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    data = open_data(program["Associate In Gold"], **overrides)
    data = {k: yesterday if v == "YESTERDAY" else v for k, v in data.items()}
    response = manager_client.post(CREATE, data)
    assert_refused(response, field, message)
    assert not RemediationReview.objects.exists()


def test_a_viewer_cannot_own_a_review(manager_client, program, viewer):
    response = manager_client.post(
        CREATE, open_data(program["Associate In Gold"], owner_pk=viewer.pk)
    )
    assert "Select a valid choice" in response.context["form"].errors["owner"][0]
    assert not RemediationReview.objects.exists()


def test_a_second_open_review_for_the_same_reason_links_to_the_open_one(
    manager_client, program, manager
):
    partner = program["Associate In Gold"]
    existing = f.review(partner, manager, opened_on=D(2025, 6, 1))
    response = manager_client.post(CREATE, open_data(partner, owner_pk=manager.pk))
    assert response.status_code == 200
    error = response.context["form"].errors["reason"][0]
    assert "Associate In Gold already has an open review for this reason" in error
    assert f'<a href="{existing.get_absolute_url()}">review #{existing.pk}, due 1 Jul 2025</a>' in (
        response.text
    )
    assert RemediationReview.objects.count() == 1
    other_reason = open_data(partner, owner_pk=manager.pk, reason="feedback_escalation")
    assert manager_client.post(CREATE, other_reason).status_code == 302
    assert RemediationReview.objects.count() == 2


def test_the_service_refuses_a_duplicate_even_without_the_form(program, manager):
    partner = program["Associate In Gold"]
    services.review_open(partner=partner, reason="certification_gap", owner=manager)
    with pytest.raises(ValidationError) as refused:
        services.review_open(partner=partner, reason="certification_gap", owner=manager)
    assert refused.value.error_dict["reason"][0].code == "duplicate_open_review"
    assert RemediationReview.objects.count() == 1


# --- Editing, closing, reopening ---------------------------------------------------------


@pytest.fixture
def review(program, manager):
    return f.review(
        program["Associate In Gold"], manager, opened_on=D(2025, 6, 1), due_on=D(2025, 7, 1)
    )


def test_a_manager_edits_an_open_review(manager_client, review, make_user):
    colleague = make_user("colleague", "Partner managers", first_name="Cleo")
    url = reverse("remediation:review-edit", args=[review.pk])
    response = manager_client.post(
        url,
        {
            "status": "in_progress",
            "owner": colleague.pk,
            "due_on": "2025-08-15",
            "action_plan": "enablement_support",
            "notes": "Enablement call booked.",
        },
    )
    assert response.status_code == 302 and response.url == review.get_absolute_url()
    review.refresh_from_db()
    assert (review.status, review.owner, review.due_on) == (
        "in_progress",
        colleague,
        D(2025, 8, 15),
    )
    assert review.notes == "Enablement call booked."


def test_editing_cannot_close_a_review(manager_client, review, manager):
    url = reverse("remediation:review-edit", args=[review.pk])
    response = manager_client.post(
        url, {"status": "resolved", "owner": manager.pk, "due_on": "2025-07-01"}
    )
    assert "Select a valid choice" in response.context["form"].errors["status"][0]
    review.refresh_from_db()
    assert review.status == "open"


def close(client, review, **data):
    url = reverse("remediation:review-close", args=[review.pk])
    return client.post(url, {"status": "resolved", "outcome": "Certified.", **data})


def test_closing_needs_an_outcome_and_sets_the_close_date(manager_client, review):
    response = close(manager_client, review, outcome="  ", closed_on=TODAY.isoformat())
    assert response.context["form"].errors["outcome"] == ["Closing a review needs an outcome."]
    review.refresh_from_db()
    assert review.status == "open" and review.closed_on is None

    response = close(manager_client, review, closed_on=TODAY.isoformat())
    assert response.status_code == 302 and response.url == review.get_absolute_url()
    review.refresh_from_db()
    assert (review.status, review.outcome, review.closed_on) == ("resolved", "Certified.", TODAY)


def test_the_close_form_defaults_to_today_and_resolved(manager_client, review):
    form = manager_client.get(reverse("remediation:review-close", args=[review.pk])).context["form"]
    assert form["closed_on"].value() == TODAY and form["status"].value() == "resolved"


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"closed_on": "TOMORROW"}, "closed_on", "A review cannot be closed in the future."),
        ({"closed_on": "2025-05-31"}, "closed_on", "cannot be closed before it was opened."),
        ({"closed_on": ""}, "closed_on", "This field is required."),
        ({"status": "open", "closed_on": "TODAY"}, "status", "Select a valid choice."),
        (
            {"end_partnership": "on", "closed_on": "TODAY"},
            "end_partnership",
            "Only a reevaluated partnership can be ended here.",
        ),
    ],
)
def test_an_invalid_close_is_refused_and_the_review_stays_open(
    manager_client, review, data, field, message
):
    dates = {"TODAY": TODAY.isoformat(), "TOMORROW": (TODAY + dt.timedelta(days=1)).isoformat()}
    response = close(manager_client, review, **{k: dates.get(v, v) for k, v in data.items()})
    assert_refused(response, field, message)
    review.refresh_from_db()
    assert review.status == "open" and review.closed_on is None


def test_a_closed_review_cannot_be_closed_again(manager_client, review):
    close(manager_client, review, closed_on=TODAY.isoformat())
    response = close(manager_client, review, outcome="Again", closed_on=TODAY.isoformat())
    assert response.status_code == 302 and response.url == review.get_absolute_url()
    review.refresh_from_db()
    assert review.outcome == "Certified."
    page = manager_client.get(review.get_absolute_url())
    assert "This review was closed on" in page.text
    with pytest.raises(ValidationError, match="already closed"):
        services.review_close(review=review, status="resolved", outcome="Again")


def test_reevaluating_a_partnership_may_end_the_partner_and_its_other_reviews(
    manager_client, review, manager
):
    partner = review.partner
    other = f.review(partner, manager, opened_on=D(2025, 6, 10), reason="tier_stagnation")
    response = close(
        manager_client,
        review,
        status="partnership_reevaluated",
        outcome="Not a fit any more.",
        closed_on="2025-07-01",
        end_partnership="on",
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.ended_on == D(2025, 7, 1)
    review.refresh_from_db()
    other.refresh_from_db()
    assert review.status == "partnership_reevaluated"
    assert (other.status, other.closed_on) == ("closed_without_action", D(2025, 7, 1))
    assert other.outcome == f"The partnership ended on 1 Jul 2025 (review #{review.pk})."
    page = manager_client.get(review.get_absolute_url())
    assert "Associate In Gold ended on 1 Jul 2025." in page.text


def test_ending_a_partner_that_cannot_end_then_writes_nothing(manager_client, review, program):
    partner = review.partner
    f.transition(partner, program.tiers[1], D(2025, 7, 5))  # after the close date
    response = close(
        manager_client,
        review,
        status="partnership_reevaluated",
        closed_on="2025-07-01",
        end_partnership="on",
    )
    assert response.status_code == 200
    assert "it cannot end before that" in str(response.context["form"].errors)
    review.refresh_from_db()
    partner.refresh_from_db()
    assert review.status == "open" and partner.ended_on is None


def test_reopening_a_closed_review_makes_a_new_one(manager_client, review, manager):
    close(manager_client, review, closed_on=TODAY.isoformat())
    response = manager_client.post(reverse("remediation:review-reopen", args=[review.pk]))
    new = RemediationReview.objects.exclude(pk=review.pk).get()
    assert response.url == new.get_absolute_url()
    assert (new.partner, new.reason, new.status, new.owner) == (
        review.partner,
        review.reason,
        "open",
        manager,
    )
    assert new.opened_on == TODAY and new.due_on == TODAY + dt.timedelta(days=30)
    assert f"Reopens review #{review.pk}" in new.notes
    review.refresh_from_db()
    assert review.status == "resolved"  # the closed one stays closed


def test_reopening_when_another_review_is_open_links_to_it(manager_client, review, manager):
    close(manager_client, review, closed_on=TODAY.isoformat())
    newer = f.review(review.partner, manager, opened_on=TODAY)
    response = manager_client.post(
        reverse("remediation:review-reopen", args=[review.pk]), follow=True
    )
    assert f'<a href="{newer.get_absolute_url()}">review #{newer.pk}</a>' in response.text
    assert RemediationReview.objects.count() == 2


# --- The reviews table and the review page -----------------------------------------------


@pytest.fixture
def reviews(program, manager, make_user):
    colleague = make_user("colleague", "Partner managers", first_name="Cleo", last_name="Lee")
    return {
        "overdue": f.review(program["Associate In Gold"], manager, opened_on=D(2025, 5, 1)),
        "in_progress": f.review(
            program["Expired Associate"],
            colleague,
            opened_on=TODAY,
            reason="certification_expired",
            status="in_progress",
        ),
        "closed": f.review(
            program["Expired Associate"],
            manager,
            opened_on=D(2025, 1, 1),
            due_on=D(2025, 1, 31),
            status="resolved",
            outcome="Renewed.",
            closed_on=D(2025, 1, 20),
        ),
    }


def reviews_listed(response):
    assert response.status_code == 200
    return [row.record.pk for row in response.context["table"].paginated_rows]


@pytest.mark.parametrize(
    "params, expected",
    [
        # It opens on the reviews to work on, the overdue first, then by due date.
        ({}, ["overdue", "in_progress"]),
        ({"status": "active"}, ["overdue", "in_progress"]),
        ({"status": ""}, ["overdue", "closed", "in_progress"]),  # any status
        ({"status": "resolved"}, ["closed"]),
        ({"reason": "certification_expired"}, ["in_progress"]),
        ({"owner": "colleague"}, ["in_progress"]),
        ({"overdue": "yes"}, ["overdue"]),
        ({"overdue": "no", "status": ""}, ["closed", "in_progress"]),
        ({"partner": "Expired Associate"}, ["in_progress"]),
        ({"partner": "Expired Associate", "status": ""}, ["closed", "in_progress"]),
    ],
)
def test_each_filter_narrows_the_reviews_table(viewer_client, reviews, params, expected):
    response = viewer_client.get(REVIEWS, params)
    assert reviews_listed(response) == [reviews[name].pk for name in expected]


def test_overdue_reviews_are_marked(viewer_client, reviews):
    response = viewer_client.get(REVIEWS)
    assert response.text.count('<span class="badge text-bg-danger">Overdue</span>') == 1
    assert response.text.count('class="table-warning ') == 1


def test_the_reviews_table_costs_the_same_queries_for_5_and_50_rows(
    viewer_client, manager, django_assert_num_queries
):
    def add(n):
        for i in range(n):
            partner = f.partner(f"Reviewed {RemediationReview.objects.count()}-{i}")
            f.review(partner, manager)

    add(5)
    few = count_queries(lambda: viewer_client.get(REVIEWS, {"per_page": 100}))
    add(45)
    with django_assert_num_queries(few):
        assert len(reviews_listed(viewer_client.get(REVIEWS, {"per_page": 100}))) == 50


def test_the_review_page_shows_its_history(manager_client, review, manager):
    manager_client.post(
        reverse("remediation:review-edit", args=[review.pk]),
        {"status": "in_progress", "owner": manager.pk, "due_on": "2025-07-15"},
    )
    close(manager_client, review, closed_on=TODAY.isoformat())
    response = manager_client.get(review.get_absolute_url())
    history = response.context["history"]
    assert [record.history_type for record, _ in history] == ["+", "~", "~"]
    assert ("Status", "Open", "In progress") in history[1][1]
    assert ("Due on", "1 Jul 2025", "15 Jul 2025") in history[1][1]
    assert ("Status", "In progress", "Resolved") in history[2][1]
    assert ("Outcome", "—", "Certified.") in history[2][1]
    assert "changed by Morgan Manager" in response.text
    assert "Reopen as a new review" in response.text


def test_the_review_page_offers_managers_edit_and_close_and_viewers_nothing(
    client, review, manager, viewer
):
    client.force_login(manager)
    text = client.get(review.get_absolute_url()).text
    assert "Close review</a>" in text and ">Edit</a>" in text
    client.force_login(viewer)
    text = client.get(review.get_absolute_url()).text
    assert "Close review" not in text and ">Edit</a>" not in text


def test_unknown_reviews_and_partners_are_404(manager_client):
    assert manager_client.get(reverse("remediation:review-detail", args=[999])).status_code == 404
    assert manager_client.get(reverse("remediation:review-close", args=[999])).status_code == 404
    assert Partner.objects.count() == 0


def test_a_rule_broken_on_a_field_the_form_does_not_show_is_shown_above_it(manager_client, manager):
    # Opened (by the seed, say) before its partner joined: ending the partner on the close
    # date would end it before it joined.
    partner = f.partner("Late Joiner", joined_on=D(2025, 7, 1))
    review = f.review(partner, manager, opened_on=D(2025, 6, 1), due_on=D(2025, 7, 31))
    response = close(
        manager_client,
        review,
        status="partnership_reevaluated",
        closed_on="2025-06-15",
        end_partnership="on",
    )
    assert_refused(response, "__all__", "A partner cannot end before it joined")
    partner.refresh_from_db()
    review.refresh_from_db()
    assert partner.ended_on is None and review.status == "open"


def test_all_reviews_from_the_remediation_page_means_every_status(viewer_client, reviews):
    page = viewer_client.get(OVERVIEW).text
    link = page.split('">All reviews</a>')[0].rsplit('href="', 1)[1].replace("&amp;", "&")
    assert len(reviews_listed(viewer_client.get(link))) == 3  # the closed one too
