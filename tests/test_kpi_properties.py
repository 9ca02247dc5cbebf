"""Property tests over random small programs: the database KPI functions agree with slow,
obviously correct Python written here from PRODUCT.md's definitions."""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certifications import kpis as certification_kpis
from certifications.models import CertificationLevel, PartnerCertification
from partnerprogram.models import Partner, Region
from partnerprogram.periods import Period, add_months
from tiers import kpis as tier_kpis
from tiers.models import Tier, TierTransition

pytestmark = pytest.mark.django_db

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
    tiers = [Tier.objects.create(name=f"T{i}", rank=i + 1) for i in range(4)]
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
        records.append({"joined": joined, "ended": ended, "certs": certs, "moves": transitions})
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


def in_rollback():
    """Each example writes inside a transaction rolled back at the end."""
    return transaction.atomic()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(partners=program, offset=st.integers(0, SPAN + 60))
def test_certification_levels_agree_with_the_reference(partners, offset):
    as_of = day(offset)
    with in_rollback():
        records = build(partners)
        figures = certification_kpis.certification_levels(as_of)
        actives = [r for r in records if active(r, as_of)]
        held = [level_on(r, as_of) for r in actives]
        assert figures.active_partners == len(actives)
        assert [s.partners for s in figures.levels] == [held.count(rank) for rank in (1, 2, 3)]
        assert figures.not_certified == held.count(None)
        # The distribution plus not certified is the active count.
        assert sum(s.partners for s in figures.levels) + figures.not_certified == len(actives)
        # Cumulative counts never rise with rank.
        cumulative = [s.cumulative_partners for s in figures.levels]
        assert cumulative == sorted(cumulative, reverse=True)
        assert cumulative == [
            sum(1 for h in held if h is not None and h >= rank) for rank in (1, 2, 3)
        ]
        transaction.set_rollback(True)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(partners=program, offset=st.integers(0, SPAN), kind=st.sampled_from(["quarter", "month"]))
def test_tier_advancements_agree_with_the_reference(partners, offset, kind):
    period = Period.containing(kind, day(offset), start_month=1)
    with in_rollback():
        records = build(partners)
        figures = tier_kpis.tier_advancements(period)

        def advancing(p):
            return sum(
                1
                for r in records
                if any(f is not None and t > f and p.start <= w <= p.end for f, t, w in r["moves"])
            )

        events = [m for r in records for m in r["moves"] if period.start <= m[2] <= period.end]
        assert figures.advancing_partners == advancing(period)
        assert figures.advancement_events == sum(1 for f, t, _ in events if f is not None and t > f)
        assert figures.downgrades == sum(1 for f, t, _ in events if f is not None and t < f)
        assert figures.enrollments == sum(1 for f, _, _ in events if f is None)
        assert figures.active_at_start == sum(1 for r in records if active(r, period.start))
        assert [c.advancing_partners for c in figures.trend] == [
            advancing(p) for p in period.trailing(8)
        ]
        assert figures.previous.advancing_partners == advancing(period.previous())
        cutoff = add_months(period.end, -12)

        def stagnant(r):
            moves = [m for m in r["moves"] if m[2] <= period.end]
            return active(r, period.end) and moves and moves[-1][1] != 3 and moves[-1][2] <= cutoff

        assert figures.stagnant_partners == sum(1 for r in records if stagnant(r))
        transaction.set_rollback(True)
