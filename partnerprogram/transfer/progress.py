"""How far a running import is, told to the page while the import's transaction is open.

The importer writes everything in one transaction, so the job's row cannot carry its
progress through that transaction: on PostgreSQL an UPDATE made in it is invisible to the
page until the commit (and undone with a dry run's rollback); on SQLite the transaction
holds the database's only write lock until it ends, so any other writer waits for it.
Hence:

- PostgreSQL: the progress goes to the job's row through a second connection of this
  process, in autocommit, which every host's page reads at once. The job's row was
  committed before the import began and the import never touches it, so no lock is shared.
- SQLite (one host): to a small JSON file beside the database, replaced whole on each
  write; the page reads it while the job runs (reads of a file, like WAL reads of the
  database, never wait for the writer).

Writes are at most one a second, so that a large import spends nothing noticeable on them.
The job's row must not be locked by the caller's own transaction (the worker runs a task
outside any), or the second connection would wait for it.
"""

import json
import os
import time

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

from partnerprogram.locks import beside_database

EVERY_SECONDS = 1.0


class ProgressReport:
    """The importer's `progress(label, done, total)` callback for one job. Use as a context
    manager: it closes what it opened."""

    def __init__(self, job, every=EVERY_SECONDS):
        self.job, self.every = job, every
        self.last = None
        self.told = ("", 0, 0)  # the latest, kept on the job's row when it ends
        self._connection = None

    def __call__(self, label, done, total):
        self.told = (label[:200], done, total)
        now = time.monotonic()
        if self.last is not None and now - self.last < self.every:
            return
        self.last = now
        if connection.vendor == "postgresql":
            self._write_row(label, done, total)
        else:
            _write_file(self.job.pk, label, done, total)

    def _write_row(self, label, done, total):
        if self._connection is None:
            self._connection = connections.create_connection(DEFAULT_DB_ALIAS)
        table = self.job._meta.db_table
        with self._connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET progress_label = %s, progress_done = %s, "
                "progress_total = %s, updated_at = %s WHERE id = %s",
                [label[:200], done, total, timezone.now(), self.job.pk],
            )

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._connection is not None:
            self._connection.close()
        if connection.vendor != "postgresql":
            _progress_file(self.job.pk).unlink(missing_ok=True)


def read_progress(job):
    """Fill `job`'s progress fields with the latest a running import told (SQLite keeps
    it in a file until the job ends)."""
    if connection.vendor == "postgresql" or job.finished:
        return job
    try:
        told = json.loads(_progress_file(job.pk).read_text())
    except (FileNotFoundError, ValueError):
        return job
    job.progress_label, job.progress_done, job.progress_total = told["progress"]
    return job


def _progress_file(pk):
    return beside_database(f"import-{pk}.progress.json")


def _write_file(pk, label, done, total):
    path = _progress_file(pk)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps({"progress": [label, done, total]}))
    os.replace(partial, path)  # a reader sees the old file or the new one, never half
