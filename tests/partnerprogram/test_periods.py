"""Pure helpers: fiscal periods, parsing and labels, percentages, truncation and bands. No
database."""

import datetime as dt
from decimal import Decimal

import pytest

from partnerprogram.rules.bands import Band, band_for, change_percent, percent, truncate
from partnerprogram.rules.periods import (
    Period,
    PeriodKind,
    add_months,
    fiscal_year_of,
    parse_date,
    parse_period,
    quarter_ends,
)

D = dt.date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2024, 2, 29), 24, D(2026, 2, 28)),
        (D(2025, 11, 15), -11, D(2024, 12, 15)),
        (D(2025, 3, 31), -1, D(2025, 2, 28)),
        (D(2025, 12, 1), 1, D(2026, 1, 1)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_last_of_a_shorter_month(day, months, expected):
    assert add_months(day, months) == expected


def test_a_january_fiscal_year_is_the_calendar_year():
    assert fiscal_year_of(D(2025, 1, 1), 1) == 2025
    assert fiscal_year_of(D(2025, 12, 31), 1) == 2025
    q4 = Period.quarter(2025, 4, start_month=1)
    assert (q4.start, q4.end, q4.label, q4.key) == (
        D(2025, 10, 1),
        D(2025, 12, 31),
        "FY2025 Q4",
        "2025-Q4",
    )


def test_a_july_fiscal_year_is_named_by_the_year_in_which_it_ends():
    # FY2026 runs from July 2025 to June 2026.
    assert fiscal_year_of(D(2025, 6, 30), 7) == 2025
    assert fiscal_year_of(D(2025, 7, 1), 7) == 2026
    year = Period.fiscal(2026, start_month=7)
    assert (year.start, year.end, year.label) == (D(2025, 7, 1), D(2026, 6, 30), "FY2026")
    q1 = Period.quarter(2026, 1, start_month=7)
    assert (q1.start, q1.end) == (D(2025, 7, 1), D(2025, 9, 30))
    q3 = Period.quarter_containing(D(2026, 2, 14), start_month=7)
    assert (q3.fiscal_year, q3.number, q3.start, q3.end) == (2026, 3, D(2026, 1, 1), D(2026, 3, 31))


def test_a_february_fiscal_year_has_quarters_across_calendar_years():
    q4 = Period.quarter_containing(D(2026, 1, 10), start_month=2)
    # FY2026 runs Feb 2025 - Jan 2026; its Q4 is Nov 2025 - Jan 2026.
    assert (q4.fiscal_year, q4.number, q4.start, q4.end) == (
        2026,
        4,
        D(2025, 11, 1),
        D(2026, 1, 31),
    )
    assert q4.shifted(1).label == "FY2027 Q1"
    assert (q4.shifted(1).start, q4.shifted(1).end) == (D(2026, 2, 1), D(2026, 4, 30))


def test_previous_and_year_earlier_periods_of_each_kind():
    q1 = Period.quarter(2025, 1, start_month=1)
    assert q1.previous().label == "FY2024 Q4"
    assert q1.year_earlier().label == "FY2024 Q1"
    month = Period.month(2025, 1, start_month=1)
    assert (month.previous().key, month.year_earlier().key) == ("2024-12", "2024-01")
    year = Period.fiscal(2025, start_month=1)
    assert (year.previous().key, year.year_earlier().key) == ("2024", "2024")
    custom = Period.custom(D(2025, 3, 1), D(2025, 3, 10), start_month=1)
    assert (custom.previous().start, custom.previous().end) == (D(2025, 2, 19), D(2025, 2, 28))
    assert (custom.year_earlier().start, custom.year_earlier().end) == (
        D(2024, 3, 1),
        D(2024, 3, 10),
    )


def test_trailing_periods_end_with_this_one_oldest_first():
    periods = Period.quarter(2025, 2, start_month=1).trailing(8)
    assert [p.key for p in periods] == [
        "2023-Q3",
        "2023-Q4",
        "2024-Q1",
        "2024-Q2",
        "2024-Q3",
        "2024-Q4",
        "2025-Q1",
        "2025-Q2",
    ]


@pytest.mark.parametrize(
    ("text", "kind", "start", "end", "label"),
    [
        ("2025-Q4", PeriodKind.QUARTER, D(2025, 10, 1), D(2025, 12, 31), "FY2025 Q4"),
        ("2025q1", PeriodKind.QUARTER, D(2025, 1, 1), D(2025, 3, 31), "FY2025 Q1"),
        ("2025-11", PeriodKind.MONTH, D(2025, 11, 1), D(2025, 11, 30), "Nov 2025"),
        ("2024-02", PeriodKind.MONTH, D(2024, 2, 1), D(2024, 2, 29), "Feb 2024"),
        ("2025", PeriodKind.YEAR, D(2025, 1, 1), D(2025, 12, 31), "FY2025"),
        ("FY2025", PeriodKind.YEAR, D(2025, 1, 1), D(2025, 12, 31), "FY2025"),
    ],
)
def test_parse_period(text, kind, start, end, label):
    period = parse_period(text, start_month=1)
    assert (period.kind, period.start, period.end, period.label) == (kind, start, end, label)
    assert parse_period(period.key, start_month=1) == period


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2025-Q5", "is not a period"),
        ("2025-13", "has no month 13"),
        ("last quarter", "is not a period"),
        ("", "is not a period"),
    ],
)
def test_parse_period_says_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        parse_period(text, start_month=1)


