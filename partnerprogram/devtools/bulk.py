"""Fast bulk inserts for programs of hundreds of thousands of partners.

Django's bulk_create builds a model instance per row; at 500,000 partners with their
certifications, transitions and history that alone takes minutes. These helpers send plain
tuples instead: COPY on PostgreSQL, executemany on SQLite, with ids chosen here so that
children can point at their parents without reading them back.
"""

import datetime as dt

from django.core.management.color import no_style
from django.db import connection, models
from django.utils import timezone


def next_id(model):
    """The first id after the table's largest (1 for an empty table)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(model._meta.db_table)}")
        return (cursor.fetchone()[0] or 0) + 1


def _converter(field):
    if connection.vendor == "sqlite" and isinstance(field, models.DateField):
        if isinstance(field, models.DateTimeField):
            return lambda v: v if v is None else v.isoformat(sep=" ")
        return lambda v: v if v is None else v.isoformat()
    if connection.vendor == "sqlite" and isinstance(field, models.BooleanField):
        return lambda v: v if v is None else int(v)
    return None


def insert_rows(model, columns, rows, *, batch=20000):
    """Insert `rows` (tuples in the order of `columns`, attribute names such as "partner_id")
    into the model's table. No model instances, no signals: the caller keeps the rules."""
    fields = [
        model._meta.get_field(name.removesuffix("_id"))
        if name.endswith("_id") and name != "id"
        else model._meta.get_field(name)
        for name in columns
    ]
    names = [field.column for field in fields]
    converters = [_converter(field) for field in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(name) for name in names)
    if any(converters):
        rows = (
            tuple(c(v) if c else v for c, v in zip(converters, row, strict=True)) for row in rows
        )
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # A large page cache keeps index inserts of big tables from thrashing (KiB).
            cursor.execute("PRAGMA cache_size = -262144")
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        statement = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join(['%s'] * len(names))})"
        chunk = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= batch:
                cursor.executemany(statement, chunk)
                chunk = []
        if chunk:
            cursor.executemany(statement, chunk)


def insert_with_history(model, columns, rows, *, reason, dated_by=None):
    """insert_rows, plus the first history record of each row (history_type "+"), so that
    the first edit of an imported or seeded row shows as a change in its history. The
    records are dated now, by nobody; with `dated_by` (a date column, a user column) each
    is dated 09:00 on its row's day and made by its row's user, as if recorded then."""
    rows = list(rows)
    insert_rows(model, columns, rows)
    history = model.history.model
    kept = [i for i, name in enumerate(columns) if _has_field(history, name)]
    when = _history_dates(columns, dated_by)
    insert_rows(
        history,
        [
            *(columns[i] for i in kept),
            "history_date",
            "history_user_id",
            "history_change_reason",
            "history_type",
        ],
        ((*(row[i] for i in kept), *when(row), reason, "+") for row in rows),
    )


def _history_dates(columns, dated_by):
    """row -> (history date, history user id) for insert_with_history."""

    def stored(moment):
        if connection.vendor == "sqlite":  # naive UTC, as Django stores it there
            return moment.astimezone(dt.UTC).replace(tzinfo=None)
        return moment

    if dated_by is None:
        now = stored(timezone.now())
        return lambda row: (now, None)
    day_at, user_at = (columns.index(name) for name in dated_by)
    zone, nine = timezone.get_current_timezone(), dt.time(9)
    return lambda row: (
        stored(dt.datetime.combine(row[day_at], nine, tzinfo=zone)),
        row[user_at],
    )


def _has_field(model, attname):
    return any(field.attname == attname for field in model._meta.concrete_fields)


def reset_sequences(*models_):
    """After inserting explicit ids on PostgreSQL, move each id sequence past them."""
    if connection.vendor != "postgresql":
        return
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
