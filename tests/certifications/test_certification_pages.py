"""The Certification Levels page, its drill-down and its JSON endpoint."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certifications.models import PartnerCertification
from partnerprogram.models import Partner
from tests import factories as f

pytestmark = pytest.mark.django_db
D = dt.date
PAGE = reverse("certifications:kpi")
DRILL = reverse("certifications:kpi-partners")
API = reverse("certifications:api-kpi")


@pytest.fixture
def program():
    """On 2025-11-15: Ann (Professional), Bob (Associate), Cid (nothing), Dee (ended the day
    before, Expert). Active 3; Associate+ 2 of 3 = 66.6%, Action required; Professional+ 1
    (33.3%); not certified 1 (33.3%)."""
    associate, professional, expert = f.standard_levels()
    emea, apac = f.region("EMEA"), f.region("APAC")
    ann = f.partner("Ann", region=emea)
    bob = f.partner("Bob", region=apac)
    f.partner("Cid", region=apac)
    dee = f.partner("Dee", region=emea, ended_on=D(2025, 11, 14))
    f.certification(ann, professional, D(2025, 1, 1))
    f.certification(bob, associate, D(2025, 1, 1))
    f.certification(dee, expert, D(2025, 1, 1))
    return {"levels": (associate, professional, expert)}


def test_page_shows_the_headline_levels_and_band(viewer_client, program):
    response = viewer_client.get(PAGE, {"as_of": "2025-11-15"})
    figures = response.context["figures"]
    assert (figures.active_partners, figures.target.cumulative_percent) == (3, Decimal("66.6"))
    html = response.text
    assert 'data-testid="headline">66.6%</p>' in html
    assert "Action required" in html
    assert "2 of 3 active partners" in html
    # The KPI card: definition, formula, bands in words, a live warning and the questions.
    assert "Partners active on D whose level on D is L".lower() in html.lower()
    assert "Significant gaps; immediate action required." in html
    assert "Which regions are below 70% at Associate?" in html


def test_every_count_links_to_the_partners_behind_it(viewer_client, program):
    response = viewer_client.get(PAGE, {"as_of": "2025-11-15"})
    rows = {
        share.name: (exact, cumulative)
        for share, exact, cumulative in response.context["level_rows"]
    }
    exact_url, cumulative_url = rows["Associate"]
    assert exact_url in response.text.replace("&amp;", "&")
    page = viewer_client.get(exact_url)
    assert [p.name for p in page.context["table"].data] == ["Bob"]
    page = viewer_client.get(cumulative_url)
    assert sorted(p.name for p in page.context["table"].data) == ["Ann", "Bob"]
    page = viewer_client.get(response.context["not_certified_url"])
    assert [p.name for p in page.context["table"].data] == ["Cid"]


def test_breakdown_rows_link_to_their_segments_partners(viewer_client, program):
    response = viewer_client.get(PAGE, {"as_of": "2025-11-15", "dimension": "region"})
    breakdown = {
        row.label: (row, cells, nc_url) for row, cells, nc_url in response.context["breakdown"]
    }
    assert set(breakdown) == {"APAC", "EMEA"}
    row, cells, not_certified_url = breakdown["APAC"]
    assert (row.figures.active_partners, row.figures.target.cumulative_percent) == (
        2,
        Decimal("50.0"),
    )
    associate_url = cells[0][1]
    page = viewer_client.get(associate_url)
    assert [p.name for p in page.context["table"].data] == ["Bob"]
    page = viewer_client.get(not_certified_url)
    assert [p.name for p in page.context["table"].data] == ["Cid"]


def test_segment_filters_narrow_the_page(viewer_client, program):
    response = viewer_client.get(PAGE, {"as_of": "2025-11-15", "region": "EMEA"})
    assert response.context["figures"].active_partners == 1
    assert "region EMEA" in response.text


def test_bad_parameters_show_their_message_and_no_figures(viewer_client, program):
    response = viewer_client.get(PAGE, {"as_of": "15/11/2025", "region": "Atlantis"})
    assert "figures" not in response.context
    assert "Enter a date as YYYY-MM-DD." in response.text
    assert "Select a valid choice" in response.text


def test_no_active_partner_says_the_rate_is_undefined(viewer_client, program):
    response = viewer_client.get(PAGE, {"as_of": "2020-01-01"})
    assert "No partner is active on this date: the rate is undefined." in response.text
    assert "Undefined" in response.text


def test_drill_down_is_sortable_searchable_and_exports_its_rows(viewer_client, program):
    url = f"{DRILL}?as_of=2025-11-15&show=cumulative&level=Associate"
    page = viewer_client.get(url + "&sort=-name")
    assert [p.name for p in page.context["table"].paginated_rows.data] == ["Bob", "Ann"]
    page = viewer_client.get(url + "&search=an")
    assert [p.name for p in page.context["table"].data] == ["Ann"]
    export = viewer_client.get(url + "&_export=csv")
    assert export["Content-Disposition"].startswith(
        'attachment; filename="partners-cumulative-associate-2025-11-15-'
    )
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][:2] == ["Partner", "Level on the date"]
    assert sorted(r[:2] for r in rows[1:]) == [["Ann", "Professional"], ["Bob", "Associate"]]


def test_drill_down_asks_for_a_level(viewer_client, program):
    page = viewer_client.get(DRILL, {"show": "exact"})
    assert "Choose the certification level." in page.text
    assert list(page.context["table"].data) == []


def test_api_returns_the_pages_numbers(viewer_client, program):
    data = viewer_client.get(API, {"as_of": "2025-11-15"}).json()
    assert data["kpi"] == "partner_certification_levels"
    assert data["as_of"] == "2025-11-15"
    assert data["active_partners"] == 3
    assert data["levels"][0] == {
        "level": "Associate",
        "rank": 1,
        "partners": 1,
        "percent": 33.3,
        "cumulative_partners": 2,
        "cumulative_percent": 66.6,
        "band": "action_required",
    }
    assert data["not_certified"] == {"partners": 1, "percent": 33.3}
    assert data["target"] == {
        "level": "Associate",
        "cumulative_percent": 66.6,
        "band": "action_required",
    }
    assert [p["as_of"] for p in data["trend"]][-2:] == ["2025-06-30", "2025-09-30"]
    assert len(data["trend"]) == 8
    assert data["trend"][-1] == {
        # 30 Sep 2025: Ann, Bob, Cid and Dee active; Ann, Bob, Dee certified: 75.0%.
        "as_of": "2025-09-30",
        "active_partners": 4,
        "cumulative_percent": 75.0,
        "band": "good_standing",
    }


def test_api_with_a_segment_and_no_partners(viewer_client, program):
    data = viewer_client.get(API, {"as_of": "2025-11-15", "region": "APAC"}).json()
    assert (data["active_partners"], data["segment"]) == (2, {"region": "APAC"})
    empty = viewer_client.get(API, {"as_of": "2020-01-01"}).json()
    assert empty["active_partners"] == 0
    assert empty["target"] == {"level": "Associate", "cumulative_percent": None, "band": None}


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"as_of": "2025-13-01"}, "as_of"),
        ({"as_of": "yesterday"}, "as_of"),
        ({"region": "Atlantis"}, "region"),
        ({"partner_type": "pirate"}, "partner_type"),
        ({"tier": "Diamond"}, "tier"),
        ({"account_manager": "nobody"}, "account_manager"),
        ({"as_of": "0001-01-01"}, "as_of"),
    ],
)
def test_api_bad_parameters_get_a_400_naming_them(viewer_client, program, params, parameter):
    response = viewer_client.get(API, params)
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter
    assert response.json()["error"].startswith(f"{parameter}: ")


def test_api_needs_a_login_and_read_permission(client, outsider, program):
    response = client.get(API)
    assert response.status_code == 401
    assert response.json() == {"error": "Authentication required: log in, or send an API token."}
    client.force_login(outsider)
    assert client.get(API).status_code == 403
    assert client.get(PAGE).status_code == 403


def queries_for(client, url):
    """Queries of a request once the snapshots it reads exist (a first request keeps them)."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def add_partners(count, level):
    region = f.region()
    start = Partner.objects.count()
    partners = Partner.objects.bulk_create(
        Partner(name=f"extra {n}", partner_type="msp", region=region, joined_on=D(2024, 1, 1))
        for n in range(start, start + count)
    )
    PartnerCertification.objects.bulk_create(
        PartnerCertification(partner=p, level=level, awarded_on=D(2024, 2, 1)) for p in partners
    )


