"""Writes to tier transitions. Every one goes through here, so that each partner's chain of
transitions stays unbroken (partnerprogram.freshness makes `Partner.current_tier` follow it).

Each service locks the partner's row (SELECT ... FOR UPDATE on PostgreSQL; SQLite takes its
write lock at the start of the transaction) before it reads the chain, so two managers
recording transitions for one partner at once are serialised and the second one is checked
against the chain the first one left.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from partnerprogram.models import Partner
from partnerprogram.rules.periods import day_label
from tiers.models import TierTransition


def _day_before(day):
    return day - dt.timedelta(days=1)


def _tier_name(tier_id, tiers_by_id):
    return str(tiers_by_id[tier_id]) if tier_id else "no tier"


def _name_or_none(tier_id, tiers_by_id):
    return tiers_by_id[tier_id].name if tier_id else None


# The chain's messages, shared with the bulk import (partnerprogram.transfer), which applies
# the same rules to many transitions at once. Tiers are given by name; None is no tier.


def before_joined_message(joined_on):
    return (
        f"The partner joined on {day_label(joined_on)}; a transition cannot take effect "
        "before that."
    )


def after_ended_message(ended_on):
    return (
        f"The partner ended on {day_label(ended_on)}; a transition cannot take effect after that."
    )


def same_day_message(day):
    return f"This partner already has a tier transition on {day_label(day)}."


def broken_link_message(day, *, tier_before, from_tier):
    """Why a transition on `day` from `from_tier` does not follow `tier_before`, the
    partner's tier on the day before."""
    if tier_before is None:
        return (
            f"The partner had no tier on {day_label(_day_before(day))}: leave the from "
            "tier empty to record its enrollment."
        )
    if from_tier is None:
        return (
            f"The partner was already in {tier_before} on {day_label(_day_before(day))}: an "
            "enrollment is only for a partner with no tier."
        )
    return f"The partner was in {tier_before} on {day_label(_day_before(day))}, not in {from_tier}."


def breaks_next_message(next_day, next_from):
    """Why a transition cannot move into another tier than `next_from`, the from tier of the
    partner's next transition (on `next_day`)."""
    return (
        f"This breaks the chain: the next transition, on {day_label(next_day)}, moves from "
        f"{next_from or 'no tier'}, so this one must move into that tier."
    )


def validate_chain(candidate, *, removing=False):
    """Check that saving `candidate` (or deleting it, when `removing`) leaves its partner's
    chain of transitions unbroken. Raises ValidationError keyed by the form field at fault.

    The chain is read from the database without the candidate's own stored row, so this also
    re-checks an edited past transition. Call it under the partner's lock to be sure; forms
    call it without a lock for an early, friendly message.
    """
    partner = candidate.partner
    others = list(
        TierTransition.objects.filter(partner=partner)
        .exclude(pk=candidate.pk)
        .select_related("from_tier", "to_tier")
        .order_by("effective_on")
    )
    tiers_by_id = {t.from_tier_id: t.from_tier for t in others if t.from_tier_id}
    tiers_by_id.update({t.to_tier_id: t.to_tier for t in others})
    day = candidate.effective_on
    before = [t for t in others if t.effective_on < day]
    after = [t for t in others if t.effective_on > day]
    tier_before = before[-1].to_tier_id if before else None
    following = after[0] if after else None

    if removing:
        if following and following.from_tier_id != tier_before:
            raise ValidationError(
                "Deleting this transition would break the chain: the next one, on %(next)s, "
                "moves from %(next_from)s, but without this one the partner would be in "
                "%(before)s. Change or delete the later transitions first.",
                params={
                    "next": day_label(following.effective_on),
                    "next_from": _tier_name(following.from_tier_id, tiers_by_id),
                    "before": _tier_name(tier_before, tiers_by_id),
                },
            )
        return

    if candidate.from_tier_id:
        tiers_by_id[candidate.from_tier_id] = candidate.from_tier
    tiers_by_id[candidate.to_tier_id] = candidate.to_tier
    if day < partner.joined_on:
        raise ValidationError({"effective_on": before_joined_message(partner.joined_on)})
    if partner.ended_on and day > partner.ended_on:
        raise ValidationError({"effective_on": after_ended_message(partner.ended_on)})
    if any(t.effective_on == day for t in others):
        raise ValidationError({"effective_on": same_day_message(day)})
    if candidate.from_tier_id != tier_before:
        message = broken_link_message(
            day,
            tier_before=_name_or_none(tier_before, tiers_by_id),
            from_tier=_name_or_none(candidate.from_tier_id, tiers_by_id),
        )
        raise ValidationError({"from_tier": message})
    if following and following.from_tier_id != candidate.to_tier_id:
        next_from = _name_or_none(following.from_tier_id, tiers_by_id)
        raise ValidationError({"to_tier": breaks_next_message(following.effective_on, next_from)})


def _lock_partner(partner_id):
    return Partner.objects.select_for_update().get(pk=partner_id)


def _follow(partner):
    """Give the caller's partner instance the current tier the write left stored."""
    partner.refresh_from_db(fields=["current_tier", "tier_changed_on"])


def transition_record(
    *, partner, to_tier, effective_on, from_tier=None, reason="", recorded_by=None
):
    """Record a partner's move into `to_tier` on `effective_on`.

    `from_tier` must be the partner's tier on the day before (None for an enrollment). Raises
    ValidationError, writing nothing, when the transition is invalid or breaks the chain.
    Returns the saved transition; the partner's current tier follows it.
    """
    with transaction.atomic():
        locked = _lock_partner(partner.pk)
        transition = TierTransition(
            partner=locked,
            from_tier=from_tier,
            to_tier=to_tier,
            effective_on=effective_on,
            reason=reason,
            recorded_by=recorded_by,
        )
        transition.full_clean()
        validate_chain(transition)
        transition.save()
    _follow(partner)
    return transition


def transition_update(*, transition, from_tier, to_tier, effective_on, reason):
    """Change a recorded transition (its partner stays). The partner's whole chain is checked
    again, as for a new one. Raises ValidationError, writing nothing, when it would break."""
    with transaction.atomic():
        locked = _lock_partner(transition.partner_id)
        transition.partner = locked
        transition.from_tier = from_tier
        transition.to_tier = to_tier
        transition.effective_on = effective_on
        transition.reason = reason
        transition.full_clean()
        validate_chain(transition)
        transition.save()
    _follow(transition.partner)
    return transition


def transition_delete(*, transition):
    """Delete a recorded transition if the chain stays unbroken without it (in practice: the
    partner's latest one, or one whose neighbours still connect)."""
    with transaction.atomic():
        locked = _lock_partner(transition.partner_id)
        transition.partner = locked
        validate_chain(transition, removing=True)
        transition.delete()
    _follow(transition.partner)
