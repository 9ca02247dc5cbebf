"""The program import in the admin: staff managers upload, a worker previews (the immediate
task backend of the tests runs it at once), they confirm, a worker imports; the job's page
shows each step. Viewers and non-staff cannot; problems are shown per row and nothing is
written."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partnerprogram.models import Partner
from partnerprogram.transfer.models import JobState, ProgramImport
from tests import factories as f

from .conftest import HEADERS, counts, run_import, write_files

pytestmark = pytest.mark.django_db
URL = reverse("admin:partnerprogram_partner_import")
CHANGELIST = reverse("admin:partnerprogram_partner_changelist")


def job_url(job):
    return reverse("admin:partnerprogram_partner_import_job", args=[job.pk])


def zipped(files, name="program.zip"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file_name, rows in files.items():
            archive.writestr(f"program/{file_name}", "\n".join([HEADERS[file_name], *rows]) + "\n")
    return SimpleUploadedFile(name, buffer.getvalue(), "application/zip")


def csv_file(name, rows):
    header = HEADERS[name.split(" ")[0].removesuffix(".csv") + ".csv"]
    return SimpleUploadedFile(name, ("\n".join([header, *rows]) + "\n").encode())


def upload(client, file, **fields):
    """Upload `file`: the response of the job's page it leads to, and the job."""
    response = client.post(URL, {"file": file, **fields}, follow=True)
    return response, ProgramImport.objects.latest("pk")


def confirm(client, preview):
    response = client.post(job_url(preview), {"confirm": "1"}, follow=True)
    return response, ProgramImport.objects.latest("pk")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_staff_manager_uploads_previews_and_confirms(staff_client, staff, program):
    assert URL in staff_client.get(CHANGELIST).text  # the button on the Partner changelist
    assert staff_client.get(URL).status_code == 200
    file = zipped(
        {
            "partners.csv": [
                "Acme,reseller,EMEA,Spain,,2024-01-01,,",
                "Beta,msp,EMEA,,amorgan,2024-02-01,,",
            ],
            "tier_transitions.csv": ["Beta,,Registered,2024-02-01,Joined"],
        }
    )
    before = counts()
    preview_page, preview = upload(staff_client, file)
    assert preview_page.redirect_chain[-1][0] == job_url(preview)
    # The upload is in the database, for the worker of any host.
    assert bytes(ProgramImport.objects.get(pk=preview.pk).upload) == file.file.getvalue()
    assert (preview.user, preview.dry_run, preview.state) == (staff, True, JobState.DONE)
    page = preview_page.text
    assert "Preview of program.zip" in page
    assert "<td>partners.csv</td><td>1</td><td>1</td><td>0</td>" in page
    assert "<td>3</td><td>created</td><td>Beta</td>" in page
    assert "country: (empty) → Spain" in page
    assert "Confirm the import" in page
    assert counts() == before  # nothing written before the confirmation

    done_page, job = confirm(staff_client, preview)
    assert done_page.redirect_chain[-1][0] == job_url(job)
    assert (job.preview, job.dry_run, job.state) == (preview, False, JobState.DONE)
    assert "Imported" in done_page.text
    assert "Written in under a second" in done_page.text  # not "0.0 s"
    assert "<td>partners.csv</td><td>1</td><td>1</td><td>0</td>" in done_page.text
    assert job.finished_at >= job.started_at >= job.created_at
    beta = Partner.objects.get(name="Beta")
    assert beta.current_tier.name == "Registered"
    assert beta.history.get().history_user == staff  # the history names who imported
    assert beta.tier_transitions.get().recorded_by == staff
    preview.refresh_from_db()
    assert (bytes(preview.upload), preview.size) == (b"", 0)  # imported: the bytes let go
    assert "Confirm the import" not in staff_client.get(job_url(preview)).text


def test_the_job_gives_the_same_result_as_the_command(staff_client, program, tmp_path):
    files = {
        "partners.csv": ["Acme,reseller,EMEA,Spain,,2024-01-01,,", "Beta,msp,EMEA,,,2024-02-01,,"],
        "certifications.csv": ["Beta,Associate,2024-03-01,,"],
    }
    out, _, status = run_import(write_files(tmp_path / "program", files), "--dry-run")
    assert status == 0
    _, preview = upload(staff_client, zipped(files))
    assert preview.result["lines"] == out.strip().splitlines()[: len(preview.result["lines"])]
    _, job = confirm(staff_client, preview)
    assert job.result["lines"][:2] == [
        "partners.csv: 1 created, 1 updated, 0 unchanged",
        "certifications.csv: 1 created, 0 updated, 0 unchanged",
    ]
    assert job.result["written"] is True


