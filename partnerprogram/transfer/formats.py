"""The transfer format: a folder of CSV files (UTF-8, a header row, ISO dates, empty = none),
one per kind of record, read in the order of FORMATS. This module knows the files' columns
and how to read a file into parsed rows; what the rows mean is the importer's business.
"""

import csv
import functools
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from partnerprogram.models import (
    ActionPlan,
    FeedbackChannel,
    FeedbackTopic,
    PartnerType,
    ReviewReason,
    ReviewStatus,
)
from partnerprogram.rules.periods import parse_date

WHOLE_ROW = "-"  # the column of a problem that no single column owns


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an import, at a line of a file (line 1 is the header)."""

    file: str
    line: int
    column: str
    message: str

    def __str__(self):
        return f"{self.file}:{self.line}: {self.column}: {self.message}"


# --- Cell parsers: text in, value out, ValueError with a message a person can act on -----


def text(value):
    return value


def common_text(value):
    """Text that repeats from row to row (a country, a reason): one string for all rows."""
    return sys.intern(value)


@functools.lru_cache(maxsize=16384)  # a program has a few thousand distinct days
def date(value):
    return parse_date(value)


def whole_number(value):
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a whole number.") from None


YES, NO = "yes", "no"


def yes_no(value):
    """A flag: yes or no (also true/false, 1/0, as spreadsheets write them)."""
    answer = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}.get(
        value.lower()
    )
    if answer is None:
        raise ValueError(f"{value!r} is not yes or no.")
    return answer


def choice(choices):
    keys = {key: key for key in choices.values}  # the rows share the choice's own string

    def parse(value):
        if value in keys:
            return keys[value]
        raise ValueError(f"{value!r} is not a choice: use {', '.join(keys)}.")

    return parse


class Keep:
    """The value of a column the file leaves out: a new record gets the field's default, a
    stored one keeps what it has."""

    def __repr__(self):
        return "KEEP"

    def __reduce__(self):
        return "KEEP"  # the one KEEP, also once a spilled row is read back


KEEP = Keep()
EMPTY = "empty"  # Column.left_out: a left-out column reads as an empty cell


@dataclass(frozen=True)
class Column:
    """A column of a file. An empty cell is an error when `required`, else `empty`. Cells
    are stripped of surrounding spaces except in free text, which is kept as written. A
    column added to the format after its first version may be left out of a file
    (`may_be_left_out`): its value is then KEEP, or `empty` where empty already means
    "leave as it is" (an author, an id)."""

    name: str
    parse: Callable[[str], object] = text
    required: bool = False
    empty: object = None
    strip: bool = True
    left_out: object = None  # the value when the file leaves the column out (None: required)

    @property
    def may_be_left_out(self):
        return self.left_out is not None


def required(name, parse=text):
    return Column(name, parse, required=True)


def optional(name, parse=text):
    return Column(name, parse)


def free_text(name, parse=text, *, is_required=False):
    return Column(name, parse, required=is_required, empty="", strip=False)


@dataclass(frozen=True)
class FileFormat:
    """One file of the format: its name, its columns and the columns of its natural key."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def column_names(self):
        return [column.name for column in self.columns]


def record_id(name="id"):
    """The stable key of a record that has no natural one: written by the export, kept by
    the import (empty: a new record, or one matched on its other values)."""
    return Column(name, whole_number, left_out=EMPTY)


def author(name):
    """Who recorded a row, by username (empty: as stored, or the importer for a new row)."""
    return Column(name, common_text, left_out=EMPTY)


def later(column):
    """A column added after the format's first version: files may leave it out."""
    return Column(**{**column.__dict__, "left_out": KEEP})


def flag(name):
    return Column(name, yes_no, empty=False)


