"""Random small partner programs for property tests (hypothesis strategies), and the plain
records a slow, obviously correct reference reads."""

import datetime as dt

from hypothesis import strategies as st

from certifications.models import CertificationLevel, PartnerCertification
from partnerprogram.models import Partner, Region
from tiers.models import Tier, TierTransition

START = dt.date(2024, 1, 1)
SPAN = 900  # days


def day(offset):
    return START + dt.timedelta(days=offset)


certification = st.tuples(
    st.integers(0, 2),  # level index
    st.integers(0, SPAN),  # awarded, days after START
    st.one_of(st.none(), st.integers(1, 500)),  # expires this many days later
    st.one_of(st.none(), st.integers(0, 500)),  # revoked this many days later
)
partner = st.fixed_dictionaries(
    {
        "joined": st.integers(0, SPAN),
        "ended_after": st.one_of(st.none(), st.integers(0, SPAN)),
        "certifications": st.lists(certification, max_size=4),
        # Tier moves: (days after the previous move, tier index); chained from enrollment.
        "moves": st.lists(st.tuples(st.integers(1, 200), st.integers(0, 3)), max_size=5),
    }
)
program = st.lists(partner, max_size=12)


def build(partners):
    """Write a random program straight into the tables (the rules it must obey are kept by
    construction) and return the plain records the reference reads."""
    region = Region.objects.create(name="R")
    levels = [CertificationLevel.objects.create(name=f"L{i}", rank=i + 1) for i in range(3)]
    tiers = [
        Tier.objects.create(name=f"T{i}", rank=i + 1, required_level=levels[i - 1] if i else None)
        for i in range(4)
    ]
    records = []
    for index, spec in enumerate(partners):
        joined = day(spec["joined"])
        ended = (
            joined + dt.timedelta(days=spec["ended_after"])
            if spec["ended_after"] is not None
            else None
        )
        row = Partner.objects.create(
            name=f"P{index}", partner_type="msp", region=region, joined_on=joined, ended_on=ended
        )
        certs = []
        seen = set()
        for level, awarded, expires, revoked in spec["certifications"]:
            awarded_on = day(awarded)
            if (level, awarded_on) in seen:
                continue
            seen.add((level, awarded_on))
            expires_on = awarded_on + dt.timedelta(days=expires) if expires else None
            revoked_on = awarded_on + dt.timedelta(days=revoked) if revoked is not None else None
            PartnerCertification.objects.create(
                partner=row,
                level=levels[level],
                awarded_on=awarded_on,
                expires_on=expires_on,
                revoked_on=revoked_on,
            )
            certs.append((level + 1, awarded_on, expires_on, revoked_on))
        transitions = []
        current, when = None, joined
        last_day = min(ended, dt.date.today()) if ended else dt.date.today()
        for gap, tier in [(0, spec["moves"][0][1])] + spec["moves"][1:] if spec["moves"] else []:
            when = when + dt.timedelta(days=gap)
            if when > last_day or tier == current:
                continue
            TierTransition.objects.create(
                partner=row,
                from_tier=tiers[current] if current is not None else None,
                to_tier=tiers[tier],
                effective_on=when,
            )
            transitions.append((current, tier, when))
            current = tier
        records.append(
            {"partner": row, "joined": joined, "ended": ended, "certs": certs, "moves": transitions}
        )
    return records


def active(record, on):
    return record["joined"] <= on and (record["ended"] is None or record["ended"] > on)


def level_on(record, on):
    ranks = [
        rank
        for rank, awarded, expires, revoked in record["certs"]
        if awarded <= on and (expires is None or on < expires) and (revoked is None or on < revoked)
    ]
    return max(ranks, default=None)
