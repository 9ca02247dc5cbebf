"""Reminders by email: the log of every message (which is also its queue), and each user's
digest preference."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Kind(models.TextChoices):
    DIGEST = "digest", "Digest to an account manager"
    EXPIRY = "expiry", "Expiry reminder to a partner contact"


class Outcome(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Message(models.Model):
    """One message about one event (`event`: "digest:user 7:2026-11-28", "expiry:certification
    12:30 days"), with its content as queued. A row exists before its task is queued, in
    the same transaction; the unique event is what makes a second queueing of the same event
    (the job run twice, two hosts at once) add nothing. A task sends it only after moving it
    from queued to sending in one UPDATE, so two workers never both send it."""

    kind = models.CharField(max_length=10, choices=Kind.choices)
    event = models.CharField(max_length=200, help_text="What the message is about: sent once.")
    recipient = models.EmailField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The user a digest is for.",
    )
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker last began to send it."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True, help_text="The last failure, if any.")
    task_id = models.CharField(max_length=64, blank=True, help_text="Its latest queued task.")

    class Meta:
        ordering = ["-queued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["event"], name="message_event_once"),
            models.CheckConstraint(
                condition=Q(outcome__in=Outcome.values), name="message_outcome_known"
            ),
        ]
        indexes = [models.Index(fields=["outcome", "claimed_at"], name="message_outcome")]

    def __str__(self):
        return f"{self.subject} → {self.recipient}"


class DigestFrequency(models.TextChoices):
    DAILY = "daily", "Every day"
    WEEKLY = "weekly", "Once a week"
    NEVER = "never", "Never"


class Weekday(models.IntegerChoices):
    """Python's date.weekday() numbers."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


class ReminderPreference(models.Model):
    """How often a user receives the digest of their partners' work. A user without a row
    receives it daily."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    digest = models.CharField(
        "Digest by email",
        max_length=10,
        choices=DigestFrequency.choices,
        default=DigestFrequency.DAILY,
    )
    weekday = models.PositiveSmallIntegerField(
        "On",
        choices=Weekday.choices,
        default=Weekday.MONDAY,
        help_text="The day of a weekly digest.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(digest__in=DigestFrequency.values), name="preference_digest_known"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="preference_weekday_known"),
        ]

    def __str__(self):
        return f"{self.user}: {self.get_digest_display()}"
