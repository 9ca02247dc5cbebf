"""What a good import writes: rows matched by natural key and updated, or created; the
current tier following the transitions; history on every write; dry runs write nothing."""

import zipfile

import pytest

from certifications.models import CertificationLevel, PartnerCertification
from partnerprogram.models import Partner, PartnerFeedback, Region
from partnerprogram.transfer.sources import format_of_file_name
from tests import factories as f
from tiers.models import TierTransition

from .conftest import HEADERS, counts, run_import, write_files

pytestmark = pytest.mark.django_db
D = f.D


def test_a_changed_partner_is_updated_with_history_and_the_rest_left_alone(tmp_path, program):
    f.partner("Beta", joined_on=D(2024, 2, 1), region=f.region("EMEA"))
    folder = write_files(
        tmp_path / "p",
        {
            "partners.csv": [
                "Acme,reseller,emea,Spain,amorgan,2024-01-01,,acme@example.com",
                "Beta,reseller,EMEA,,,2024-02-01,,",
            ]
        },
    )
    out, _, status = run_import(folder)
    assert status == 0
    assert "partners.csv: 0 created, 1 updated, 1 unchanged" in out
    acme = Partner.objects.get(name="Acme")
    assert (acme.country, acme.account_manager.username, acme.region.name) == (
        "Spain",
        "amorgan",
        "EMEA",  # matched without case; no new region
    )
    assert acme.current_tier.name == "Registered"  # kept: the transitions did not move
    latest = acme.history.first()
    assert (latest.history_type, latest.history_change_reason, latest.country) == (
        "~",
        "Imported",
        "Spain",
    )
    assert Partner.objects.get(name="Beta").history.count() == 1  # only its creation
    assert Region.objects.count() == 1


def test_new_regions_are_created_and_reported(tmp_path, program):
    folder = write_files(
        tmp_path / "p",
        {
            "partners.csv": [
                "Beta,msp,Nordics,Sweden,,2024-02-01,,",
                "Gamma,msp,nordics,,,2024-02-01,,",
            ]
        },
    )
    out, _, _ = run_import(folder)
    assert "New regions: Nordics" in out
    assert list(Region.objects.values_list("name", flat=True)) == ["EMEA", "Nordics"]
    assert Partner.objects.get(name="Gamma").region.name == "Nordics"
    assert Region.history.get(name="Nordics").history_change_reason == "Imported"


def test_transitions_move_the_current_tier_and_new_partners_start_in_theirs(tmp_path, program):
    folder = write_files(
        tmp_path / "p",
        {
            "partners.csv": ["Beta,msp,EMEA,,,2024-02-01,,"],
            "tier_transitions.csv": [
                "Acme,Registered,Silver,2024-06-01,Certified",
                "Beta,,Registered,2024-02-01,Joined",
                "Acme,Silver,Gold,2024-09-01,",
                "Beta,Registered,Silver,2024-05-01,",
            ],
        },
    )
    out, _, status = run_import(folder)
    assert status == 0
    assert "tier_transitions.csv: 4 created, 0 updated, 0 unchanged" in out
    acme, beta = Partner.objects.order_by("name")
    assert (acme.current_tier.name, beta.current_tier.name) == ("Gold", "Silver")
    # The current tier is stored state, not an edit of the partner: the transitions carry
    # the history of the move.
    assert acme.history.count() == 1
    assert {t.history.get().history_change_reason for t in acme.tier_transitions.all()} == {
        None,  # the enrollment, recorded before the import
        "Imported",
    }
    assert beta.history.count() == 1
    assert list(
        beta.tier_transitions.order_by("effective_on").values_list(
            "from_tier__name", "to_tier__name"
        )
    ) == [(None, "Registered"), ("Registered", "Silver")]


def test_a_stored_transition_is_matched_by_partner_day_and_tier_and_updated(tmp_path, program):
    folder = write_files(
        tmp_path / "p", {"tier_transitions.csv": ["Acme,,Registered,2024-01-01,Joined the program"]}
    )
    out, _, _ = run_import(folder)
    assert "tier_transitions.csv: 0 created, 1 updated, 0 unchanged" in out
    assert TierTransition.objects.get().reason == "Joined the program"


