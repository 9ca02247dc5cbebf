"""Who may do what on the daily-work pages: anonymous users log in first (the endpoint
answers 401), viewers read everything and get 403 on every write, users in no group get 403,
partner managers write, and each write is checked in the data."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from certifications.models import PartnerCertification
from partnerprogram.models import PartnerFeedback, RemediationReview
from tests import factories as f
from tiers.models import TierTransition

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = timezone.localdate()


@pytest.fixture
def world(manager):
    levels = f.standard_levels()
    tiers = f.standard_tiers(levels)
    partner = f.partner("Acme", joined_on=D(2024, 1, 1))
    f.transition(partner, tiers[1], D(2024, 1, 1))
    other = f.partner("Bolt", joined_on=D(2024, 1, 1))
    open_review = f.review(partner, manager, opened_on=D(2025, 5, 1))
    closed_review = f.review(
        other,
        manager,
        opened_on=D(2025, 1, 1),
        status="resolved",
        outcome="Done.",
        closed_on=D(2025, 1, 10),
    )
    f.feedback(partner)
    return {
        "levels": levels,
        "tiers": tiers,
        "partner": partner,
        "other": other,
        "open_review": open_review,
        "closed_review": closed_review,
    }


def read_urls(world):
    return [
        reverse("partners:list"),
        reverse("partners:detail", args=[world["partner"].pk]),
        reverse("feedback:list"),
        reverse("remediation:overview"),
        reverse("remediation:review-list"),
        reverse("remediation:review-detail", args=[world["open_review"].pk]),
    ]


def writes(world, manager):
    """(url, valid POST data, check of the data after the manager's write)."""
    partner, (associate, *_), (_, silver, gold, _) = (
        world["partner"],
        world["levels"],
        world["tiers"],
    )
    open_review, closed_review = world["open_review"], world["closed_review"]

    def certified():
        cert = PartnerCertification.objects.get(partner=partner)
        return cert.level == associate and cert.recorded_by == manager

    def advanced():
        partner.refresh_from_db()
        return partner.current_tier == gold

    def logged():
        return PartnerFeedback.objects.filter(comment="Call notes", logged_by=manager).exists()

    def opened():
        return RemediationReview.objects.filter(
            reason="feedback_escalation", owner=manager
        ).exists()

    def edited():
        open_review.refresh_from_db()
        return open_review.status == "in_progress"

    def closed():
        open_review.refresh_from_db()
        return open_review.status == "resolved" and open_review.closed_on == TODAY

    def reopened():
        return RemediationReview.objects.filter(partner=world["other"], status="open").exists()

    return [
        (
            reverse("partners:certification-create", args=[partner.pk]),
            {"level": associate.pk, "awarded_on": "2025-05-01"},
            certified,
        ),
        (
            reverse("partners:transition-create", args=[partner.pk]),
            {"from_tier": silver.pk, "to_tier": gold.pk, "effective_on": "2025-05-01"},
            advanced,
        ),
        (
            reverse("feedback:create"),
            {
                "partner": "Acme",
                "received_on": "2025-05-01",
                "channel": "call",
                "topic": "support",
                "rating": "3",
                "comment": "Call notes",
            },
            logged,
        ),
        (
            reverse("remediation:review-create"),
            {
                "partner": "Acme",
                "reason": "feedback_escalation",
                "owner": manager.pk,
                "due_on": (TODAY + dt.timedelta(days=30)).isoformat(),
            },
            opened,
        ),
        (
            reverse("remediation:review-edit", args=[open_review.pk]),
            {"status": "in_progress", "owner": manager.pk, "due_on": "2025-06-30"},
            edited,
        ),
        (
            reverse("remediation:review-close", args=[open_review.pk]),
            {"status": "resolved", "outcome": "Certified.", "closed_on": TODAY.isoformat()},
            closed,
        ),
        (reverse("remediation:review-reopen", args=[closed_review.pk]), {}, reopened),
    ]


def snapshot():
    return (
        list(PartnerCertification.objects.values_list("pk", flat=True)),
        list(TierTransition.objects.values_list("pk", "to_tier")),
        list(PartnerFeedback.objects.values_list("pk", flat=True)),
        list(RemediationReview.objects.values_list("pk", "status", "due_on", "owner")),
    )


def test_anonymous_users_are_sent_to_log_in_on_every_page_and_write(client, world, manager):
    for url in read_urls(world) + [url for url, _, _ in writes(world, manager)]:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response.url.startswith(reverse("login") + "?next="), url
    response = client.get(reverse("api-below-threshold"))
    assert response.status_code == 401


def test_a_viewer_reads_every_page(viewer_client, world):
    for url in read_urls(world):
        response = viewer_client.get(url)
        assert response.status_code == 200, url
        assert "Acme" in response.text, url


def test_a_user_in_no_group_reads_nothing(client, outsider, world):
    client.force_login(outsider)
    for url in read_urls(world):
        assert client.get(url).status_code == 403, url


def test_a_viewer_gets_403_on_every_write_and_nothing_changes(viewer_client, world, manager):
    before = snapshot()
    for url, data, _ in writes(world, manager):
        assert viewer_client.get(url).status_code == 403, url
        response = viewer_client.post(url, data)
        assert response.status_code == 403, url
        assert "You cannot do that" in response.text
    assert snapshot() == before


def test_a_manager_makes_every_write_and_the_data_shows_it(manager_client, world, manager):
    for url, data, check in writes(world, manager):
        response = manager_client.post(url, data)
        assert response.status_code == 302, (
            url,
            response.context and response.context["form"].errors,
        )
        assert check(), url


def test_a_manager_cannot_reopen_with_a_get(manager_client, world):
    url = reverse("remediation:review-reopen", args=[world["closed_review"].pk])
    assert manager_client.get(url).status_code == 405
    assert RemediationReview.objects.count() == 2
