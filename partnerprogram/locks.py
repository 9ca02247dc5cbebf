"""One nightly job (or one program import) at a time, whichever host starts it."""

import fcntl
import os
import tempfile
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
    with beside_database(f"{name}.lock").open("w") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


def beside_database(name):
    """The path of a file `name` that belongs to the SQLite database (one host's): beside
    its file, or for the tests' database in memory, in the temporary folder under this
    process's id (a flock taken twice through two opens conflicts even in one process)."""
    if connection.is_in_memory_db():
        return Path(tempfile.gettempdir()) / f"partnerprogram-{os.getpid()}-{name}"
    return Path(f"{connection.settings_dict['NAME']}-{name}")
