"""The folder carries the whole program: records without a natural key keep their id, users
go by username, columns added to the format may be left out, remediation reviews obey
their rules; the admin exports the folder and offers a sample."""

import datetime as dt
import io
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from certifications.models import PartnerCertification
from partnerprogram.models import ActionItem, Partner, PartnerFeedback, RemediationReview
from partnerprogram.transfer import views
from partnerprogram.transfer.formats import FORMATS
from tests import factories as f

from .conftest import counts, run_import, write_files

pytestmark = pytest.mark.django_db
FEEDBACK_HEADER = "id,partner,received_on,channel,topic,rating,comment,follow_up_needed,logged_by"
REVIEWS_HEADER = (
    "id,partner,reason,opened_on,owner,due_on,action_plan,status,notes,outcome,closed_on"
)


def feedback_file(*rows):
    return "\n".join([FEEDBACK_HEADER, *rows]) + "\n"


def reviews_file(*rows):
    return "\n".join([REVIEWS_HEADER, *rows]) + "\n"


def problems(err):
    return [line for line in err.splitlines() if not line.startswith("CommandError")]


def test_the_sample_folder_imports_into_the_demo_program():
    """What a new user tries first on `make run`: the demo's reviews have the ids 1, 2, ...
    and the sample's must not claim them."""
    call_command("seed_demo", stdout=io.StringIO())
    reviews = RemediationReview.objects.count()
    out, err, status = run_import(views.SAMPLE_DIR, "--create-users")
    assert (status, err) == (0, "")
    assert RemediationReview.objects.count() == reviews + 2
    assert Partner.objects.get(name="Example Integrators").reviews.get().status == "in_progress"


def test_the_sample_folder_imports_into_an_empty_database_and_again_unchanged(tmp_path):
    out, err, status = run_import(views.SAMPLE_DIR)
    assert status == 1
    assert "partners.csv:2: account_manager: No user 'sample.manager'" in err
    assert Partner.objects.count() == 0

    out, err, status = run_import(views.SAMPLE_DIR, "--create-users")
    assert (status, err) == (0, "")
    assert "New users (inactive): sample.manager" in out
    integrators = Partner.objects.get(name="Example Integrators")
    assert integrators.current_tier.name == "Gold"
    assert integrators.account_manager.username == "sample.manager"
    assert RemediationReview.objects.get(partner=integrators).status == "in_progress"
    assert PartnerFeedback.objects.filter(follow_up_needed=True).count() == 1

    out, _, status = run_import(views.SAMPLE_DIR)
    assert status == 0
    assert "Nothing to change: the database already holds every row." in out


def test_an_edited_feedback_row_updates_in_place_by_its_id(tmp_path, program):
    """Two entries of one partner on one day with the same words: only the id tells them
    apart, and a row whose comment was edited still finds its entry."""
    acme = program["acme"]
    first = f.feedback(acme, received_on=dt.date(2025, 1, 10), comment="Same words", rating=3)
    second = f.feedback(acme, received_on=dt.date(2025, 1, 10), comment="Same words", rating=3)
    folder = write_files(
        tmp_path / "p",
        {
            "feedback.csv": feedback_file(
                f"{second.pk},Acme,2025-01-10,call,training,5,Other words now,yes,",
                f"{first.pk},Acme,2025-01-10,survey,training,3,Same words,no,",
            )
        },
    )
    out, err, status = run_import(folder)
    assert (status, err) == (0, "")
    assert "feedback.csv: 0 created, 1 updated, 1 unchanged" in out
    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.comment, second.rating, second.follow_up_needed) == ("Other words now", 5, True)
    assert (first.comment, first.rating, first.follow_up_needed) == ("Same words", 3, False)


def test_a_new_id_is_kept_and_the_next_entry_gets_a_free_one(tmp_path, program):
    """On PostgreSQL the id sequence is moved past the kept ids; a form's next entry does not
    collide with them."""
    folder = write_files(
        tmp_path / "p",
        {"feedback.csv": feedback_file("4242,Acme,2025-01-10,call,training,4,Kept id,no,")},
    )
    assert run_import(folder)[2] == 0
    assert PartnerFeedback.objects.get(pk=4242).comment == "Kept id"
    later = f.feedback(program["acme"], received_on=dt.date(2025, 2, 1))
    assert later.pk > 4242


