"""Below threshold and at risk (PRODUCT.md, "Below threshold"), computed in the database by
partnerprogram.kpis, against hand-made cases and against a slow Python reference."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from partnerprogram import kpis
from partnerprogram.kpis import Standing
from partnerprogram.models import Partner, ReviewReason, ReviewStatus
from tests import factories as f

from .daily import AT_RISK_ON_DAY, BELOW_ON_DAY, DAY, build_program, days, reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def program():
    return build_program()


def names(queryset):
    return [partner.name for partner in queryset]


def test_below_threshold_lists_exactly_the_hand_made_cases_by_name(program):
    assert names(kpis.below_threshold(DAY)) == BELOW_ON_DAY


def test_at_risk_lists_the_hand_made_cases_with_the_day_their_certification_ends(program):
    assert [(p.name, p.keeps_until) for p in kpis.at_risk(DAY)] == AT_RISK_ON_DAY


def test_the_database_agrees_with_the_slow_reference_on_many_days(program):
    for day in [DAY, days(-31), days(-10), days(1), days(5), days(60), days(89), days(365)]:
        below, at_risk = reference(day)
        assert names(kpis.below_threshold(day)) == below, day
        assert [(p.name, p.keeps_until) for p in kpis.at_risk(day)] == at_risk, day


def test_a_certification_ending_exactly_at_the_window_is_at_risk_and_one_day_later_is_not(
    program,
):
    at_risk = names(kpis.at_risk(DAY))
    assert "Expiring In 90" in at_risk
    assert "Expiring In 91" not in at_risk
    assert "Expiring In 91" not in names(kpis.below_threshold(DAY))


def test_the_window_is_a_setting(program, settings):
    settings.AT_RISK_WINDOW_DAYS = 30
    assert [(p.name, p.keeps_until) for p in kpis.at_risk(DAY)] == reference(DAY, window=30)[1]
    assert "Expiring In 90" not in names(kpis.at_risk(DAY))


def test_the_tier_that_counts_is_the_tier_on_the_day_not_the_current_one(program):
    promoted = program["Promoted After"]
    assert promoted.current_tier.name == "Platinum"
    assert "Promoted After" not in names(kpis.below_threshold(DAY))
    assert "Promoted After" in names(kpis.below_threshold(timezone.localdate()))
    assert "Downgraded Before" not in names(kpis.below_threshold(DAY))
    assert "Downgraded Before" in names(kpis.below_threshold(days(-31)))


def test_a_partner_that_ended_or_has_not_joined_is_neither(program):
    standing = {p.name: p.standing for p in kpis.with_standing(Partner.objects.all(), DAY)}
    assert standing["Ended Partner"] == Standing.INACTIVE
    assert standing["Not Yet Joined"] == Standing.INACTIVE
    assert standing["Ending Tomorrow"] == Standing.BELOW_THRESHOLD
    assert standing["Registered Only"] == Standing.NO_REQUIREMENT
    assert standing["No Tier"] == Standing.NO_REQUIREMENT
    assert standing["Expert In Silver"] == Standing.MEETS
    assert standing["Never Ending Backup"] == Standing.MEETS


def test_levels_held_and_required_are_annotated(program):
    rows = {p.name: p for p in kpis.below_threshold(DAY)}
    associate, professional, _ = program.levels
    assert rows["Associate In Gold"].level_rank == associate.rank
    assert rows["Associate In Gold"].required_rank == professional.rank
    assert rows["Revoked Professional"].level_rank is None
    assert rows["Revoked Professional"].tier_on_day_id == program.tiers[2].pk


def test_open_review_counts_only_an_open_certification_review(program, manager):
    f.review(program["Revoked Professional"], manager, reason=ReviewReason.CERTIFICATION_EXPIRED)
    f.review(
        program["Associate In Gold"],
        manager,
        status=ReviewStatus.RESOLVED,
        outcome="Done.",
        closed_on=dt.date(2025, 5, 20),
    )
    f.review(program["Expired Associate"], manager, reason=ReviewReason.FEEDBACK_ESCALATION)
    flags = {p.name: p.open_review_id is not None for p in kpis.below_threshold(DAY)}
    assert flags == {
        "Associate In Gold": False,
        "Ending Tomorrow": False,
        "Expired Associate": False,
        "Not Yet Awarded": False,
        "Revoked Professional": True,
    }


def test_the_reason_to_open_is_expired_when_it_lapsed_and_expiring_when_at_risk(program):
    reasons = {p.name: kpis.review_reason_for(p) for p in kpis.below_threshold(DAY)}
    assert reasons["Expired Associate"] == ReviewReason.CERTIFICATION_EXPIRED
    assert reasons["Revoked Professional"] == ReviewReason.CERTIFICATION_EXPIRED
    assert reasons["Associate In Gold"] == ReviewReason.CERTIFICATION_GAP
    assert reasons["Not Yet Awarded"] == ReviewReason.CERTIFICATION_GAP
    # At risk: its certification has not expired yet.
    assert {kpis.review_reason_for(p) for p in kpis.at_risk(DAY)} == {
        ReviewReason.CERTIFICATION_EXPIRING
    }


def test_each_list_is_one_query_whatever_the_number_of_partners(program, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(kpis.below_threshold(DAY))
    with django_assert_num_queries(1):
        list(kpis.at_risk(DAY))


@pytest.mark.parametrize("seed", [3, 11])
def test_the_database_agrees_with_the_slow_reference_on_the_demo_program(seed):
    today = timezone.localdate()
    call_command("seed_demo", "--partners", "120", "--seed", str(seed), "--today", str(today))
    checked = 0
    for day in [today, today - dt.timedelta(days=45), today - dt.timedelta(days=400)]:
        below, at_risk = reference(day)
        assert names(kpis.below_threshold(day)) == below, day
        assert [(p.name, p.keeps_until) for p in kpis.at_risk(day)] == at_risk, day
        checked += len(below) + len(at_risk)
    assert checked > 10  # the demo data does exercise both lists


def test_each_list_gives_its_rows_the_standing_the_full_classification_gives(program):
    """The lists write their standing as a constant (EXACT_CONDITIONS): it must be what the
    CASE over every standing says of the same partners, on every day."""
    listed_rows = {Standing.BELOW_THRESHOLD: 0, Standing.AT_RISK: 0}
    for day in [DAY + dt.timedelta(days=n) for n in range(-120, 240, 15)]:
        everyone = kpis.with_standing(Partner.objects.all(), day)
        classified = dict(everyone.values_list("pk", "standing"))
        for listed, standing in (
            (kpis.below_threshold(day), Standing.BELOW_THRESHOLD),
            (kpis.at_risk(day), Standing.AT_RISK),
        ):
            rows = list(listed.values_list("pk", "standing"))
            assert all(classified[pk] == value == standing for pk, value in rows), day
            listed_rows[standing] += len(rows)
    assert all(listed_rows.values()), listed_rows  # both lists had rows to check
