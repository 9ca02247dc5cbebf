"""Partner boxes ask the server for suggestions (partners:search) instead of sending every
partner's name with the page: a program of 500,000 partners made each form a 25 MB page."""

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db
SEARCH = reverse("partners:search")


def names(response):
    assert response.status_code == 200
    return [result["name"] for result in response.json()["results"]]


@pytest.fixture
def partners():
    for name in ("Blue Bridge", "Apex Blue", "Blueprint IT", "Granite Works", "Old Blue"):
        f.partner(name)


def test_names_containing_the_text_in_any_case_come_in_name_order(viewer_client, partners):
    assert names(viewer_client.get(SEARCH, {"q": "BLUE"})) == [
        "Apex Blue",
        "Blue Bridge",
        "Blueprint IT",
        "Old Blue",
    ]
    assert names(viewer_client.get(SEARCH, {"q": " granite "})) == ["Granite Works"]
    assert names(viewer_client.get(SEARCH, {"q": "nothing like it"})) == []


def test_a_single_character_or_nothing_asks_for_more(viewer_client, partners):
    assert names(viewer_client.get(SEARCH, {"q": "b"})) == []
    assert names(viewer_client.get(SEARCH)) == []


def test_twenty_names_at_most_in_one_query_whatever_the_program(
    viewer_client, django_assert_max_num_queries
):
    for n in range(45):
        f.partner(f"Partner {n:02d}")
    with django_assert_max_num_queries(5):  # session, user, their permissions (2), the names
        found = names(viewer_client.get(SEARCH, {"q": "partner"}))
    assert found == [f"Partner {n:02d}" for n in range(20)]


def test_a_visitor_is_refused_and_a_user_without_the_read_permission_too(
    client, outsider, partners
):
    assert client.get(SEARCH, {"q": "blue"}).status_code in (302, 403)
    client.force_login(outsider)
    assert client.get(SEARCH, {"q": "blue"}).status_code == 403


@pytest.mark.parametrize(
    "url",
    [reverse("feedback:create"), reverse("feedback:list"), reverse("remediation:review-list")],
)
def test_the_pages_with_a_partner_box_list_no_partner(manager_client, partners, url):
    page = manager_client.get(url).text
    assert f'data-partner-search="{SEARCH}"' in page
    assert "Granite Works" not in page and '<option value="Blue Bridge"' not in page


def test_a_typed_name_is_still_checked_by_the_form(manager_client, partners):
    response = manager_client.get(reverse("feedback:list"), {"partner": "Blue Brid"})
    assert "No partner has this name." in response.text
    response = manager_client.get(reverse("feedback:list"), {"partner": "Blue Bridge"})
    assert response.context["filter"].form.is_valid()
