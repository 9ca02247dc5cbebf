"""Sending a logged message: the task a worker runs, its retries, and taking back the
messages a killed worker left behind.

Delivery is at least once with a narrow window: a worker killed after the mail server
accepted a message but before its row says "sent" leaves it to be sent again. The message
keeps one Message-ID header on every try, so that mail clients show the copies as one.
"""

import datetime as dt
import logging
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.tasks import default_task_backend, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from partnerprogram.reminders.models import Message, Outcome

log = logging.getLogger(__name__)


@task
def send_message(message_id):
    """Send the message `message_id` if it is still queued (another worker may have sent
    it). A failure is tried again after a growing delay, REMINDER_RETRIES times, then the
    message is marked failed; it never stops the other messages (each is its own task)."""
    message = claim(message_id)
    if message is None:
        return "not queued"
    try:
        email_of(message).send()
    except Exception as error:  # any failure of the mail server or the network
        return retry_or_fail(message, error)
    Message.objects.filter(pk=message.pk, outcome=Outcome.SENDING).update(
        outcome=Outcome.SENT, sent_at=timezone.now(), error=""
    )
    return "sent"


def claim(message_id):
    """Move the message from queued to sending in one UPDATE: of two workers that race for
    it, only one changes the row. Returns the message, or None when it was not queued."""
    now = timezone.now()
    claimed = Message.objects.filter(pk=message_id, outcome=Outcome.QUEUED).update(
        outcome=Outcome.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    return Message.objects.get(pk=message_id) if claimed else None


def email_of(message):
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers={"Message-ID": f"<reminder-{message.pk}@{urlsplit(settings.SITE_URL).hostname}>"},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    return email


def retry_or_fail(message, error):
    text = f"{type(error).__name__}: {error}"[:2000]
    if message.attempts > settings.REMINDER_RETRIES:
        log.warning("Message %s to %s failed for good: %s", message.pk, message.recipient, text)
        Message.objects.filter(pk=message.pk).update(outcome=Outcome.FAILED, error=text)
        return "failed"
    delay = settings.REMINDER_RETRY_SECONDS * 2 ** (message.attempts - 1)
    log.info("Message %s failed (%s); trying again in %s s", message.pk, text, delay)
    Message.objects.filter(pk=message.pk).update(outcome=Outcome.QUEUED, error=text)
    enqueue(message.pk, delay=delay)
    return "retrying"


def enqueue(message_id, delay=0):
    """Queue the task that sends `message_id`, `delay` seconds from now (at once on a backend
    that cannot wait, such as the tests' immediate one), and note its id on the message."""
    work = send_message
    if delay and default_task_backend.supports_defer:
        work = work.using(run_after=timezone.now() + dt.timedelta(seconds=delay))
    result = work.enqueue(message_id)
    Message.objects.filter(pk=message_id).update(task_id=str(result.id))
    return result


def recover_interrupted(now=None):
    """Queue again the messages whose worker stopped before finishing them: a message being
    sent for longer than REMINDER_CLAIM_TIMEOUT_SECONDS, or one waiting whose task is no
    longer waiting (its worker was killed after taking the task, before taking the message).
    Returns how many."""
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS)
    sending = Message.objects.filter(outcome=Outcome.SENDING, claimed_at__lte=cutoff)
    waiting = list(
        Message.objects.filter(outcome=Outcome.QUEUED, queued_at__lte=cutoff).values_list(
            "pk", "task_id"
        )
    )
    task_ids = {_uuid(task_id) for _, task_id in waiting} - {None}
    still_waiting = set(
        DBTaskResult.objects.filter(id__in=task_ids, status="READY").values_list("id", flat=True)
    )
    lost = [pk for pk, task_id in waiting if _uuid(task_id) not in still_waiting]
    lost += list(sending.values_list("pk", flat=True))
    Message.objects.filter(pk__in=lost, outcome=Outcome.SENDING).update(outcome=Outcome.QUEUED)
    for pk in lost:
        enqueue(pk)
    return len(lost)


def _uuid(value):
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
