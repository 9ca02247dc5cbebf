"""The program import in the admin: staff managers upload, preview and confirm; viewers and
non-staff cannot; problems are shown per row and nothing is written."""

import io
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partnerprogram.models import Partner
from partnerprogram.transfer import views
from tests import factories as f

from .conftest import HEADERS, counts

pytestmark = pytest.mark.django_db
URL = reverse("admin:partnerprogram_partner_import")
CHANGELIST = reverse("admin:partnerprogram_partner_changelist")


def zipped(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, rows in files.items():
            archive.writestr(f"program/{name}", "\n".join([HEADERS[name], *rows]) + "\n")
    return SimpleUploadedFile("program.zip", buffer.getvalue(), "application/zip")


def csv_file(name, rows):
    return SimpleUploadedFile(
        name,
        (
            "\n".join([HEADERS[name.split(" ")[0].removesuffix(".csv") + ".csv"], *rows]) + "\n"
        ).encode(),
    )


@pytest.fixture
def staff_client(client, staff, tmp_path, monkeypatch):
    monkeypatch.setattr(views, "UPLOAD_DIR", tmp_path / "uploads")
    client.force_login(staff)
    return client


def test_staff_manager_uploads_previews_and_confirms(staff_client, staff, program):
    changelist = staff_client.get(CHANGELIST)
    assert URL in changelist.text  # the button on the Partner changelist
    assert staff_client.get(URL).status_code == 200
    upload = zipped(
        {
            "partners.csv": [
                "Acme,reseller,EMEA,Spain,,2024-01-01,,",
                "Beta,msp,EMEA,,amorgan,2024-02-01,,",
            ],
            "tier_transitions.csv": ["Beta,,Registered,2024-02-01,Joined"],
        }
    )
    before = counts()
    preview = staff_client.post(URL, {"file": upload})
    assert preview.status_code == 200
    page = preview.text
    assert "Preview of program.zip" in page
    assert "<td>partners.csv</td><td>1</td><td>1</td><td>0</td>" in page
    assert "<td>3</td><td>created</td><td>Beta</td>" in page
    assert "country: (empty) → Spain" in page
    assert counts() == before  # nothing written before the confirmation
    token = preview.context["token"]
    assert (views.UPLOAD_DIR / token).exists()

    done = staff_client.post(URL, {"confirm": "1", "token": token}, follow=True)
    assert done.redirect_chain[-1][0] == CHANGELIST
    assert "partners.csv: 1 created, 1 updated, 0 unchanged" in done.text
    beta = Partner.objects.get(name="Beta")
    assert beta.current_tier.name == "Registered"
    assert beta.history.get().history_user == staff  # the history names who imported
    assert beta.tier_transitions.get().recorded_by == staff
    assert not (views.UPLOAD_DIR / token).exists()


def test_a_single_csv_named_after_its_file_can_be_uploaded(staff_client, program):
    upload = csv_file("partners (3).csv", ["Beta,msp,EMEA,,,2024-02-01,,"])
    preview = staff_client.post(URL, {"file": upload})
    assert "<td>partners.csv</td><td>1</td><td>0</td><td>0</td>" in preview.text
    staff_client.post(URL, {"confirm": "1", "token": preview.context["token"]})
    assert Partner.objects.filter(name="Beta").exists()


def test_problems_are_shown_per_row_and_nothing_is_written(staff_client, program):
    before = counts()
    upload = zipped(
        {
            "partners.csv": ["Beta,vendor,EMEA,,,2024-02-01,,"],
            "feedback.csv": ["Acme,2024-05-01,survey,training,7,Hi"],
        }
    )
    response = staff_client.post(URL, {"file": upload})
    assert response.status_code == 200
    page = response.text
    assert "2 problems in the files; nothing was written." in page
    assert "<td>partners.csv</td><td>2</td><td>partner_type</td>" in page
    assert "<td>feedback.csv</td><td>2</td><td>rating</td><td>A rating is from 1 to 5.</td>" in page
    assert "Confirm the import" not in page
    assert counts() == before
    assert not any(views.UPLOAD_DIR.iterdir())


def test_a_file_that_is_neither_zip_nor_csv_is_refused(staff_client, program):
    upload = SimpleUploadedFile("program.xlsx", b"PK...")
    response = staff_client.post(URL, {"file": upload})
    assert "Upload a .zip or a .csv file." in response.text
    not_named = staff_client.post(URL, {"file": SimpleUploadedFile("export.csv", b"a\n1\n")})
    assert "the file name does not say which file it is" in not_named.text


def test_the_confirmation_checks_again_and_writes_nothing_if_the_files_no_longer_pass(
    staff_client, program
):
    upload = zipped({"tier_transitions.csv": ["Acme,Registered,Silver,2024-06-01,"]})
    preview = staff_client.post(URL, {"file": upload})
    # Meanwhile someone records another move on that day.
    f.transition(program["acme"], program["tiers"][2], f.D(2024, 6, 1))
    before = counts()
    response = staff_client.post(URL, {"confirm": "1", "token": preview.context["token"]})
    assert "This partner already has a tier transition on 1 Jun 2024." in response.text
    assert counts() == before


def test_cancel_forgets_the_upload(staff_client, program):
    preview = staff_client.post(
        URL, {"file": zipped({"partners.csv": ["Beta,msp,EMEA,,,2024-02-01,,"]})}
    )
    token = preview.context["token"]
    staff_client.post(URL, {"cancel": "1", "token": token})
    assert not (views.UPLOAD_DIR / token).exists()
    response = staff_client.post(URL, {"confirm": "1", "token": token}, follow=True)
    assert "That upload is no longer waiting" in response.text
    assert not Partner.objects.filter(name="Beta").exists()


def test_rows_the_manager_may_not_write_are_problems(staff_client, program):
    """Managers may add partners and regions, not design the program's levels and tiers."""
    upload = zipped(
        {
            "certification_levels.csv": ["Associate,1,24", "Master,4,"],
            "tiers.csv": ["Registered,1,", "Silver,2,Professional"],
        }
    )
    response = staff_client.post(URL, {"file": upload})
    page = response.text
    assert (
        "<td>certification_levels.csv</td><td>3</td><td>-</td>"
        "<td>You may not add certification levels.</td>" in page
    )
    assert "<td>tiers.csv</td><td>3</td><td>-</td><td>You may not change tiers.</td>" in page
    assert "Associate" not in page.split("import-problems")[1]  # unchanged rows are fine


def test_a_superuser_may_write_levels_and_tiers(client, superuser, program, tmp_path, monkeypatch):
    monkeypatch.setattr(views, "UPLOAD_DIR", tmp_path / "uploads")
    client.force_login(superuser)
    preview = client.post(URL, {"file": zipped({"certification_levels.csv": ["Master,4,"]})})
    client.post(URL, {"confirm": "1", "token": preview.context["token"]})
    assert program["levels"][0].__class__.objects.filter(name="Master").exists()


def test_a_viewer_on_staff_cannot_import(client, make_user, program):
    viewer = make_user("staff-viewer", "Viewers", is_staff=True)
    client.force_login(viewer)
    assert URL not in client.get(CHANGELIST).text
    assert client.get(URL).status_code == 403
    upload = zipped({"partners.csv": ["Beta,msp,EMEA,,,2024-02-01,,"]})
    assert client.post(URL, {"file": upload}).status_code == 403
    assert not Partner.objects.filter(name="Beta").exists()


def test_a_manager_who_is_not_staff_is_sent_to_the_admin_login(client, manager, program):
    client.force_login(manager)
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_uploads_left_waiting_for_a_day_are_deleted(staff_client, program):
    views.UPLOAD_DIR.mkdir()
    forgotten = views.UPLOAD_DIR / "forgotten.zip"
    forgotten.write_bytes(b"old")
    os.utime(forgotten, (0, 0))
    staff_client.post(URL, {"file": zipped({"partners.csv": ["Beta,msp,EMEA,,,2024-02-01,,"]})})
    assert not forgotten.exists()
    assert len(list(views.UPLOAD_DIR.iterdir())) == 1  # the new upload, waiting
