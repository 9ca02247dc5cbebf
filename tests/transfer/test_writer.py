"""The writer's history records are the ones simple-history's bulk_history_create writes."""

import pytest
from django.forms.models import model_to_dict

from certifications.models import PartnerCertification
from partnerprogram.models import Partner
from partnerprogram.transfer.writer import CHANGE_REASON, History
from tests import factories as f

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
