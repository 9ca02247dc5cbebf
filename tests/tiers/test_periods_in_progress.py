"""Tier Advancements of a period in progress (PRODUCT.md, "Periods in progress and future
dates"): figures to date, compared with the same number of days at the start of the
previous period and of the period a year earlier, never a decline while it runs, stagnant
partners judged on today. "Today" is set by each test (`today` fixture), so that the first
and last days of a period can be tried; every transition of a program is on or before it,
as the chain service demands."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerprogram.rules.periods import Period
from partnerprogram.segments import Segment
from tests import factories as f
from tiers import kpis
from tiers.models import Tier

pytestmark = pytest.mark.django_db
D = dt.date
PAGE = reverse("tiers:kpi")
API = reverse("tiers:api-kpi")
Q4 = Period.quarter(2025, 4, start_month=1)  # 1 Oct - 31 Dec 2025, 92 days


@pytest.fixture
def tiers():
    return f.standard_tiers()


def _moves(tiers, name, joined_on, *moves):
    """A partner that enrolls in Registered on `joined_on`, then moves to each (tier, day)."""
    partner = f.partner(name, joined_on=joined_on)
    f.transition(partner, tiers[0], joined_on, from_tier=None)
    for tier, day in moves:
        f.transition(partner, tier, day)
    return partner


@pytest.fixture
def program(tiers):
    """Nine partners, January fiscal year; every move is Registered -> Silver unless said.

    a  Silver 2025-10-10                 b  Silver 2025-11-27 (the 58th day of Q4)
    c  Silver 2025-07-01 (Q3's first day) d  Silver 2025-08-27 (Q3's 58th day)
    e  Silver 2025-08-28 (Q3's 59th day)  f  Silver 2025-09-30 (Q3's last day)
    h  Silver 2024-11-27 (FY2024 Q4's 58th day)
    i  Silver 2024-11-28 (FY2024 Q4's 59th day)
    t  joins and enrolls 2024-12-15, never moves
    All but t joined and enrolled 2023-01-01.

    On 27 Nov 2025 (day 58 of FY2025 Q4): a b = 2 so far. The first 58 days of Q3 (1 Jul -
    27 Aug): c d = 2 (all of Q3: c d e f = 4, which read as a 50% decline before). The first
    58 days of FY2024 Q4 (1 Oct - 27 Nov 2024): h = 1, change (2 - 1) / 1 = +100.0%.
    Active on 1 Oct 2025: all nine; rate 2 / 9 = 22.2%.
    Stagnant on 27 Nov 2025 (latest change on or before 27 Nov 2024, below Platinum): h (its
    Silver exactly 12 months before) = 1. On 31 Dec 2025 they would be h i t = 3.
    """
    silver = tiers[1]
    old = D(2023, 1, 1)
    for name, day in (
        ("a", D(2025, 10, 10)),
        ("b", D(2025, 11, 27)),
        ("c", D(2025, 7, 1)),
        ("d", D(2025, 8, 27)),
        ("e", D(2025, 8, 28)),
        ("f", D(2025, 9, 30)),
        ("h", D(2024, 11, 27)),
        ("i", D(2024, 11, 28)),
    ):
        _moves(tiers, name, old, (silver, day))
    _moves(tiers, "t", D(2024, 12, 15))


def test_a_quarter_in_progress_is_compared_with_as_many_days(today, program):
    today(D(2025, 11, 27))
    figures = kpis.tier_advancements(Q4)
    assert (figures.to_date, figures.through, figures.days_covered) == (True, D(2025, 11, 27), 58)
    assert figures.advancing_partners == 2
    assert figures.active_at_start == 9
    assert figures.advancement_rate == Decimal("22.2")
    previous = figures.previous
    assert (previous.window.start, previous.window.end) == (D(2025, 7, 1), D(2025, 8, 27))
    assert (previous.advancing_partners, previous.change_percent) == (2, Decimal("0.0"))
    assert previous.label == "the first 58 days of FY2025 Q3"
    year_ago = figures.year_ago
    assert (year_ago.window.start, year_ago.window.end) == (D(2024, 10, 1), D(2024, 11, 27))
    assert (year_ago.advancing_partners, year_ago.change_percent) == (1, Decimal("100.0"))
    assert year_ago.label == "the first 58 days of FY2024 Q4"
    assert not figures.declined
    # The trend's closed quarters are whole: Q3 is c d e f.
    assert [(c.period.key, c.advancing_partners) for c in figures.trend[-2:]] == [
        ("2025-Q3", 4),
        ("2025-Q4", 2),
    ]


def test_the_stagnant_partners_of_a_period_in_progress_are_judged_on_today(today, program):
    today(D(2025, 11, 27))
    figures = kpis.tier_advancements(Q4)
    assert figures.stagnant_on == D(2025, 11, 27)
    assert figures.stagnant_by_tier == {"Silver": 1}
    assert [p.name for p in kpis.stagnant_partners(Q4)] == ["h"]
    # A segment is computed live, on the same day.
    silver = Segment(tier=Tier.objects.get(name="Silver"))
    assert kpis.tier_advancements(Q4, silver).stagnant_partners == 1
    # Once Q4 is over it is judged on its last day: h, i and t.
    today(D(2026, 1, 5))
    over = kpis.tier_advancements(Q4)
    assert (over.to_date, over.stagnant_on, over.stagnant_partners) == (False, Q4.end, 3)
    # ... and compared with the whole of Q3 (c d e f): a decline now that it has ended.
    assert (over.previous.window, over.previous.advancing_partners) == (Q4.previous(), 4)
    assert over.declined and over.previous.change_percent == Decimal("-50.0")


def test_on_its_last_day_a_period_is_still_to_date(today, program):
    # 31 Dec: all 92 days of Q4 begun; Q3 has 92 days too, so it is compared whole, and
    # FY2024 Q4 likewise (h i = 2). 2 against 4 is -50.0%, but it is not a decline yet.
    today(D(2025, 12, 31))
    figures = kpis.tier_advancements(Q4)
    assert (figures.to_date, figures.days_covered) == (True, 92)
    assert (figures.previous.label, figures.previous.advancing_partners) == ("FY2025 Q3", 4)
    assert figures.previous.change_percent == Decimal("-50.0")
    assert (figures.year_ago.label, figures.year_ago.advancing_partners) == ("FY2024 Q4", 2)
    assert not figures.declined
    assert figures.stagnant_on == D(2025, 12, 31) and figures.stagnant_partners == 3  # h i t


def test_on_its_first_day_a_period_is_compared_with_one_day(today, tiers):
    # Today 1 Oct 2025: x advances that day; y on 1 Jul (Q3's first day), z on 2 Jul.
    # 1 so far against 1 on the first day of Q3 (+0.0%); the first day of FY2024 Q4 had none:
    # no percentage.
    today(D(2025, 10, 1))
    silver = tiers[1]
    _moves(tiers, "x", D(2024, 1, 1), (silver, D(2025, 10, 1)))
    _moves(tiers, "y", D(2024, 1, 1), (silver, D(2025, 7, 1)))
    _moves(tiers, "z", D(2024, 1, 1), (silver, D(2025, 7, 2)))
    figures = kpis.tier_advancements(Q4)
    assert (figures.to_date, figures.days_covered, figures.advancing_partners) == (True, 1, 1)
    assert figures.previous.label == "the first day of FY2025 Q3"
    assert (figures.previous.advancing_partners, figures.previous.change_percent) == (
        1,
        Decimal("0.0"),
    )
    assert (figures.year_ago.advancing_partners, figures.year_ago.change_percent) == (0, None)


def test_a_period_in_progress_with_no_transitions(today, tiers):
    # Only an enrollment in 2023: nothing so far, nothing in the first 58 days of Q3 (no
    # percentage), no decline; the partner has been in Registered since 2023: stagnant today.
    today(D(2025, 11, 27))
    _moves(tiers, "quiet", D(2023, 1, 1))
    figures = kpis.tier_advancements(Q4)
    assert (figures.advancing_partners, figures.advancement_events, figures.enrollments) == (
        0,
        0,
        0,
    )
    assert (figures.previous.advancing_partners, figures.previous.change_percent) == (0, None)
    assert not figures.declined
    assert figures.stagnant_by_tier == {"Registered": 1}


def test_fiscal_quarters_in_progress_follow_the_fiscal_year(today, program, settings):
    # July fiscal year: Oct - Dec 2025 is FY2026 Q2, on its 58th day; the same counts.
    settings.FISCAL_YEAR_START_MONTH = 7
    today(D(2025, 11, 27))
    period = Period.quarter_containing(D(2025, 11, 27))
    figures = kpis.tier_advancements(period)
    assert (figures.period.label, figures.advancing_partners) == ("FY2026 Q2", 2)
    assert figures.previous.label == "the first 58 days of FY2026 Q1"
    assert figures.year_ago.label == "the first 58 days of FY2025 Q2"
    assert (figures.previous.advancing_partners, figures.year_ago.advancing_partners) == (2, 1)


def test_months_years_and_ranges_in_progress(today, program):
    today(D(2025, 11, 27))
    # Nov 2025, day 27: b (27 Nov). The first 27 days of Oct 2025: a (10 Oct) = 1; of Nov
    # 2024: h (27 Nov 2024) = 1.
    month = kpis.tier_advancements(Period.month(2025, 11, start_month=1))
    assert (month.advancing_partners, month.previous.advancing_partners) == (1, 1)
    assert month.year_ago.advancing_partners == 1
    # FY2025 (calendar 2025), day 331: a b c d e f = 6. The first 331 days of 2024, a leap
    # year, end on 26 Nov 2024, the day before h's move: none, so no percentage.
    year = kpis.tier_advancements(Period.fiscal(2025, start_month=1))
    assert (year.advancing_partners, year.previous.label) == (6, "the first 331 days of FY2024")
    assert year.previous.window.end == D(2024, 11, 26)
    assert (year.previous.advancing_partners, year.previous.change_percent) == (0, None)
    # A range 1 Nov 2025 - 31 Jan 2026 (92 days, 27 begun): b. It is compared with the 27
    # days just before the ones it covers (5 - 31 Oct 2025): a; and a year earlier (1 - 27
    # Nov 2024): h. Not with the first 27 days of the 92 before it (1 - 27 Aug: d).
    span = kpis.tier_advancements(Period.custom(D(2025, 11, 1), D(2026, 1, 31)))
    assert span.to_date and span.advancing_partners == 1
    assert (span.previous.window.start, span.previous.window.end) == (
        D(2025, 10, 5),
        D(2025, 10, 31),
    )
    assert span.previous.label == "5 Oct 2025 – 31 Oct 2025"
    assert span.year_ago.label == "1 Nov 2024 – 27 Nov 2024"
    assert (span.previous.advancing_partners, span.year_ago.advancing_partners) == (1, 1)


def test_the_page_says_to_date_and_compares_like_with_like(today, program, viewer_client):
    today(D(2025, 11, 27))
    html = " ".join(viewer_client.get(PAGE, {"period": "2025-Q4"}).text.split())
    assert "to date: its first 58 days, through 27 Nov 2025" in html
    assert "Partners advancing a tier to date" in html
    assert "2 so far, against 2 in the first 58 days of FY2025 Q3 (0.0%)" in html
    assert "2 so far, against 1 in the first 58 days of FY2024 Q4 (+100.0%)" in html
    assert ">Decline<" not in html and "Decline:" not in html
    assert "Stagnant partners today" in html
    assert "Active on 27 Nov 2025 (today: the period is in progress)" in html
    assert "FY2025 Q4 (to date)" in html  # the trend's last bar
    # The KPI card's answer says the same.
    assert "2 so far in FY2025 Q4 (58 days), against 2 in the first 58 days of FY2025 Q3" in html


def test_the_api_gives_the_windows_and_the_day_of_the_stagnant(today, program, viewer_client):
    today(D(2025, 11, 27))
    data = viewer_client.get(API, {"period": "2025-Q4"}).json()
    assert (data["period"]["to_date"], data["period"]["through"]) == (True, "2025-11-27")
    assert data["previous"] == {
        "label": "FY2025 Q3",
        "advancing_partners": 2,
        "change_percent": 0.0,
        "start": "2025-07-01",
        "end": "2025-08-27",
        "counted": "the first 58 days of FY2025 Q3",
    }
    assert (data["year_ago"]["advancing_partners"], data["year_ago"]["end"]) == (1, "2024-11-27")
    assert (data["declined"], data["stagnant_partners"], data["stagnant_on"]) == (
        False,
        1,
        "2025-11-27",
    )


def test_the_dashboard_says_so_far(today, program, manager_client):
    today(D(2025, 11, 27))
    html = manager_client.get(reverse("dashboard")).text
    assert "Partners advancing a tier in FY2025 Q4 to date" in html
    assert (
        "2 so far, against 2 in the first 58 days of FY2025 Q3 (0.0%); 1 in the first 58 "
        "days of FY2024 Q4 (+100.0%)"
    ) in " ".join(html.split())
    assert "Decline" not in html
    assert "1 partners are stagnant today" in html


def test_a_period_in_progress_costs_the_same_queries_for_9_and_60_partners(
    today, program, tiers, viewer_client, django_assert_max_num_queries
):
    """The windows are kept like any period (ADVANCING's custom ranges), today's stagnant
    partners too: once kept, the page and the API read them."""
    today(D(2025, 11, 27))

    def queries(url):
        viewer_client.get(url)  # keeps the windows and today's stagnant partners
        with CaptureQueriesContext(connection) as captured:
            assert viewer_client.get(url).status_code == 200
        return len(captured)

    urls = [f"{PAGE}?period=2025-Q4", f"{API}?period=2025-Q4", reverse("dashboard")]
    small = [queries(url) for url in urls]
    for n in range(25):  # advancing in both windows and today; some stagnant
        _moves(tiers, f"more {n}", D(2023, 1, 1), (tiers[1], D(2025, 7, 1 + n % 20)))
    for url, before in zip(urls, small, strict=True):
        viewer_client.get(url)
        with django_assert_max_num_queries(before):
            viewer_client.get(url)


def test_a_closed_custom_range_is_compared_with_as_many_days_before_and_a_year_earlier(
    today, program, viewer_client
):
    today(D(2025, 11, 27))
    # 27 Aug - 30 Sep 2025 (35 days): d e f. The 35 days before (23 Jul - 26 Aug): none. A
    # year earlier, 35 days from 27 Aug 2024: none either.
    span = kpis.tier_advancements(Period.custom(D(2025, 8, 27), D(2025, 9, 30)))
    assert not span.to_date and span.advancing_partners == 3
    assert (span.previous.window.start, span.previous.window.end) == (
        D(2025, 7, 23),
        D(2025, 8, 26),
    )
    assert (span.year_ago.window.start, span.year_ago.window.end) == (
        D(2024, 8, 27),
        D(2024, 9, 30),
    )
    # A range with a leap day keeps its length a year earlier: 1 - 29 Feb 2024, 29 days.
    leap = Period.custom(D(2024, 2, 1), D(2024, 2, 29)).year_earlier()
    assert (leap.start, leap.end, leap.days) == (D(2023, 2, 1), D(2023, 3, 1), 29)
    html = " ".join(
        viewer_client.get(
            PAGE, {"kind": "range", "start": "2025-11-01", "end": "2026-01-31"}
        ).text.split()
    )
    assert "1 so far, against 1 in 5 Oct 2025 – 31 Oct 2025 (0.0%)" in html
    assert "1 so far, against 1 in 1 Nov 2024 – 27 Nov 2024 (0.0%)" in html


def test_the_trend_starts_when_the_program_had_partners(today, program, viewer_client):
    today(D(2025, 11, 27))
    # The first partners joined on 1 Jan 2023: of the 8 fiscal years to FY2025, FY2018 to
    # FY2022 would be empty bars.
    figures = kpis.tier_advancements(Period.fiscal(2025, start_month=1))
    assert [count.period.label for count in figures.trend] == ["FY2023", "FY2024", "FY2025"]
    assert [count.advancing_partners for count in figures.trend] == [0, 2, 6]
    # Quarters: the 8 to FY2025 Q4 all end after 1 Jan 2023, so all 8 stay.
    assert len(kpis.tier_advancements(Q4).trend) == 8
    chart = viewer_client.get(PAGE, {"period": "2025"}).context["trend_chart"]
    assert chart["labels"] == ["FY2023", "FY2024", "FY2025 (to date)"]
