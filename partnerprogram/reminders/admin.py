from django.contrib import admin

from partnerprogram.reminders.models import Message, ReminderPreference
from partnerprogram.web.admin import LogAdmin


@admin.register(Message)
class MessageAdmin(LogAdmin):
    """The log of every message: read only (the worker writes it)."""

    list_display = ["queued_at", "kind", "recipient", "subject", "outcome", "attempts", "sent_at"]
    list_filter = ["kind", "outcome", "queued_at"]
    search_fields = ["recipient", "subject", "event"]
    date_hierarchy = "queued_at"
    fields = [
        "kind",
        "event",
        "recipient",
        "user",
        "subject",
        "queued_at",
        "claimed_at",
        "sent_at",
        "outcome",
        "attempts",
        "error",
        "task_id",
        "body_text",
    ]


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "digest", "weekday"]
    list_filter = ["digest", "weekday"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]
