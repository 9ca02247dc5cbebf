import pytest
from django.core.management import call_command

from partnerprogram.models import Partner
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_demo_user_logs_in_edits_a_partner_in_the_admin_and_sees_it_in_history(
    page, live_server, console_errors, monkeypatch, settings, tmp_path
):
    call_command("seed_demo", "--partners", "20", "--seed", "2")
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-123")
    settings.DEBUG = True
    call_command("ensure_demo_login")
    settings.DEBUG = False
    partner = Partner.objects.order_by("name").first()

    log_in(page, live_server, "demo", "demo-password-123")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    assert page.get_by_test_id("current-user").inner_text().strip() == "Demo Manager"
    page.screenshot(path=tmp_path / "dashboard.png")

    page.get_by_role("link", name="Admin").click()
    page.goto(f"{live_server.url}/admin/partnerprogram/partner/{partner.pk}/change/")
    page.locator("#id_country").fill("Iceland")
    page.get_by_role("button", name="Save", exact=True).click()
    assert page.locator(".messagelist").inner_text().startswith("The partner")

    page.goto(f"{live_server.url}/admin/partnerprogram/partner/{partner.pk}/history/")
    history = page.locator("#change-history").inner_text()
    assert "Iceland" in history
    assert "demo" in history
    partner.refresh_from_db()
    assert partner.country == "Iceland"
    assert console_errors == [], console_errors
