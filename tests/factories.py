"""Builders for test data: small functions with sensible defaults, so that each test says
only what matters to it. They write through the models (and the tier service), never around
the rules."""

import datetime as dt
import itertools

from certifications.models import CertificationLevel, PartnerCertification
from partnerprogram.models import (
    ActionItem,
    FeedbackChannel,
    FeedbackTopic,
    Partner,
    PartnerFeedback,
    PartnerType,
    Region,
    RemediationReview,
    ReviewReason,
)
from tiers import services
from tiers.models import Tier

_numbers = itertools.count(1)

D = dt.date


def region(name=None):
    return Region.objects.get_or_create(name=name or "EMEA")[0]


def partner(name=None, *, joined_on=None, ended_on=None, **fields):
    fields.setdefault("partner_type", PartnerType.RESELLER)
    if "region" not in fields:
        fields["region"] = region()
    return Partner.objects.create(
        name=name or f"Partner {next(_numbers)}",
        joined_on=joined_on or D(2024, 1, 1),
        ended_on=ended_on,
        **fields,
    )


def level(name, rank, validity_months=None):
    return CertificationLevel.objects.create(name=name, rank=rank, validity_months=validity_months)


def standard_levels():
    """Associate < Professional < Expert, never expiring unless a test gives dates."""
    return level("Associate", 1), level("Professional", 2), level("Expert", 3)


def tier(name, rank, required_level=None):
    return Tier.objects.create(name=name, rank=rank, required_level=required_level)


def standard_tiers(levels=None):
    """Registered < Silver < Gold < Platinum, requiring none / Associate / Professional /
    Expert when `levels` (the three standard levels) is given."""
    associate, professional, expert = levels or (None, None, None)
    return (
        tier("Registered", 1),
        tier("Silver", 2, associate),
        tier("Gold", 3, professional),
        tier("Platinum", 4, expert),
    )


def certification(partner, level, awarded_on, expires_on=None, revoked_on=None):
    return PartnerCertification.objects.create(
        partner=partner,
        level=level,
        awarded_on=awarded_on,
        expires_on=expires_on,
        revoked_on=revoked_on,
    )


def transition(partner, to_tier, effective_on, from_tier="current", reason=""):
    """Record a transition through the service; by default from the partner's current tier."""
    if from_tier == "current":
        partner.refresh_from_db()
        from_tier = partner.current_tier
    return services.transition_record(
        partner=partner,
        from_tier=from_tier,
        to_tier=to_tier,
        effective_on=effective_on,
        reason=reason,
    )


def feedback(partner, received_on=None, **fields):
    fields.setdefault("channel", FeedbackChannel.SURVEY)
    fields.setdefault("topic", FeedbackTopic.TRAINING)
    fields.setdefault("rating", 4)
    fields.setdefault("comment", "Useful training.")
    return PartnerFeedback.objects.create(
        partner=partner, received_on=received_on or D(2025, 5, 1), **fields
    )


def review(partner, owner, opened_on=None, due_on=None, **fields):
    opened_on = opened_on or D(2025, 5, 1)
    fields.setdefault("reason", ReviewReason.CERTIFICATION_GAP)
    return RemediationReview.objects.create(
        partner=partner,
        owner=owner,
        opened_on=opened_on,
        due_on=due_on or opened_on + dt.timedelta(days=30),
        **fields,
    )


def action_item(review, description="Book the exam", due_on=None, **fields):
    fields.setdefault("owner", review.owner)
    return ActionItem.objects.create(
        review=review, description=description, due_on=due_on or review.due_on, **fields
    )
