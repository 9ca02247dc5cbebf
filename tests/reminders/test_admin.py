"""The admin: a partner's opt-in is edited there; the message log is read there, never
written."""

import pytest
from django.urls import reverse

from partnerprogram.reminders.models import Message
from tests.partnerprogram.test_admin import inline_management

from .test_nightly import nightly

pytestmark = pytest.mark.django_db


def test_staff_opt_a_partner_in_to_contact_reminders(client, staff, program, smtp):
    client.force_login(staff)
    partner = program["juliet"]
    url = reverse("admin:partnerprogram_partner_change", args=[partner.pk])
    form = client.get(url).context["adminform"].form
    assert "contact_reminders" in form.fields
    data = {
        **{name: value for name, value in form.initial.items() if value is not None},
        "region": partner.region_id,
        "account_manager": partner.account_manager_id,
        "joined_on": "2024-01-01",
        "contact_reminders": "on",
        **inline_management(partner),
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    partner.refresh_from_db()
    assert partner.contact_reminders
    assert partner.history.first().contact_reminders


def test_the_message_log_is_read_only_in_the_admin(client, staff, superuser, program, smtp):
    nightly()
    message = Message.objects.get(recipient="ada@example.com")
    client.force_login(superuser)
    listing = client.get(reverse("admin:reminders_message_changelist")).text
    assert "ada@example.com" in listing and "Sent" in listing
    page = client.get(reverse("admin:reminders_message_change", args=[message.pk]))
    assert message.event in page.text and 'name="subject"' not in page.text
    client.post(reverse("admin:reminders_message_change", args=[message.pk]), {"subject": "x"})
    assert client.get(reverse("admin:reminders_message_add")).status_code == 403
    delete = reverse("admin:reminders_message_delete", args=[message.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    message.refresh_from_db()
    assert message.subject != "x"
    client.force_login(staff)  # a partner manager without the log's permission
    assert client.get(reverse("admin:reminders_message_changelist")).status_code == 403