def test_parse_date():
    assert parse_date("2025-11-15") == D(2025, 11, 15)
    with pytest.raises(ValueError, match="is not a date: use YYYY-MM-DD"):
        parse_date("15/11/2025")


def test_quarter_ends_on_or_before_a_date():
    # A quarter end is itself included.
    assert quarter_ends(D(2025, 12, 31), 2, start_month=1) == [D(2025, 9, 30), D(2025, 12, 31)]
    assert quarter_ends(D(2025, 11, 15), 3, start_month=1) == [
        D(2025, 3, 31),
        D(2025, 6, 30),
        D(2025, 9, 30),
    ]
    # With a February start the quarters end in January, April, July and October.
    assert quarter_ends(D(2025, 11, 15), 2, start_month=2) == [D(2025, 7, 31), D(2025, 10, 31)]


def test_percent_is_truncated_never_rounded():
    assert percent(2249, 2500) == Decimal("89.9")  # 89.96%
    assert percent(1, 3) == Decimal("33.3")
    assert percent(2, 3) == Decimal("66.6")
    assert percent(8, 8) == Decimal("100.0")
    assert percent(0, 8) == Decimal("0.0")
    assert truncate(Decimal("-33.39")) == Decimal("-33.3")  # toward zero


def test_percent_of_nothing_is_undefined_not_an_error():
    assert percent(0, 0) is None
    assert band_for(0, 0) is None
    assert change_percent(5, 0) is None


def test_change_percent():
    assert change_percent(2, 1) == Decimal("100.0")
    assert change_percent(1, 3) == Decimal("-66.6")
    assert change_percent(3, 3) == Decimal("0.0")


def test_bands_are_decided_on_the_exact_ratio(settings):
    settings.KPI_EXEMPLARY_PERCENT, settings.KPI_GOOD_STANDING_PERCENT = 90, 70
    assert band_for(9, 10) == Band.EXEMPLARY  # exactly 90%
    assert band_for(2249, 2500) == Band.GOOD_STANDING  # 89.96%: shows 89.9, Good standing
    assert band_for(7, 10) == Band.GOOD_STANDING  # exactly 70%
    assert band_for(6999, 10000) == Band.ACTION_REQUIRED  # 69.99%
    assert band_for(0, 10) == Band.ACTION_REQUIRED


def test_bands_follow_the_settings(settings):
    settings.KPI_EXEMPLARY_PERCENT, settings.KPI_GOOD_STANDING_PERCENT = 80, 50
    assert band_for(8, 10) == Band.EXEMPLARY
    assert band_for(5, 10) == Band.GOOD_STANDING


def test_periods_follow_the_fiscal_start_setting(settings):
    settings.FISCAL_YEAR_START_MONTH = 7
    assert Period.quarter_containing(D(2025, 11, 15)).label == "FY2026 Q2"
    assert parse_period("2026-Q2").start == D(2025, 10, 1)


def test_a_period_is_in_progress_from_its_first_day_to_its_last_included():
    q4 = Period.quarter(2026, 4, start_month=1)  # 1 Oct - 31 Dec 2026, 92 days
    assert not q4.in_progress(D(2026, 9, 30))
    assert q4.in_progress(D(2026, 10, 1)) and q4.in_progress(D(2026, 12, 31))
    assert not q4.in_progress(D(2027, 1, 1))
    # Days begun: 1 on its first day, 58 on 27 Nov (31 + 27), all 92 on and after its last.
    assert [q4.days_to(D(2026, m, d)) for m, d in ((9, 30), (10, 1), (11, 27), (12, 31))] == [
        0,
        1,
        58,
        92,
    ]
    assert q4.days_to(D(2027, 3, 1)) == 92


def test_the_first_days_of_a_period():
    q3 = Period.quarter(2026, 3, start_month=1)  # 1 Jul - 30 Sep 2026, 92 days
    first = q3.first_days(58)  # 1 Jul + 57 days = 27 Aug
    assert (first.kind, first.start, first.end, first.days) == (
        "range",
        D(2026, 7, 1),
        D(2026, 8, 27),
        58,
    )
    assert q3.first_days(1).end == D(2026, 7, 1)
    # As many days as it has, or more: the period itself, keeping its name.
    assert q3.first_days(92) is q3 and q3.first_days(120) is q3
    # February has 28 days in 2026: the first 31 days of it are all of it.
    february = Period.month(2026, 2)
    assert february.first_days(31) is february


def test_first_days_follow_the_fiscal_year(settings):
    settings.FISCAL_YEAR_START_MONTH = 7
    # FY2027 Q2 is October - December 2026; its previous quarter FY2027 Q1 starts 1 July.
    q2 = Period.quarter_containing(D(2026, 11, 27))
    assert q2.label == "FY2027 Q2" and q2.days_to(D(2026, 11, 27)) == 58
    window = q2.previous().first_days(58)
    assert (window.start, window.end, window.start_month) == (D(2026, 7, 1), D(2026, 8, 27), 7)
    fy = Period.fiscal(2027)  # 1 Jul 2026 - 30 Jun 2027: day 150 on 27 Nov 2026
    assert fy.days_to(D(2026, 11, 27)) == 150
    assert fy.year_earlier().first_days(150).end == D(2025, 11, 27)