def test_an_id_of_another_partners_entry_is_a_problem(tmp_path, program):
    beta = f.partner("Beta", joined_on=dt.date(2024, 1, 1), region=program["acme"].region)
    theirs = f.feedback(beta, received_on=dt.date(2025, 1, 10))
    before = counts()
    folder = write_files(
        tmp_path / "p",
        {"feedback.csv": feedback_file(f"{theirs.pk},Acme,2025-01-10,call,training,4,Mine,no,")},
    )
    out, err, status = run_import(folder)
    assert status == 1
    assert problems(err) == [
        f"feedback.csv:2: id: Partner feedback {theirs.pk} belongs to Beta; leave the id empty "
        "for a new one."
    ]
    assert counts() == before


def test_a_file_that_leaves_out_later_columns_keeps_what_is_stored(tmp_path, program):
    """partners.csv as first published (no website, no notes) updates a partner's country and
    leaves its website and notes alone; a new partner gets them empty."""
    Partner.objects.filter(name="Acme").update(website="https://acme.example", notes="Keep me")
    folder = write_files(
        tmp_path / "p",
        {
            "partners.csv": [
                "Acme,reseller,EMEA,Spain,,2024-01-01,,",
                "Beta,msp,EMEA,,,2024-02-01,,",
            ]
        },
    )
    out, err, status = run_import(folder)
    assert (status, err) == (0, "")
    acme = Partner.objects.get(name="Acme")
    assert (acme.country, acme.website, acme.notes) == ("Spain", "https://acme.example", "Keep me")
    assert Partner.objects.filter(name="Beta", website="", notes="").exists()


def test_an_empty_author_keeps_the_stored_one_and_a_named_one_replaces_it(
    tmp_path, program, django_user_model
):
    amorgan = django_user_model.objects.get(username="amorgan")
    other = django_user_model.objects.create(username="bsmith")
    certification = PartnerCertification.objects.create(
        partner=program["acme"],
        level=program["levels"][0],
        awarded_on=dt.date(2025, 1, 1),
        recorded_by=amorgan,
    )
    header = "partner,level,awarded_on,expires_on,revoked_on,notes,recorded_by\n"
    row = "Acme,Associate,2025-01-01,2027-01-01,,{notes},{author}\n"
    folder = write_files(
        tmp_path / "p", {"certifications.csv": header + row.format(notes="Checked", author="")}
    )
    assert run_import(folder)[2] == 0
    certification.refresh_from_db()
    assert (certification.notes, certification.recorded_by) == ("Checked", amorgan)
    folder = write_files(
        tmp_path / "q", {"certifications.csv": header + row.format(notes="", author="bsmith")}
    )
    assert run_import(folder)[2] == 0
    certification.refresh_from_db()
    assert (certification.notes, certification.recorded_by) == ("", other)


def test_reviews_obey_their_rules_at_their_lines(tmp_path, program, django_user_model):
    """A second open review of a partner for the same reason (here: one stored, one in the
    file), a closed one without an outcome, an owner who does not exist, a bad status."""
    owner = django_user_model.objects.create(username="owner")
    f.review(program["acme"], owner, reason="certification_gap")
    before = counts()
    folder = write_files(
        tmp_path / "p",
        {
            "remediation_reviews.csv": reviews_file(
                ",Acme,certification_gap,2026-01-05,amorgan,2026-02-05,,open,,,",
                ",Acme,other,2026-01-05,amorgan,2026-02-05,,resolved,,,2026-01-20",
                ",Acme,tier_stagnation,2026-01-05,nobody,2026-02-05,,open,,,",
                ",Acme,tier_stagnation,2026-01-05,amorgan,2026-02-05,,finished,,,",
            )
        },
    )
    out, err, status = run_import(folder)
    assert status == 1
    assert problems(err) == [
        "remediation_reviews.csv:2: -: This partner already has an open review for this reason.",
        "remediation_reviews.csv:3: outcome: Closing a review needs an outcome.",
        "remediation_reviews.csv:4: owner: No user 'nobody': add the user first, or let the "
        "import create missing users (inactive).",
        "remediation_reviews.csv:5: status: 'finished' is not a choice: use open, in_progress, "
        "resolved, partnership_reevaluated, closed_without_action.",
    ]
    assert counts() == before


