"""Hand-made programs for the daily-work tests (partners, feedback, remediation), and a slow
Python reference of "below threshold" and "at risk" to check the database queries against."""

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.test.utils import CaptureQueriesContext

from certifications.models import PartnerCertification
from partnerprogram.models import Partner
from tests import factories as f
from tiers.models import TierTransition

D = dt.date
DAY = D(2025, 6, 30)  # the day the hand-made program is read on
JOINED = D(2024, 1, 1)


def days(n, day=DAY):
    return day + dt.timedelta(days=n)


@dataclass
class Program:
    levels: tuple
    tiers: tuple
    partners: dict = field(default_factory=dict)

    def __getitem__(self, name):
        return self.partners[name]


def build_program():
    """Partners covering every case of the definitions on DAY (2025-06-30), by name:

    below threshold: "Expired Associate" (expired on DAY), "Revoked Professional", "Ending
    Tomorrow" (ends the day after), "Associate In Gold" (a lower level), "Not Yet Awarded";
    at risk: "Expiring In 90" (DAY+90), "Later Professional" (its later-ending cert, DAY+60),
    "Revoked In Window" (revoked DAY+20 before its expiry), "Expert Ending Tomorrow";
    neither: "Registered Only" (no requirement), "Expert In Silver" (higher than required),
    "Expiring In 91", "Ended Partner" (ended on DAY), "Never Ending Backup", "Promoted After"
    (Gold on DAY, Platinum five days later), "Not Yet Joined", "No Tier", "Downgraded Before"
    (Gold, then Silver from DAY-30).
    """
    levels = f.standard_levels()
    associate, professional, expert = levels
    tiers = f.standard_tiers(levels)
    registered, silver, gold, platinum = tiers
    program = Program(levels, tiers)

    def member(name, tier, joined=JOINED, ended=None, certs=()):
        partner = f.partner(name, joined_on=joined, ended_on=ended)
        if tier is not None:
            f.transition(partner, tier, joined)
        for level, awarded, expires, revoked in certs:
            f.certification(partner, level, awarded, expires_on=expires, revoked_on=revoked)
        partner.refresh_from_db()
        program.partners[name] = partner
        return partner

    early = D(2024, 1, 10)
    member("Registered Only", registered)
    member("Expert In Silver", silver, certs=[(expert, early, None, None)])
    member("Expired Associate", silver, certs=[(associate, early, DAY, None)])
    member("Revoked Professional", gold, certs=[(professional, early, None, days(-10))])
    member("Expiring In 90", silver, certs=[(associate, early, days(90), None)])
    member("Expiring In 91", silver, certs=[(associate, early, days(91), None)])
    member("Ended Partner", gold, ended=DAY)
    member("Ending Tomorrow", gold, ended=days(1))
    member("Associate In Gold", gold, certs=[(associate, early, None, None)])
    member(
        "Later Professional",
        silver,
        certs=[(associate, early, days(30), None), (professional, early, days(60), None)],
    )
    member(
        "Never Ending Backup",
        silver,
        certs=[(associate, early, days(30), None), (professional, early, None, None)],
    )
    member("Revoked In Window", silver, certs=[(associate, early, days(400), days(20))])
    member("Not Yet Awarded", silver, certs=[(associate, days(1), None, None)])
    promoted = member("Promoted After", gold, certs=[(professional, early, None, None)])
    f.transition(promoted, platinum, days(5))
    member("Not Yet Joined", silver, joined=days(1))
    member("No Tier", None)
    downgraded = member("Downgraded Before", gold, certs=[(associate, early, None, None)])
    f.transition(downgraded, silver, days(-30))
    member("Expert Ending Tomorrow", platinum, certs=[(expert, early, days(1), None)])
    for partner in program.partners.values():
        partner.refresh_from_db()
    return program


BELOW_ON_DAY = [
    "Associate In Gold",
    "Ending Tomorrow",
    "Expired Associate",
    "Not Yet Awarded",
    "Revoked Professional",
]
AT_RISK_ON_DAY = [
    ("Expert Ending Tomorrow", days(1)),
    ("Expiring In 90", days(90)),
    ("Later Professional", days(60)),
    ("Revoked In Window", days(20)),
]


def reference(day, window=90):
    """Below-threshold names and at-risk (name, end) pairs on `day`, by name, computed the
    slow way: a Python loop over every partner, transition and certification."""
    transitions = list(TierTransition.objects.select_related("to_tier__required_level"))
    certifications = list(PartnerCertification.objects.select_related("level"))
    below, at_risk = [], []
    for partner in Partner.objects.all():
        if not (partner.joined_on <= day and (partner.ended_on is None or partner.ended_on > day)):
            continue
        chain = sorted(
            (t for t in transitions if t.partner_id == partner.pk and t.effective_on <= day),
            key=lambda t: t.effective_on,
        )
        if not chain or chain[-1].to_tier.required_level is None:
            continue
        required = chain[-1].to_tier.required_level.rank
        qualifying = [
            c
            for c in certifications
            if c.partner_id == partner.pk
            and c.level.rank >= required
            and c.awarded_on <= day
            and (c.expires_on is None or day < c.expires_on)
            and (c.revoked_on is None or day < c.revoked_on)
        ]
        if not qualifying:
            below.append(partner.name)
            continue
        ends = []
        for cert in qualifying:
            stops = [d for d in (cert.expires_on, cert.revoked_on) if d is not None]
            ends.append(min(stops) if stops else None)
        if None in ends:
            continue
        keeps_until = max(ends)
        if keeps_until <= day + dt.timedelta(days=window):
            at_risk.append((partner.name, keeps_until))
    return sorted(below), sorted(at_risk)


def count_queries(action):
    """The number of queries `action()` runs."""
    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


def assert_refused(response, field, message):
    """The form came back (not saved) with `message` in one of `field`'s errors."""
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors), errors
