"""Reviews become workable: the partner's context on the review page, dated action items
(added, marked done and not done by managers, read by viewers, frozen on closed reviews),
their rules, and the overdue ones on the dashboard and in the reviews list."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from partnerprogram import kpis
from partnerprogram.daily.remediation import services
from partnerprogram.models import ActionItem
from partnerprogram.rules.periods import day_label
from tests import factories as f

from .daily import count_queries

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = timezone.localdate()
REVIEWS = reverse("remediation:review-list")


def days(n):
    return TODAY + dt.timedelta(days=n)


@pytest.fixture
def partner():
    """Silver (requires Associate), holding Professional until 200 days from today."""
    levels = f.standard_levels()
    tiers = f.standard_tiers(levels)
    partner = f.partner("Northwind Cloud", joined_on=D(2024, 1, 1))
    f.transition(partner, tiers[1], D(2024, 1, 1))
    f.certification(partner, levels[1], D(2024, 2, 1), expires_on=days(200))
    partner.refresh_from_db()
    return partner


@pytest.fixture
def review(partner, manager):
    return f.review(partner, manager, opened_on=days(-20), due_on=days(10))


def add_url(review):
    return reverse("remediation:action-create", args=[review.pk])


def mark_url(item):
    return reverse("remediation:action-mark", args=[item.review_id, item.pk])


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- The model's rules -------------------------------------------------------------------


def test_an_item_is_not_due_before_its_review_was_opened_nor_done_in_the_future(review):
    item = ActionItem(
        review=review, description="Call", owner=review.owner, due_on=days(-21), done_on=days(1)
    )
    with pytest.raises(ValidationError) as refused:
        item.full_clean()
    assert refused.value.message_dict == {
        "due_on": [
            f"An action item cannot be due before its review was opened ({day_label(days(-20))})."
        ],
        "done_on": ["An action item cannot be done in the future."],
    }
    item.due_on, item.done_on = days(-20), TODAY
    item.full_clean()  # the opening day itself and today are fine


def test_an_item_needs_a_description_in_the_form_and_in_the_database(review):
    item = ActionItem(review=review, description="   ", owner=review.owner, due_on=days(1))
    with pytest.raises(ValidationError, match="needs a description"):
        item.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItem.objects.create(review=review, description="", owner=review.owner, due_on=TODAY)


def test_the_database_refuses_days_outside_the_calendar(review):
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItem.objects.create(
            review=review, description="Call", owner=review.owner, due_on=D(3000, 1, 1)
        )


def test_items_not_done_come_first_by_due_day_then_the_done_ones(review):
    late_done = f.action_item(review, "Done late", due_on=days(1), done_on=TODAY)
    later = f.action_item(review, "Later", due_on=days(9))
    sooner = f.action_item(review, "Sooner", due_on=days(2))
    early_done = f.action_item(review, "Done early", due_on=days(-5), done_on=days(-6))
    assert list(review.action_items.all()) == [sooner, later, early_done, late_done]


# --- The review page ---------------------------------------------------------------------


def test_the_review_page_shows_the_partners_context(viewer_client, review, partner):
    for n in range(4):
        f.feedback(partner, days(-10 - n), rating=n + 1, topic="support")
    response = viewer_client.get(review.get_absolute_url())
    text = response.text
    assert 'data-testid="context-tier">Silver<' in text
    assert 'data-testid="context-required">Associate<' in text
    assert f'data-testid="context-held">Professional, valid until {day_label(days(200))}<' in text
    assert f"{day_label(days(-10))} (feedback)" in text  # last contact: the latest feedback
    assert "Northwind Cloud</a> · active" in text
    listed = [item.received_on for item in response.context["recent_feedback"]]
    assert listed == [days(-10), days(-11), days(-12)]  # the three latest, newest first
    assert str(days(-13)) not in text
    assert 'href="/feedback/?partner=Northwind+Cloud">All feedback<' in text


def test_the_level_held_says_when_it_ends_even_below_the_requirement(
    viewer_client, review, partner
):
    """Gold requires Professional; Associate is held, one certificate never ending."""
    levels = {
        level.name: level for level in partner.certifications.get().level.__class__.objects.all()
    }
    f.certification(partner, levels["Associate"], D(2024, 3, 1))
    gold = partner.current_tier.__class__.objects.get(name="Gold")
    f.transition(partner, gold, days(-1))
    partner.certifications.filter(level__name="Professional").update(revoked_on=days(-2))
    text = viewer_client.get(review.get_absolute_url()).text
    assert 'data-testid="context-required">Professional<' in text
    assert 'data-testid="context-held">Associate, with no end date<' in text
    assert "Gold requires Professional or higher; Northwind Cloud holds only Associate." in text


def test_an_ended_partner_without_feedback_says_so(viewer_client, review, partner):
    partner.ended_on = days(-1)
    partner.save()
    text = viewer_client.get(review.get_absolute_url()).text
    assert f"Northwind Cloud</a> · ended {day_label(days(-1))}" in text
    assert "No feedback yet" in text


def test_items_show_owner_due_day_state_and_overdue_in_words(viewer_client, review, make_user):
    colleague = make_user("cleo", "Partner managers", first_name="Cleo", last_name="Park")
    f.action_item(review, "Book the exam", due_on=days(-1), owner=colleague)
    f.action_item(review, "Send the study guide", due_on=days(-3), done_on=days(-2))
    response = viewer_client.get(review.get_absolute_url())
    rows = [(item.description, overdue) for item, overdue in response.context["action_items"]]
    assert rows == [("Book the exam", True), ("Send the study guide", False)]
    text = response.text
    assert "Cleo Park" in text
    assert f'{day_label(days(-1))} <span class="badge text-bg-danger">Overdue</span>' in text
    assert f'data-testid="action-state">Done {day_label(days(-2))}<' in text
    assert 'data-testid="action-state">Not done<' in text


def test_the_review_page_costs_the_same_queries_for_few_and_many_items(manager_client, review):
    f.action_item(review)
    few = count_queries(lambda: manager_client.get(review.get_absolute_url()))
    for n in range(15):
        f.action_item(review, f"Step {n}", due_on=days(n), done_on=TODAY if n % 2 else None)
    assert count_queries(lambda: manager_client.get(review.get_absolute_url())) == few


# --- Adding and marking ------------------------------------------------------------------


def test_the_form_defaults_to_the_reviews_owner_and_due_day(manager_client, review, make_user):
    review.owner = make_user("cleo", "Partner managers", first_name="Cleo")
    review.save()
    form = manager_client.get(review.get_absolute_url()).context["action_form"]
    assert form["owner"].value() == review.owner.pk
    assert form["due_on"].value() == days(10)


def test_a_manager_adds_an_item_and_lands_on_the_review(manager_client, review, manager):
    response = manager_client.post(
        add_url(review),
        {"description": " Book the exam ", "owner": manager.pk, "due_on": days(5).isoformat()},
    )
    assert response.status_code == 302
    assert response.url == f"{review.get_absolute_url()}#action-items-heading"
    item = review.action_items.get()
    assert (item.description, item.owner, item.due_on, item.done_on) == (
        "Book the exam",
        manager,
        days(5),
        None,
    )
    due = day_label(days(5))
    assert messages_of(response) == [f"Action item added: Book the exam (due {due})."]
    assert item.history.get().history_type == "+"


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"description": ""}, "description", "Say what is to be done."),
        ({"due_on": "BEFORE"}, "due_on", "cannot be due before its review was opened"),
        ({"due_on": "2025-02-30"}, "due_on", "Enter a valid date."),
        ({"owner": "VIEWER"}, "owner", "Select a valid choice."),
    ],
)
def test_bad_input_comes_back_on_the_form_and_nothing_is_saved(
    manager_client, review, manager, viewer, data, field, message
):
    values = {"BEFORE": days(-21).isoformat(), "VIEWER": viewer.pk}
    post = {"description": "Call", "owner": manager.pk, "due_on": days(1).isoformat()}
    post.update({key: values.get(value, value) for key, value in data.items()})
    response = manager_client.post(add_url(review), post)
    assert response.status_code == 200
    errors = response.context["action_form"].errors[field]
    assert any(message in error for error in errors), errors
    assert 'data-testid="action-form"' in response.text  # on the review page itself
    close = reverse("remediation:review-close", args=[review.pk])
    assert f'href="{close}?next={review.get_absolute_url()}"' in response.text  # not the POST
    assert not ActionItem.objects.exists()


def test_a_manager_marks_an_item_done_and_not_done_again(manager_client, review):
    item = f.action_item(review)
    response = manager_client.post(mark_url(item), {"done": "yes"})
    assert (
        response.status_code == 302
        and response.url == f"{review.get_absolute_url()}#action-{item.pk}"
    )
    item.refresh_from_db()
    assert item.done_on == TODAY
    assert messages_of(response) == [f"“Book the exam” marked done on {day_label(TODAY)}."]
    manager_client.post(mark_url(item), {"done": "no"})
    item.refresh_from_db()
    assert item.done_on is None
    assert [h.done_on for h in item.history.order_by("history_id")] == [None, TODAY, None]


def test_an_unclear_mark_changes_nothing(manager_client, review):
    item = f.action_item(review)
    response = manager_client.post(mark_url(item), {"done": "maybe"})
    assert response.status_code == 302
    assert messages_of(response) == ["Choose whether the action item is done."]
    item.refresh_from_db()
    assert item.done_on is None


def test_an_item_of_another_review_is_not_found(manager_client, review, partner, manager):
    other = f.review(partner, manager, opened_on=days(-5), reason="other")
    item = f.action_item(other)
    url = reverse("remediation:action-mark", args=[review.pk, item.pk])
    assert manager_client.post(url, {"done": "yes"}).status_code == 404


# --- Who may do what ---------------------------------------------------------------------


def test_a_viewer_sees_the_items_but_no_form_nor_button_and_may_not_post(
    viewer_client, review, manager
):
    item = f.action_item(review)
    text = viewer_client.get(review.get_absolute_url()).text
    assert "Book the exam" in text
    assert add_url(review) not in text and mark_url(item) not in text
    assert "Mark done" not in text and 'data-testid="action-form"' not in text
    data = {"description": "Sneaky", "owner": manager.pk, "due_on": days(1).isoformat()}
    assert viewer_client.post(add_url(review), data).status_code == 403
    assert viewer_client.post(mark_url(item), {"done": "yes"}).status_code == 403
    item.refresh_from_db()
    assert item.done_on is None and ActionItem.objects.count() == 1


def test_an_outsider_may_not_even_read_and_a_get_does_not_write(client, outsider, review):
    client.force_login(outsider)
    assert client.get(review.get_absolute_url()).status_code == 403
    assert client.post(add_url(review), {}).status_code == 403


def test_the_post_urls_take_no_get(manager_client, review):
    item = f.action_item(review)
    assert manager_client.get(add_url(review)).status_code == 405
    assert manager_client.get(mark_url(item)).status_code == 405


def test_a_manager_sees_the_form_and_the_buttons(manager_client, review):
    item = f.action_item(review)
    text = manager_client.get(review.get_absolute_url()).text
    assert f'action="{add_url(review)}"' in text and f'action="{mark_url(item)}"' in text
    assert "Mark done<span" in text


# --- Closed reviews ----------------------------------------------------------------------


def test_a_closed_reviews_items_are_read_only(manager_client, review, manager):
    item = f.action_item(review)
    services.review_close(review=review, status="resolved", outcome="Certified.")
    text = manager_client.get(review.get_absolute_url()).text
    assert "Book the exam" in text
    assert 'data-testid="action-form"' not in text and "Mark done" not in text
    assert "no longer change" in text

    data = {"description": "Late", "owner": manager.pk, "due_on": days(1).isoformat()}
    response = manager_client.post(add_url(review), data)
    assert response.status_code == 302 and response.url == review.get_absolute_url()
    assert "can no longer change" in messages_of(response)[0]
    response = manager_client.post(mark_url(item), {"done": "yes"})
    assert "can no longer change" in messages_of(response)[0]
    assert ActionItem.objects.count() == 1
    item.refresh_from_db()
    assert item.done_on is None
    with pytest.raises(ValidationError, match="no longer change"):
        services.action_item_add(review=review, description="x", owner=manager, due_on=TODAY)


def test_the_notes_point_to_action_items(manager_client, review):
    form = manager_client.get(reverse("remediation:review-edit", args=[review.pk])).context["form"]
    assert "action items" in form.fields["notes"].help_text


# --- Overdue items on the dashboard and in the reviews list ------------------------------


@pytest.fixture
def overdue_items(review, partner, manager):
    """Two overdue items on `review`; not overdue: done, due today, due later, on a closed
    review; one more overdue on a second open review."""
    f.action_item(review, "Overdue one", due_on=days(-1))
    f.action_item(review, "Overdue two", due_on=days(-10))
    f.action_item(review, "Done", due_on=days(-5), done_on=days(-6))
    f.action_item(review, "Due today", due_on=TODAY)
    f.action_item(review, "Later", due_on=days(3))
    closed = f.review(
        partner,
        manager,
        opened_on=days(-60),
        reason="tier_stagnation",
        status="resolved",
        outcome="Done.",
        closed_on=days(-2),
    )
    f.action_item(closed, "Left on a closed review", due_on=days(-30))
    other_partner = f.partner("Fabrikam")
    second = f.review(other_partner, manager, opened_on=days(-40), due_on=days(5))
    f.action_item(second, "Overdue three", due_on=days(-2))
    f.review(f.partner("Contoso"), manager, opened_on=days(-40))  # nothing overdue
    return {"review": review, "second": second, "closed": closed}


def test_the_dashboard_counts_overdue_items_of_open_reviews(viewer_client, overdue_items):
    assert kpis.dashboard_work(TODAY).overdue_action_items == 3
    text = viewer_client.get(reverse("dashboard")).text
    assert (
        'href="/remediation/reviews/?actions=overdue" data-testid="work-overdue-actions">'
        "3 overdue action items<"
    ) in text


def test_the_reviews_list_filters_reviews_with_overdue_items(viewer_client, overdue_items):
    response = viewer_client.get(REVIEWS, {"actions": "overdue"})
    listed = {row.record.pk for row in response.context["table"].paginated_rows}
    assert listed == {overdue_items["review"].pk, overdue_items["second"].pk}
    everything = viewer_client.get(REVIEWS, {"status": "", "actions": ""}).context["table"]
    assert len(everything.rows) == 4


def test_the_dashboard_does_not_grow_with_the_items(
    viewer_client, overdue_items, manager, django_assert_max_num_queries
):
    viewer_client.get(reverse("dashboard"))  # today's figures kept
    few = count_queries(lambda: viewer_client.get(reverse("dashboard")))
    review = overdue_items["second"]
    for n in range(30):
        f.action_item(review, f"Step {n}", due_on=days(-1 - n % 3), done_on=None)
    with django_assert_max_num_queries(few):
        viewer_client.get(reverse("dashboard"))
    assert kpis.dashboard_work(TODAY).overdue_action_items == 33


# --- The admin ---------------------------------------------------------------------------


def test_the_admin_shows_a_reviews_items_inline_and_filters_the_overdue_ones(
    client, superuser, overdue_items
):
    client.force_login(superuser)
    review = overdue_items["review"]
    page = client.get(reverse("admin:partnerprogram_remediationreview_change", args=[review.pk]))
    inline = page.context["inline_admin_formsets"][0]
    assert [form.original.description for form in inline if form.original] == [
        "Overdue two",
        "Overdue one",
        "Due today",
        "Later",
        "Done",
    ]
    listed = client.get(reverse("admin:partnerprogram_actionitem_changelist"), {"overdue": "yes"})
    shown = {item.description for item in listed.context["cl"].result_list}
    assert shown == {"Overdue one", "Overdue two", "Overdue three"}
