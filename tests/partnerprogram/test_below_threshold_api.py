"""GET /api/partners/below-threshold/: the remediation lists as JSON for BI tools."""

import pytest
from django.urls import reverse
from django.utils import timezone

from partnerprogram import kpis
from partnerprogram.models import ReviewReason
from tests import factories as f

from .daily import AT_RISK_ON_DAY, BELOW_ON_DAY, DAY, build_program, count_queries

pytestmark = pytest.mark.django_db
URL = reverse("api-below-threshold")


@pytest.fixture
def program():
    return build_program()


def test_anonymous_gets_401_json_not_a_login_redirect(client):
    response = client.get(URL)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert "log in" in response.json()["error"]


def test_a_user_outside_both_groups_gets_403(client, outsider):
    client.force_login(outsider)
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("value", ["yesterday", "2025-13-01", "30/06/2025", "0001-01-01"])
def test_a_bad_date_gets_400_naming_the_parameter(viewer_client, value):
    response = viewer_client.get(URL, {"as_of": value})
    assert response.status_code == 400
    assert response.json()["parameter"] == "as_of"
    assert response.json()["error"].startswith("as_of:")


def test_only_get_is_allowed(manager_client):
    assert manager_client.post(URL).status_code == 405


def test_the_lists_on_a_day_are_ordered_by_name_with_tiers_levels_and_reviews(
    viewer_client, program, manager
):
    f.review(program["Revoked Professional"], manager, reason=ReviewReason.CERTIFICATION_EXPIRED)
    f.review(program["Expiring In 90"], manager, reason=ReviewReason.CERTIFICATION_EXPIRED)
    response = viewer_client.get(URL, {"as_of": DAY.isoformat()})
    assert response.status_code == 200
    data = response.json()
    assert data["as_of"] == "2025-06-30"
    assert [row["partner"] for row in data["below_threshold"]] == BELOW_ON_DAY
    assert [(row["partner"], row["expires_on"]) for row in data["at_risk"]] == [
        (name, day.isoformat()) for name, day in AT_RISK_ON_DAY
    ]
    below = {row["partner"]: row for row in data["below_threshold"]}
    assert below["Associate In Gold"] == {
        "partner": "Associate In Gold",
        "tier": "Gold",
        "required_level": "Professional",
        "held_level": "Associate",
        "open_review": False,
    }
    assert below["Revoked Professional"]["held_level"] is None
    assert below["Revoked Professional"]["open_review"] is True
    at_risk = {row["partner"]: row for row in data["at_risk"]}
    assert at_risk["Expiring In 90"] == {
        "partner": "Expiring In 90",
        "tier": "Silver",
        "required_level": "Associate",
        "expires_on": "2025-09-28",
        "open_review": True,
    }
    assert at_risk["Later Professional"]["open_review"] is False


def test_without_a_date_the_lists_are_today_s_and_match_the_page(viewer_client, program):
    today = timezone.localdate()
    data = viewer_client.get(URL).json()
    assert data["as_of"] == today.isoformat()
    assert [row["partner"] for row in data["below_threshold"]] == [
        p.name for p in kpis.below_threshold(today)
    ]
    assert "Promoted After" in [row["partner"] for row in data["below_threshold"]]
    page = viewer_client.get(reverse("remediation:overview"))
    for row in data["below_threshold"]:
        assert row["partner"] in page.text


def test_the_endpoint_costs_the_same_queries_for_few_and_many_partners(
    viewer_client, program, django_assert_num_queries
):
    viewer_client.get(URL, {"as_of": DAY.isoformat()})  # DAY is a quarter end: kept
    few = count_queries(lambda: viewer_client.get(URL, {"as_of": DAY.isoformat()}))
    # Session, user, permissions (2), tiers, levels, the two lists, and the lists' counts
    # (kept: one read, which the writes below keep true).
    assert few == 9
    build_more = [f.partner(f"Extra {n}") for n in range(30)]
    silver = program.tiers[1]
    for partner in build_more:
        f.transition(partner, silver, DAY)
    with django_assert_num_queries(few):
        data = viewer_client.get(URL, {"as_of": DAY.isoformat()}).json()
    assert len(data["below_threshold"]) == len(BELOW_ON_DAY) + 30


def test_the_lists_come_a_page_at_a_time_with_their_counts_and_the_next_page(
    viewer_client, program
):
    day = {"as_of": DAY.isoformat(), "page_size": 2}
    first = viewer_client.get(URL, day).json()
    assert first["counts"] == {"below_threshold": len(BELOW_ON_DAY), "at_risk": len(AT_RISK_ON_DAY)}
    assert (first["page"], first["page_size"]) == (1, 2)
    assert [row["partner"] for row in first["below_threshold"]] == BELOW_ON_DAY[:2]
    assert [row["partner"] for row in first["at_risk"]] == [n for n, _ in AT_RISK_ON_DAY[:2]]
    assert first["next"] == f"{URL}?as_of={DAY.isoformat()}&page=2&page_size=2"
    pages, url = [first], first["next"]
    while url:
        pages.append(viewer_client.get(url).json())
        url = pages[-1]["next"]
    # Every row once, in order, and the last page says there is no next one.
    assert [r["partner"] for p in pages for r in p["below_threshold"]] == BELOW_ON_DAY
    assert [r["partner"] for p in pages for r in p["at_risk"]] == [n for n, _ in AT_RISK_ON_DAY]
    assert len(pages) == -(-max(len(BELOW_ON_DAY), len(AT_RISK_ON_DAY)) // 2)


@pytest.mark.parametrize(
    ("parameter", "value"), [("page", "0"), ("page", "two"), ("page_size", "1001")]
)
def test_a_bad_page_gets_400_naming_the_parameter(viewer_client, parameter, value):
    response = viewer_client.get(URL, {parameter: value})
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter
