"""The writer's rows are the ones bulk_create writes, and its history records the ones
simple-history's bulk_history_create writes."""

import pytest
from django.forms.models import model_to_dict

from certifications.models import PartnerCertification
from partnerprogram.models import Partner, PartnerType
from partnerprogram.transfer.writer import CHANGE_REASON, History, insert
from tests import factories as f
from tiers.models import TierTransition

pytestmark = pytest.mark.django_db

SKIP = {"history_id", "history_date"}


def history_values(record):
    return {
        field.attname: getattr(record, field.attname)
        for field in record._meta.concrete_fields
        if field.attname not in SKIP
    }


@pytest.mark.parametrize("update", [False, True])
def test_history_copies_what_bulk_history_create_would_write(update, staff, program):
    certification = f.certification(program["acme"], program["levels"][0], f.D(2024, 3, 1))
    for model, obj in ((Partner, program["acme"]), (PartnerCertification, certification)):
        model.history.all().delete()
        model.history.bulk_history_create(
            [obj], update=update, default_change_reason=CHANGE_REASON, default_user=staff
        )
        expected = history_values(model.history.get())
        model.history.all().delete()
        History(staff.pk).record(model, [obj], update=update)
        record = model.history.get()
        assert history_values(record) == expected
        assert record.history_type == ("~" if update else "+")
        assert model_to_dict(record.instance) == model_to_dict(obj)


def stored_rows(model, pks):
    """The stored values of the rows `pks`, in that order, without their ids."""
    rows = {row.pop("id"): row for row in model.objects.filter(pk__in=pks).values()}
    return [rows[pk] for pk in pks]


@pytest.mark.parametrize("with_ids", [False, True])
def test_insert_writes_what_bulk_create_writes(with_ids, program):
    acme, levels = program["acme"], program["levels"]

    def built(first_id):
        # Three rows that differ in every column the import fills, one with empty columns.
        rows = [
            PartnerCertification(
                partner=acme, level=levels[0], awarded_on=f.D(2024, 3, 1), notes="first"
            ),
            PartnerCertification(
                partner=acme,
                level=levels[1],
                awarded_on=f.D(2024, 4, 2),
                expires_on=f.D(2026, 4, 2),
                revoked_on=f.D(2025, 1, 9),
            ),
            PartnerCertification(partner=acme, level=levels[2], awarded_on=f.D(2025, 5, 3)),
        ]
        for offset, row in enumerate(rows):
            row.pk = first_id + offset if with_ids else None
        return rows

    expected = PartnerCertification.objects.bulk_create(built(100))
    expected_rows = stored_rows(PartnerCertification, [row.pk for row in expected])
    PartnerCertification.objects.filter(pk__in=[row.pk for row in expected]).delete()

    inserted = built(200)
    insert(PartnerCertification, inserted)

    pks = [row.pk for row in inserted]
    assert None not in pks and len(set(pks)) == 3
    assert not with_ids or pks == [200, 201, 202]
    # Each instance got the id of its own row: the rows come back in the order given.
    assert stored_rows(PartnerCertification, pks) == expected_rows
    assert all(not row._state.adding for row in inserted)


def test_insert_is_seen_by_freshness(program):
    """A partner inserted with its first transition has its stored tier, as after
    bulk_create: the writes go through the same observer."""
    region = program["acme"].region
    partner = Partner(
        name="Globex", partner_type=PartnerType.RESELLER, region=region, joined_on=f.D(2025, 2, 1)
    )
    insert(Partner, [partner])
    transition = TierTransition(
        partner_id=partner.pk, to_tier=program["tiers"][1], effective_on=f.D(2025, 2, 1)
    )
    insert(TierTransition, [transition])
    partner.refresh_from_db()
    assert partner.current_tier == program["tiers"][1]
    assert partner.tier_changed_on == f.D(2025, 2, 1)


def test_insert_of_nothing_writes_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        insert(Partner, [])
