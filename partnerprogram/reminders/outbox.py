"""What the nightly job queues: the digests due today and the expiry reminders to partner
contacts, as logged messages with their content, each with its sending task."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse

from partnerprogram.models import Partner, RemediationReview
from partnerprogram.reminders.digest import ENDING_WITHIN, digests, ending_certifications
from partnerprogram.reminders.models import DigestFrequency, Kind, Message
from partnerprogram.reminders.sending import enqueue
from partnerprogram.rules.periods import day_label
from partnerprogram.web.mixins import READ_PERMISSION

CHUNK = 500  # events per `IN (...)` query
DIGEST_ITEMS = 20  # per section of a digest; My work shows the rest


@dataclass(frozen=True)
class Queued:
    digests: int
    expiry_reminders: int
    already_logged: int


def queue_reminders(today):
    """Log today's digests and expiry reminders in one transaction, then queue a task to
    send each. Events already logged (an earlier run today) are left out."""
    candidates = [*digest_messages(today), *expiry_messages(today)]
    with transaction.atomic():
        logged = set()
        events = [message.event for message in candidates]
        for start in range(0, len(events), CHUNK):
            logged.update(
                Message.objects.filter(event__in=events[start : start + CHUNK]).values_list(
                    "event", flat=True
                )
            )
        new = [message for message in candidates if message.event not in logged]
        Message.objects.bulk_create(new, batch_size=CHUNK)
    # Once every row is committed (a backend that runs tasks at once, the tests', sends
    # then). A crash before its task is queued leaves a message that the next worker to
    # start, or the next night, queues (sending.recover_interrupted).
    for message in new:
        enqueue(message.pk)
    return Queued(
        digests=sum(message.kind == Kind.DIGEST for message in new),
        expiry_reminders=sum(message.kind == Kind.EXPIRY for message in new),
        already_logged=len(logged),
    )


def digest_recipients(today):
    """Active users with an email address who may read the pages the digest links to, who
    manage an active partner or own an open review, and whose preference asks for a digest
    today (none set: daily)."""
    managing = Partner.objects.active_on(today).filter(account_manager=OuterRef("pk"))
    owning = RemediationReview.objects.open().filter(owner=OuterRef("pk"))
    app, codename = READ_PERMISSION.split(".")
    read = Permission.objects.filter(content_type__app_label=app, codename=codename)
    reader = (
        Q(is_superuser=True)
        | Exists(read.filter(group__user=OuterRef("pk")))
        | Exists(read.filter(user=OuterRef("pk")))
    )
    wanted = (
        Q(reminder_preference__isnull=True)
        | Q(reminder_preference__digest=DigestFrequency.DAILY)
        | Q(
            reminder_preference__digest=DigestFrequency.WEEKLY,
            reminder_preference__weekday=today.weekday(),
        )
    )
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .filter(Exists(managing) | Exists(owning))
        .filter(reader)
        .filter(wanted)
        .order_by("pk")
    )


def digest_messages(today):
    users = {user.pk: user for user in digest_recipients(today)}
    for user_id, sections in digests(today, users, limit=DIGEST_ITEMS).items():
        user = users[user_id]
        context = {
            "user": user,
            "sections": sections,
            "today": today,
            "count": sum(len(section.items) + section.more for section in sections),
            **links(),
        }
        yield Message(
            kind=Kind.DIGEST,
            event=f"digest:user {user.pk}:{today.isoformat()}",
            recipient=user.email,
            user=user,
            subject=f"{settings.PROGRAM_NAME}: {context['count']} things to look at, "
            f"{day_label(today)}",
            body_text=render_to_string("reminders/email/digest.txt", context),
            body_html=render_to_string("reminders/email/digest.html", context),
        )


def expiry_messages(today):
    """A reminder for each certification of an opted-in partner with a contact address that
    ends within 90 days, at the nearest milestone (90, 30 or 7 days) it has reached: once
    per certification and milestone, however late the job runs."""
    rows = (
        ending_certifications(today, max(ENDING_WITHIN))
        .filter(partner__contact_reminders=True)
        .exclude(partner__contact_email="")
        .values("pk", "ends", "partner__name", "partner__contact_email", "level__name")
        .order_by("pk")
    )
    for row in rows:
        days_left = (row["ends"] - today).days
        milestone = next(window for window in ENDING_WITHIN if days_left <= window)
        context = {
            "partner": row["partner__name"],
            "level": row["level__name"],
            "ends": row["ends"],
            "days_left": days_left,
            **links(),
        }
        yield Message(
            kind=Kind.EXPIRY,
            event=f"expiry:certification {row['pk']}:{milestone} days",
            recipient=row["partner__contact_email"],
            subject=f"{settings.PROGRAM_NAME}: your {row['level__name']} certification "
            f"ends on {day_label(row['ends'])}",
            body_text=render_to_string("reminders/email/expiry.txt", context),
            body_html=render_to_string("reminders/email/expiry.html", context),
        )


def links():
    site = settings.SITE_URL
    return {
        "program_name": settings.PROGRAM_NAME,
        "site_url": site,
        "my_work_url": site + reverse("reminders:my-work"),
        "profile_url": site + reverse("accounts:profile"),
    }
