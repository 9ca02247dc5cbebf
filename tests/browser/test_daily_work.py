"""A partner manager's day in Chromium: a below-threshold partner on the remediation page, a
review opened in one click, feedback logged from the partner page, the review closed with an
outcome, each step visible on the partner page; a viewer sees no write button."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from partnerprogram.models import PartnerFeedback, RemediationReview
from tests import factories as f
from tests.browser.conftest import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def granite():
    """Granite Partners is in Silver (requires Associate) and holds nothing: below threshold.
    Slate Systems meets its requirement."""
    associate, professional, expert = f.standard_levels()
    registered, silver, gold, platinum = f.standard_tiers((associate, professional, expert))
    granite = f.partner("Granite Partners", joined_on=dt.date(2024, 1, 1))
    f.transition(granite, silver, dt.date(2024, 1, 1))
    slate = f.partner("Slate Systems", joined_on=dt.date(2024, 1, 1))
    f.transition(slate, silver, dt.date(2024, 1, 1))
    f.certification(slate, associate, dt.date(2024, 2, 1))
    return granite


def test_manager_opens_a_review_logs_feedback_and_closes_it_from_the_pages(
    page, live_server, console_errors, manager, granite, tmp_path
):
    log_in(page, live_server, "manager", "pw")
    page.get_by_role("link", name="Remediation").click()
    below = page.get_by_test_id("group-below")
    row = below.get_by_role("row").filter(has_text="Granite Partners")
    expect(row).to_contain_text("Silver")
    expect(below.get_by_role("row").filter(has_text="Slate Systems")).to_have_count(0)
    page.screenshot(path=tmp_path / "remediation.png", full_page=True)

    # One click opens the form, prefilled; saving shows the review, with the way back here.
    row.get_by_role("link", name="Open review").click()
    expect(page.get_by_label("Partner")).to_have_value("Granite Partners")
    expect(page.get_by_label("Reason")).to_have_value("certification_gap")
    expect(page.get_by_label("Owner")).to_have_value(str(manager.pk))
    page.get_by_role("button", name="Open review").click()
    expect(page.get_by_role("alert")).to_contain_text("Review of Granite Partners opened")
    review = RemediationReview.objects.get(partner=granite)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Granite Partners")
    page.get_by_test_id("back").click()
    expect(row.get_by_role("link", name=f"Review #{review.pk}")).to_be_visible()

    # The partner page shows the open review; feedback is logged from there.
    row.get_by_role("link", name="Granite Partners").click()
    expect(page.get_by_test_id("reviews")).to_contain_text("Certification gap")
    expect(page.get_by_test_id("reviews")).to_contain_text("Open")
    page.get_by_role("link", name="Log feedback").click()
    expect(page.get_by_label("Partner")).to_have_value("Granite Partners")
    page.get_by_label("Channel").select_option("call")
    page.get_by_label("Topic").select_option("certification_process")
    page.get_by_label("Rating").select_option("2")
    page.get_by_label("Comment").fill("The exam <b>booking</b> is slow.")
    page.get_by_label("Follow-up needed").check()
    page.get_by_role("button", name="Log feedback").click()
    expect(page).to_have_url(re.compile(rf"/partners/{granite.pk}/$"))
    expect(page.get_by_role("alert")).to_contain_text("Feedback from Granite Partners logged.")
    expect(page.get_by_test_id("feedback")).to_contain_text("The exam <b>booking</b> is slow.")
    assert PartnerFeedback.objects.get(partner=granite).logged_by == manager

    # The review is closed with an outcome from its page, and the partner page shows it.
    page.get_by_test_id("reviews").get_by_role("link", name="Certification gap").click()
    page.get_by_role("link", name="Close review").click()
    page.get_by_label("How did it end?").select_option("resolved")
    page.get_by_label("Outcome").fill("Associate exam booked and passed.")
    page.get_by_role("button", name="Close review").click()
    expect(page.get_by_role("alert")).to_contain_text("Review closed: resolved.")
    expect(page.get_by_test_id("review-history")).to_contain_text("Status: Open → Resolved")
    page.get_by_role("link", name="Granite Partners").first.click()
    reviews = page.get_by_test_id("reviews")
    expect(reviews).to_contain_text("Resolved")
    expect(reviews).to_contain_text("Associate exam booked and passed.")
    page.screenshot(path=tmp_path / "partner.png", full_page=True)
    review.refresh_from_db()
    assert review.status == "resolved" and review.closed_on == timezone.localdate()
    assert console_errors == [], console_errors


def test_a_viewer_sees_the_pages_without_write_buttons(
    page, live_server, console_errors, viewer, granite
):
    log_in(page, live_server, "viewer", "pw")
    page.goto(f"{live_server.url}/remediation/")
    expect(page.get_by_test_id("group-below")).to_contain_text("Granite Partners")
    expect(page.locator("td a.btn")).to_have_count(0)  # no "Open review" button in a row
    page.goto(f"{live_server.url}{granite.get_absolute_url()}")
    expect(page.get_by_test_id("standing")).to_contain_text("Below threshold")
    expect(page.get_by_test_id("partner-actions").get_by_role("link")).to_have_count(0)
    page.goto(f"{live_server.url}/feedback/")
    expect(page.get_by_role("link", name="Log feedback")).to_have_count(0)
    assert console_errors == [], console_errors
    response = page.goto(f"{live_server.url}/feedback/new/?partner={granite.pk}")
    assert response.status == 403
    expect(page.get_by_role("heading", name="You cannot do that")).to_be_visible()


def test_the_partner_box_suggests_names_from_the_server_as_one_types(
    page, live_server, console_errors, manager, granite
):
    log_in(page, live_server, "manager", "pw")
    page.goto(f"{live_server.url}/feedback/new/")
    box = page.get_by_label("Partner")
    options = page.locator(f"#{box.get_attribute('list')} option")
    expect(options).to_have_count(0)  # the page lists no partner
    box.press_sequentially("part")
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("value", "Granite Partners")
    box.fill("s")  # one letter: too little to ask
    box.dispatch_event("input")
    expect(options).to_have_count(0)
    box.press_sequentially("ystems")
    expect(options.first).to_have_attribute("value", "Slate Systems")
    assert console_errors == [], console_errors
