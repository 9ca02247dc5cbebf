from django.contrib import admin

from partnerprogram.transfer.models import ProgramImport
from partnerprogram.web.admin import LogAdmin


@admin.register(ProgramImport)
class ProgramImportAdmin(LogAdmin):
    """Every program import, read only (the admin's import page and the worker write them);
    the Import program page links each to its own page."""

    list_display = ["created_at", "file_name", "user", "dry_run", "state", "finished_at"]
    list_filter = ["state", "dry_run", "created_at"]
    search_fields = ["file_name", "user__username"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    fields = [
        "file_name",
        "user",
        "created_at",
        "dry_run",
        "create_users",
        "preview",
        "size",
        "state",
        "progress_label",
        "progress_done",
        "progress_total",
        "updated_at",
        "started_at",
        "finished_at",
        "problems_count",
        "error",
        "result",
        "problems",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).without_upload()
