"""Property tests over random small programs: the database KPI functions agree with slow,
obviously correct Python written here from PRODUCT.md's definitions."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certifications import kpis as certification_kpis
from partnerprogram.rules.periods import Period, add_months
from tests.programs import SPAN, active, build, day, level_on, program
from tiers import kpis as tier_kpis

pytestmark = pytest.mark.django_db


def in_rollback():
    """Each example writes inside a transaction rolled back at the end."""
    return transaction.atomic()


@settings(
    max_examples=40,
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
    max_examples=40,
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
        # The trend starts with the first period that ends after the first partner joined.
        first = min((r["joined"] for r in records), default=None)
        shown = [p for p in period.trailing(8) if first is not None and p.end >= first]
        assert [c.period for c in figures.trend] == (shown or [period])
        assert [c.advancing_partners for c in figures.trend] == [
            advancing(p) for p in shown or [period]
        ]
        assert figures.previous.advancing_partners == advancing(period.previous())
        cutoff = add_months(period.end, -12)

        def stagnant(r):
            moves = [m for m in r["moves"] if m[2] <= period.end]
            return active(r, period.end) and moves and moves[-1][1] != 3 and moves[-1][2] <= cutoff

        assert figures.stagnant_partners == sum(1 for r in records if stagnant(r))
        transaction.set_rollback(True)
