"""Wrong passwords lock the username out from that address for a while (django-axes)."""

import pytest
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db


def attempt(client, password, address="203.0.113.5"):
    return client.post(
        reverse("login"), {"username": "manager", "password": password}, REMOTE_ADDR=address
    )


def test_five_wrong_passwords_lock_the_account_out_from_that_address(client, manager, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert attempt(client, "wrong").status_code == 200
    locked = attempt(client, "wrong")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.text
    assert attempt(client, "pw").status_code == 429  # even the right password, for now
    assert attempt(client, "pw", address="198.51.100.7").status_code == 302  # another address


def test_a_command_lifts_the_lockout(client, manager):
    for _ in range(5):
        attempt(client, "wrong")
    assert attempt(client, "pw").status_code == 429
    call_command("axes_reset_username", "manager")
    assert attempt(client, "pw").status_code == 302


def test_staff_see_the_lockouts_in_the_admin(client, manager, superuser):
    for _ in range(5):
        attempt(client, "wrong")
    client.force_login(superuser)
    page = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert page.status_code == 200 and "manager" in page.text
