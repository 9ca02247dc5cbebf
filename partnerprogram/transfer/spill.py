"""Where an import keeps what grows with the size of its files: temporary tables of the
import's own transaction, so that it holds one chunk of rows in memory whatever the size.

- `Spill` holds a file's parsed rows and gives them back in chunks grouped by partner (its
  name), in (name, line) order: a partner's rows always come in one chunk, so the checks
  that need all of a partner's rows (its tier chain, one open review per reason, duplicates
  of a key) see them together, whatever the order of the file.
- `WindowMarks` notes the partners whose partners.csv row moves their joined on or ended on,
  at its line, for the check of their stored transitions once every file is written.

Both tables live in the import's transaction and are dropped when it ends (a rollback drops
them with everything else).
"""

import datetime as dt
import pickle

from django.db import connection

from partnerprogram.transfer import bulk_sql
from partnerprogram.transfer.formats import INVALID, Row

BATCH = 5000  # rows per INSERT and per SELECT


class TemporaryTable:
    """A temporary table, created on entering and dropped on leaving: `table` its name,
    `columns` (name, Django field type, constraint) and `index` the columns of its index."""

    table = None
    columns = ()
    index = ()

    def __enter__(self):
        types = connection.data_types
        columns = ", ".join(f"{name} {types[kind]} {rule}" for name, kind, rule in self.columns)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            cursor.execute(f"CREATE TEMPORARY TABLE {self.table} ({columns})")
            if self.index:
                index = ", ".join(self.index)
                cursor.execute(f"CREATE INDEX {self.table}_order ON {self.table} ({index})")
        return self

    def __exit__(self, *exc):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")


class Spill(TemporaryTable):
    """The rows of one file at a time. `fill(rows, key)` stores them (key(row) names the
    group, a partner's name); `chunks(size)` gives them back as lists of about `size` rows,
    never splitting a group."""

    table = "transfer_spilled_rows"
    columns = (
        ("grp", "TextField", "NOT NULL"),
        ("line", "IntegerField", "NOT NULL"),
        ("payload", "BinaryField", "NOT NULL"),
    )
    index = ("grp", "line")

    def __init__(self):
        self.count = 0

    def fill(self, rows, key, columns):
        """Store `rows` (Rows of a file whose columns are `columns`), emptying what the
        previous file left."""
        types = connection.data_types
        typed = [(name, types[kind]) for name, kind, _ in self.columns]
        with connection.cursor() as cursor:
            self.empty(cursor)
            self.count, batch = 0, []
            for row in rows:
                group = key(row)
                values = [row.values[column] for column in columns]
                payload = pickle.dumps((row.ok, values), protocol=pickle.HIGHEST_PROTOCOL)
                batch.append((group if isinstance(group, str) else "", row.line, payload))
                if len(batch) >= BATCH:
                    bulk_sql.insert_rows(cursor, self.table, typed, batch)
                    self.count, batch = self.count + len(batch), []
            bulk_sql.insert_rows(cursor, self.table, typed, batch)
            self.count += len(batch)

    def empty(self, cursor):
        """Remove the previous file's rows. PostgreSQL truncates: deleted rows would stay
        in the index as dead entries that every later read of it steps over."""
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {self.table}")
        else:
            cursor.execute(f"DELETE FROM {self.table}")  # SQLite empties the table at once

    def chunks(self, columns, size=None):
        """The stored rows as lists of Rows, in (group, line) order, each list ending at the
        end of a group; a group larger than `size` (BATCH) comes whole."""
        size = size or BATCH
        carry, after = [], None
        while True:
            fetched = self._fetch(after, size)
            if not fetched:
                break
            after = fetched[-1][:2]
            rows = carry + fetched
            if len(fetched) < size:
                carry = rows
                break
            last = rows[-1][0]
            cut = len(rows)
            while cut and rows[cut - 1][0] == last:
                cut -= 1
            carry = rows[cut:]
            if cut:
                yield [self._row(columns, record) for record in rows[:cut]]
        if carry:
            yield [self._row(columns, record) for record in carry]

    def _fetch(self, after, size):
        sql = f"SELECT grp, line, payload FROM {self.table}"
        params = []
        if after is not None:
            sql += " WHERE (grp, line) > (%s, %s)"  # a range of the index, on both backends
            params = list(after)
        sql += " ORDER BY grp, line LIMIT %s"
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, size])
            return cursor.fetchall()

    @staticmethod
    def _row(columns, record):
        _, line, payload = record
        ok, values = pickle.loads(bytes(payload))
        return Row(line, dict(zip(columns, values, strict=True)), ok)


def group_of(column):
    """The key that groups a file's rows by the partner named in `column`."""

    def key(row):
        value = row.values.get(column)
        return value if value is not INVALID else None

    return key


class WindowMarks(TemporaryTable):
    """Partners whose membership dates the import moves, with their partners.csv line."""

    table = "transfer_moved_windows"
    columns = (
        ("partner_id", "IntegerField", "NOT NULL PRIMARY KEY"),
        ("line", "IntegerField", "NOT NULL"),
    )

    def mark(self, marks):
        """Note (partner pk, line) pairs."""
        if marks:
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {self.table} (partner_id, line) VALUES (%s, %s)", marks
                )

    def transitions_outside(self, partner_table, transition_table):
        """(line, day, joined_on) of every stored transition of a marked partner that falls
        outside its membership as it now stands, in line and day order."""
        quote = connection.ops.quote_name
        p, t = quote(partner_table), quote(transition_table)
        sql = (
            f"SELECT w.line, t.effective_on, p.joined_on FROM {self.table} w "
            f"JOIN {p} p ON p.id = w.partner_id JOIN {t} t ON t.partner_id = w.partner_id "
            "WHERE t.effective_on < p.joined_on "
            "OR (p.ended_on IS NOT NULL AND t.effective_on > p.ended_on) "
            "ORDER BY w.line, t.effective_on"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql)
            for line, *days in cursor.fetchall():
                yield (line, *(_as_date(day) for day in days))


def _as_date(value):
    return dt.date.fromisoformat(value) if isinstance(value, str) else value
