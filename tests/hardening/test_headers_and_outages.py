"""Responses that hold personal data are never cached; a lost database answers 503; the
production settings come from the environment and pass `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import override_settings
from django.urls import reverse

from partnerprogram.models import Partner

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "url",
    ["/", "/partners/", "/partners/?_export=csv", "/api/kpi/certification-levels/"],
)
def test_pages_downloads_and_the_api_are_never_cached(viewer_client, url):
    response = viewer_client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@override_settings(DEBUG=False)
def test_a_lost_database_answers_503_with_retry_after(viewer, monkeypatch):
    from django.test import Client

    def down(*args, **kwargs):
        raise OperationalError("could not connect to server")

    client = Client(raise_request_exception=False)
    client.force_login(viewer)
    monkeypatch.setattr(Partner.objects.__class__, "get_queryset", down)
    response = client.get(reverse("partners:list"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "unavailable for a moment" in response.text


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a" * 20 + "Zq9$" * 10 + "-production-secret",
    "ALLOWED_HOSTS": "partners.example.com",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_PRELOAD": "1",
}


def production_environment(**more):
    """This process's environment as a server's would be: without what the tests set."""
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {**base, **PRODUCTION, **more}


def manage(*args):
    database = f"sqlite:///{ROOT / '.deploy-check.sqlite3'}"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=production_environment(DATABASE_URL=database),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check_before_collectstatic():
    """README's order: migrate (the URLs load before any static manifest), then check."""
    try:
        migrated = manage("migrate", "--noinput")
        assert migrated.returncode == 0, migrated.stderr
        checked = manage("check", "--deploy", "--fail-level", "WARNING")
        assert checked.returncode == 0, checked.stdout + checked.stderr
    finally:
        (ROOT / ".deploy-check.sqlite3").unlink(missing_ok=True)


def test_hsts_and_the_https_redirect_come_from_the_environment():
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_INCLUDE_SUBDOMAINS)",
        ],
        cwd=ROOT,
        env=production_environment(DJANGO_SETTINGS_MODULE="partnerprogram.config.settings"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.stdout.split() == ["31536000", "True", "True"], shown.stderr
