"""The admin's program import as background work. An upload becomes a job (its bytes in
the database, readable by the worker of any host) whose task runs the importer's dry run:
the preview. Confirming the preview queues a second job, the import, which reads the same
bytes. Both take one lock (partnerprogram/locks.py): a job that finds another
running waits for it, queued again a few seconds later, so that imports never interleave
(on SQLite a dry run could not even begin while an import holds the database).
"""

import json
import logging
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone

from partnerprogram.locks import only_one
from partnerprogram.transfer.importer import import_program
from partnerprogram.transfer.models import JobState, ProgramImport
from partnerprogram.transfer.progress import ProgressReport
from partnerprogram.transfer.sources import Limits, SourceError, from_path

log = logging.getLogger(__name__)

LOCK = "program-import"
WAIT_SECONDS = 5
STALE_AFTER = timedelta(days=1)  # a preview's upload kept this long for its confirmation


def upload_limits():
    """What an upload may unpack to (settings). There is no bound in time: the worker, not
    a request, runs the import."""
    return Limits(bytes=settings.IMPORT_MAX_UNPACKED_MB * 1024**2, lines=settings.IMPORT_MAX_LINES)


def program_import_preview(*, upload, user, create_users):
    """Store `upload` (a Django UploadedFile) as a new job and queue its dry run."""
    let_go_of_stale_uploads()
    job = ProgramImport.objects.create(
        user=user,
        file_name=Path(upload.name).name[:255],
        upload=b"".join(upload.chunks()),
        size=upload.size,
        dry_run=True,
        create_users=create_users,
    )
    queue(job)
    return job


def program_import_confirm(*, preview, user):
    """Queue the import of what `preview` showed, from its stored upload; the import already
    queued when the preview was confirmed before."""
    try:
        with transaction.atomic():
            job = ProgramImport.objects.create(
                user=user,
                file_name=preview.file_name,
                size=preview.size,
                dry_run=False,
                create_users=preview.create_users,
                preview=preview,
            )
    except IntegrityError:
        return ProgramImport.objects.without_upload().get(preview=preview)
    queue(job)
    return job


def program_import_cancel(*, preview):
    let_go_of_upload(preview)


def let_go_of_upload(job):
    ProgramImport.objects.filter(pk=job.pk).update(upload=b"", size=0)


def let_go_of_stale_uploads(now=None):
    """Previews never confirmed nor cancelled keep their upload for STALE_AFTER."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    ProgramImport.objects.filter(size__gt=0, created_at__lt=cutoff).update(upload=b"", size=0)


def queue(job, delay=0):
    """Queue the job's task, `delay` seconds from now where the backend can wait (the
    tests' immediate backend runs it at once). With django-tasks-db the task is a row of
    the same database, so a worker never sees the task before the job."""
    work = run_program_import
    if delay and work.get_backend().supports_defer:
        work = work.using(run_after=timezone.now() + timedelta(seconds=delay))
    return work.enqueue(job.pk)


@task
def run_program_import(job_id):
    """Run the job `job_id` if no other import is running; else queue it again to wait."""
    with only_one(LOCK) as held:
        if not held:
            if run_program_import.get_backend().supports_defer:
                queue(ProgramImport(pk=job_id), delay=WAIT_SECONDS)
            return "waiting"
        return run(job_id)


def run(job_id):
    """Run the job while holding the lock: the importer with a progress report, then the
    outcome on the job's row. Returns the job's state."""
    # Holding the lock, no other job can be running: one still marked so had its worker
    # stopped under it (its transaction was rolled back with its connection).
    ProgramImport.objects.filter(state=JobState.RUNNING).exclude(pk=job_id).update(
        state=JobState.FAILED,
        error="The worker running this import stopped before it finished; nothing was written.",
        finished_at=timezone.now(),
    )
    now = timezone.now()
    started = ProgramImport.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=now, updated_at=now
    )
    if not started:
        return "not queued"
    job = ProgramImport.objects.without_upload().select_related("user").get(pk=job_id)
    report = ProgressReport(job)
    try:
        with report:
            result = _import(job, report)
    except SourceError as error:
        return finish(job, report, error=str(error))
    except Exception as error:
        log.exception("Program import %s failed", job.pk)
        return finish(job, report, error=f"The import stopped: {type(error).__name__}: {error}")
    return finish(job, report, result=result)


def _import(job, progress):
    """The importer on the job's upload, unpacked in a temporary folder of this worker for
    the length of the run."""
    data = ProgramImport.objects.filter(pk=job.upload_job.pk).values_list("upload", flat=True).get()
    if not data:
        raise SourceError(f"{job.file_name} is no longer kept: upload it again.")
    with tempfile.TemporaryDirectory(prefix="partnerprogram-import-") as folder:
        path = Path(folder) / "upload"
        path.write_bytes(data)
        del data
        source = from_path(path, job.file_name, upload_limits())
        return import_program(
            source,
            dry_run=job.dry_run,
            user=job.user,
            create_users=job.create_users,
            progress=progress,
        )


def finish(job, report, *, result=None, error=""):
    problems = list(result.problems) if result else []
    label, done, total = report.told
    now = timezone.now()
    ProgramImport.objects.filter(pk=job.pk).update(
        state=JobState.FAILED if error else JobState.DONE,
        error=storable(error),
        result=storable(summary_of(result) if result else {}),
        problems=storable(
            [[p.file, p.line, p.column, p.message] for p in problems[: job.MAX_PROBLEMS_KEPT]]
        ),
        problems_count=len(problems),
        progress_label=storable(label),
        progress_done=done,
        progress_total=total,
        finished_at=now,
        updated_at=now,
    )
    if not job.dry_run or error or problems:
        let_go_of_upload(job.upload_job)  # imported, or it cannot be
    return JobState.FAILED if error else JobState.DONE


def storable(value):
    """`value` (text, or lists and dicts of it) without NUL characters, which a problem may
    quote from a file of random bytes and which PostgreSQL refuses in text and JSON."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    return json.loads(json.dumps(value).replace("\\u0000", "\\ufffd"))


def summary_of(result):
    """What the page shows of an ImportResult, as JSON."""
    return {
        "plans": [
            {
                "name": plan.name,
                "created": plan.created_rows,
                "updated": plan.updated_rows,
                "unchanged": plan.unchanged,
                "changes": [
                    {"line": c.line, "action": c.action, "key": c.key, "details": c.details}
                    for c in plan.changes
                ],
                "hidden_changes": plan.hidden_changes,
            }
            for plan in result.plans
        ],
        "new_regions": result.new_regions,
        "new_users": result.new_users,
        "changes_anything": result.changes_anything,
        "written": result.written,
        "lines": result.summary_lines(),
        "seconds": round(result.seconds, 1),
    }