def test_the_job_records_its_progress(staff_client, program):
    rows = [f"P{n},msp,EMEA,,,2024-02-01,," for n in range(7)]
    _, preview = upload(staff_client, zipped({"partners.csv": rows}))
    # The last report of the importer, kept once it ended (chunks of three rows here).
    assert (preview.progress_label, preview.progress_done, preview.progress_total) == (
        "importing partners.csv",
        7,
        7,
    )


def test_a_single_csv_named_after_its_file_can_be_uploaded(staff_client, program):
    response, preview = upload(
        staff_client, csv_file("partners (3).csv", ["Beta,msp,EMEA,,,2024-02-01,,"])
    )
    assert "<td>partners.csv</td><td>1</td><td>0</td><td>0</td>" in response.text
    confirm(staff_client, preview)
    assert Partner.objects.filter(name="Beta").exists()


def test_problems_are_shown_per_row_and_nothing_is_written(staff_client, program):
    before = counts()
    file = zipped(
        {
            "partners.csv": ["Beta,vendor,EMEA,,,2024-02-01,,"],
            "feedback.csv": ["Acme,2024-05-01,survey,training,7,Hi"],
        }
    )
    response, preview = upload(staff_client, file)
    page = response.text
    assert "2 problems in the files; nothing was written." in page
    assert "<td>partners.csv</td><td>2</td><td>partner_type</td>" in page
    assert "<td>feedback.csv</td><td>2</td><td>rating</td><td>A rating is from 1 to 5.</td>" in page
    assert "Confirm the import" not in page
    assert counts() == before
    assert preview.size == 0  # it cannot be imported: its bytes are let go
    refused = staff_client.post(job_url(preview), {"confirm": "1"}, follow=True)
    assert "That preview can no longer be confirmed" in refused.text
    assert ProgramImport.objects.count() == 1


def test_a_file_that_is_neither_zip_nor_csv_is_refused(staff_client, program):
    response = staff_client.post(URL, {"file": SimpleUploadedFile("program.xlsx", b"PK...")})
    assert "Upload a .zip or a .csv file." in response.text
    assert not ProgramImport.objects.exists()


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (
            SimpleUploadedFile("export.csv", b"a\n1\n"),
            "the file name does not say which file it is",
        ),
        (SimpleUploadedFile("program.zip", b"PK not really"), "program.zip is not a zip file."),
    ],
)
def test_an_upload_that_cannot_be_read_fails_with_a_clear_message(
    staff_client, program, file, message
):
    response, job = upload(staff_client, file)
    assert response.status_code == 200
    assert job.state == JobState.FAILED
    assert message in job.error
    assert message in response.text
    assert job.size == 0


def test_an_upload_over_the_line_limit_is_refused(staff_client, program, settings):
    settings.IMPORT_MAX_LINES = 2
    rows = ["Beta,msp,EMEA,,,2024-02-01,,", "Gamma,msp,EMEA,,,2024-02-01,,"]
    response, job = upload(staff_client, zipped({"partners.csv": rows}))
    assert job.state == JobState.FAILED
    assert "has more than 2 lines: import it with the import_program command." in response.text
    assert not Partner.objects.filter(name="Beta").exists()


def test_the_confirmation_checks_again_and_writes_nothing_if_the_files_no_longer_pass(
    staff_client, program
):
    file = zipped({"tier_transitions.csv": ["Acme,Registered,Silver,2024-06-01,"]})
    _, preview = upload(staff_client, file)
    # Meanwhile someone records another move on that day.
    f.transition(program["acme"], program["tiers"][2], f.D(2024, 6, 1))
    before = counts()
    response, job = confirm(staff_client, preview)
    assert job.problems_count == 1
    assert "This partner already has a tier transition on 1 Jun 2024." in response.text
    assert "nothing was written" in response.text
    assert counts() == before


