"""The program import in the admin: upload a .zip of the folder (or one CSV file named after
its file), see what it would change, confirm. The same importer as the command, so the same
checks and messages; nothing is written before the confirmation, nor if anything changed
since the preview so that the files no longer pass.

The upload is stored in the database as a job, and a background worker runs the preview
and then the import (jobs.py); the job's page shows its progress and result. Every staff
member who may import sees every job (they import the one program together); only who
uploaded a preview confirms or cancels it."""

import tempfile
import zipfile
from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone

from partnerprogram.transfer.exporter import export_program
from partnerprogram.transfer.formats import FORMATS
from partnerprogram.transfer.importer import CHECKS
from partnerprogram.transfer.jobs import (
    program_import_cancel,
    program_import_confirm,
    program_import_preview,
    upload_limits,
)
from partnerprogram.transfer.models import JobState, ProgramImport
from partnerprogram.transfer.progress import read_progress

RECENT_JOBS = 10

# Who may import at all: staff who may add and change the program's records. Levels, tiers
# and regions need their own permissions, checked row by row by the importer.
IMPORT_PERMISSIONS = [
    f"{app}.{action}_{model}"
    for app, model in [
        ("partnerprogram", "partner"),
        ("certifications", "partnercertification"),
        ("tiers", "tiertransition"),
        ("partnerprogram", "partnerfeedback"),
    ]
    for action in ("add", "change")
]


# Who may export: staff who may view every kind of record the folder holds.
EXPORT_PERMISSIONS = [
    f"{check.model._meta.app_label}.view_{check.model._meta.model_name}"
    for check in CHECKS.values()
]
SAMPLE_DIR = Path(__file__).with_name("sample")


def can_import(user):
    return user.is_active and user.is_staff and user.has_perms(IMPORT_PERMISSIONS)


def can_export(user):
    """Staff who may view every kind of record the folder holds."""
    return user.is_active and user.is_staff and user.has_perms(EXPORT_PERMISSIONS)


def program_export(request):
    """The whole program as a .zip of its folder, named after the day. A program of
    hundreds of thousands of partners takes minutes: the export_program command suits it
    better."""
    if not can_export(request.user):
        raise PermissionDenied
    name = f"partner-program-{timezone.localdate().isoformat()}"
    with tempfile.TemporaryDirectory() as folder:
        export_program(Path(folder) / name)
        return _zip_response(Path(folder) / name, f"{name}.zip")


def sample_folder(request):
    """A small program in the folder's format, to start a file from or to try the import."""
    if not (request.user.is_active and request.user.is_staff):
        raise PermissionDenied
    return _zip_response(SAMPLE_DIR, "partner-program-sample.zip", folder="partner-program-sample")


def _zip_response(directory, filename, folder=None):
    """A download of the CSV files of `directory`, in a zip under `folder` (default: the
    directory's name). The zip is written to a temporary file, deleted once sent."""
    archive = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(directory.glob("*.csv")):
            zipped.write(path, f"{folder or directory.name}/{path.name}")
    archive.seek(0)
    return FileResponse(archive, as_attachment=True, filename=filename)


class ProgramImportForm(forms.Form):
    file = forms.FileField(
        help_text=(
            "A .zip of the program's folder, or a single CSV file named after the file it is: "
            + ", ".join(fmt.name for fmt in FORMATS)
            + "."
        )
    )
    create_users = forms.BooleanField(
        required=False,
        label="Create missing users",
        help_text=(
            "Users the files name (account managers, owners, who recorded what) that do not "
            "exist here are created inactive, without a password. Unticked, each is a problem."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in (".zip", ".csv"):
            raise forms.ValidationError("Upload a .zip or a .csv file.")
        limits = upload_limits()
        if upload.size > limits.bytes:
            raise forms.ValidationError(
                f"The file is larger than {limits.describe_bytes()}: import a program this "
                "large with the import_program command."
            )
        return upload


def program_import(request, model_admin):
    """GET: the upload form and the latest jobs. POST: store the upload as a job, queue its
    preview and show its page."""
    if not can_import(request.user):
        raise PermissionDenied
    form = ProgramImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = program_import_preview(
            upload=form.cleaned_data["file"],
            user=request.user,
            create_users=form.cleaned_data["create_users"],
        )
        return redirect("admin:partnerprogram_partner_import_job", job.pk)
    recent = ProgramImport.objects.without_upload().select_related("user")[:RECENT_JOBS]
    context = {
        **_context(request, model_admin),
        "form": form,
        "recent_jobs": recent,
        "formats": FORMATS,
        "can_export_program": can_export(request.user),
    }
    return TemplateResponse(request, "admin/partnerprogram/import.html", context)


def program_import_job(request, model_admin, job_id):
    """GET: the job's progress, then its preview, problems or result. POST confirm (of a
    preview): queue the import. POST cancel: let go of the upload."""
    if not can_import(request.user):
        raise PermissionDenied
    jobs = ProgramImport.objects.without_upload().select_related("user", "preview")
    job = get_object_or_404(jobs, pk=job_id)
    if request.method == "POST":
        if job.user_id != request.user.pk or not job.dry_run:
            raise PermissionDenied
        if "confirm" in request.POST and job.can_be_confirmed:
            confirmed = program_import_confirm(preview=job, user=request.user)
            return redirect("admin:partnerprogram_partner_import_job", confirmed.pk)
        if "cancel" in request.POST and job.size:
            program_import_cancel(preview=job)
            messages.info(request, "Import cancelled; nothing was written.")
            return redirect("admin:partnerprogram_partner_import")
        messages.error(request, "That preview can no longer be confirmed; upload the file again.")
        return redirect("admin:partnerprogram_partner_import_job", job.pk)
    context = {
        **_context(request, model_admin),
        "title": f"{'Preview' if job.dry_run else 'Import'} of {job.file_name}",
        "job": read_progress(job),
        "waiting_for": job.waiting_for() if job.state == JobState.QUEUED else None,
        "import_job": job.imports.without_upload().select_related("user").first()
        if job.dry_run
        else None,
        "is_uploader": job.user_id == request.user.pk,
    }
    return TemplateResponse(request, "admin/partnerprogram/import_job.html", context)


def _context(request, model_admin):
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": "Import the partner program",
    }