@pytest.mark.parametrize(
    "url",
    [
        f"{PAGE}?as_of=2025-11-15",
        f"{PAGE}?as_of=2025-11-15&dimension=tier",
        f"{DRILL}?as_of=2025-11-15&show=cumulative&level=Associate",
        f"{API}?as_of=2025-11-15",
    ],
)
def test_pages_cost_the_same_queries_for_5_and_50_partners(viewer_client, program, url):
    add_partners(1, program["levels"][0])  # 5 partners
    small = queries_for(viewer_client, url)
    add_partners(45, program["levels"][1])  # 50 partners
    assert queries_for(viewer_client, url) == small


def test_only_the_target_level_and_below_are_judged_by_band(viewer_client, program):
    # Target Associate (the lowest level). Professional+ is 33.3% and Expert+ 0.0%: both
    # under 70%, yet no program expects most partners at Expert, so neither row is red.
    html = viewer_client.get(PAGE, {"as_of": "2025-11-15"}).text
    table = html[html.index("Highest level held") : html.index("Not certified")]
    assert table.count('class="badge band-action_required"') == 1  # Associate's row
    assert table.count('data-testid="above-target"') == 2


def test_the_summary_tables_download_as_the_page_shows_them(viewer_client, program):
    # The fixture's day: active Ann (Professional), Bob (Associate), Cid (none); Dee ended.
    # Levels, highest first: Expert 0 / 0 at or above; Professional 1 (33.3%) / 1 (33.3%);
    # Associate 1 (33.3%) / 2 (66.6%, Action required, the target); not certified 1.
    export = viewer_client.get(PAGE, {"as_of": "2025-11-15", "_export": "csv", "_table": "levels"})
    assert export["Content-Disposition"] == (
        'attachment; filename="certification-levels-2025-11-15.csv"'
    )
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows == [
        ["Level", "Highest level held", "%", "At this level or higher", "Cumulative %", "Band"],
        ["Expert", "0", "0.0", "0", "0.0", "Above the target level: not judged"],
        ["Professional", "1", "33.3", "1", "33.3", "Above the target level: not judged"],
        ["Associate", "1", "33.3", "2", "66.6", "Action required"],
        ["Not certified", "1", "33.3", "", "", ""],
        ["Active partners", "3", "100.0", "", "", ""],
    ]
    # By region: EMEA has Ann only (Dee ended): 1 of 1 at Associate and Professional,
    # Exemplary; APAC has Bob and Cid: 1 of 2 at Associate (50.0%), none higher.
    params = {"as_of": "2025-11-15", "dimension": "region", "_table": "breakdown"}
    export = viewer_client.get(PAGE, {**params, "_export": "csv"})
    assert export["Content-Disposition"] == (
        'attachment; filename="certification-levels-by-region-2025-11-15.csv"'
    )
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0] == [
        "Region", "Active", "Associate or higher", "Associate or higher %",
        "Professional or higher", "Professional or higher %", "Expert or higher",
        "Expert or higher %", "Not certified", "Band",
    ]  # fmt: skip
    assert sorted(rows[1:]) == [
        ["APAC", "2", "1", "50.0", "0", "0.0", "0", "0.0", "1", "Action required"],
        ["EMEA", "1", "1", "100.0", "1", "100.0", "0", "0.0", "0", "Exemplary"],
    ]
    xlsx = viewer_client.get(PAGE, {**params, "_export": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    page = viewer_client.get(PAGE, {"as_of": "2025-11-15"}).text
    assert "_export=csv&amp;_table=levels" in page and "_export=xlsx&amp;_table=breakdown" in page


def test_the_trend_ends_on_the_pages_day(viewer_client, program):
    # 15 Nov 2025 is no quarter end: after the last 8 quarter ends comes the day itself,
    # at the headline's 66.6% (2 of 3 active partners at Associate or higher).
    response = viewer_client.get(PAGE, {"as_of": "2025-11-15"})
    trend = response.context["trend"]
    assert len(trend) == 9 and trend[-2].as_of == D(2025, 9, 30)
    assert (trend[-1].as_of, trend[-1].cumulative_percent) == (D(2025, 11, 15), Decimal("66.6"))
    assert "at the last 8 quarter ends and on 15 Nov 2025" in response.text
    # On a quarter end, that day is the last quarter end: no point twice.
    trend = viewer_client.get(PAGE, {"as_of": "2025-09-30"}).context["trend"]
    assert len(trend) == 8 and trend[-1].as_of == D(2025, 9, 30)
