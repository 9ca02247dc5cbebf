"""The program import in the admin: upload a .zip of the folder (or one CSV file named after
its file), see what it would change, confirm. The same importer as the command, so the same
checks and messages; nothing is written before the confirmation, nor if anything changed
since the preview so that the files no longer pass.

Between preview and confirmation the upload waits in a temporary folder under a random token
kept in the uploader's session; it is deleted once confirmed or cancelled (and any left
behind after a day)."""

import contextlib
import secrets
import tempfile
import time
import zipfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone

from partnerprogram.transfer.exporter import export_program
from partnerprogram.transfer.formats import FORMATS
from partnerprogram.transfer.importer import CHECKS, import_program
from partnerprogram.transfer.sources import Limits, SourceError, from_path

UPLOAD_DIR = Path(tempfile.gettempdir()) / "partnerprogram-imports"
SESSION_KEY = "program_import"
MAX_PROBLEMS_SHOWN = 1000
STALE_SECONDS = 24 * 3600

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


def upload_limits():
    """What an upload may unpack to, in lines and in seconds of checking (settings), so that
    a request never outgrows the server's memory or timeout."""
    return Limits(
        bytes=settings.IMPORT_MAX_UNPACKED_MB * 1024**2,
        lines=settings.IMPORT_MAX_LINES,
        seconds=settings.IMPORT_MAX_SECONDS,
    )


def program_import(request, model_admin):
    """GET: the upload form. POST with a file: the preview (or the problems). POST confirm:
    the import. POST cancel: forget the upload."""
    if not can_import(request.user):
        raise PermissionDenied
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm(request, model_admin)
    if request.method == "POST" and "cancel" in request.POST:
        _forget(request)
        messages.info(request, "Import cancelled; nothing was written.")
        return redirect("admin:partnerprogram_partner_import")
    form = ProgramImportForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return _render(request, model_admin, form=form)
    _forget(request)
    upload = form.cleaned_data["file"]
    create_users = form.cleaned_data["create_users"]
    path = _keep(upload)
    result, error = _run(path, upload.name, request.user, dry_run=True, create_users=create_users)
    if error or result.problems:
        path.unlink(missing_ok=True)
        return _render(request, model_admin, form=form, result=result, error=error)
    request.session[SESSION_KEY] = {
        "token": path.name,
        "name": Path(upload.name).name,
        "create_users": create_users,
    }
    return _render(request, model_admin, result=result, upload_name=Path(upload.name).name)


def _confirm(request, model_admin):
    pending = request.session.get(SESSION_KEY)
    path = UPLOAD_DIR / pending["token"] if pending else None
    if path is None or request.POST.get("token") != pending["token"] or not path.exists():
        messages.error(request, "That upload is no longer waiting; upload the file again.")
        return redirect("admin:partnerprogram_partner_import")
    result, error = _run(
        path,
        pending["name"],
        request.user,
        dry_run=False,
        create_users=pending.get("create_users", False),
    )
    _forget(request)
    if error or result.problems:
        return _render(request, model_admin, form=ProgramImportForm(), result=result, error=error)
    messages.success(request, "Imported. " + " · ".join(result.summary_lines()))
    return redirect("admin:partnerprogram_partner_changelist")


def _run(path, name, user, *, dry_run, create_users):
    """(result, None), or (None, the message) when the upload cannot be read at all. An
    upload that fails in any way is deleted at once."""
    try:
        source = from_path(path, name, upload_limits())
        result = import_program(source, dry_run=dry_run, user=user, create_users=create_users)
        return result, None
    except SourceError as error:
        path.unlink(missing_ok=True)
        return None, str(error)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _keep(upload):
    """Store the upload under a random name until it is confirmed or cancelled."""
    UPLOAD_DIR.mkdir(mode=0o700, exist_ok=True)
    for old in UPLOAD_DIR.iterdir():
        with contextlib.suppress(FileNotFoundError):  # another worker may clean up too
            if old.stat().st_mtime < time.time() - STALE_SECONDS:
                old.unlink()
    path = UPLOAD_DIR / (secrets.token_urlsafe(24) + Path(upload.name).suffix.lower())
    with path.open("wb") as file:
        for chunk in upload.chunks():
            file.write(chunk)
    return path


def _forget(request):
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        (UPLOAD_DIR / pending["token"]).unlink(missing_ok=True)


def _render(request, model_admin, *, form=None, result=None, error=None, upload_name=None):
    problems = result.problems if result else []
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": "Import the partner program",
        "form": form,
        "result": result,
        "error": error,
        "problems": problems[:MAX_PROBLEMS_SHOWN],
        "problems_count": len(problems),
        "problems_hidden": max(0, len(problems) - MAX_PROBLEMS_SHOWN),
        "upload_name": upload_name,
        "token": request.session.get(SESSION_KEY, {}).get("token"),
        "formats": FORMATS,
        "can_export_program": can_export(request.user),
    }
    return TemplateResponse(request, "admin/partnerprogram/import.html", context)
