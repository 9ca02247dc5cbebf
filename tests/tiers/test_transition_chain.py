"""The chain of a partner's tier transitions and the service that keeps it whole."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from partnerprogram.models import Partner
from tests import factories as f
from tiers import services
from tiers.models import TierTransition, TransitionKind

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def tiers():
    return f.standard_tiers()


@pytest.fixture
def partner():
    return f.partner("Acme", joined_on=D(2024, 1, 1))


def chain(partner):
    return [
        (t.from_tier.name if t.from_tier else None, t.to_tier.name, t.effective_on)
        for t in partner.tier_transitions.order_by("effective_on")
    ]


def error_of(call, **kwargs):
    with pytest.raises(ValidationError) as error:
        call(**kwargs)
    return error.value.message_dict


def test_a_valid_chain_keeps_the_current_tier_in_step(partner, tiers):
    registered, silver, gold, _ = tiers
    f.transition(partner, registered, D(2024, 1, 1), from_tier=None)
    f.transition(partner, silver, D(2024, 6, 1))
    f.transition(partner, gold, D(2025, 1, 1))
    f.transition(partner, silver, D(2025, 3, 1))
    partner.refresh_from_db()
    assert partner.current_tier == silver
    assert chain(partner) == [
        (None, "Registered", D(2024, 1, 1)),
        ("Registered", "Silver", D(2024, 6, 1)),
        ("Silver", "Gold", D(2025, 1, 1)),
        ("Gold", "Silver", D(2025, 3, 1)),
    ]
    kinds = [t.kind for t in partner.tier_transitions.order_by("effective_on")]
    assert kinds == [
        TransitionKind.ENROLLMENT,
        TransitionKind.ADVANCEMENT,
        TransitionKind.ADVANCEMENT,
        TransitionKind.DOWNGRADE,
    ]


def test_enrollment_is_only_for_a_partner_with_no_tier(partner, tiers):
    registered, silver, *_ = tiers
    f.transition(partner, registered, D(2024, 1, 1), from_tier=None)
    errors = error_of(
        services.transition_record,
        partner=partner,
        from_tier=None,
        to_tier=silver,
        effective_on=D(2024, 6, 1),
    )
    assert errors["from_tier"] == [
        "The partner was already in Registered on 31 May 2024: an enrollment is only for a "
        "partner with no tier."
    ]


def test_first_transition_must_be_an_enrollment(partner, tiers):
    registered, silver, *_ = tiers
    errors = error_of(
        services.transition_record,
        partner=partner,
        from_tier=registered,
        to_tier=silver,
        effective_on=D(2024, 6, 1),
    )
    assert errors["from_tier"] == [
        "The partner had no tier on 31 May 2024: leave the from tier empty to record its "
        "enrollment."
    ]


def test_from_tier_must_be_the_tier_of_the_day_before(partner, tiers):
    registered, silver, gold, _ = tiers
    f.transition(partner, registered, D(2024, 1, 1), from_tier=None)
    errors = error_of(
        services.transition_record,
        partner=partner,
        from_tier=silver,
        to_tier=gold,
        effective_on=D(2024, 6, 1),
    )
    assert errors["from_tier"] == ["The partner was in Registered on 31 May 2024, not in Silver."]


def test_no_two_transitions_of_one_partner_on_one_day(partner, tiers):
    registered, silver, *_ = tiers
    f.transition(partner, registered, D(2024, 1, 1), from_tier=None)
    errors = error_of(
        services.transition_record,
        partner=partner,
        from_tier=registered,
        to_tier=silver,
        effective_on=D(2024, 1, 1),
    )
    assert "already has a tier transition on that day" in " ".join(errors["__all__"])


def test_transition_outside_the_membership_is_refused(tiers):
    registered, *_ = tiers
    partner = f.partner(joined_on=D(2024, 1, 1), ended_on=D(2024, 12, 31))
    before = error_of(
        services.transition_record,
        partner=partner,
        to_tier=registered,
        effective_on=D(2023, 12, 31),
    )
    assert before["effective_on"] == [
        "The partner joined on 1 Jan 2024; a transition cannot take effect before that."
    ]
    after = error_of(
        services.transition_record,
        partner=partner,
        to_tier=registered,
        effective_on=D(2025, 1, 1),
    )
    assert after["effective_on"] == [
        "The partner ended on 31 Dec 2024; a transition cannot take effect after that."
    ]


def test_transition_to_the_same_tier_is_refused(partner, tiers):
    registered, *_ = tiers
    f.transition(partner, registered, D(2024, 1, 1), from_tier=None)
    errors = error_of(
        services.transition_record,
        partner=partner,
        from_tier=registered,
        to_tier=registered,
        effective_on=D(2024, 2, 1),
    )
    assert errors["to_tier"] == ["A transition must move to a different tier."]


def test_a_back_dated_transition_must_fit_between_its_neighbours(partner, tiers):
    registered, silver, gold, _ = tiers
    f.transition(partner, registered, D(2024, 1, 1), from_tier=None)
    f.transition(partner, gold, D(2024, 9, 1))
    # Registered -> Silver in March would leave the September move starting from the wrong tier.
    errors = error_of(
        services.transition_record,
        partner=partner,
        from_tier=registered,
        to_tier=silver,
        effective_on=D(2024, 3, 1),
    )
    assert errors["to_tier"] == [
        "This breaks the chain: the next transition, on 1 Sep 2024, moves from Registered, so "
        "this one must move into that tier."
    ]
    assert len(chain(partner)) == 2


def test_a_refused_transition_writes_nothing(partner, tiers):
    registered, silver, *_ = tiers
    with pytest.raises(ValidationError):
        services.transition_record(
            partner=partner, from_tier=silver, to_tier=registered, effective_on=D(2024, 1, 1)
        )
    assert TierTransition.objects.count() == 0
    partner.refresh_from_db()
    assert partner.current_tier is None


def test_editing_a_past_transition_rechecks_the_chain(partner, tiers):
    registered, silver, gold, platinum = tiers
    f.transition(partner, registered, D(2024, 1, 1), from_tier=None)
    middle = f.transition(partner, silver, D(2024, 6, 1))
    f.transition(partner, gold, D(2025, 1, 1))
    errors = error_of(
        services.transition_update,
        transition=middle,
        from_tier=registered,
        to_tier=platinum,
        effective_on=D(2024, 6, 1),
        reason="",
    )
    assert "the next transition, on 1 Jan 2025, moves from Silver" in errors["to_tier"][0]
    # Moving its date within its neighbours is fine.
    services.transition_update(
        transition=middle,
        from_tier=registered,
        to_tier=silver,
        effective_on=D(2024, 7, 15),
        reason="Late paperwork",
    )
    assert chain(partner)[1] == ("Registered", "Silver", D(2024, 7, 15))
    # Moving it past the next one is not: Gold's move would then start from Registered.
    errors = error_of(
        services.transition_update,
        transition=middle,
        from_tier=registered,
        to_tier=silver,
        effective_on=D(2025, 2, 1),
        reason="",
    )
    assert errors["from_tier"] == ["The partner was in Gold on 31 Jan 2025, not in Registered."]


def test_editing_the_latest_transition_moves_the_current_tier(partner, tiers):
    registered, silver, gold, _ = tiers
    f.transition(partner, registered, D(2024, 1, 1), from_tier=None)
    latest = f.transition(partner, silver, D(2024, 6, 1))
    services.transition_update(
        transition=latest,
        from_tier=registered,
        to_tier=gold,
        effective_on=D(2024, 6, 1),
        reason="",
    )
    partner.refresh_from_db()
    assert partner.current_tier == gold


def test_deleting_the_latest_transition_steps_the_current_tier_back(partner, tiers):
    registered, silver, *_ = tiers
    f.transition(partner, registered, D(2024, 1, 1), from_tier=None)
    latest = f.transition(partner, silver, D(2024, 6, 1))
    services.transition_delete(transition=latest)
    partner.refresh_from_db()
    assert partner.current_tier == registered


def test_deleting_a_middle_transition_that_breaks_the_chain_is_refused(partner, tiers):
    registered, silver, gold, _ = tiers
    f.transition(partner, registered, D(2024, 1, 1), from_tier=None)
    middle = f.transition(partner, silver, D(2024, 6, 1))
    f.transition(partner, gold, D(2025, 1, 1))
    with pytest.raises(ValidationError) as error:
        services.transition_delete(transition=middle)
    assert error.value.messages == [
        "Deleting this transition would break the chain: the next one, on 1 Jan 2025, moves "
        "from Silver, but without this one the partner would be in Registered. Change or "
        "delete the later transitions first."
    ]
    assert len(chain(partner)) == 3


def test_deleting_the_only_transition_leaves_no_tier(partner, tiers):
    enrollment = f.transition(partner, tiers[0], D(2024, 1, 1), from_tier=None)
    services.transition_delete(transition=enrollment)
    partner.refresh_from_db()
    assert partner.current_tier is None


def test_future_transitions_are_refused(partner, tiers):
    from django.utils import timezone

    errors = error_of(
        services.transition_record,
        partner=partner,
        to_tier=tiers[0],
        effective_on=timezone.localdate() + dt.timedelta(days=1),
    )
    assert errors["effective_on"] == ["A tier transition cannot take effect in the future."]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_recordings_leave_a_valid_chain():
    if connection.vendor != "postgresql":
        pytest.skip("Row locks need PostgreSQL; SQLite serialises writers by itself.")
    registered, silver, gold, _ = f.standard_tiers()
    partner = f.partner("Racer", joined_on=D(2024, 1, 1))
    f.transition(partner, registered, D(2024, 1, 1), from_tier=None)
    # Both managers saw the partner in Registered and each records a move out of it.
    barrier = threading.Barrier(2)
    outcomes = []

    def record(to_tier, day):
        try:
            barrier.wait()
            services.transition_record(
                partner=Partner.objects.get(pk=partner.pk),
                from_tier=registered,
                to_tier=to_tier,
                effective_on=day,
            )
            outcomes.append("saved")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=record, args=(silver, D(2024, 6, 1))),
        threading.Thread(target=record, args=(gold, D(2024, 6, 2))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "saved"]
    transitions = list(partner.tier_transitions.order_by("effective_on"))
    assert len(transitions) == 2
    assert transitions[1].from_tier == registered
    partner.refresh_from_db()
    assert partner.current_tier == transitions[1].to_tier