LEVELS = FileFormat(
    "certification_levels.csv",
    (
        required("name"),
        required("rank", whole_number),
        optional("validity_months", whole_number),
        later(free_text("description")),
        later(free_text("criteria")),
    ),
    key=("name",),
)
TIERS = FileFormat(
    "tiers.csv",
    (
        required("name"),
        required("rank", whole_number),
        optional("required_level"),
        later(free_text("description")),
        later(free_text("benefits")),
    ),
    key=("name",),
)
PARTNERS = FileFormat(
    "partners.csv",
    (
        required("name"),
        required("partner_type", choice(PartnerType)),
        required("region"),
        Column("country", common_text, empty=""),
        optional("account_manager"),
        required("joined_on", date),
        optional("ended_on", date),
        Column("contact_email", empty=""),
        later(flag("contact_reminders")),
        later(Column("website", empty="")),
        later(free_text("notes")),
    ),
    key=("name",),
)
CERTIFICATIONS = FileFormat(
    "certifications.csv",
    (
        required("partner"),
        required("level"),
        required("awarded_on", date),
        optional("expires_on", date),
        optional("revoked_on", date),
        later(free_text("notes")),
        author("recorded_by"),
    ),
    key=("partner", "level", "awarded_on"),
)
TRANSITIONS = FileFormat(
    "tier_transitions.csv",
    (
        required("partner"),
        optional("from_tier"),
        required("to_tier"),
        required("effective_on", date),
        free_text("reason", common_text),
        author("recorded_by"),
    ),
    key=("partner", "effective_on", "to_tier"),
)
FEEDBACK = FileFormat(
    "feedback.csv",
    (
        record_id(),
        required("partner"),
        required("received_on", date),
        required("channel", choice(FeedbackChannel)),
        required("topic", choice(FeedbackTopic)),
        required("rating", whole_number),
        free_text("comment", is_required=True),
        later(flag("follow_up_needed")),
        author("logged_by"),
    ),
    key=("id",),
)
REVIEWS = FileFormat(
    "remediation_reviews.csv",
    (
        record_id(),
        required("partner"),
        required("reason", choice(ReviewReason)),
        required("opened_on", date),
        required("owner", common_text),
        required("due_on", date),
        Column("action_plan", choice(ActionPlan), empty=""),
        required("status", choice(ReviewStatus)),
        free_text("notes"),
        free_text("outcome"),
        optional("closed_on", date),
    ),
    key=("id",),
)

ACTION_ITEMS = FileFormat(
    "action_items.csv",
    (
        record_id(),
        required("partner"),  # the review's partner: the file is read a partner at a time
        required("review", whole_number),  # the review's id (remediation_reviews.csv)
        free_text("description", is_required=True),
        required("owner", common_text),
        required("due_on", date),
        optional("done_on", date),
    ),
    key=("id",),
)

FORMATS = (
    LEVELS,
    TIERS,
    PARTNERS,
    CERTIFICATIONS,
    TRANSITIONS,
    FEEDBACK,
    REVIEWS,
    ACTION_ITEMS,
)
FORMATS_BY_NAME = {fmt.name: fmt for fmt in FORMATS}


class Invalid:
    """The value of a cell that could not be parsed (its problem is already reported)."""

    def __repr__(self):
        return "INVALID"

    def __reduce__(self):
        return "INVALID"  # the one INVALID, also once a spilled row is read back


INVALID = Invalid()


@dataclass
class Row:
    """A parsed row: `values` by column name (INVALID where a cell was bad); `ok` when every
    cell parsed."""

    line: int
    values: dict
    ok: bool


