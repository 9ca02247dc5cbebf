"""One nightly job at a time, whichever host starts it."""

import fcntl
import zlib
from contextlib import contextmanager
from pathlib import Path

from django.db import connection


@contextmanager
def only_one(name):
    """Yield True when this process holds the lock `name`, False when another does. On
    PostgreSQL a session advisory lock (every host shares the database); on SQLite, whose
    database is one host's file, a lock on a file beside it."""
    if connection.vendor == "postgresql":
        key = zlib.crc32(name.encode())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            held = cursor.fetchone()[0]
        try:
            yield held
        finally:
            if held:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    if connection.is_in_memory_db():  # the tests': one process anyway
        yield True
        return
    path = Path(f"{connection.settings_dict['NAME']}-{name}.lock")
    with path.open("w") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)
