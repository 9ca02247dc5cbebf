"""Certification Levels on a day after today: a projection (PRODUCT.md, "Periods in progress
and future dates"), at most a year ahead. "Today" is set by the `today` fixture."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certifications import kpis
from partnerprogram.models import Partner
from partnerprogram.rules.periods import PROJECTION, latest_projection_day
from tests import factories as f

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2025, 11, 15)
AHEAD = D(2026, 5, 15)  # six months after TODAY
PAGE = reverse("certifications:kpi")
API = reverse("certifications:api-kpi")


@pytest.fixture(autouse=True)
def on_today(today):
    today(TODAY)


@pytest.fixture
def levels():
    return f.standard_levels()


@pytest.fixture
def program(levels):
    """Seven partners, joined 2024-01-01 unless said; TODAY 15 Nov 2025, AHEAD 15 May 2026:

    q1  Associate until 2027-01-01                       AHEAD: Associate
    q2  Professional expiring ON 2026-05-15              AHEAD: not certified (expired)
    q3  Expert expiring 2026-05-16, the day after        AHEAD: Expert
    q4  Associate, never expires, revoked_on 2026-01-10 recorded in advance
                                                         AHEAD: Associate (none revoked)
    q5  no certification, ended_on 2026-02-01 recorded in advance
                                                         AHEAD: active (none leaves)
    q6  joined_on 2026-01-01 recorded in advance         AHEAD: not active (none joins)
    q7  Associate revoked 2025-10-01, before today       AHEAD: not certified

    AHEAD, projected: active q1 q2 q3 q4 q5 q7 = 6; Associate q1 q4 = 2, Professional 0,
    Expert q3 = 1, not certified q2 q5 q7 = 3 (2 + 0 + 1 + 3 = 6). At Associate or higher:
    3 / 6 = 50.0%, Action required.
    TODAY: the same six active; Associate q1 q4, Professional q2, Expert q3: 4 / 6 = 66.6%.
    """
    associate, professional, expert = levels
    q = {n: f.partner(f"q{n}", joined_on=D(2024, 1, 1)) for n in range(1, 8)}
    f.certification(q[1], associate, D(2025, 1, 1), expires_on=D(2027, 1, 1))
    f.certification(q[2], professional, D(2024, 6, 1), expires_on=D(2026, 5, 15))
    f.certification(q[3], expert, D(2025, 6, 1), expires_on=D(2026, 5, 16))
    cert = f.certification(q[4], associate, D(2025, 1, 1), revoked_on=D(2026, 1, 10))
    cert.__class__.objects.filter(pk=cert.pk).update(expires_on=None)
    Partner.objects.filter(name="q5").update(ended_on=D(2026, 2, 1))
    Partner.objects.filter(name="q6").update(joined_on=D(2026, 1, 1))
    f.certification(q[7], associate, D(2025, 1, 1), revoked_on=D(2025, 10, 1))
    return q


def test_a_projection_assumes_only_the_recorded_expiries(program):
    figures = kpis.certification_levels(AHEAD)
    assert figures.active_partners == 6
    assert [(share.name, share.partners) for share in figures.levels] == [
        ("Associate", 2),
        ("Professional", 0),
        ("Expert", 1),
    ]
    assert figures.not_certified == 3
    assert figures.target.cumulative_percent == Decimal("50.0")
    assert figures.band.value == "action_required"
    today = kpis.certification_levels(TODAY)
    assert (today.active_partners, today.target.cumulative_percent) == (6, Decimal("66.6"))


def test_the_partners_behind_a_projected_figure(program, levels):
    associate = levels[0]
    behind = kpis.partners_behind(AHEAD, mode="cumulative", level=associate)
    assert sorted(p.name for p in behind) == ["q1", "q3", "q4"]
    assert sorted(p.name for p in kpis.partners_behind(AHEAD, mode="not_certified")) == [
        "q2",
        "q5",
        "q7",
    ]


def test_a_projection_goes_a_year_ahead_and_no_further():
    assert latest_projection_day(TODAY) == D(2026, 11, 15)
    assert latest_projection_day(D(2024, 2, 29)) == D(2025, 2, 28)


def test_the_page_labels_a_projection(program, viewer_client):
    html = viewer_client.get(PAGE, {"as_of": AHEAD.isoformat()}).text
    assert 'data-testid="projection"' in html and PROJECTION in html
    assert 'data-testid="headline">50.0%' in html
    today = viewer_client.get(PAGE).text
    assert 'data-testid="projection"' not in today and "(today)" in today
    params = {"as_of": AHEAD.isoformat(), "show": "not_certified"}
    drill = viewer_client.get(reverse("certifications:kpi-partners"), params)
    assert "on 15 May 2026 (a projection)" in drill.text


@pytest.mark.parametrize(
    ("as_of", "shown"),
    [("2026-11-16", "16 Nov 2026"), ("2030-01-01", "1 Jan 2030")],
)
def test_the_page_refuses_a_day_more_than_a_year_ahead(program, viewer_client, as_of, shown):
    response = viewer_client.get(PAGE, {"as_of": as_of})
    assert "figures" not in response.context
    assert (
        f"{shown} is more than a year after today: a projection goes no further than 15 Nov 2026."
    ) in response.text
    # A year ahead exactly is a projection.
    assert viewer_client.get(PAGE, {"as_of": "2026-11-15"}).context["projection"] == PROJECTION


def test_the_api_labels_a_projection_and_refuses_further(program, viewer_client):
    data = viewer_client.get(API, {"as_of": AHEAD.isoformat()}).json()
    assert data["projection"] == PROJECTION
    assert (data["active_partners"], data["target"]["cumulative_percent"]) == (6, 50.0)
    assert viewer_client.get(API).json()["projection"] is None
    refused = viewer_client.get(API, {"as_of": "2030-01-01"})
    assert refused.status_code == 400
    assert refused.json()["parameter"] == "as_of"


def test_a_projection_costs_the_same_queries_for_7_and_40_partners(
    program, levels, viewer_client, django_assert_max_num_queries
):
    url = f"{PAGE}?as_of={AHEAD.isoformat()}"
    viewer_client.get(url)
    with CaptureQueriesContext(connection) as captured:
        viewer_client.get(url)
    for n in range(33):
        f.certification(f.partner(f"more {n}"), levels[n % 3], D(2025, 3, 1))
    with django_assert_max_num_queries(len(captured)):
        viewer_client.get(url)