def read_rows(fmt, lines: Iterable[bytes], problems, on_line=None) -> Iterator[Row]:
    """Parse the CSV file `lines` (its raw lines, as bytes) in format `fmt`. Problems go to
    `problems`; a file whose header is wrong yields nothing. `on_line(raw)` is called with
    each raw line read (for a progress bar)."""
    reader = csv.reader(_decoded(fmt.name, lines, problems, on_line))
    records = _records(reader, fmt.name, problems)
    header = next(records, None)
    if header is None:
        if problems and problems[-1].file == fmt.name:
            return  # unreadable from its first line, reported
        problems.append(Problem(fmt.name, 1, WHOLE_ROW, "The file is empty: it needs a header."))
        return
    positions = _header_positions(fmt, header, problems)
    if positions is None:
        return
    width = len(header)
    previous_end = reader.line_num
    rows = 0
    for cells in records:
        line, previous_end = previous_end + 1, reader.line_num
        if cells is None:  # unreadable, reported: the file ends there
            rows += 1
            break
        if not any(cell.strip() for cell in cells):
            continue  # blank lines and rows of empty cells, as spreadsheets leave them
        rows += 1
        if len(cells) < width or any(cell.strip() for cell in cells[width:]):
            problems.append(
                Problem(
                    fmt.name,
                    line,
                    WHOLE_ROW,
                    f"The row has {len(cells)} values; the header has {width} columns.",
                )
            )
            continue
        yield _parse(fmt, line, cells, positions, problems)
    if not rows:
        problems.append(
            Problem(
                fmt.name,
                1,
                WHOLE_ROW,
                "The file has a header but no rows: add rows or leave the file out.",
            )
        )


def _records(reader, name, problems):
    """The reader's records, until one the csv module cannot read (a field over its size
    limit, as when a quote is never closed): that one is reported, and None ends the file."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            problems.append(Problem(name, reader.line_num, WHOLE_ROW, f"Not CSV: {error}."))
            yield None
            return


def _decoded(name, lines, problems, on_line):
    for number, raw in enumerate(lines, start=1):
        if on_line:
            on_line(raw)
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            problems.append(
                Problem(
                    name,
                    number,
                    WHOLE_ROW,
                    f"The line is not UTF-8 text (byte {raw[error.start]:#04x} at position "
                    f"{error.start + 1}): save the file as UTF-8.",
                )
            )
            decoded = raw.decode("utf-8", errors="replace")
        yield decoded.removeprefix("\ufeff") if number == 1 else decoded


def _header_positions(fmt, header, problems):
    """Column name -> index in the row, or None when the header is unusable."""
    names = [cell.strip().lower() for cell in header]
    positions, ok = {}, True
    for index, name in enumerate(names):
        if not name:
            continue  # an unnamed, empty column that spreadsheets add
        if name in positions:
            problems.append(Problem(fmt.name, 1, name, "The column appears twice."))
            ok = False
        elif name not in fmt.column_names:
            problems.append(
                Problem(
                    fmt.name,
                    1,
                    name,
                    f"Unknown column; the columns are {', '.join(fmt.column_names)}.",
                )
            )
            ok = False
        positions[name] = index
    for column in fmt.columns:
        if column.name not in positions and not column.may_be_left_out:
            problems.append(Problem(fmt.name, 1, column.name, "The column is missing."))
            ok = False
    return positions if ok else None


def _parse(fmt, line, cells, positions, problems):
    values, ok = {}, True
    for column in fmt.columns:
        position = positions.get(column.name)
        if position is None:  # a column the file may leave out
            values[column.name] = column.empty if column.left_out is EMPTY else KEEP
            continue
        raw = cells[position]
        cell = raw.strip() if column.strip else raw
        if "\x00" in cell:  # PostgreSQL cannot store it
            problems.append(Problem(fmt.name, line, column.name, "The value has a NUL character."))
            values[column.name], ok = INVALID, False
            continue
        if not cell.strip():
            if column.required:
                problems.append(Problem(fmt.name, line, column.name, "A value is required."))
                values[column.name], ok = INVALID, False
            else:
                values[column.name] = column.empty
            continue
        try:
            values[column.name] = column.parse(cell)
        except ValueError as error:
            problems.append(Problem(fmt.name, line, column.name, str(error)))
            values[column.name], ok = INVALID, False
    return Row(line, values, ok)
