"""My work (/my-work/) and the digest preference on the profile page."""

import pytest
from django.urls import reverse

from partnerprogram.reminders.models import DigestFrequency, ReminderPreference, Weekday

pytestmark = pytest.mark.django_db
MY_WORK = reverse("reminders:my-work")
PREFERENCE = reverse("reminders:preference")


def test_my_work_shows_the_managers_own_digest_with_links(client, program):
    client.force_login(program["ada"])
    page = client.get(MY_WORK).content.decode()
    assert "Reviews overdue" in page and "Partners newly below threshold" in page
    assert f'href="/partners/{program["alpha"].pk}/">Alpha: Associate</a>' in page
    assert f'href="/remediation/reviews/{program["delta_review"].pk}/"' in page
    assert "Golf" not in page  # Ben's partner
    assert 'aria-current="page" href="/my-work/">My work</a>' in page


def test_my_work_is_always_current(client, program):
    client.force_login(program["eve"])
    assert 'data-testid="no-work"' in client.get(MY_WORK).content.decode()
    program["alpha"].account_manager = program["eve"]
    program["alpha"].save()
    page = client.get(MY_WORK).content.decode()
    assert "Alpha: Associate" in page and 'data-testid="no-work"' not in page


def test_my_work_needs_a_login_and_the_read_permission(client, outsider, viewer):
    assert client.get(MY_WORK)["Location"].startswith(reverse("login"))
    client.force_login(outsider)
    assert client.get(MY_WORK).status_code == 403
    client.force_login(viewer)
    assert 'data-testid="no-work"' in client.get(MY_WORK).content.decode()


def test_a_user_sets_a_weekly_digest_on_their_profile(client, viewer):
    client.force_login(viewer)
    assert 'name="digest"' in client.get(reverse("accounts:profile")).content.decode()
    response = client.post(PREFERENCE, {"digest": "weekly", "weekday": str(Weekday.FRIDAY)})
    assert response["Location"] == reverse("accounts:profile")
    preference = ReminderPreference.objects.get(user=viewer)
    assert (preference.digest, preference.weekday) == (DigestFrequency.WEEKLY, Weekday.FRIDAY)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "Digest by email: once a week, on Friday." in page
    client.post(PREFERENCE, {"digest": "never", "weekday": "0"})
    assert ReminderPreference.objects.get(user=viewer).digest == DigestFrequency.NEVER
    assert ReminderPreference.objects.count() == 1


def test_a_preference_that_cannot_be_read_is_refused_with_a_message(client, viewer):
    client.force_login(viewer)
    response = client.post(PREFERENCE, {"digest": "hourly", "weekday": "9"}, follow=True)
    page = response.content.decode()
    assert "Your digest preference was not saved" in page
    assert "Select a valid choice. hourly is not one of the available choices." in page
    assert not ReminderPreference.objects.exists()


def test_only_a_reader_sets_a_preference_and_only_their_own(client, outsider, viewer, manager):
    assert client.post(PREFERENCE, {"digest": "never"})["Location"].startswith(reverse("login"))
    client.force_login(outsider)
    assert client.post(PREFERENCE, {"digest": "never", "weekday": "0"}).status_code == 403
    client.force_login(viewer)
    assert client.get(PREFERENCE).status_code == 405
    client.post(PREFERENCE, {"digest": "never", "weekday": "0", "user": manager.pk})
    assert list(ReminderPreference.objects.values_list("user", flat=True)) == [viewer.pk]
