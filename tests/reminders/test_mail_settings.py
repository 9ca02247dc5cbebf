"""EMAIL_URL into MAILERS (no database), and the settings refusing one they cannot read."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from partnerprogram.config.mail import CONSOLE, SMTP, mailers_from_url
from tests.partnerprogram.test_settings import load_settings


def options(url):
    mailer = mailers_from_url(url)["default"]
    assert mailer["BACKEND"] == SMTP
    return mailer["OPTIONS"]


def test_no_email_url_prints_messages_on_the_console():
    assert mailers_from_url("") == {"default": {"BACKEND": CONSOLE}}
    assert mailers_from_url("console://") == {"default": {"BACKEND": CONSOLE}}


def test_smtp_with_starttls_and_a_password_with_reserved_characters():
    assert options("smtp://mailer:p%40ss%3Aword@mail.example.com:587?tls=1") == {
        "host": "mail.example.com",
        "port": 587,
        "username": "mailer",
        "password": "p@ss:word",
        "use_tls": True,
        "use_ssl": False,
        "timeout": 30,
    }


def test_smtps_is_implicit_tls_on_port_465_by_default():
    found = options("smtps://mailer:secret@mail.example.com?timeout=10")
    assert (found["port"], found["use_ssl"], found["use_tls"], found["timeout"]) == (
        465,
        True,
        False,
        10,
    )
    assert options("smtp://relay.internal")["port"] == 25


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://mail.example.com", "the scheme must be smtp, smtps or console, not 'http'"),
        ("smtp://:587", "it names no host"),
        ("smtp://mail.example.com:port", "it cannot be read"),
        ("smtp://mail.example.com?ssl=1", "unknown parameter ssl"),
        ("smtp://mail.example.com?tls=maybe", "tls must be 1 or 0, not 'maybe'"),
        ("smtps://mail.example.com?tls=1", "smtps:// is already TLS from the start"),
        ("smtp://mail.example.com?timeout=0", "timeout must be a whole number of seconds"),
    ],
)
def test_an_address_that_cannot_be_read_is_refused_with_the_reason(url, reason):
    with pytest.raises(ImproperlyConfigured) as refused:
        mailers_from_url(url.replace("mail.example.com", "user:s3cret@mail.example.com", 1))
    assert reason in str(refused.value)
    assert "s3cret" not in str(refused.value)


def test_the_project_refuses_to_start_with_a_malformed_email_url():
    result = load_settings(EMAIL_URL="smtp//mail.example.com")
    assert result.returncode != 0
    assert "EMAIL_URL is not a mail server address" in result.stderr
    result = load_settings(EMAIL_URL="smtps://mail.example.com", SITE_URL="partners.example.com")
    assert "SITE_URL must start with http:// or https://" in result.stderr


def test_without_debug_mail_goes_to_the_hosts_own_server_unless_told():
    show = "import partnerprogram.config.settings as s; print(s.MAILERS['default'])"
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "x" * 50}
    env.pop("EMAIL_URL", None)
    found = subprocess.run(
        [sys.executable, "-c", show], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert "'host': 'localhost', 'port': 25" in found.stdout, found.stderr
    assert "smtp.EmailBackend" in found.stdout


def test_the_defaults_print_mail_and_link_to_the_development_server():
    result = load_settings(
        EMAIL_URL="smtp://u:p@mail.example.com:587?tls=1", SITE_URL="https://p.example.com/"
    )
    assert result.returncode == 0, result.stderr
    assert settings.SITE_URL == "http://127.0.0.1:8000"
    assert settings.DEFAULT_FROM_EMAIL == "Partner Program <partners@localhost>"
