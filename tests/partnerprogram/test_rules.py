"""Each rule of the domain twice: `full_clean()` refuses the bad input with a clear message,
and the database refuses it too when `clean()` is bypassed."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from certifications.models import CertificationLevel, PartnerCertification
from partnerprogram.models import Partner, PartnerFeedback, Region, RemediationReview, ReviewStatus
from tests import factories as f
from tiers.models import Tier, TierTransition

pytestmark = pytest.mark.django_db
D = dt.date


def refused_by_clean(obj, field, message):
    with pytest.raises(ValidationError) as error:
        obj.full_clean()
    messages = error.value.message_dict
    assert message in " ".join(messages.get(field, []) + messages.get("__all__", [])), messages


def refused_by_database(obj):
    with pytest.raises(IntegrityError), transaction.atomic():
        obj.save()


def test_region_and_partner_names_are_unique():
    f.region("EMEA")
    refused_by_clean(Region(name="EMEA"), "name", "Region with this Name already exists.")
    refused_by_database(Region(name="EMEA"))
    partner = f.partner("Acme")
    duplicate = Partner(
        name="Acme", partner_type="msp", region=partner.region, joined_on=D(2024, 1, 1)
    )
    refused_by_clean(duplicate, "name", "Partner with this Name already exists.")
    refused_by_database(duplicate)


def test_partner_cannot_end_before_it_joined():
    partner = Partner(
        name="Acme",
        partner_type="msp",
        region=f.region(),
        joined_on=D(2024, 5, 1),
        ended_on=D(2024, 4, 30),
    )
    refused_by_clean(
        partner, "ended_on", "A partner cannot end before it joined (joined on 1 May 2024)."
    )
    refused_by_database(partner)


def test_partner_may_end_on_the_day_it_joined():
    partner = Partner(
        name="Acme",
        partner_type="msp",
        region=f.region(),
        joined_on=D(2024, 5, 1),
        ended_on=D(2024, 5, 1),
    )
    partner.full_clean()
    partner.save()
    assert not Partner.objects.active_on(D(2024, 5, 1)).filter(pk=partner.pk).exists()


def test_level_names_and_ranks_are_unique():
    f.level("Associate", 1)
    refused_by_clean(CertificationLevel(name="Associate", rank=2), "name", "already exists")
    refused_by_database(CertificationLevel(name="Associate", rank=2))
    refused_by_clean(CertificationLevel(name="Other", rank=1), "rank", "already exists")
    refused_by_database(CertificationLevel(name="Other", rank=1))


def test_tier_names_and_ranks_are_unique():
    f.tier("Silver", 2)
    refused_by_clean(Tier(name="Silver", rank=3), "name", "already exists")
    refused_by_database(Tier(name="Silver", rank=3))
    refused_by_clean(Tier(name="Gold", rank=2), "rank", "already exists")
    refused_by_database(Tier(name="Gold", rank=2))


def test_certification_must_expire_after_it_was_awarded():
    cert = PartnerCertification(
        partner=f.partner(),
        level=f.level("Associate", 1),
        awarded_on=D(2025, 1, 1),
        expires_on=D(2025, 1, 1),
    )
    refused_by_clean(cert, "expires_on", "A certification must expire after it was awarded.")
    refused_by_database(cert)


def test_certification_cannot_be_revoked_before_it_was_awarded():
    cert = PartnerCertification(
        partner=f.partner(),
        level=f.level("Associate", 1),
        awarded_on=D(2025, 1, 1),
        revoked_on=D(2024, 12, 31),
    )
    refused_by_clean(cert, "revoked_on", "A certification cannot be revoked before it was awarded.")
    refused_by_database(cert)


def test_certification_expiry_defaults_to_the_levels_validity():
    associate = f.level("Associate", 1, validity_months=24)
    expert = f.level("Expert", 3)
    partner = f.partner()
    assert f.certification(partner, associate, D(2024, 2, 29)).expires_on == D(2026, 2, 28)
    assert f.certification(partner, expert, D(2024, 2, 29)).expires_on is None


def test_certification_is_unique_per_partner_level_and_award_day():
    partner, associate = f.partner(), f.level("Associate", 1)
    f.certification(partner, associate, D(2025, 1, 1))
    duplicate = PartnerCertification(partner=partner, level=associate, awarded_on=D(2025, 1, 1))
    refused_by_clean(
        duplicate, "__all__", "already has a certification at this level awarded that day"
    )
    refused_by_database(duplicate)


def test_feedback_rating_is_from_1_to_5():
    partner = f.partner()
    for rating in (0, 6):
        feedback = PartnerFeedback(
            partner=partner,
            received_on=D(2025, 1, 1),
            channel="survey",
            topic="training",
            rating=rating,
            comment="ok",
        )
        refused_by_clean(feedback, "rating", "Ensure this value is")
        refused_by_database(feedback)


def test_feedback_needs_a_comment_and_cannot_come_from_the_future():
    partner = f.partner()
    empty = PartnerFeedback(
        partner=partner,
        received_on=D(2025, 1, 1),
        channel="survey",
        topic="training",
        rating=3,
        comment="",
    )
    refused_by_clean(empty, "comment", "This field cannot be blank.")
    refused_by_database(empty)
    future = PartnerFeedback(
        partner=partner,
        received_on=timezone.localdate() + dt.timedelta(days=1),
        channel="survey",
        topic="training",
        rating=3,
        comment="Soon",
    )
    refused_by_clean(future, "received_on", "Feedback cannot be received in the future.")


def test_transition_must_change_tier():
    silver = f.tier("Silver", 2)
    transition = TierTransition(
        partner=f.partner(), from_tier=silver, to_tier=silver, effective_on=D(2025, 1, 1)
    )
    refused_by_clean(transition, "to_tier", "A transition must move to a different tier.")
    refused_by_database(transition)


def test_only_one_transition_per_partner_per_day_in_the_database():
    registered, silver = f.tier("Registered", 1), f.tier("Silver", 2)
    partner = f.partner()
    TierTransition.objects.create(partner=partner, to_tier=registered, effective_on=D(2025, 1, 1))
    refused_by_database(
        TierTransition(
            partner=partner, from_tier=registered, to_tier=silver, effective_on=D(2025, 1, 1)
        )
    )


def test_one_open_review_per_partner_and_reason(manager):
    partner = f.partner()
    f.review(partner, manager, reason="certification_gap")
    second = RemediationReview(
        partner=partner,
        owner=manager,
        reason="certification_gap",
        opened_on=D(2025, 6, 1),
        due_on=D(2025, 7, 1),
    )
    refused_by_clean(second, "__all__", "This partner already has an open review for this reason.")
    refused_by_database(second)
    # Another reason, or once the first is closed, is fine.
    f.review(partner, manager, reason="tier_stagnation")
    first = RemediationReview.objects.get(reason="certification_gap")
    first.status, first.outcome, first.closed_on = ReviewStatus.RESOLVED, "Renewed", D(2025, 5, 20)
    first.save()
    second.full_clean()
    second.save()


def test_review_cannot_be_due_before_it_was_opened(manager):
    review = RemediationReview(
        partner=f.partner(),
        owner=manager,
        reason="other",
        opened_on=D(2025, 6, 1),
        due_on=D(2025, 5, 31),
    )
    refused_by_clean(review, "due_on", "A review cannot be due before it was opened.")
    refused_by_database(review)


@pytest.mark.parametrize(
    ("outcome", "closed_on", "field", "message"),
    [
        ("", D(2025, 6, 10), "outcome", "Closing a review needs an outcome."),
        ("Done", None, "closed_on", "A closed review needs a close date."),
        ("Done", D(2025, 5, 1), "closed_on", "A review cannot be closed before it was opened."),
    ],
)
def test_closed_review_carries_an_outcome_and_a_close_date(
    manager, outcome, closed_on, field, message
):
    review = RemediationReview(
        partner=f.partner(),
        owner=manager,
        reason="other",
        opened_on=D(2025, 6, 1),
        due_on=D(2025, 7, 1),
        status=ReviewStatus.RESOLVED,
        outcome=outcome,
        closed_on=closed_on,
    )
    refused_by_clean(review, field, message)
    refused_by_database(review)


def test_open_review_has_no_close_date(manager):
    review = RemediationReview(
        partner=f.partner(),
        owner=manager,
        reason="other",
        opened_on=D(2025, 6, 1),
        due_on=D(2025, 7, 1),
        closed_on=D(2025, 6, 5),
    )
    refused_by_clean(review, "closed_on", "An open review has no close date.")
    refused_by_database(review)


def test_a_partner_with_history_cannot_be_deleted():
    from django.db.models import ProtectedError

    partner = f.partner()
    f.feedback(partner)
    with pytest.raises(ProtectedError):
        partner.delete()
    assert Partner.objects.filter(pk=partner.pk).exists()


def test_every_edited_model_keeps_history():
    partner = f.partner("Acme")
    partner.country = "Germany"
    partner.save()
    assert [h.country for h in partner.history.all()] == ["Germany", ""]
