"""The Tier Advancements page and its JSON endpoint."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from partnerprogram.rules.periods import Period
from tests import factories as f

pytestmark = pytest.mark.django_db
D = dt.date
PAGE = reverse("tiers:kpi")
API = reverse("tiers:api-kpi")


@pytest.fixture
def tiers():
    return f.standard_tiers()


@pytest.fixture
def program(tiers):
    """FY2025 Q4 (Oct-Dec 2025): Ann advances Registered -> Silver -> Gold (two events),
    Bob is downgraded Silver -> Registered, Cid enrolls; Dan stays in Registered since
    2024-01-01 (stagnant). FY2025 Q3: Bob advanced Registered -> Silver. Active on 1 Oct:
    Ann, Bob, Dan = 3, rate 1 / 3 = 33.3%."""
    registered, silver, gold, _ = tiers
    ann, bob, dan = (f.partner(n, joined_on=D(2024, 1, 1)) for n in ("Ann", "Bob", "Dan"))
    cid = f.partner("Cid", joined_on=D(2025, 11, 1))
    for partner in (ann, bob, dan):
        f.transition(partner, registered, D(2024, 1, 1), from_tier=None)
    f.transition(ann, silver, D(2025, 10, 5), reason="Certified")
    f.transition(ann, gold, D(2025, 12, 1))
    f.transition(bob, silver, D(2025, 8, 1))
    f.transition(bob, registered, D(2025, 11, 2))
    f.transition(cid, registered, D(2025, 11, 1), from_tier=None)


def test_page_shows_the_figures_and_both_tables(viewer_client, program):
    response = viewer_client.get(PAGE, {"period": "2025-Q4"})
    figures = response.context["figures"]
    assert (figures.advancing_partners, figures.advancement_events) == (1, 2)
    assert (figures.downgrades, figures.enrollments, figures.net_movement) == (1, 1, 1)
    html = response.text
    assert 'data-testid="headline">1</p>' in html
    # In words: the previous quarter, with no change (1 vs 1), and a year earlier (none).
    words = " ".join(html.split())
    assert "Against 1 in FY2025 Q3 (0.0%)" in words
    assert "Against 0 in FY2024 Q4 (no base to compare)" in words
    advancing = response.context["advancing_table"]
    assert sorted((t.partner.name, t.to_tier.name) for t in advancing.data) == [
        ("Ann", "Gold"),
        ("Ann", "Silver"),
    ]
    stagnant = response.context["stagnant_table"]
    assert [p.name for p in stagnant.data] == ["Dan"]
    assert "Partner Program Tier Advancements" in html and "Improvement levers" in html


def test_the_form_shows_the_period_it_resolved_to(viewer_client, program):
    response = viewer_client.get(PAGE, {"period": "2025-11"})
    form = response.context["form"]
    assert (form["kind"].value(), form["period"].value()) == ("month", "2025-11")
    assert "Nov 2025: 1 Nov 2025 to 30 Nov 2025" in response.text
    default = viewer_client.get(PAGE)
    assert default.context["period"] == Period.quarter_containing(timezone.localdate())


def test_custom_range_and_kind_without_a_period(viewer_client, program):
    response = viewer_client.get(
        PAGE, {"kind": "range", "start": "2025-10-01", "end": "2025-10-31"}
    )
    assert response.context["figures"].advancing_partners == 1
    year = viewer_client.get(PAGE, {"kind": "year"})
    assert year.context["period"].kind == "year"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "2025-Q9"}, "is not a period"),
        ({"kind": "range", "start": "2025-10-01"}, "A custom range needs both a start and an end"),
        ({"start": "2025-10-10", "end": "2025-10-01"}, "The end cannot be before the start."),
        ({"start": "2025-10-10", "end": "tomorrow"}, "Enter a date as YYYY-MM-DD."),
        ({"period": "2999-Q1"}, "FY2999 Q1 has not started yet"),
        ({"start": "2999-01-01", "end": "2999-02-01"}, "This range has not started yet"),
    ],
)
def test_bad_periods_show_their_message(viewer_client, program, params, message):
    response = viewer_client.get(PAGE, params)
    assert "figures" not in response.context
    assert message in response.text


def test_a_decline_and_the_stagnant_partners_are_warned(viewer_client, program):
    # FY2026 Q1 has no advancement: fewer than the 1 of FY2025 Q4.
    response = viewer_client.get(PAGE, {"period": "2026-Q1"})
    warnings = response.context["card"].warnings
    assert any(w.text.startswith("Decline: 0 partners advanced in FY2026 Q1") for w in warnings)
    assert any("have not changed tier in 12 months or more" in w.text for w in warnings)


def test_each_table_downloads_its_rows(viewer_client, program):
    response = viewer_client.get(
        PAGE, {"period": "2025-Q4", "_export": "csv", "_table": "advancing"}
    )
    assert response["Content-Disposition"].startswith(
        'attachment; filename="advancing-partners-2025-Q4-'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Partner", "From", "To", "Effective"]
    assert sorted(r[:4] for r in rows[1:]) == [
        ["Ann", "Registered", "Silver", "2025-10-05"],
        ["Ann", "Silver", "Gold", "2025-12-01"],
    ]
    stagnant = viewer_client.get(
        PAGE, {"period": "2025-Q4", "_export": "xlsx", "_table": "stagnant"}
    )
    assert stagnant["Content-Type"].startswith("application/vnd.openxmlformats")
    assert viewer_client.get(PAGE, {"_export": "csv", "_table": "nope"}).status_code == 404


def test_the_periods_figures_and_advancements_per_tier_download(viewer_client, program):
    # FY2025 Q4 (see the fixture): Ann advanced twice (into Silver, then Gold), Bob was
    # downgraded, Cid enrolled; Ann, Bob and Dan were active on 1 Oct, so 1 of 3 = 33.3%;
    # Dan is stagnant at the end.
    params = {"period": "2025-Q4", "_export": "csv"}
    response = viewer_client.get(PAGE, {**params, "_table": "figures"})
    assert response["Content-Disposition"] == (
        'attachment; filename="tier-advancements-2025-Q4.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["Figure", "FY2025 Q4"],
        ["Partners advancing a tier", "1"],
        ["Advancement events", "2"],
        ["Downgrades", "1"],
        ["Net movement (advancements − downgrades)", "1"],
        ["Enrollments", "1"],
        ["Partners active at the start", "3"],
        ["Advancement rate %", "33.3"],
        ["Stagnant partners at the end", "1"],
    ]
    response = viewer_client.get(PAGE, {**params, "_table": "by_tier"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [["Tier", "Partners"], ["Silver", "1"], ["Gold", "1"]]
    unknown = viewer_client.get(PAGE, {**params, "_export": "pdf", "_table": "figures"})
    assert unknown.status_code == 404
    page = viewer_client.get(PAGE, {"period": "2025-Q4"}).text
    assert "_export=csv&amp;_table=figures" in page and "_export=xlsx&amp;_table=by_tier" in page


def test_api_returns_the_pages_numbers(viewer_client, program):
    data = viewer_client.get(API, {"period": "2025-Q4"}).json()
    assert data["kpi"] == "partner_program_tier_advancements"
    assert data["period"] == {
        "label": "FY2025 Q4",
        "start": "2025-10-01",
        "end": "2025-12-31",
        "to_date": False,  # over: its figures cover every day of it
        "through": "2025-12-31",
    }
    assert (data["stagnant_on"], data["declined"]) == ("2025-12-31", False)
    assert {
        k: data[k]
        for k in (
            "advancing_partners",
            "advancement_events",
            "downgrades",
            "enrollments",
            "net_movement",
            "active_at_start",
            "advancement_rate",
            "stagnant_partners",
        )
    } == {
        "advancing_partners": 1,
        "advancement_events": 2,
        "downgrades": 1,
        "enrollments": 1,
        "net_movement": 1,
        "active_at_start": 3,
        "advancement_rate": 33.3,
        "stagnant_partners": 1,
    }
    assert data["by_tier"] == [{"tier": "Silver", "partners": 1}, {"tier": "Gold", "partners": 1}]
    assert data["previous"] == {
        "label": "FY2025 Q3",
        "advancing_partners": 1,
        "change_percent": 0.0,
        "start": "2025-07-01",
        "end": "2025-09-30",
        "counted": "FY2025 Q3",
    }
    assert data["year_ago"] == {
        "label": "FY2024 Q4",
        "advancing_partners": 0,
        "change_percent": None,
        "start": "2024-10-01",
        "end": "2024-12-31",
        "counted": "FY2024 Q4",
    }
    assert [t["label"] for t in data["trend"]] == [
        "FY2024 Q1",
        "FY2024 Q2",
        "FY2024 Q3",
        "FY2024 Q4",
        "FY2025 Q1",
        "FY2025 Q2",
        "FY2025 Q3",
        "FY2025 Q4",
    ]
    assert data["trend"][-1] == {
        "label": "FY2025 Q4",
        "start": "2025-10-01",
        "end": "2025-12-31",
        "advancing_partners": 1,
    }


def test_api_accepts_months_years_and_ranges(viewer_client, program):
    assert viewer_client.get(API, {"period": "2025-10"}).json()["advancing_partners"] == 1
    assert viewer_client.get(API, {"period": "2025"}).json()["advancing_partners"] == 2
    data = viewer_client.get(API, {"start": "2025-08-01", "end": "2025-08-01"}).json()
    assert (data["period"]["start"], data["advancing_partners"]) == ("2025-08-01", 1)
    current = viewer_client.get(API).json()["period"]
    quarter = Period.quarter_containing(timezone.localdate())
    assert current["start"] == quarter.start.isoformat()


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"period": "Q4"}, "period"),
        ({"start": "2025-01-01"}, "end"),
        ({"start": "2025-02-01", "end": "2025-01-01"}, "end"),
        ({"start": "soon", "end": "2025-01-01"}, "start"),
        ({"period": "2025-Q4", "tier": "Diamond"}, "tier"),
        ({"period": "2999"}, "period"),  # a fiscal year that has not started
    ],
)
def test_api_bad_parameters_get_a_400_naming_them(viewer_client, program, params, parameter):
    response = viewer_client.get(API, params)
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter


def test_api_needs_a_login(client, program):
    response = client.get(API, {"period": "2025-Q4"})
    assert response.status_code == 401
    assert "error" in response.json()


def test_page_costs_the_same_queries_for_5_and_50_partners(viewer_client, program, tiers):
    registered, silver, *_ = tiers

    def grow(count):
        for _ in range(count):
            partner = f.partner(joined_on=D(2024, 1, 1))
            f.transition(partner, registered, D(2024, 1, 1), from_tier=None)
            f.transition(partner, silver, D(2025, 11, 15))

    def queries(url):
        viewer_client.get(url)  # keeps the closed periods' snapshots
        with CaptureQueriesContext(connection) as captured:
            assert viewer_client.get(url).status_code == 200
        return len(captured)

    url = f"{PAGE}?period=2025-Q4"
    grow(1)
    small, small_api = queries(url), queries(f"{API}?period=2025-Q4")
    grow(45)
    assert queries(url) == small
    assert queries(f"{API}?period=2025-Q4") == small_api


def test_next_stops_at_the_period_in_progress(viewer_client, program):
    current = Period.quarter_containing(timezone.localdate())
    page = viewer_client.get(PAGE).text
    assert f"{current.shifted(1).label} →" not in page  # it has not started
    assert f"← {current.previous().label}" in page
    page = viewer_client.get(PAGE, {"period": current.previous().key}).text
    assert f"{current.label} →" in page
