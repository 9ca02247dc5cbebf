"""Pure helpers for dates and fiscal periods. No database here.

A fiscal year is named by the calendar year in which it ends: with the default January start
FY2025 is calendar 2025; with a July start FY2026 runs from July 2025 to June 2026. Quarters
are fiscal quarters. Months are calendar months (their fiscal year follows from the date).
"""

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format

ONE_DAY = dt.timedelta(days=1)


def add_months(day, months):
    """`day` moved by whole months; the 31st becomes the last day of a shorter month."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# The days a page or form accepts: far-off dates would leave the calendar once a period, a
# window or a fiscal year is added to them.
EARLIEST_DAY = dt.date(1900, 1, 1)
LATEST_DAY = dt.date(2999, 12, 31)
CALENDAR_MESSAGE = "Choose a date between 1900 and 2999."


# How far ahead an as-of day may be: further, a projection that assumes nothing happens
# but expiries would say little (PRODUCT.md, "Periods in progress and future dates").
PROJECTION_MONTHS = 12
PROJECTION = (
    # Pages put it after a "Projection" badge; the API under the key "projection".
    "The figures if no certification is awarded, renewed or revoked and no "
    "partner joins or leaves; certifications expire as recorded."
)
TOO_FAR_AHEAD = "{day} is more than a year after today: a projection goes no further than {limit}."


def day_label(day):
    """`day` as every page shows a date (the DATE_FORMAT setting: 27 Nov 2026)."""
    return date_format(day)


def latest_projection_day(today):
    """The last day an as-of date may be: a year after `today`."""
    return add_months(today, PROJECTION_MONTHS)


def sane_date(day):
    """`day` (None passes), or a ValidationError when it is outside EARLIEST_DAY..LATEST_DAY."""
    if day and not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValidationError(CALENDAR_MESSAGE, code="calendar")
    return day


def as_of_day(day):
    """The day a page or endpoint is about: `day`, or today when it is None. A
    ValidationError when it is outside the calendar or more than a year after today."""
    today = timezone.localdate()
    day = sane_date(day) or today
    if day > (limit := latest_projection_day(today)):
        raise ValidationError(
            TOO_FAR_AHEAD.format(day=day_label(day), limit=day_label(limit)),
            code="too_far_ahead",
        )
    return day


def fiscal_start_month():
    return settings.FISCAL_YEAR_START_MONTH


def fiscal_year_of(day, start_month=None):
    start_month = start_month or fiscal_start_month()
    if start_month == 1 or day.month < start_month:
        return day.year
    return day.year + 1


def fiscal_year_start(fiscal_year, start_month=None):
    start_month = start_month or fiscal_start_month()
    return dt.date(fiscal_year if start_month == 1 else fiscal_year - 1, start_month, 1)


class PeriodKind(models.TextChoices):
    QUARTER = "quarter", "Quarter"
    MONTH = "month", "Month"
    YEAR = "year", "Fiscal year"
    RANGE = "range", "Custom range"


@dataclass(frozen=True)
class Period:
    """An inclusive date range of a kind: a fiscal quarter, a calendar month, a fiscal year or
    a custom range. Build one with the class methods, never by hand, so that the fiscal year
    and number agree with the dates."""

    kind: str
    start: dt.date
    end: dt.date
    fiscal_year: int | None = None
    number: int | None = None  # the quarter (1-4) or the calendar month (1-12)
    start_month: int = 1

    @classmethod
    def quarter(cls, fiscal_year, number, start_month=None):
        if not 1 <= number <= 4:
            raise ValueError(f"A quarter is numbered 1 to 4, not {number}.")
        start_month = start_month or fiscal_start_month()
        start = add_months(fiscal_year_start(fiscal_year, start_month), 3 * (number - 1))
        end = add_months(start, 3) - ONE_DAY
        return cls(PeriodKind.QUARTER, start, end, fiscal_year, number, start_month)

    @classmethod
    def quarter_containing(cls, day, start_month=None):
        start_month = start_month or fiscal_start_month()
        number = (day.month - start_month) % 12 // 3 + 1
        return cls.quarter(fiscal_year_of(day, start_month), number, start_month)

    @classmethod
    def month(cls, year, month, start_month=None):
        start_month = start_month or fiscal_start_month()
        start = dt.date(year, month, 1)
        end = add_months(start, 1) - ONE_DAY
        return cls(
            PeriodKind.MONTH, start, end, fiscal_year_of(start, start_month), month, start_month
        )

    @classmethod
    def fiscal(cls, fiscal_year, start_month=None):
        start_month = start_month or fiscal_start_month()
        start = fiscal_year_start(fiscal_year, start_month)
        end = add_months(start, 12) - ONE_DAY
        return cls(PeriodKind.YEAR, start, end, fiscal_year, None, start_month)

    @classmethod
    def custom(cls, start, end, start_month=None):
        if end < start:
            raise ValueError("A period's end cannot be before its start.")
        return cls(PeriodKind.RANGE, start, end, None, None, start_month or fiscal_start_month())

    @classmethod
    def containing(cls, kind, day, start_month=None):
        """The period of `kind` (quarter, month or year) that contains `day`."""
        if kind == PeriodKind.QUARTER:
            return cls.quarter_containing(day, start_month)
        if kind == PeriodKind.MONTH:
            return cls.month(day.year, day.month, start_month)
        if kind == PeriodKind.YEAR:
            return cls.fiscal(fiscal_year_of(day, start_month or fiscal_start_month()), start_month)
        raise ValueError(f"No period of kind {kind!r} contains a day by itself.")

    @property
    def days(self):
        return (self.end - self.start).days + 1

    @property
    def key(self):
        """The form used in URLs: 2025-Q4, 2025-11, 2025, or 2025-01-05..2025-02-10."""
        if self.kind == PeriodKind.QUARTER:
            return f"{self.fiscal_year}-Q{self.number}"
        if self.kind == PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == PeriodKind.YEAR:
            return str(self.fiscal_year)
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def label(self):
        """The form people read: FY2025 Q4, Nov 2025, FY2025, 5 Jan 2025 – 10 Feb 2025."""
        if self.kind == PeriodKind.QUARTER:
            return f"FY{self.fiscal_year} Q{self.number}"
        if self.kind == PeriodKind.MONTH:
            return f"{self.start:%b %Y}"
        if self.kind == PeriodKind.YEAR:
            return f"FY{self.fiscal_year}"
        return f"{day_label(self.start)} – {day_label(self.end)}"

    def shifted(self, steps):
        """The period of the same kind `steps` periods later (earlier when negative)."""
        if self.kind == PeriodKind.QUARTER:
            index = self.fiscal_year * 4 + (self.number - 1) + steps
            return Period.quarter(index // 4, index % 4 + 1, self.start_month)
        if self.kind == PeriodKind.MONTH:
            start = add_months(self.start, steps)
            return Period.month(start.year, start.month, self.start_month)
        if self.kind == PeriodKind.YEAR:
            return Period.fiscal(self.fiscal_year + steps, self.start_month)
        length = dt.timedelta(days=self.days * steps)
        return Period.custom(self.start + length, self.end + length, self.start_month)

    def previous(self):
        return self.shifted(-1)

    def year_earlier(self):
        if self.kind == PeriodKind.QUARTER:
            return self.shifted(-4)
        if self.kind == PeriodKind.MONTH:
            return self.shifted(-12)
        if self.kind == PeriodKind.YEAR:
            return self.shifted(-1)
        start = add_months(self.start, -12)  # as many days as this range, leap day or not
        return Period.custom(start, start + dt.timedelta(days=self.days - 1), self.start_month)

    def in_progress(self, today):
        """Started and not over: `today` is one of its days (its last day included, since
        the day is not over). Such a period is shown *to date* (PRODUCT.md, "Periods in
        progress and future dates")."""
        return self.start <= today <= self.end

    def days_to(self, today):
        """How many of its days have begun by `today`: from its first day to the earlier of
        its last day and today (0 before it starts)."""
        return max(0, (min(self.end, today) - self.start).days + 1)

    def first_days(self, count):
        """Its first `count` days (count >= 1): a custom range, or the period itself when it
        has no more days than that, so that a whole period keeps its name and kept figures."""
        if count >= self.days:
            return self
        return Period.custom(
            self.start, self.start + dt.timedelta(days=count - 1), self.start_month
        )

    def trailing(self, count):
        """`count` periods of this kind ending with this one, oldest first."""
        return [self.shifted(step) for step in range(1 - count, 1)]


_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(?:FY)?(\d{4})$", re.IGNORECASE)


def parse_period(text, start_month=None):
    """Parse `2025-Q4`, `2025-11` or `2025` (a fiscal year). Raises ValueError with a message a
    person can act on."""
    text = (text or "").strip()
    if match := _QUARTER.match(text):
        return Period.quarter(int(match[1]), int(match[2]), start_month)
    if match := _MONTH.match(text):
        month = int(match[2])
        if not 1 <= month <= 12:
            raise ValueError(f"{text!r} has no month {month}.")
        return Period.month(int(match[1]), month, start_month)
    if match := _YEAR.match(text):
        return Period.fiscal(int(match[1]), start_month)
    raise ValueError(
        f"{text!r} is not a period: use a quarter (2025-Q4), a month (2025-11) or a fiscal "
        "year (2025)."
    )


def parse_date(text):
    """An ISO date (YYYY-MM-DD). Raises ValueError with a message a person can act on."""
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date: use YYYY-MM-DD.") from None


def quarter_ends(on_or_before, count, start_month=None):
    """The last `count` fiscal quarter ends on or before the date, oldest first."""
    quarter = Period.quarter_containing(on_or_before, start_month)
    if quarter.end > on_or_before:
        quarter = quarter.previous()
    return [period.end for period in quarter.trailing(count)]
