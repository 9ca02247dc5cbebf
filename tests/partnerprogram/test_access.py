"""Every page needs a login: anonymous users are sent to the login page (the JSON API answers
401 instead), and a logged-in user outside both groups may not read."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

PUBLIC = {"login", "logout", "favicon"}


def site_urls(patterns=None, prefix=""):
    """Every non-admin URL of the site, with 1 for each path argument."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + re.sub(r"<(?:\w+:)?\w+>", "1", str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            if route.startswith("admin/"):
                continue
            yield from site_urls(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and pattern.name not in PUBLIC:
            yield "/" + route


def test_the_site_has_pages_to_protect():
    assert "/" in list(site_urls())


@pytest.mark.parametrize("url", list(site_urls()))
def test_anonymous_users_are_sent_to_log_in(client, url):
    response = client.get(url)
    if url.startswith("/api/"):
        assert response.status_code == 401
        assert response.json()["error"]
    else:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")


def test_login_page_logs_a_user_in_and_out(client, manager):
    page = client.get(reverse("login"))
    assert page.status_code == 200 and 'name="username"' in page.text
    response = client.post(reverse("login"), {"username": "manager", "password": "pw"})
    assert response.status_code == 302 and response.url == reverse("dashboard")
    dashboard = client.get(reverse("dashboard"))
    assert "Morgan Manager" in dashboard.text
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "You have been logged out." in response.text
    assert client.get(reverse("dashboard")).status_code == 302


def test_a_wrong_password_is_refused_with_a_message(client, manager):
    response = client.post(reverse("login"), {"username": "manager", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text


def test_a_user_outside_both_groups_may_not_read(client, outsider):
    client.force_login(outsider)
    assert client.get(reverse("dashboard")).status_code == 403


def test_navbar_shows_admin_only_to_staff(client, viewer, staff):
    client.force_login(viewer)
    assert 'href="/admin/"' not in client.get(reverse("dashboard")).text
    client.force_login(staff)
    assert 'href="/admin/"' in client.get(reverse("dashboard")).text
