"""The admin's program imports, each a job that a background worker runs: the upload's
bytes (in the database, so that the worker of any host reads them), its state and
progress, and the result the page shows."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ProgramImportQuerySet(models.QuerySet):
    def without_upload(self):
        """The jobs without their files' bytes, which only the worker reads."""
        return self.defer("upload")

    def unfinished(self):
        return self.filter(state__in=[JobState.QUEUED, JobState.RUNNING])


class ProgramImport(models.Model):
    """One run of the importer on an uploaded file: a dry run (the preview) or, once the
    preview is confirmed, the import itself, which reads the bytes of its preview.

    `result` is what the page shows of the importer's result (the rows per file, the rows
    that change, new regions and users); `problems` the first MAX_PROBLEMS_KEPT problems as
    [file, line, column, message], `problems_count` how many there were; `error` why the
    upload could not be read or the job failed. Progress is written while the import's
    own transaction is open (partnerprogram/transfer/progress.py)."""

    MAX_PROBLEMS_KEPT = 1000

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", help_text="Who."
    )
    created_at = models.DateTimeField(default=timezone.now)
    file_name = models.CharField(max_length=255)
    upload = models.BinaryField(blank=True, help_text="The uploaded file, until imported.")
    size = models.PositiveBigIntegerField(
        default=0, help_text="Bytes of the upload held (0 once let go)."
    )
    dry_run = models.BooleanField(default=True, help_text="A preview: nothing is kept.")
    create_users = models.BooleanField(default=False)
    preview = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="imports",
        help_text="The dry run this import confirms (its upload is read).",
    )
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    progress_label = models.CharField(max_length=200, blank=True)
    progress_done = models.PositiveBigIntegerField(default=0)
    progress_total = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)
    problems_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    objects = ProgramImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "program import"
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=JobState.values), name="program_import_state_known"
            ),
            models.CheckConstraint(
                condition=Q(dry_run=True) | Q(preview__isnull=False),
                name="program_import_confirms_a_preview",
            ),
            # Confirm pressed twice, or in two tabs: one import.
            models.UniqueConstraint(fields=["preview"], name="program_import_once_per_preview"),
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="program_import_state")]

    def __str__(self):
        kind = "Preview" if self.dry_run else "Import"
        return f"{kind} of {self.file_name} by {self.user} ({self.get_state_display()})"

    @property
    def finished(self):
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def ok(self):
        return self.state == JobState.DONE and not self.problems_count and not self.error

    @property
    def upload_job(self):
        """The job that holds the bytes: the preview of an import, else this one."""
        return self.preview if self.preview_id else self

    @property
    def progress_percent(self):
        if not self.progress_total:
            return None
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def problems_hidden(self):
        return max(0, self.problems_count - len(self.problems))

    @property
    def can_be_confirmed(self):
        """A preview without problems that would change something, not yet confirmed."""
        return (
            self.dry_run
            and self.ok
            and self.result.get("changes_anything")
            and self.size > 0
            and not self.imports.exists()
        )

    def waiting_for(self):
        """The job this queued one waits for: the one running, else the oldest queued
        before it. None when it waits only for a worker to start."""
        others = (
            ProgramImport.objects.without_upload()
            .select_related("user")
            .unfinished()
            .exclude(pk=self.pk)
        )
        running = others.filter(state=JobState.RUNNING).first()
        return running or others.filter(pk__lt=self.pk).order_by("pk").first()
