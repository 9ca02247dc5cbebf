"""The admin's import run by the real worker (`manage.py db_worker`) in its own process, on
its own database: it reads the upload that another process stored in the database, runs the
preview, then the confirmed import, and leaves their outcome on the jobs."""

import json
import os

from tests.reminders.test_worker import database_url, manage  # noqa: F401 (a fixture)

UPLOAD = """
import io, json, zipfile
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from partnerprogram.transfer.jobs import program_import_preview
from partnerprogram.transfer.views import SAMPLE_DIR
admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw")
archive = io.BytesIO()
with zipfile.ZipFile(archive, "w") as zipped:
    for name in ("certification_levels.csv", "tiers.csv", "partners.csv"):
        zipped.write(SAMPLE_DIR / name, f"sample/{name}")
upload = SimpleUploadedFile("sample.zip", archive.getvalue())
print(program_import_preview(upload=upload, user=admin, create_users=True).pk)
"""

CONFIRM = """
from partnerprogram.transfer.jobs import program_import_confirm
from partnerprogram.transfer.models import ProgramImport
preview = ProgramImport.objects.get(pk={pk})
print(program_import_confirm(preview=preview, user=preview.user).pk)
"""

STATE = """
import json
from partnerprogram.models import Partner
from partnerprogram.transfer.models import ProgramImport
job = ProgramImport.objects.get(pk={pk})
print(json.dumps([job.state, job.error, job.problems_count, job.result.get("lines"),
                  job.size, Partner.objects.filter(name__startswith="Example").count()]))
"""


def last_line(text):
    return text.strip().splitlines()[-1]


def test_the_worker_previews_then_imports_an_upload_kept_in_the_database(database_url):  # noqa: F811
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": database_url}
    manage(env, "migrate", "-v0")
    preview = int(last_line(manage(env, "shell", "-c", UPLOAD)))
    manage(env, "db_worker", "--batch", "--no-reload")
    state, error, problems, lines, size, partners = json.loads(
        last_line(manage(env, "shell", "-c", STATE.format(pk=preview)))
    )
    assert (state, error, problems, partners) == ("done", "", 0, 0)  # a dry run
    assert "partners.csv: 3 created, 0 updated, 0 unchanged" in lines
    assert size > 0  # kept for the confirmation

    job = int(last_line(manage(env, "shell", "-c", CONFIRM.format(pk=preview))))
    manage(env, "db_worker", "--batch", "--no-reload")
    state, error, problems, lines, size, partners = json.loads(
        last_line(manage(env, "shell", "-c", STATE.format(pk=job)))
    )
    assert (state, error, problems, partners) == ("done", "", 0, 3)
    assert "partners.csv: 3 created, 0 updated, 0 unchanged" in lines
    assert json.loads(last_line(manage(env, "shell", "-c", STATE.format(pk=preview))))[4] == 0