def test_an_unknown_author_is_a_problem_at_its_line_unless_users_are_created(tmp_path, program):
    folder = write_files(
        tmp_path / "p",
        {"feedback.csv": feedback_file(",Acme,2025-01-10,call,training,4,Hello,no,jdoe")},
    )
    out, err, status = run_import(folder)
    assert status == 1
    assert problems(err) == [
        "feedback.csv:2: logged_by: No user 'jdoe': add the user first, or let the import "
        "create missing users (inactive)."
    ]
    out, err, status = run_import(folder, "--create-users")
    assert (status, err) == (0, "")
    jdoe = get_user_model().objects.get(username="jdoe")
    assert not jdoe.is_active
    assert PartnerFeedback.objects.get(comment="Hello").logged_by == jdoe


# --- The admin: export, sample, users ----------------------------------------------------


def zip_names(response):
    content = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_admin_exports_the_program_as_the_commands_folder(client, staff, program, tmp_path):
    client.force_login(staff)
    changelist = client.get(reverse("admin:partnerprogram_partner_changelist"))
    url = reverse("admin:partnerprogram_partner_export")
    assert url in changelist.text
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="partner-program-')
    files = zip_names(response)
    call_command("export_program", str(tmp_path / "cmd"), stdout=io.StringIO())
    expected = {path.name: path.read_bytes() for path in (tmp_path / "cmd").iterdir()}
    assert {name.split("/", 1)[1]: data for name, data in files.items()} == expected


def test_only_staff_who_may_view_every_record_export(client, viewer, make_user, program):
    url = reverse("admin:partnerprogram_partner_export")
    client.force_login(viewer)  # not staff: the admin sends them to its login
    assert client.get(url).status_code == 302
    client.force_login(make_user("clerk", is_staff=True))  # staff, no permissions
    assert client.get(url).status_code == 403


def test_the_admin_offers_the_sample_folder(client, staff):
    client.force_login(staff)
    page = client.get(reverse("admin:partnerprogram_partner_import"))
    url = reverse("admin:partnerprogram_partner_import_sample")
    assert url in page.text
    files = zip_names(client.get(url))
    # Every file but action items: they name their reviews by id, which in a program that
    # already has reviews would be its own.
    expected = [fmt.name for fmt in FORMATS if fmt.name != "action_items.csv"]
    assert sorted(files) == sorted(f"partner-program-sample/{name}" for name in expected)


def test_the_admin_creates_missing_users_only_for_who_may_add_users(client, staff, superuser):
    url = reverse("admin:partnerprogram_partner_import")

    def upload():
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for path in views.SAMPLE_DIR.iterdir():
                archive.write(path, f"sample/{path.name}")
        return SimpleUploadedFile("sample.zip", buffer.getvalue(), "application/zip")

    client.force_login(staff)
    refused = client.post(url, {"file": upload(), "create_users": "on"}, follow=True)
    assert "You may not add users (&#x27;sample.manager&#x27; is new)." in refused.text
    client.force_login(superuser)
    preview = client.post(url, {"file": upload(), "create_users": "on"}, follow=True)
    assert "New users, created inactive: sample.manager" in preview.text
    job_url = preview.redirect_chain[-1][0]
    done = client.post(job_url, {"confirm": "1"}, follow=True)
    assert "Imported" in done.text
    assert not get_user_model().objects.get(username="sample.manager").is_active
    assert Partner.objects.count() == 3


def test_a_problem_in_a_later_file_undoes_the_files_written_before_it(tmp_path, program):
    """Each file is written as soon as it is checked; a problem in a later one rolls back
    the whole import, history and stored state included."""
    before = counts()
    folder = write_files(
        tmp_path / "p",
        {
            "partners.csv": ["Beta,msp,EMEA,,,2024-02-01,,"],
            "tier_transitions.csv": ["Beta,,Registered,2024-02-01,Joined"],
            "feedback.csv": feedback_file(",Beta,2025-01-10,call,training,9,Too good,no,"),
        },
    )
    out, err, status = run_import(folder)
    assert status == 1
    assert problems(err) == ["feedback.csv:2: rating: A rating is from 1 to 5."]
    assert counts() == before
    assert not Partner.objects.filter(name="Beta").exists()


