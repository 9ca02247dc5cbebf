import pytest

pytest.skip("replaced by tests/freshness", allow_module_level=True)
"""Stored state and snapshots never disagree with a live computation: property tests over
random programs and random writes, back-dated ones included."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from partnerprogram.state import refresh_levels

from certifications import cube
from certifications import kpis as certification_kpis
from certifications.models import CertificationLevel, LevelSnapshot, PartnerCertification
from partnerprogram.kpis import (
    at_risk,
    below_threshold,
    dashboard_work,
    standing_counts,
    with_standing,
)
from partnerprogram.models import FigureSnapshot, Partner, ProgramState
from partnerprogram.rules.periods import Period, quarter_ends
from tests.programs import START, build, partner
from tiers import kpis as tier_kpis
from tiers.models import AdvancingSnapshot, Tier, TierTransition
from tiers.services import transition_record

pytestmark = pytest.mark.django_db
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
TODAY = timezone.localdate()
# At least one partner and one write: the properties are about what writes do.
programs = st.lists(partner, min_size=1, max_size=12)
CLOSED_QUARTER_ENDS = [d for d in quarter_ends(TODAY - dt.timedelta(days=1), 12) if d >= START]

# A write: which kind, which partner (index), a day offset from START, a level index.
write = st.tuples(
    st.sampled_from(
        [
            "award",
            "revoke",
            "expire",
            "delete_certification",
            "move_join",
            "end_partner",
            "delete_transition",
            "move_tier",
        ]
    ),
    st.integers(0, 11),
    st.integers(0, 1000),
    st.integers(0, 2),
)


def day_at(offset):
    return min(START + dt.timedelta(days=offset), TODAY)


def apply(kind, index, offset, level_index):
    """One write through the models' own save() and delete(), as the admin, the forms and
    the services make them."""
    partners = list(Partner.objects.order_by("pk"))
    if not partners:
        return
    partner = partners[index % len(partners)]
    day = day_at(offset)
    certifications = list(partner.certifications.order_by("pk"))
    if kind == "award":
        level = CertificationLevel.objects.order_by("rank")[level_index]
        if not partner.certifications.filter(level=level, awarded_on=day).exists():
            PartnerCertification(partner=partner, level=level, awarded_on=day).save()
    elif kind in ("revoke", "expire") and certifications:
        certification = certifications[offset % len(certifications)]
        field = "revoked_on" if kind == "revoke" else "expires_on"
        later = certification.awarded_on + dt.timedelta(days=1 + offset % 400)
        setattr(certification, field, later)
        certification.save()
    elif kind == "delete_certification" and certifications:
        certifications[offset % len(certifications)].delete()
    elif kind == "move_join":
        first_move = partner.tier_transitions.order_by("effective_on").first()
        latest = min(
            d for d in (partner.ended_on, first_move and first_move.effective_on, TODAY) if d
        )
        partner.joined_on = min(day, latest)
        partner.save()
    elif kind == "end_partner":
        last_move = partner.tier_transitions.order_by("-effective_on").first()
        partner.ended_on = max(
            day, partner.joined_on, last_move.effective_on if last_move else partner.joined_on
        )
        partner.save()
    elif kind == "move_tier":
        tiers = list(Tier.objects.order_by("rank"))
        latest = partner.tier_transitions.order_by("-effective_on").first()
        start = latest.effective_on + dt.timedelta(days=1) if latest else partner.joined_on
        when = max(start, day)
        target = tiers[level_index + (1 if latest and latest.to_tier == tiers[level_index] else 0)]
        if when <= min(partner.ended_on or TODAY, TODAY):
            transition_record(
                partner=partner,
                from_tier=latest.to_tier if latest else None,
                to_tier=target,
                effective_on=when,
            )
    elif kind == "delete_transition":
        latest = partner.tier_transitions.order_by("-effective_on").first()
        if latest:
            latest.delete()
            previous = partner.tier_transitions.order_by("-effective_on").first()
            Partner.objects.filter(pk=partner.pk).update(
                current_tier=previous.to_tier if previous else None,
                tier_changed_on=previous.effective_on if previous else None,
            )


def same_cells(cells):
    return sorted(cells, key=repr)


@SETTINGS
@given(partners=programs, writes=st.lists(write, min_size=1, max_size=4), pick=st.integers(0, 100))
def test_level_snapshots_match_a_live_computation_after_any_write(partners, writes, pick):
    days = [*CLOSED_QUARTER_ENDS, TODAY]  # today's cube is kept too, until a write
    day = days[pick % len(days)]
    with transaction.atomic():
        build(partners)
        assert same_cells(cube.level_cube(day).cells) == same_cells(cube.live_cells(day))
        assert LevelSnapshot.objects.filter(as_of=day).exists()  # kept
        for kind, index, offset, level in writes:
            apply(kind, index, offset, level)
            snapshot = cube.level_cube(day)
            assert snapshot.source == "snapshot"
            assert same_cells(snapshot.cells) == same_cells(cube.live_cells(day)), kind
        transaction.set_rollback(True)


@SETTINGS
@given(partners=programs, writes=st.lists(write, min_size=1, max_size=4))
def test_stored_levels_match_a_live_computation_after_any_write(partners, writes):
    with transaction.atomic():
        build(partners)
        refresh_levels(TODAY)
        for kind, index, offset, level in writes:
            apply(kind, index, offset, level)
        stored = cube.computed_cube(TODAY)
        assert stored.source == "state"
        assert same_cells(stored.cells) == same_cells(cube.live_cells(TODAY))
        for mode in ("cumulative", "not_certified"):
            first = CertificationLevel.objects.order_by("rank").first()
            assert sorted(
                p.pk for p in certification_kpis.partners_behind(TODAY, mode=mode, level=first)
            ) == sorted(
                p.pk
                for p in certification_kpis.partners_in(TODAY)
                .annotate(level_rank=cube.level_rank_on(TODAY))
                .filter(
                    **(
                        {"level_rank__gte": first.rank}
                        if mode == "cumulative"
                        else {"level_rank__isnull": True}
                    )
                )
            )
        transaction.set_rollback(True)


@SETTINGS
@given(partners=programs, writes=st.lists(write, min_size=1, max_size=4), pick=st.integers(0, 100))
def test_tier_snapshots_match_a_live_computation_after_any_write(partners, writes, pick):
    # A closed quarter, or the current one (its end still to come).
    ends = [*CLOSED_QUARTER_ENDS, Period.quarter_containing(TODAY).end]
    quarter = Period.quarter_containing(ends[pick % len(ends)])
    periods = Period.quarter_containing(TODAY).previous().trailing(12)
    with transaction.atomic():
        build(partners)
        tier_kpis.advancing_counts(periods)
        tier_kpis.stagnant_count(quarter)
        assert AdvancingSnapshot.objects.exists()
        assert FigureSnapshot.objects.filter(as_of=quarter.end).exists()
        for kind, index, offset, level in writes:
            apply(kind, index, offset, level)
            assert tier_kpis.advancing_counts(periods) == tier_kpis._count_advancing(
                periods, tier_kpis.ALL
            ), kind
            assert (
                tier_kpis.stagnant_count(quarter) == tier_kpis.stagnant_partners(quarter).count()
            ), kind
        transaction.set_rollback(True)


def test_stagnant_partners_of_the_current_period_use_stored_state_and_agree(tiers_program):
    quarter = Period.quarter_containing(TODAY)
    stored = tier_kpis.stagnant_partners(quarter)
    assert "tier_changed_on" in str(stored.query)
    live = Partner.objects.active_on(quarter.end).filter(pk__in=[p.pk for p in tiers_program])
    assert sorted(p.name for p in stored) == ["Old"]
    assert live.count() == 3


@pytest.fixture
def tiers_program():
    from tests import factories as f

    registered, silver, gold, platinum = f.standard_tiers()
    old = f.partner("Old", joined_on=dt.date(2020, 1, 1))
    recent = f.partner("Recent", joined_on=dt.date(2020, 1, 1))
    top = f.partner("Top", joined_on=dt.date(2020, 1, 1))
    f.transition(old, registered, dt.date(2020, 1, 1), from_tier=None)
    f.transition(recent, registered, dt.date(2020, 1, 1), from_tier=None)
    f.transition(recent, silver, TODAY - dt.timedelta(days=30))
    f.transition(top, platinum, dt.date(2020, 1, 1), from_tier=None)
    assert TierTransition.objects.count() == 4
    return [old, recent, top]


@SETTINGS
@given(partners=programs, writes=st.lists(write, min_size=1, max_size=4))
def test_standings_from_stored_state_match_a_live_computation(partners, writes):
    def standings():
        everyone = with_standing(Partner.objects.all(), TODAY)
        return (
            sorted((p.pk, p.standing, p.level_rank, p.required_rank) for p in everyone),
            sorted(p.pk for p in below_threshold(TODAY)),
            sorted(p.pk for p in at_risk(TODAY)),
            dashboard_work(TODAY).below_threshold,
        )

    with transaction.atomic():
        build(partners)
        refresh_levels(TODAY)
        for kind, index, offset, level in writes:
            apply(kind, index, offset, level)
        stored = standings()
        assert live(standings) == stored
        transaction.set_rollback(True)


def live(compute):
    """What `compute()` gives with no stored state and no kept figure: everything computed
    from the certifications and transitions (in a savepoint, rolled back)."""
    with transaction.atomic():
        ProgramState.objects.all().delete()
        FigureSnapshot.objects.all().delete()
        LevelSnapshot.objects.all().delete()
        result = compute()
        transaction.set_rollback(True)
    return result


@SETTINGS
@given(partners=programs, writes=st.lists(write, min_size=1, max_size=4), stored=st.booleans())
def test_kept_figures_of_today_match_a_live_computation_after_any_write(partners, writes, stored):
    window = certification_kpis.settings.AT_RISK_WINDOW_DAYS

    def kept():
        return certification_kpis.certification_risks(TODAY), standing_counts(TODAY)

    def computed():
        risks = certification_kpis._risk_counts(TODAY, certification_kpis.ALL, window)
        counts = {
            "below_threshold": below_threshold(TODAY).count(),
            "at_risk": at_risk(TODAY).count(),
        }
        return risks, counts

    with transaction.atomic():
        build(partners)
        if stored:
            refresh_levels(TODAY)
        kept()
        assert FigureSnapshot.objects.filter(as_of=TODAY).count() == 2
        for kind, index, offset, level in writes:
            apply(kind, index, offset, level)
            risks, counts = kept()
            live_risks, live_counts = live(computed)
            assert counts == live_counts, kind
            assert {field: getattr(risks, field) for field in live_risks} == live_risks, kind
        transaction.set_rollback(True)


def test_a_write_while_figures_are_computed_keeps_none_of_them(tiers_program):
    """Figures computed from data that a write changed meanwhile are not kept: the write
    moved the snapshots' version between the computation and the keeping."""
    from partnerprogram import state

    def compute():
        tiers_program[0].ended_on = TODAY
        tiers_program[0].save()  # a concurrent write, in effect
        return {"n": 1}

    assert state.remembered("test", TODAY, compute) == {"n": 1}
    assert not FigureSnapshot.objects.filter(name="test").exists()
    assert state.remembered("test", TODAY, lambda: {"n": 2}) == {"n": 2}
    assert FigureSnapshot.objects.get(name="test").figures == {"n": 2}


