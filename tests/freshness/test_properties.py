"""Stored state and kept figures never disagree with a computation from the tables: property
tests over random programs and random sequences of every kind of write (saves, deletes,
QuerySet updates and deletes, bulk creates and updates, the tier service, a batch, a
deleted account manager), back-dated ones included."""

import datetime as dt
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certifications.models import CertificationLevel, PartnerCertification
from partnerprogram import freshness
from partnerprogram.freshness import writes
from partnerprogram.freshness.stored import refresh_levels
from partnerprogram.kpis import at_risk, below_threshold, with_standing
from partnerprogram.models import Partner, PartnerType, ProgramState, Region
from tests.freshness.checks import TODAY, disagreements, fill
from tests.programs import START, build, partner
from tiers import services
from tiers.models import Tier

pytestmark = pytest.mark.django_db
SETTINGS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
programs = st.lists(partner, min_size=1, max_size=8)


def day_at(offset):
    return min(START + dt.timedelta(days=offset), TODAY)


def pick(rows, index):
    rows = list(rows)
    return rows[index % len(rows)] if rows else None


# --- The writes: each takes (index, offset, choice) and makes one valid write -------------


def award(i, offset, choice):
    p = pick(Partner.objects.order_by("pk"), i)
    level = pick(CertificationLevel.objects.order_by("rank"), choice)
    day = day_at(offset)
    if not PartnerCertification.objects.filter(partner=p, level=level, awarded_on=day).exists():
        PartnerCertification.objects.create(partner=p, level=level, awarded_on=day)


def reassign(i, offset, choice):
    certification = pick(PartnerCertification.objects.order_by("pk"), i)
    other = pick(Partner.objects.order_by("pk"), choice)
    if (
        certification
        and not PartnerCertification.objects.filter(
            partner=other, level=certification.level, awarded_on=certification.awarded_on
        ).exists()
    ):
        certification.partner = other
        certification.save()


def relevel(i, offset, choice):
    certification = pick(PartnerCertification.objects.order_by("pk"), i)
    level = pick(CertificationLevel.objects.order_by("rank"), choice)
    if (
        certification
        and not PartnerCertification.objects.filter(
            partner=certification.partner_id, level=level, awarded_on=certification.awarded_on
        ).exists()
    ):
        certification.level = level
        certification.save()


def redate(i, offset, choice):
    """An expiry, a revocation or the award day moved (awarded later clears the others)."""
    certification = pick(PartnerCertification.objects.order_by("pk"), i)
    if not certification:
        return
    later = certification.awarded_on + dt.timedelta(days=1 + offset % 400)
    if choice % 3 == 0:
        certification.expires_on = later
    elif choice % 3 == 1:
        certification.revoked_on = later
    else:
        day = day_at(offset)
        if PartnerCertification.objects.filter(
            partner=certification.partner_id, level=certification.level, awarded_on=day
        ).exists():
            return
        certification.awarded_on, certification.expires_on, certification.revoked_on = (
            day,
            None,
            None,
        )
    certification.save()


def delete_certification(i, offset, choice):
    certification = pick(PartnerCertification.objects.order_by("pk"), i)
    if certification:
        certification.delete()


def update_certifications(i, offset, choice):
    """QuerySet.update() of one partner's certifications: an expiry as a value or as an
    expression."""
    p = pick(Partner.objects.order_by("pk"), i)
    rows = PartnerCertification.objects.filter(partner=p)
    if choice % 2:
        rows.update(expires_on=F("awarded_on") + dt.timedelta(days=1 + offset % 300))
    else:
        rows.filter(awarded_on__lt=day_at(offset)).update(revoked_on=day_at(offset))


def delete_certifications(i, offset, choice):
    PartnerCertification.objects.filter(partner=pick(Partner.objects.order_by("pk"), i)).delete()


def bulk_certifications(i, offset, choice):
    """bulk_create() for two partners, then bulk_update() of their expiries."""
    level = pick(CertificationLevel.objects.order_by("rank"), choice)
    day = day_at(offset)
    partners = [pick(Partner.objects.order_by("pk"), i + n) for n in range(2)]
    new = [
        PartnerCertification(partner=p, level=level, awarded_on=day)
        for p in {p.pk: p for p in partners}.values()
        if not PartnerCertification.objects.filter(partner=p, level=level, awarded_on=day).exists()
    ]
    created = PartnerCertification.objects.bulk_create(new)
    for certification in created:
        certification.expires_on = day + dt.timedelta(days=1 + offset % 200)
    PartnerCertification.objects.bulk_update(created, ["expires_on"])


def move_dates(i, offset, choice):
    """A partner's join or end moved (a save), or its end cleared."""
    p = pick(Partner.objects.order_by("pk"), i)
    day = day_at(offset)
    if choice % 3 == 0:
        p.joined_on = min(day, p.ended_on or day)
    elif choice % 3 == 1:
        p.ended_on = max(day, p.joined_on)
    else:
        p.ended_on = None
    p.save()


def move_segment(i, offset, choice):
    """A partner's region (a save), type (an update()) or account manager (a save)."""
    p = pick(Partner.objects.order_by("pk"), i)
    if choice % 3 == 0:
        p.region = Region.objects.get_or_create(name=f"Region {offset % 2}")[0]
        p.save()
    elif choice % 3 == 1:
        Partner.objects.filter(pk=p.pk).update(partner_type=pick(PartnerType.values, offset))
    else:
        p.account_manager = get_user_model().objects.get_or_create(username=f"am{offset % 2}")[0]
        p.save()


def delete_manager(i, offset, choice):
    """An account manager deleted: their partners' manager is emptied by the deletion."""
    users = get_user_model().objects.filter(managed_partners__isnull=False).distinct()
    user = pick(users.order_by("pk"), i)
    if user:
        user.delete()


