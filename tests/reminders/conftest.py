"""A program whose reminders are known, and a real SMTP server on 127.0.0.1."""

import datetime as dt
import email
import socket
import threading
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from partnerprogram.reminders.models import DigestFrequency, ReminderPreference
from tests import factories as f

TODAY = timezone.localdate()
D = f.D


def days(n):
    return TODAY + dt.timedelta(days=n)


@pytest.fixture
def program(make_user):
    """Managers and partners whose digests and contact reminders are known:

    - Ada (daily by default): Alpha's certification ends in 5 days and Bravo's in 20 (both
      partners opted in, with a contact); Charlie's in 60 but it renewed; Delta fell below
      threshold 3 days ago and its review (owned by Ben) is overdue; Echo has been below
      threshold for a month; Foxtrot, which ended, has one ending in 10 days.
    - Ben (weekly, today): owns Delta's review; Golf's certification ends in exactly 90 days
      (opted in, but no contact address).
    - Cleo (never) and Dan (weekly, another day) have a certification ending in 7 days.
    - Eve (daily) has a partner with nothing to do.
    """
    associate, *_ = f.standard_levels()
    registered, silver, *_ = f.standard_tiers((associate, None, None))
    ada = make_user("ada", "Partner managers", email="ada@example.com", first_name="Ada")
    ben = make_user("ben", "Partner managers", email="ben@example.com", first_name="Ben")
    cleo = make_user("cleo", "Partner managers", email="cleo@example.com")
    dan = make_user("dan", "Partner managers", email="dan@example.com")
    eve = make_user("eve", "Partner managers", email="eve@example.com")
    ReminderPreference.objects.create(
        user=ben, digest=DigestFrequency.WEEKLY, weekday=TODAY.weekday()
    )
    ReminderPreference.objects.create(user=cleo, digest=DigestFrequency.NEVER)
    ReminderPreference.objects.create(
        user=dan, digest=DigestFrequency.WEEKLY, weekday=(TODAY.weekday() + 1) % 7
    )
    started = D(2024, 1, 1)

    def partner(name, manager, ends_in=None, opted_in=False, contact=True, **fields):
        created = f.partner(
            name,
            joined_on=started,
            account_manager=manager,
            contact_email=f"{name.lower()}@partner.example" if contact else "",
            contact_reminders=opted_in,
            **fields,
        )
        f.transition(created, silver, started, from_tier=None)
        if ends_in is not None:
            f.certification(created, associate, started, expires_on=days(ends_in))
        return created

    made = {
        "alpha": partner("Alpha", ada, 5, opted_in=True),
        "bravo": partner("Bravo", ada, 20, opted_in=True),
        "charlie": partner("Charlie", ada, 60, opted_in=True),
        "delta": partner("Delta", ada, -3),
        "echo": partner("Echo", ada, -30),
        "foxtrot": partner("Foxtrot", ada, 10, opted_in=True, ended_on=days(-1)),
        "golf": partner("Golf", ben, 90, opted_in=True, contact=False),
        "hotel": partner("Hotel", cleo, 7),
        "india": partner("India", dan, 7),
        "juliet": partner("Juliet", eve, 400),
    }
    f.certification(made["charlie"], associate, days(-10), expires_on=days(700))  # renewed
    made["delta_review"] = f.review(made["delta"], ben, opened_on=days(-20), due_on=days(-2))
    f.review(made["echo"], ada, opened_on=days(-20), due_on=days(30))  # not due yet
    made.update(ada=ada, ben=ben, cleo=cleo, dan=dan, eve=eve, associate=associate)
    return made


class Recorder:
    """An SMTP handler that keeps what it accepts, and refuses the recipients in `refuse`."""

    def __init__(self):
        self.received = []
        self.refuse = set()
        self.refused = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            self.refused.append(address)
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append(
                (
                    tuple(envelope.rcpt_tos),
                    email.message_from_bytes(envelope.content, policy=policy.default),
                )
            )
        return "250 OK"

    def by_recipient(self):
        return {rcpt: message for rcpts, message in self.received for rcpt in rcpts}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_smtp(handler):
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1, and the mailer pointed at it through EMAIL_URL's
    reading."""
    from partnerprogram.config.mail import mailers_from_url

    handler = Recorder()
    controller = start_smtp(handler)
    settings.MAILERS = mailers_from_url(f"smtp://127.0.0.1:{controller.port}?timeout=5")
    settings.REMINDER_RETRY_SECONDS = 0
    yield handler
    controller.stop()


def text_of(message):
    return message.get_body(("plain",)).get_content()


def html_of(message):
    return message.get_body(("html",)).get_content()