ACTIONS_HEADER = "id,partner,review,description,owner,due_on,done_on"


def actions_file(*rows):
    return "\n".join([ACTIONS_HEADER, *rows]) + "\n"


def test_action_items_name_a_review_of_the_folder_by_its_id_and_update_in_place(tmp_path, program):
    """A review and its items come in together; importing again changes nothing; an item
    marked done in the file is marked done in place."""
    review_row = "77,Acme,certification_gap,2026-01-05,amorgan,2026-02-05,,open,,,"
    items = [
        "501,Acme,77,Book the exam,amorgan,2026-01-20,",
        ",Acme,77,Send the study guide,amorgan,2026-01-10,2026-01-09",
    ]
    folder = write_files(
        tmp_path / "p",
        {
            "remediation_reviews.csv": reviews_file(review_row),
            "action_items.csv": actions_file(*items),
        },
    )
    out, err, status = run_import(folder)
    assert (status, err) == (0, "")
    assert "action_items.csv: 2 created, 0 updated, 0 unchanged" in out
    review = RemediationReview.objects.get(pk=77)
    assert [(i.description, i.due_on, i.done_on) for i in review.action_items.all()] == [
        ("Book the exam", dt.date(2026, 1, 20), None),
        ("Send the study guide", dt.date(2026, 1, 10), dt.date(2026, 1, 9)),
    ]
    assert review.action_items.get(description="Book the exam").pk == 501

    out, _, status = run_import(folder)
    assert status == 0 and "action_items.csv: 0 created, 0 updated, 2 unchanged" in out

    items[0] = "501,Acme,77,Book the exam,amorgan,2026-01-20,2026-01-18"
    write_files(folder, {"action_items.csv": actions_file(*items)})
    out, _, status = run_import(folder)
    assert status == 0 and "action_items.csv: 0 created, 1 updated, 1 unchanged" in out
    assert ActionItem.objects.get(pk=501).done_on == dt.date(2026, 1, 18)
    assert ActionItem.objects.count() == 2


def test_action_items_obey_their_rules_at_their_lines(tmp_path, program, django_user_model):
    """An unknown review, another partner's review, a due day before the review was opened,
    a day done in the future, no description, an unknown owner."""
    owner = django_user_model.objects.get(username="amorgan")
    acme = program["acme"]
    beta = f.partner("Beta", joined_on=dt.date(2024, 1, 1), region=acme.region)
    ours = f.review(acme, owner, opened_on=dt.date(2026, 1, 5))
    theirs = f.review(beta, owner, opened_on=dt.date(2026, 1, 5))
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    before = counts()
    folder = write_files(
        tmp_path / "p",
        {
            "action_items.csv": actions_file(
                ",Acme,999999,Call,amorgan,2026-01-20,",
                f",Acme,{theirs.pk},Call,amorgan,2026-01-20,",
                f",Acme,{ours.pk},Call,amorgan,2026-01-04,",
                f",Acme,{ours.pk},Call,amorgan,2026-01-20,{tomorrow}",
                f",Acme,{ours.pk},,amorgan,2026-01-20,",
                f",Acme,{ours.pk},Call,nobody,2026-01-20,",
            )
        },
    )
    out, err, status = run_import(folder)
    assert status == 1
    assert problems(err) == [
        "action_items.csv:2: review: No remediation review 999999: give the id of a review of "
        "remediation_reviews.csv or of this database.",
        f"action_items.csv:3: review: Review {theirs.pk} is not a review of Acme.",
        "action_items.csv:4: due_on: An action item cannot be due before its review was opened "
        "(5 Jan 2026).",
        "action_items.csv:5: done_on: An action item cannot be done in the future.",
        "action_items.csv:6: description: A value is required.",
        "action_items.csv:7: owner: No user 'nobody': add the user first, or let the import "
        "create missing users (inactive).",
    ]
    assert counts() == before
