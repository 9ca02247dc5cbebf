"""Input as an attacker or a careless client sends it gets a clear answer, never a 500."""

import datetime as dt
import io
import random
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from certifications.models import CertificationLevel, PartnerCertification
from partnerprogram.transfer.models import ProgramImport
from tests import factories as f

pytestmark = pytest.mark.django_db
IMPORT = reverse("admin:partnerprogram_partner_import")


@pytest.fixture
def partner():
    f.level("Associate", 1, validity_months=24)  # an expiry is computed from the award
    return f.partner("Acme", joined_on=dt.date(2024, 1, 1))


def test_a_date_at_the_end_of_the_calendar_is_a_filter_error(viewer_client):
    response = viewer_client.get(reverse("feedback:list"), {"received_to": "9999-12-31"})
    assert response.status_code == 200
    assert "Choose a date between 1900 and 2999." in response.text


def test_a_page_number_past_any_database_integer_is_a_400(viewer_client):
    url = reverse("api-below-threshold")
    response = viewer_client.get(url, {"page": "92233720368547758"})
    assert response.status_code == 400
    assert response.json()["parameter"] == "page"


@pytest.mark.parametrize(
    ("awarded_on", "message"),
    [
        ("9999-12-31", "Choose a date between 1900 and 2999."),
        ("1000-01-01", "Choose a date between 1900 and 2999."),
        ("3000-01-01", "Choose a date between 1900 and 2999."),
        ((dt.date.today() + dt.timedelta(days=1)).isoformat(), "cannot be awarded in the future"),
    ],
)
def test_an_award_day_off_the_calendar_or_in_the_future_is_a_form_error(
    manager_client, partner, awarded_on, message
):
    url = reverse("partners:certification-create", args=[partner.pk])
    level = CertificationLevel.objects.get(name="Associate")
    response = manager_client.post(url, {"level": level.pk, "awarded_on": awarded_on})
    assert response.status_code == 200
    assert message in response.text
    assert not PartnerCertification.objects.exists()


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def kept_uploads():
    """Uploads still held in the database: none once a preview failed or had problems."""
    return list(ProgramImport.objects.filter(size__gt=0).values_list("file_name", flat=True))


@pytest.mark.parametrize(
    "noise",
    [
        random.Random(1).randbytes(200_000),
        # A quote never closed: the csv module's "field larger than field limit" on line 1.
        b'"' + bytes(b for b in random.Random(2).randbytes(300_000) if b != ord('"')),
    ],
)
def test_random_bytes_as_a_csv_upload_are_clear_problems(staff_client, noise):
    upload = SimpleUploadedFile("partners.csv", noise)
    response = staff_client.post(IMPORT, {"file": upload}, follow=True)
    assert response.status_code == 200
    assert response.context["job"].problems_count > 0
    assert "Not CSV" in response.text or "Unknown column" in response.text
    assert kept_uploads() == []


def test_a_zip_with_a_wrong_checksum_is_a_clear_problem(staff_client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("partners.csv", "name,partner_type\nAcme,msp\n" * 50)
    data = bytearray(buffer.getvalue())
    data[60] ^= 0xFF  # a byte of the member's content: its CRC no longer matches
    upload = SimpleUploadedFile("p.zip", bytes(data))
    response = staff_client.post(IMPORT, {"file": upload}, follow=True)
    assert response.status_code == 200
    assert "damaged" in response.text
    assert kept_uploads() == []


def test_a_zip_that_unpacks_past_the_limit_is_refused_while_it_is_read(staff_client, settings):
    settings.IMPORT_MAX_UNPACKED_MB = 1
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("partners.csv", "name\n" + "x" * (3 * 1024 * 1024))
    upload = SimpleUploadedFile("p.zip", buffer.getvalue())
    response = staff_client.post(IMPORT, {"file": upload}, follow=True)
    assert response.status_code == 200
    assert "unpacks to more than 1 MB" in response.text
    assert kept_uploads() == []


@pytest.mark.parametrize("with_cookie", [False, True])
def test_a_form_post_not_in_utf_8_gets_a_400(manager, with_cookie):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    if with_cookie:  # the middleware then reads the body for the form's token
        client.cookies["csrftoken"] = "x" * 32
    response = client.generic(
        "POST",
        reverse("feedback:create"),
        data="partner=Acme".encode("utf-16"),
        content_type="application/x-www-form-urlencoded; charset=utf-16",
    )
    assert response.status_code in (400, 403)
    assert "Internal Server Error" not in response.text


def test_a_javascript_website_is_refused_and_never_rendered_as_a_link(manager_client, partner):
    from partnerprogram.models import Partner

    Partner.objects.filter(pk=partner.pk).update(website="javascript:alert(1)")
    response = manager_client.get(partner.get_absolute_url())
    assert 'href="javascript:' not in response.text
    partner.refresh_from_db()
    with pytest.raises(Exception, match="Enter a valid URL"):
        partner.full_clean()


def test_an_anonymous_post_to_the_api_is_told_to_log_in(client):
    response = client.post(reverse("api-below-threshold"))
    assert response.status_code == 401