def test_refresh_state_keeps_today_s_figures_and_drops_cubes_of_days_gone_by(tiers_program):
    from io import StringIO

    from django.core.management import call_command

    quarter_end = CLOSED_QUARTER_ENDS[-1]
    gone_by = quarter_end + dt.timedelta(days=1)  # a day that was today once
    for day in (quarter_end, gone_by):
        LevelSnapshot.objects.create(as_of=day, partners=0)
    call_command("refresh_state", stdout=StringIO())
    assert LevelSnapshot.objects.filter(as_of=quarter_end).exists()
    assert not LevelSnapshot.objects.filter(as_of=gone_by).exists()
    assert LevelSnapshot.objects.filter(as_of=TODAY).exists()
    kept_today = set(FigureSnapshot.objects.filter(as_of=TODAY).values_list("name", flat=True))
    assert {name.split(":")[0] for name in kept_today} == {"certification_risks", "standing_counts"}
    current = Period.quarter_containing(TODAY)
    kept = FigureSnapshot.objects.get(as_of=current.end, name__startswith="stagnant_by_tier")
    assert sum(kept.figures.values()) == tier_kpis.stagnant_partners(current).count() == 1


def test_deleting_an_account_manager_drops_the_snapshots_that_count_by_manager(
    tiers_program, make_user
):
    from partnerprogram.segments import Dimension

    manager = make_user("leaving")
    Partner.objects.filter(pk=tiers_program[0].pk).update(account_manager=manager)
    day = CLOSED_QUARTER_ENDS[-1]
    manager_id = manager.pk
    assert manager_id in cube.level_cube(day).counts(dimension=Dimension.ACCOUNT_MANAGER)
    manager.delete()
    after = cube.level_cube(day)
    assert manager_id not in after.counts(dimension=Dimension.ACCOUNT_MANAGER)
    assert same_cells(after.cells) == same_cells(cube.live_cells(day))
