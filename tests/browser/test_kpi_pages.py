import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def chart_is_drawn(page, canvas_id):
    """The canvas was drawn by Chart.js and its image is not blank."""
    page.wait_for_selector(f"#{canvas_id}[data-drawn='true']")
    return page.evaluate(
        """id => {
            const canvas = document.getElementById(id);
            const blank = document.createElement('canvas');
            blank.width = canvas.width; blank.height = canvas.height;
            return canvas.width > 0 && canvas.toDataURL() !== blank.toDataURL();
        }""",
        canvas_id,
    )


def test_kpi_pages_draw_their_charts_and_follow_the_pickers(
    page, live_server, console_errors, make_user, tmp_path
):
    call_command("seed_demo", "--partners", "80", "--seed", "4")
    make_user("reader", "Viewers")
    log_in(page, live_server, "reader", "pw")
    assert chart_is_drawn(page, "dashboard-certification-trend")
    # The dashboard's small chart names its lines: the rate and the two band thresholds.
    legend = page.evaluate(
        """() => Chart.getChart(document.getElementById('dashboard-certification-trend'))
            .legend.legendItems.map(item => item.text)"""
    )
    assert len(legend) == 3 and legend[1].startswith("Exemplary"), legend

    page.get_by_role("link", name="Certification KPI").click()
    assert chart_is_drawn(page, "certification-trend")
    headline = page.get_by_test_id("headline").inner_text()
    page.get_by_label("As of").fill("2025-06-30")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"as_of=2025-06-30"))
    assert "On 30 Jun 2025" in page.get_by_test_id("scope").inner_text()
    assert chart_is_drawn(page, "certification-trend")
    assert page.get_by_test_id("headline").inner_text() != "" and headline
    page.get_by_role("link", name="Tier", exact=True).click()
    page.wait_for_url(re.compile(r"dimension=tier"))
    assert "Breakdown by tier" in page.content()
    page.screenshot(path=tmp_path / "certification.png", full_page=True)

    page.get_by_role("link", name="Tier KPI").click()
    assert chart_is_drawn(page, "advancement-trend")
    page.get_by_label("Period type").select_option("month")
    page.get_by_label("Period", exact=True).fill("2025-11")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"period=2025-11"))
    assert page.get_by_test_id("scope").inner_text().startswith("Nov 2025")
    assert chart_is_drawn(page, "advancement-trend")
    page.get_by_label("Period type").select_option("range")
    assert page.get_by_label("Start").is_visible()
    assert not page.get_by_label("Period", exact=True).is_visible()
    page.get_by_label("Start").fill("2025-01-01")
    page.get_by_label("End").fill("2025-03-31")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"start=2025-01-01"))
    assert "1 Jan 2025 to 31 Mar 2025" in page.get_by_test_id("scope").inner_text()
    page.screenshot(path=tmp_path / "tiers.png", full_page=True)

    # On a phone the filters fold behind a button, so that the figures come first.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/kpi/certification-levels/")
    filters = page.get_by_role("button", name="Filters")
    expect(page.get_by_label("As of")).to_be_hidden()
    assert page.get_by_test_id("headline").bounding_box()["y"] < 844
    filters.click()
    expect(page.get_by_label("As of")).to_be_visible()
    expect(filters).to_have_attribute("aria-expanded", "true")
    page.set_viewport_size({"width": 1366, "height": 900})
    expect(filters).to_be_hidden()

    # Printed, a KPI page keeps its figures, table and chart, without navigation or filters.
    for url in ("/", "/kpi/certification-levels/", "/kpi/tier-advancements/"):
        page.goto(f"{live_server.url}{url}")
        page.emulate_media(media="print")
        expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
        expect(page.locator("form.filter-form")).to_have_count(1 if url != "/" else 0)
        expect(page.locator("form.filter-form:visible")).to_have_count(0)
        headline = "certification-summary" if url == "/" else "headline"
        expect(page.get_by_test_id(headline)).to_be_visible()
        expect(page.locator("canvas").first).to_be_visible()
        widest = page.evaluate(
            "Math.max(0, ...[...document.querySelectorAll('table')]"
            ".map(t => t.getBoundingClientRect().right))"
        )
        assert widest <= page.evaluate("document.documentElement.clientWidth"), url
        pdf = page.pdf(format="A4")
        (tmp_path / f"print{url.replace('/', '-')}.pdf").write_bytes(pdf)
        assert pdf.startswith(b"%PDF")
        page.emulate_media(media="screen")
    assert console_errors == [], console_errors