def test_cancel_lets_go_of_the_upload(staff_client, program):
    _, preview = upload(staff_client, zipped({"partners.csv": ["Beta,msp,EMEA,,,2024-02-01,,"]}))
    response = staff_client.post(job_url(preview), {"cancel": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == URL
    assert "Import cancelled; nothing was written." in response.text
    preview.refresh_from_db()
    assert (bytes(preview.upload), preview.size) == (b"", 0)
    refused = staff_client.post(job_url(preview), {"confirm": "1"}, follow=True)
    assert "That preview can no longer be confirmed" in refused.text
    assert not Partner.objects.filter(name="Beta").exists()


def test_rows_the_manager_may_not_write_are_problems(staff_client, program):
    """Managers may add partners and regions, not design the program's levels and tiers."""
    file = zipped(
        {
            "certification_levels.csv": ["Associate,1,24", "Master,4,"],
            "tiers.csv": ["Registered,1,", "Silver,2,Professional"],
        }
    )
    page = upload(staff_client, file)[0].text
    assert (
        "<td>certification_levels.csv</td><td>3</td><td>-</td>"
        "<td>You may not add certification levels.</td>" in page
    )
    assert "<td>tiers.csv</td><td>3</td><td>-</td><td>You may not change tiers.</td>" in page
    assert "Associate" not in page.split("import-problems")[1]  # unchanged rows are fine


def test_a_superuser_may_write_levels_and_tiers(client, superuser, program):
    client.force_login(superuser)
    _, preview = upload(client, zipped({"certification_levels.csv": ["Master,4,"]}))
    confirm(client, preview)
    assert program["levels"][0].__class__.objects.filter(name="Master").exists()


def test_another_importer_sees_the_job_but_only_its_uploader_confirms(
    client, staff, make_user, program
):
    client.force_login(staff)
    _, preview = upload(client, zipped({"partners.csv": ["Beta,msp,EMEA,,,2024-02-01,,"]}))
    colleague = make_user("colleague", "Partner managers", is_staff=True)
    client.force_login(colleague)
    page = client.get(job_url(preview)).text
    assert "Preview of program.zip" in page
    assert "Confirm the import" not in page
    assert "staff, who uploaded it, may confirm it." in page
    assert client.post(job_url(preview), {"confirm": "1"}).status_code == 403
    assert client.post(job_url(preview), {"cancel": "1"}).status_code == 403
    assert not Partner.objects.filter(name="Beta").exists()


def test_a_viewer_on_staff_cannot_import_nor_see_a_job(client, staff, make_user, program):
    client.force_login(staff)
    _, preview = upload(client, zipped({"partners.csv": ["Beta,msp,EMEA,,,2024-02-01,,"]}))
    viewer = make_user("staff-viewer", "Viewers", is_staff=True)
    client.force_login(viewer)
    assert URL not in client.get(CHANGELIST).text
    assert client.get(URL).status_code == 403
    file = zipped({"partners.csv": ["Gamma,msp,EMEA,,,2024-02-01,,"]})
    assert client.post(URL, {"file": file}).status_code == 403
    assert client.get(job_url(preview)).status_code == 403
    assert client.post(job_url(preview), {"confirm": "1"}).status_code == 403
    assert client.post(job_url(preview), {"cancel": "1"}).status_code == 403
    assert ProgramImport.objects.count() == 1
    assert not Partner.objects.filter(name__in=["Beta", "Gamma"]).exists()


def test_a_manager_who_is_not_staff_is_sent_to_the_admin_login(client, staff, manager, program):
    client.force_login(staff)
    _, preview = upload(client, zipped({"partners.csv": ["Beta,msp,EMEA,,,2024-02-01,,"]}))
    client.force_login(manager)
    for response in (
        client.get(URL),
        client.get(job_url(preview)),
        client.post(job_url(preview), {"confirm": "1"}),
    ):
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
    assert ProgramImport.objects.count() == 1


def test_the_page_of_a_missing_job_is_not_found(staff_client, program):
    response = staff_client.get(reverse("admin:partnerprogram_partner_import_job", args=[999]))
    assert response.status_code == 404


def test_the_import_page_lists_the_latest_jobs(staff_client, program):
    _, preview = upload(staff_client, zipped({"partners.csv": ["Beta,msp,EMEA,,,2024-02-01,,"]}))
    page = staff_client.get(URL).text
    assert f'href="{job_url(preview)}"' in page
    assert "<td>Preview</td>" in page


def test_a_second_confirmation_of_a_preview_is_refused(staff_client, program):
    _, preview = upload(staff_client, zipped({"partners.csv": ["Beta,msp,EMEA,,,2024-02-01,,"]}))
    confirm(staff_client, preview)
    response, latest = confirm(staff_client, preview)
    assert "That preview can no longer be confirmed" in response.text
    assert latest.preview == preview  # no second import
    assert ProgramImport.objects.filter(dry_run=False).count() == 1
