"""The real worker (`manage.py db_worker`, django-tasks-db) in its own process, on its own
database: killed in the middle of a batch, it loses no message and sends none twice once it
is started again."""

import asyncio
import fcntl
import os
import re
import signal
import subprocess
import sys
import threading

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from .conftest import Recorder, start_smtp

WAIT = 60  # seconds


class StallsOnThird(Recorder):
    """Accepts messages, except that it holds the third at the end of its DATA until
    `release`, then refuses it (a server that never said "accepted")."""

    def __init__(self):
        super().__init__()
        self.stuck, self.release = threading.Event(), threading.Event()
        self.data_seen = 0

    async def handle_DATA(self, server, session, envelope):
        self.data_seen += 1
        if self.data_seen == 3:
            self.stuck.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, WAIT)
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def database_url(tmp_path):
    """A database of the test's own that other processes can open: a file on SQLite, a
    database beside the tests' one on PostgreSQL."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'worker.sqlite3'}"
        return
    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_worker"
    server = {
        "host": db["HOST"],
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"postgres://{db['USER']}@{server['host']}:{server['port']}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env, *arguments, **options):
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        **options,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_worker_killed_mid_batch_loses_no_message_and_sends_none_twice(database_url):
    handler = StallsOnThird()
    controller = start_smtp(handler)
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": database_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{controller.port}?timeout=10",
    }
    try:
        manage(env, "migrate", "-v0")
        manage(env, "seed_demo", "--partners", "60")
        out = manage(env, "nightly")
        digests, reminders = map(int, re.search(r"(\d+) digests, (\d+) expiry", out).groups())
        queued = digests + reminders
        assert queued >= 4, out

        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert handler.stuck.wait(WAIT), "the worker never reached the third message"
            worker.send_signal(signal.SIGKILL)  # no chance to tidy up
            worker.wait(WAIT)
        finally:
            worker.kill()
        handler.release.set()
        assert len(handler.received) == 2

        # Started again (the killed worker is gone, so nothing it held is recent enough to
        # be its own): it sends the third message again and the rest once.
        restarted = manage(
            {**env, "REMINDER_CLAIM_TIMEOUT_SECONDS": "0"}, "db_worker", "--batch", "--no-reload"
        )
        assert "Queued again 1 messages a stopped worker left." in restarted
    finally:
        controller.stop()

    ids = [message["Message-ID"] for _, message in handler.received]
    assert len(ids) == queued
    assert len(set(ids)) == queued  # none twice
    outcomes = manage(
        env,
        "shell",
        "-c",
        "from partnerprogram.reminders.models import Message; "
        "print(sorted(Message.objects.values_list('outcome', 'attempts')))",
    )
    expected = sorted([("sent", 1)] * (queued - 1) + [("sent", 2)])
    assert outcomes.strip().splitlines()[-1] == str(expected)


def test_on_sqlite_a_second_nightly_job_stops_while_one_runs(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's advisory lock: tests/reminders/test_nightly.py")
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": database_url}
    manage(env, "migrate", "-v0")
    with open(database_url.removeprefix("sqlite:///") + "-nightly.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a running job holds it
        assert manage(env, "nightly").strip() == "Another nightly job is running; this one stops."
    assert "Reminders queued" in manage(env, "nightly")
