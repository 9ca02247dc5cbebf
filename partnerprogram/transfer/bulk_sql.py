"""The import's bulk statements, whose SQL does not grow with their rows on PostgreSQL.

psycopg finds a statement's placeholders by parsing its text on every call, and does not
cache a long one: an INSERT with a placeholder per value (5,000 rows of 15 columns) spent more
time there than in the database. On PostgreSQL a batch of rows therefore goes as one array
per column, unnested into rows (what Django's bulk_create does there), and a list of ids as
one array; SQLite binds its placeholders in C and takes the plain forms.
"""

from django.db import connection


def insert_rows(cursor, table, columns, rows, returning=None):
    """Insert `rows` (tuples of prepared values of `columns`, each (name, database type))
    into `table`. With `returning` (a column), the values of that column of the new rows,
    in the order of `rows`."""
    quote = connection.ops.quote_name
    into = f"INSERT INTO {quote(table)} ({', '.join(quote(name) for name, _ in columns)}) "
    back = f" RETURNING {quote(returning)}" if returning else ""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        # The type without its size: varchar[] takes any of the column's values.
        arrays = ", ".join(f"(%s)::{kind.split('(')[0]}[]" for _, kind in columns)
        arrays_of = [list(column) for column in zip(*rows, strict=True)]
        cursor.execute(f"{into}SELECT * FROM UNNEST({arrays}){back}", arrays_of)
        return [value for (value,) in cursor.fetchall()] if returning else []
    if not returning:
        cursor.executemany(into + f"VALUES ({', '.join(['%s'] * len(columns))})", rows)
        return []
    values = []
    size = max(1, connection.features.max_query_params // len(columns))
    for start in range(0, len(rows), size):
        batch = rows[start : start + size]
        row = f"({', '.join(['%s'] * len(columns))})"
        params = [value for row_values in batch for value in row_values]
        cursor.execute(f"{into}VALUES {', '.join([row] * len(batch))}{back}", params)
        values += [value for (value,) in cursor.fetchall()]
    return values


def one_of(column, values):
    """(SQL, params) of the condition that `column` is one of `values`."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)
