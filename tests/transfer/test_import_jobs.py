"""The admin's import jobs as the worker runs them: one at a time (a second waits for the
lock), their progress told outside the import's transaction, a failure kept on the job with
nothing written, and uploads let go of."""

import datetime as dt
import io
import threading
import zipfile
from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from partnerprogram.locks import only_one
from partnerprogram.models import Partner
from partnerprogram.transfer import jobs
from partnerprogram.transfer.models import JobState, ProgramImport
from partnerprogram.transfer.progress import ProgressReport, read_progress

from .conftest import HEADERS, counts

pytestmark = pytest.mark.django_db

PARTNERS = {"partners.csv": ["Beta,msp,EMEA,,,2024-02-01,,", "Gamma,msp,EMEA,,,2024-02-01,,"]}
CERTIFICATIONS = {"certifications.csv": ["Acme,Associate,2024-03-01,,"]}


def zip_bytes(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, rows in files.items():
            archive.writestr(name, "\n".join([HEADERS[name], *rows]) + "\n")
    return buffer.getvalue()


def queued_import(user, files, **fields):
    """A confirmed import waiting for its worker, with its preview (as the admin leaves them)."""
    data = zip_bytes(files)
    preview = ProgramImport.objects.create(
        user=user, file_name="program.zip", upload=data, size=len(data), state=JobState.DONE
    )
    return ProgramImport.objects.create(
        user=user, file_name="program.zip", size=len(data), dry_run=False, preview=preview, **fields
    )


@contextmanager
def lock_held_by_another_worker():
    """The import lock, held by a thread with its own database connection: on PostgreSQL
    another session's advisory lock, on SQLite another open of the lock file."""
    taken, release, held = threading.Event(), threading.Event(), []

    def hold():
        try:
            with only_one(jobs.LOCK) as got:
                held.append(got)
                taken.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(30) and held == [True]
    try:
        yield
    finally:
        release.set()
        thread.join(30)


def test_a_second_import_waits_for_the_first_then_runs(staff, program):
    first = queued_import(staff, PARTNERS, state=JobState.RUNNING, started_at=timezone.now())
    second = queued_import(staff, CERTIFICATIONS)
    with lock_held_by_another_worker():
        assert jobs.run_program_import.call(second.pk) == "waiting"
        second.refresh_from_db()
        assert second.state == JobState.QUEUED
        assert second.waiting_for() == first
        assert not Partner.objects.filter(name="Beta").exists()
        ProgramImport.objects.filter(pk=first.pk).update(state=JobState.DONE)  # it ends
    assert jobs.run_program_import.call(second.pk) == JobState.DONE
    second.refresh_from_db()
    assert (second.state, second.problems_count, second.error) == (JobState.DONE, 0, "")
    assert program["acme"].certifications.count() == 1


def test_a_waiting_import_is_queued_again_for_later(staff, program, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    job = queued_import(staff, PARTNERS)
    with lock_held_by_another_worker():
        before = timezone.now()
        assert jobs.run_program_import.call(job.pk) == "waiting"
    again = DBTaskResult.objects.get()
    assert again.args_kwargs["args"] == [job.pk]
    assert again.run_after >= before + dt.timedelta(seconds=jobs.WAIT_SECONDS)
    assert again.status == "READY"


def test_the_page_of_a_waiting_import_names_the_one_it_waits_for(client, staff, program):
    first = queued_import(staff, PARTNERS, state=JobState.RUNNING, started_at=timezone.now())
    second = queued_import(staff, CERTIFICATIONS)
    client.force_login(staff)
    response = client.get(reverse("admin:partnerprogram_partner_import_job", args=[second.pk]))
    page = " ".join(response.text.split())
    assert "Waiting for the import of program.zip started by staff at" in page
    assert 'data-refresh-seconds="2"' in page
    assert "js/import-progress.js" in page
    running = client.get(reverse("admin:partnerprogram_partner_import_job", args=[first.pk])).text
    assert "Running since" in running


def test_a_failure_inside_the_task_fails_the_job_and_writes_nothing(staff, program):
    """The database refuses certifications (a trigger): the partners written before it in
    the import's transaction are rolled back with it."""
    table = "certifications_partnercertification"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'the disk is full'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse BEFORE INSERT ON {table} EXECUTE FUNCTION refuse()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER refuse BEFORE INSERT ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"
            )
    before = counts()
    job = queued_import(staff, {**PARTNERS, **CERTIFICATIONS})
    assert jobs.run_program_import.call(job.pk) == JobState.FAILED
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.error.startswith("The import stopped: ")
    assert "the disk is full" in job.error
    assert job.finished_at is not None
    assert counts() == before
    assert ProgramImport.objects.get(pk=job.preview_id).size == 0  # upload it again


def test_a_job_left_running_by_a_stopped_worker_is_failed_by_the_next(staff, program):
    stopped = queued_import(staff, PARTNERS, state=JobState.RUNNING, started_at=timezone.now())
    job = queued_import(staff, PARTNERS)
    assert jobs.run_program_import.call(job.pk) == JobState.DONE
    stopped.refresh_from_db()
    assert stopped.state == JobState.FAILED
    assert "stopped before it finished; nothing was written" in stopped.error
    assert Partner.objects.filter(name="Beta").exists()  # the next one's import


def test_a_job_runs_once(staff, program):
    job = queued_import(staff, PARTNERS)
    assert jobs.run_program_import.call(job.pk) == JobState.DONE
    assert jobs.run_program_import.call(job.pk) == "not queued"


@pytest.mark.django_db(transaction=True)
def test_progress_is_seen_while_the_import_transaction_is_open(staff, program):
    """What the page reads while the importer's transaction is open (and after a dry run
    rolled it back): written through another connection, or on SQLite a file."""
    job = queued_import(staff, PARTNERS, state=JobState.RUNNING)
    with ProgressReport(job, every=3600) as report:
        with transaction.atomic():
            report("importing partners.csv", 3, 10)
            report("importing partners.csv", 6, 10)  # within the second: not written
            seen = read_progress(ProgramImport.objects.get(pk=job.pk))
            assert (seen.progress_label, seen.progress_done, seen.progress_total) == (
                "importing partners.csv",
                3,
                10,
            )
            transaction.set_rollback(True)
        seen = read_progress(ProgramImport.objects.get(pk=job.pk))
        assert (seen.progress_done, seen.progress_total) == (3, 10)
        assert report.told == ("importing partners.csv", 6, 10)


def test_previews_left_waiting_for_a_day_let_go_of_their_upload(staff, program):
    old = queued_import(staff, PARTNERS).preview
    ProgramImport.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=1, minutes=1)
    )
    recent = queued_import(staff, PARTNERS).preview
    jobs.let_go_of_stale_uploads()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (bytes(old.upload), old.size) == (b"", 0)
    assert recent.size > 0 and bytes(recent.upload)


def test_the_admin_lists_the_jobs_read_only(client, superuser, staff, program):
    job = queued_import(staff, PARTNERS)
    client.force_login(superuser)
    listing = client.get(reverse("admin:transfer_programimport_changelist"))
    assert listing.status_code == 200
    assert "program.zip" in listing.text
    page = client.get(reverse("admin:transfer_programimport_change", args=[job.pk]))
    assert page.status_code == 200
    assert 'name="file_name"' not in page.text  # read only
    assert client.get(reverse("admin:transfer_programimport_add")).status_code == 403


def test_a_preview_confirmed_twice_is_imported_once(staff, program):
    """Two tabs, or two clicks that both passed the page's check: one import."""
    preview = queued_import(staff, PARTNERS).preview
    ProgramImport.objects.filter(preview=preview).delete()
    first = jobs.program_import_confirm(preview=preview, user=staff)
    again = jobs.program_import_confirm(preview=preview, user=staff)
    assert again == first
    assert ProgramImport.objects.filter(preview=preview).count() == 1
    assert Partner.objects.filter(name="Beta").count() == 1
