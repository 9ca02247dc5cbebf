"""API tokens for BI tools: made and revoked on the profile page, shown once, stored hashed,
read-only, with an expiry and a last use; accepted as a Bearer header on every JSON endpoint
beside the session; throttled per token; described by an OpenAPI schema."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from partnerprogram.accounts.models import ApiToken, digest_of

pytestmark = pytest.mark.django_db
PROFILE = reverse("accounts:profile")
ENDPOINTS = [
    reverse("certifications:api-kpi"),
    reverse("tiers:api-kpi"),
    reverse("api-below-threshold"),
    reverse("api-schema"),
]


def make_token(client, name="Power BI", lifetime="90"):
    response = client.post(PROFILE, {"name": name, "lifetime": lifetime})
    assert response.status_code == 200
    return re.search(r'value="(pp_[^"]+)"', response.text)[1]


def bearer(key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_a_token_is_shown_once_and_stored_hashed(viewer_client, viewer):
    key = make_token(viewer_client)
    token = ApiToken.objects.get(user=viewer)
    assert token.digest == digest_of(key) and key not in (token.digest, token.prefix)
    assert key.startswith(token.prefix)
    assert token.expires_on == timezone.localdate() + dt.timedelta(days=90)
    page = viewer_client.get(PROFILE).text
    assert key not in page and token.prefix in page  # never shown again


@pytest.mark.parametrize("url", ENDPOINTS)
def test_every_json_endpoint_takes_a_token_without_a_session(viewer_client, url):
    key = make_token(viewer_client)
    response = Client().get(url, **bearer(key))
    assert response.status_code == 200, response.content[:200]
    assert response["Cache-Control"].startswith("private") or "private" in response["Cache-Control"]


def test_the_last_use_is_recorded(viewer_client, viewer):
    client = Client()
    key = make_token(viewer_client)
    assert ApiToken.objects.get(user=viewer).last_used_at is None
    client.get(ENDPOINTS[0], **bearer(key))
    assert ApiToken.objects.get(user=viewer).last_used_at is not None


def test_a_revoked_an_expired_or_an_unknown_token_gets_401(viewer_client, viewer):
    client = Client()
    key = make_token(viewer_client)
    token = ApiToken.objects.get(user=viewer)
    viewer_client.post(reverse("accounts:revoke-token", args=[token.pk]))
    response = client.get(ENDPOINTS[0], **bearer(key))
    assert response.status_code == 401
    assert response.json() == {"error": "This token is unknown, revoked or expired."}
    assert response["WWW-Authenticate"].startswith("Bearer")
    old = make_token(viewer_client, "Old")
    ApiToken.objects.filter(prefix=old[:11]).update(
        expires_on=timezone.localdate() - dt.timedelta(days=1)
    )
    assert client.get(ENDPOINTS[0], **bearer(old)).status_code == 401
    assert client.get(ENDPOINTS[0], **bearer("pp_guess")).status_code == 401


def test_a_token_reads_only(viewer_client):
    client = Client()
    key = make_token(viewer_client)
    response = client.post(ENDPOINTS[0], **bearer(key))
    assert response.status_code == 403
    assert response.json()["error"] == "This token may only read."


def test_a_token_reads_what_its_user_may_read(client, outsider):
    token, key = ApiToken.issue(user=outsider, name="Nosy")
    response = client.get(ENDPOINTS[0], **bearer(key))
    assert response.status_code == 403
    assert response.json() == {"error": "Your account may not read this data."}


def test_nobody_revokes_another_users_token(viewer_client, manager):
    token, _ = ApiToken.issue(user=manager, name="Theirs")
    response = viewer_client.post(reverse("accounts:revoke-token", args=[token.pk]))
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_requests_are_throttled_per_token(viewer_client, monkeypatch):
    from partnerprogram.accounts.authentication import TokenRateThrottle

    client = Client()
    key = make_token(viewer_client)
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"api": "3/minute"})
    statuses = [client.get(ENDPOINTS[0], **bearer(key)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    other = make_token(viewer_client, "Another tool")  # its own count
    assert client.get(ENDPOINTS[0], **bearer(other)).status_code == 200


def test_the_schema_describes_every_endpoint_and_the_bearer_scheme(viewer_client):
    schema = viewer_client.get(reverse("api-schema")).json()
    assert set(schema["paths"]) == set(ENDPOINTS) - {reverse("api-schema")}
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    levels = schema["paths"][reverse("certifications:api-kpi")]["get"]
    assert {p["name"] for p in levels["parameters"]} >= {"as_of", "region", "tier"}
    assert set(levels["responses"]) >= {"200", "400", "401", "403"}


def test_the_documentation_page_needs_a_login_and_serves_its_files_itself(viewer_client):
    assert Client().get(reverse("api-docs")).status_code == 302
    page = viewer_client.get(reverse("api-docs")).text
    assert "swagger-ui" in page and "cdn" not in page.lower()
