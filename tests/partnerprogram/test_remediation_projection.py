"""The remediation page and the below-threshold endpoint on a day after today: a projection,
labelled, at most a year ahead, as on the KPI pages (PRODUCT.md, "Periods in progress and
future dates")."""

import datetime as dt

import pytest
from django.urls import reverse

from partnerprogram.rules.periods import PROJECTION
from tests import factories as f

pytestmark = pytest.mark.django_db
D = dt.date
TODAY, AHEAD, TOO_FAR = D(2025, 11, 15), D(2026, 5, 15), D(2026, 11, 16)
PAGE, API = reverse("remediation:overview"), reverse("api-below-threshold")


@pytest.fixture
def program(today):
    """Today is TODAY; AHEAD is six months ahead, TOO_FAR a year and a day.
    Lapsing: Silver (requires Associate), its Associate ends on 1 Mar 2026, beyond the
    at-risk window today and gone by AHEAD. Steady: Silver, Associate until 2028."""
    today(TODAY)
    associate, *_ = levels = f.standard_levels()
    _, silver, *_ = f.standard_tiers(levels)
    for name, ends in (("Lapsing", D(2026, 3, 1)), ("Steady", D(2028, 1, 1))):
        partner = f.partner(name, joined_on=D(2024, 1, 1))
        f.transition(partner, silver, D(2024, 1, 1), from_tier=None)
        f.certification(partner, associate, D(2024, 1, 1), expires_on=ends)


def below(response):
    return [row.record.name for row in response.context["below_table"].paginated_rows]


def test_the_page_labels_a_day_ahead_a_projection(program, viewer_client):
    response = viewer_client.get(PAGE, {"as_of": AHEAD.isoformat()})
    assert below(response) == ["Lapsing"]
    text = " ".join(response.text.split())
    assert f"Projection</span> {PROJECTION}" in text
    assert "Both on 15 May 2026 (a projection)." in text
    today = viewer_client.get(PAGE)
    assert below(today) == [] and 'data-testid="projection"' not in today.text


def test_the_page_refuses_a_day_more_than_a_year_ahead_and_shows_today(program, viewer_client):
    response = viewer_client.get(PAGE, {"as_of": TOO_FAR.isoformat()})
    assert response.context["as_of"] == TODAY and below(response) == []
    assert (
        "16 Nov 2026 is more than a year after today: a projection goes no further than "
        "15 Nov 2026." in response.text
    )
    assert "The day in the filters was refused; showing today instead." in response.text
    assert 'data-testid="projection"' not in response.text


def test_the_endpoint_says_what_a_projection_assumes(program, viewer_client):
    ahead = viewer_client.get(API, {"as_of": AHEAD.isoformat()}).json()
    assert ahead["projection"] == PROJECTION
    assert [row["partner"] for row in ahead["below_threshold"]] == ["Lapsing"]
    assert viewer_client.get(API).json()["projection"] is None


def test_the_endpoint_refuses_a_day_more_than_a_year_ahead(program, viewer_client):
    response = viewer_client.get(API, {"as_of": TOO_FAR.isoformat()})
    assert response.status_code == 400
    assert response.json()["parameter"] == "as_of"
    assert "more than a year after today" in response.json()["error"]
    last = viewer_client.get(API, {"as_of": "2026-11-15"})
    assert last.status_code == 200 and last.json()["projection"] == PROJECTION