def new_partner(i, offset, choice):
    """A partner added, or one without history added and deleted again."""
    p = Partner.objects.create(
        name=f"New {Partner.objects.count()}-{offset}",
        partner_type=PartnerType.MSP,
        region=Region.objects.first(),
        joined_on=day_at(offset),
    )
    if choice % 2:
        p.delete()


def move_tier(i, offset, choice):
    p = pick(Partner.objects.order_by("pk"), i)
    latest = p.tier_transitions.order_by("-effective_on").first()
    start = latest.effective_on + dt.timedelta(days=1) if latest else p.joined_on
    when = max(start, day_at(offset))
    target = pick(Tier.objects.exclude(pk=latest.to_tier_id if latest else None), choice)
    if when <= min(p.ended_on or TODAY, TODAY):
        services.transition_record(
            partner=p,
            from_tier=latest.to_tier if latest else None,
            to_tier=target,
            effective_on=when,
        )


def undo_tier(i, offset, choice):
    p = pick(Partner.objects.order_by("pk"), i)
    latest = p.tier_transitions.order_by("-effective_on").first()
    if latest:
        services.transition_delete(transition=latest)


def redate_transition(i, offset, choice):
    """The latest transition moved between the one before it and today (the service)."""
    p = pick(Partner.objects.order_by("pk"), i)
    moves = list(p.tier_transitions.order_by("-effective_on")[:2])
    if not moves:
        return
    earliest = moves[1].effective_on + dt.timedelta(days=1) if len(moves) > 1 else p.joined_on
    when = max(earliest, day_at(offset))
    if when <= min(p.ended_on or TODAY, TODAY):
        latest = moves[0]
        services.transition_update(
            transition=latest,
            from_tier=latest.from_tier,
            to_tier=latest.to_tier,
            effective_on=when,
            reason="",
        )


def change_tier(i, offset, choice):
    """A tier's requirement (a save), its rank (an update() to a free rank) or text."""
    tier = pick(Tier.objects.order_by("rank"), i)
    if choice % 3 == 0:
        tier.required_level = pick([None, *CertificationLevel.objects.order_by("rank")], offset)
        tier.save()
    elif choice % 3 == 1:
        Tier.objects.filter(pk=tier.pk).update(rank=20 + offset % 50)
    else:
        tier.description = f"Text {offset}"
        tier.save()


def change_level(i, offset, choice):
    """A level's rank (a save to a free rank) or text."""
    level = pick(CertificationLevel.objects.order_by("rank"), i)
    if choice % 2:
        level.rank = 20 + offset % 50
    else:
        level.description = f"Text {offset}"
    level.save()


def in_a_batch(i, offset, choice):
    """Several writes in one freshness batch, as an import makes them."""
    with freshness.batch():
        award(i, offset, choice)
        move_dates(i + 1, offset, choice)
        Partner.objects.filter(pk=pick(Partner.objects.order_by("pk"), i).pk).update(
            notes=f"Note {offset}"
        )


def in_a_batch_of_many_partners(i, offset, choice):
    """A batch that touches more partners than it lists (an import of thousands): it
    forgets their ids and computes every partner's state at its end."""
    with mock.patch.object(writes, "LIST_UP_TO", 0), freshness.batch():
        award(i, offset, choice)
        move_dates(i + 1, offset, choice)


WRITES = [
    award,
    reassign,
    relevel,
    redate,
    delete_certification,
    update_certifications,
    delete_certifications,
    bulk_certifications,
    move_dates,
    move_segment,
    delete_manager,
    new_partner,
    move_tier,
    undo_tier,
    redate_transition,
    change_tier,
    change_level,
    in_a_batch,
    in_a_batch_of_many_partners,
]
write = st.tuples(
    st.sampled_from(WRITES), st.integers(0, 20), st.integers(0, 1000), st.integers(0, 3)
)


def make(kind, i, offset, choice):
    """Make one write; a write the rules refuse (a chain it would break) changes nothing."""
    try:
        with transaction.atomic():
            kind(i, offset, choice)
    except (IntegrityError, services.ValidationError):
        pass


@SETTINGS
@given(
    partners=programs,
    writes=st.lists(write, min_size=1, max_size=6),
    stored=st.booleans(),
    asking=st.booleans(),
)
def test_kept_figures_and_stored_state_stay_true_after_any_writes(partners, writes, stored, asking):
    with transaction.atomic():
        build(partners)
        if stored:
            refresh_levels(TODAY)
        fill()
        for kind, i, offset, choice in writes:
            make(kind, i, offset, choice)
            if asking:  # pages in between keep again what a write dropped
                fill()
        assert disagreements() == []
        transaction.set_rollback(True)


@SETTINGS
@given(partners=programs, writes=st.lists(write, min_size=1, max_size=4))
def test_standings_from_stored_state_match_a_live_computation(partners, writes):
    def standings():
        everyone = with_standing(Partner.objects.all(), TODAY)
        return (
            sorted(
                (p.pk, p.standing, p.level_rank, p.required_rank, p.keeps_until) for p in everyone
            ),
            sorted(p.pk for p in below_threshold(TODAY)),
            sorted(p.pk for p in at_risk(TODAY)),
        )

    with transaction.atomic():
        build(partners)
        refresh_levels(TODAY)
        for kind, i, offset, choice in writes:
            make(kind, i, offset, choice)
        from_stored_state = standings()
        with transaction.atomic():
            ProgramState.objects.all().delete()
            live = standings()
            transaction.set_rollback(True)
        assert from_stored_state == live
        transaction.set_rollback(True)
