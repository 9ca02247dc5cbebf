"""`manage.py nightly` against a real SMTP server on 127.0.0.1: who receives which message
with which items, retries of a refusing recipient, and nothing sent twice."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from partnerprogram.locks import only_one
from partnerprogram.reminders.models import Kind, Message, Outcome
from partnerprogram.reminders.outbox import digest_messages, expiry_messages, queue_reminders
from partnerprogram.reminders.sending import claim, recover_interrupted, send_message
from partnerprogram.rules.periods import day_label
from tests import factories as f

from .conftest import TODAY, days, html_of, text_of

pytestmark = pytest.mark.django_db


def nightly():
    out = StringIO()
    call_command("nightly", stdout=out)
    return out.getvalue()


def test_nightly_sends_each_digest_and_reminder_to_its_recipient(program, smtp, settings):
    settings.SITE_URL = "https://partners.example.com"
    settings.PROGRAM_NAME = "Acme Partner Network"
    out = nightly()
    assert "Stored levels as of" in out  # refresh_state ran first
    # Eve has nothing to do, Cleo wants none, Dan's day is another.
    assert "2 digests, 2 expiry reminders (0 logged before, not sent again)" in out
    received = smtp.by_recipient()
    assert set(received) == {
        "ada@example.com",
        "ben@example.com",
        "alpha@partner.example",
        "bravo@partner.example",
    }
    ada = received["ada@example.com"]
    assert ada["Subject"] == f"Acme Partner Network: 4 things to look at, {day_label(TODAY)}"
    text = text_of(ada)
    for line in (
        "Reviews overdue",
        "- Delta: Certification gap: overdue by 2 days",
        f"  https://partners.example.com/remediation/reviews/{program['delta_review'].pk}/",
        "Partners newly below threshold",
        f"- Alpha: Associate: ends on {day_label(days(5))}, in 5 days",
        f"  https://partners.example.com/partners/{program['alpha'].pk}/",
        "- Bravo: Associate",
        "https://partners.example.com/my-work/",
    ):
        assert line in text, line
    assert "Charlie" not in text and "Echo" not in text and "Foxtrot" not in text
    assert f'href="https://partners.example.com/partners/{program["alpha"].pk}/"' in html_of(ada)
    ben = text_of(received["ben@example.com"])
    assert "Golf: Associate" in ben and "Delta: Certification gap" in ben and "Alpha" not in ben
    alpha = received["alpha@partner.example"]
    assert alpha["Subject"] == (
        f"Acme Partner Network: your Associate certification ends on {day_label(days(5))}"
    )
    assert f"ends on {day_label(days(5))}, in 5 days" in text_of(alpha)
    log = Message.objects.order_by("recipient")
    assert [(m.recipient, m.kind, m.outcome, m.attempts) for m in log] == [
        ("ada@example.com", Kind.DIGEST, Outcome.SENT, 1),
        ("alpha@partner.example", Kind.EXPIRY, Outcome.SENT, 1),
        ("ben@example.com", Kind.DIGEST, Outcome.SENT, 1),
        ("bravo@partner.example", Kind.EXPIRY, Outcome.SENT, 1),
    ]
    assert all(m.sent_at and m.sent_at >= m.queued_at for m in log)


def test_a_long_section_shows_its_nearest_items_and_sends_to_my_work_for_the_rest(program, smtp):
    for n in range(25):
        partner = f.partner(
            f"More {n:02}", account_manager=program["ben"], joined_on=f.D(2024, 1, 1)
        )
        f.certification(partner, program["associate"], f.D(2024, 1, 1), expires_on=days(40 + n))
    nightly()
    ben = smtp.by_recipient()["ben@example.com"]
    assert ben["Subject"].startswith("Partner Program: 27 things to look at")
    text = text_of(ben)
    assert "More 19: Associate" in text and "More 20: Associate" not in text
    assert "- and 6 more: http://127.0.0.1:8000/my-work/" in text  # 25 and Golf, 20 shown


def test_running_the_job_again_the_same_day_sends_nothing_more(program, smtp):
    nightly()
    assert len(smtp.received) == 4
    out = nightly()
    assert "0 digests, 0 expiry reminders (4 logged before, not sent again)" in out
    assert len(smtp.received) == 4
    assert Message.objects.count() == 4


def test_a_refusing_recipient_is_retried_three_times_and_stops_nobody(program, smtp):
    smtp.refuse = {"ada@example.com"}
    nightly()
    assert smtp.refused == ["ada@example.com"] * 4  # the first try and three more
    assert set(smtp.by_recipient()) == {
        "ben@example.com",
        "alpha@partner.example",
        "bravo@partner.example",
    }
    ada = Message.objects.get(recipient="ada@example.com")
    assert (ada.outcome, ada.attempts, ada.sent_at) == (Outcome.FAILED, 4, None)
    assert "550" in ada.error and "Mailbox unavailable" in ada.error
    assert Message.objects.filter(outcome=Outcome.SENT).count() == 3
    nightly()  # the next run does not try a failed event again
    assert smtp.refused == ["ada@example.com"] * 4


def test_each_retry_waits_twice_as_long_on_the_database_backend(program, smtp, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.REMINDER_RETRY_SECONDS = 60
    smtp.refuse = {"ada@example.com"}
    nightly()  # queued, not sent: no worker runs here
    ada = Message.objects.get(recipient="ada@example.com")
    waits = []
    for _ in range(4):
        started = timezone.now()
        assert send_message.call(ada.pk) in ("retrying", "failed")
        retry = DBTaskResult.objects.order_by("-enqueued_at").first()
        waits.append(round((retry.run_after - started).total_seconds() / 60))
    ada.refresh_from_db()
    assert (ada.outcome, ada.attempts) == (Outcome.FAILED, 4)
    assert waits[:3] == [1, 2, 4]  # minutes; the fourth failure queues nothing


def test_a_message_is_sent_by_one_worker_only(program, smtp):
    nightly()
    sent = Message.objects.get(recipient="ada@example.com")
    assert claim(sent.pk) is None  # already sent: nobody may take it
    assert send_message.call(sent.pk) == "not queued"
    Message.objects.filter(pk=sent.pk).update(outcome=Outcome.QUEUED)
    assert claim(sent.pk) is not None
    assert claim(sent.pk) is None  # the second of two racing workers
    assert len(smtp.received) == 4


def test_the_database_refuses_a_second_message_for_one_event(program, smtp):
    nightly()
    first = Message.objects.get(recipient="ada@example.com")
    with pytest.raises(IntegrityError):
        Message.objects.create(
            kind=first.kind,
            event=first.event,
            recipient=first.recipient,
            subject="x",
            body_text="x",
        )


def test_a_message_left_half_sent_by_a_killed_worker_is_sent_again(program, smtp):
    nightly()
    message = Message.objects.get(recipient="ada@example.com")
    long_ago = timezone.now() - dt.timedelta(hours=1)
    Message.objects.filter(pk=message.pk).update(outcome=Outcome.SENDING, claimed_at=long_ago)
    assert recover_interrupted() == 1
    message.refresh_from_db()
    assert (message.outcome, message.attempts) == (Outcome.SENT, 2)
    assert [rcpts for rcpts, _ in smtp.received].count(("ada@example.com",)) == 2
    assert recover_interrupted() == 0


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_only_one_host_runs_the_job_at_a_time(program, smtp):
    if connection.vendor != "postgresql":
        pytest.skip("The lock of several hosts is PostgreSQL's advisory lock.")
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(hashtext('x'))")  # warm the session
        with only_one("nightly") as held:
            assert held
            out = StringIO()
            # Another host: its own database session asks for the same lock.
            connections["default"], saved = other, connections["default"]
            try:
                call_command("nightly", stdout=out)
            finally:
                connections["default"] = saved
        assert out.getvalue().strip() == "Another nightly job is running; this one stops."
    finally:
        other.close()
    assert smtp.received == []


def test_a_contact_hears_once_at_each_milestone_as_the_days_pass(program, smtp):
    bravo = program["bravo"].certifications.get()  # ends in 20 days
    for day in (TODAY, days(1), days(13), days(14)):  # 30 days reached, still, 7 days, still
        queue_reminders(day)
    events = Message.objects.filter(recipient="bravo@partner.example").values_list(
        "event", flat=True
    )
    assert sorted(events) == [
        f"expiry:certification {bravo.pk}:30 days",
        f"expiry:certification {bravo.pk}:7 days",
    ]
    assert [rcpts for rcpts, _ in smtp.received].count(("bravo@partner.example",)) == 2


def test_queueing_costs_the_same_queries_whatever_the_managers_partners(
    program, smtp, django_assert_max_num_queries
):
    def compose():
        return [*digest_messages(TODAY), *expiry_messages(TODAY)]

    with django_assert_max_num_queries(10) as few:
        before = compose()
    for n in range(30):
        partner = f.partner(
            f"More {n:02}",
            account_manager=program["ada" if n % 2 else "ben"],
            joined_on=f.D(2024, 1, 1),
            contact_email=f"more{n}@partner.example",
            contact_reminders=True,
        )
        f.certification(partner, program["associate"], f.D(2024, 1, 1), expires_on=days(40 + n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        after = compose()
    assert len(after) == len(before) + 30  # the digests are the same two, longer
