"""On a phone (390x844) every table keeps the columns that matter (the partner, its band or
standing, the action) in view, without scrolling sideways, and a table's download buttons
stay together as one group."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from partnerprogram.models import Partner
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each page, and the column headers of its tables that must show on a phone.
PAGES = {
    "/partners/": ["Partner", "Tier", "Standing today"],
    "/remediation/": ["Partner", "Review", "Days left", "Band"],
    "/remediation/reviews/?status=": ["Partner", "Review", "Due", "Overdue"],
    "/feedback/": ["Received", "Partner", "Rating", "Follow-up"],
    "/kpi/certification-levels/": ["Level", "Cumulative %", "Band"],
    "/kpi/certification-levels/?dimension=account_manager": ["Account manager", "Band"],
    "/kpi/certification-levels/partners/?show=cumulative&level=Associate": [
        "Partner",
        "Level on the date",
    ],
    "/kpi/tier-advancements/?period=2025": ["Partner", "To", "Tier at period end"],
}

SIDEWAYS = """() => [...document.querySelectorAll('table')]
    .filter(t => t.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5
        || t.parentElement.scrollWidth > t.parentElement.clientWidth + 0.5)
    .map(t => t.dataset.testid || t.closest('section')?.getAttribute('aria-labelledby'))"""

SPLIT_GROUPS = """() => [...document.querySelectorAll('[role=group][aria-label=Downloads]')]
    .filter(g => new Set([...g.children].map(b => Math.round(b.getBoundingClientRect().top)))
        .size > 1).length"""


def test_tables_keep_what_matters_in_view_on_a_phone(page, live_server, console_errors, make_user):
    call_command("seed_demo", "--partners", "80", "--seed", "4")
    make_user("manager", "Partner managers")
    partner = Partner.objects.filter(reviews__isnull=False, certifications__isnull=False)[0]
    pages = {**PAGES, partner.get_absolute_url(): ["Level", "Expires", "Today", "Due"]}
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, "manager", "pw")
    for url, headers in pages.items():
        page.goto(f"{live_server.url}{url}")
        assert page.evaluate(SIDEWAYS) == [], url
        for header in headers:
            cell = page.locator("table th:visible", has_text=header).first
            expect(cell).to_be_visible()
            box = cell.bounding_box()
            assert box["x"] + box["width"] <= 390, (url, header)
        assert page.evaluate(SPLIT_GROUPS) == 0, url
    # The columns that do not matter on a phone are there on a wide screen.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/partners/")
    expect(page.locator("table th:visible", has_text="Account manager")).to_be_visible()
    assert console_errors == [], console_errors