def test_an_empty_expiry_takes_the_levels_validity_and_dates_update(tmp_path, program):
    folder = write_files(
        tmp_path / "p",
        {"certifications.csv": ["Acme,Associate,2024-03-01,,", "Acme,Expert,2024-03-01,,"]},
    )
    run_import(folder)
    associate, expert = PartnerCertification.objects.order_by("level__rank")
    assert associate.expires_on == D(2026, 3, 1)  # 24 months
    assert expert.expires_on is None  # a level that never expires
    write_files(tmp_path / "p", {"certifications.csv": ["Acme,Associate,2024-03-01,,2025-01-01"]})
    out, _, _ = run_import(folder)
    assert "certifications.csv: 0 created, 1 updated, 0 unchanged" in out
    associate.refresh_from_db()
    assert associate.revoked_on == D(2025, 1, 1)


def test_feedback_with_the_same_key_imports_as_two_entries_and_again_as_none(tmp_path, program):
    rows = ["Acme,2024-05-01,survey,training,4,Great.", "Acme,2024-05-01,call,support,2,Great."]
    folder = write_files(tmp_path / "p", {"feedback.csv": rows})
    assert "feedback.csv: 2 created" in run_import(folder)[0]
    assert "feedback.csv: 0 created, 0 updated, 2 unchanged" in run_import(folder)[0]
    assert sorted(PartnerFeedback.objects.values_list("channel", "rating")) == [
        ("call", 2),
        ("survey", 4),
    ]


def test_levels_may_swap_ranks(tmp_path, program):
    folder = write_files(
        tmp_path / "p", {"certification_levels.csv": ["Associate,2,24", "Professional,1,"]}
    )
    out, _, status = run_import(folder)
    assert status == 0
    assert "certification_levels.csv: 0 created, 2 updated, 0 unchanged" in out
    assert list(CertificationLevel.objects.values_list("name", flat=True)) == [
        "Professional",
        "Associate",
        "Expert",
    ]


def test_a_dry_run_reports_what_it_would_do_and_writes_nothing(tmp_path, program):
    folder = write_files(tmp_path / "p", {"partners.csv": ["Beta,msp,Nordics,,,2024-02-01,,"]})
    before = counts()
    out, _, status = run_import(folder, "--dry-run")
    assert status == 0
    assert "partners.csv: 1 created, 0 updated, 0 unchanged" in out
    assert "Dry run: the files are valid; nothing was written." in out
    assert counts() == before


def test_spreadsheet_habits_are_accepted(tmp_path, program):
    """A byte-order mark, capitalised headers in another order, CRLF line ends, quoted
    values and blank trailing rows."""
    content = (
        "\ufeffName , Partner_Type,Region,Country,Account_Manager,Joined_On,Ended_On,"
        "Contact_Email\r\n"
        '"Beta, Inc.",msp,EMEA,"Côte d\'Ivoire",,2024-02-01,,\r\n'
        ",,,,,,,\r\n\r\n"
    )
    out, err, status = run_import(write_files(tmp_path / "p", {"partners.csv": content}))
    assert (status, err) == (0, "")
    assert Partner.objects.get(name="Beta, Inc.").country == "Côte d'Ivoire"


def test_a_zip_or_a_single_named_csv_imports_like_the_folder(tmp_path, program):
    archive = tmp_path / "program.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(
            "program/partners.csv", f"{HEADERS['partners.csv']}\nBeta,msp,EMEA,,,2024-02-01,,\n"
        )
        zipped.writestr("__MACOSX/program/._partners.csv", "junk")
    assert run_import(archive)[2] == 0
    single = tmp_path / "partners (2).csv"
    single.write_text(f"{HEADERS['partners.csv']}\nGamma,msp,EMEA,,,2024-02-01,,\n")
    assert run_import(single)[2] == 0
    assert list(Partner.objects.values_list("name", flat=True)) == ["Acme", "Beta", "Gamma"]


@pytest.mark.parametrize(
    "file_name, expected",
    [
        ("partners.csv", "partners.csv"),
        ("Partners (2).CSV", "partners.csv"),
        ("certifications-2026-11.csv", "certifications.csv"),
        ("certification_levels.csv", "certification_levels.csv"),
        ("tier_transitions_q3.csv", "tier_transitions.csv"),
        ("tiers.csv", "tiers.csv"),
        ("partnership.csv", None),
        ("export.csv", None),
    ],
)
def test_a_single_csv_is_known_by_its_file_name(file_name, expected):
    assert format_of_file_name(file_name) == expected
