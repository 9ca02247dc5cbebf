"""An import reads partners and their records a chunk of partners at a time (three rows in
these tests; thousands in use), through a temporary table that groups each partner's rows:
the outcome does not depend on where the file puts a partner's rows."""

import pytest

from certifications.models import PartnerCertification
from partnerprogram.models import Partner
from partnerprogram.transfer import writer
from tiers.models import TierTransition

from .conftest import counts, run_import, write_files

pytestmark = pytest.mark.django_db
BETA = "Beta,reseller,EMEA,France,amorgan,2024-02-01,,beta@example.com"
GAMMA = "Gamma,msp,EMEA,,,2024-02-01,,"
DELTA = "Delta,msp,EMEA,,,2024-02-01,,"


def test_a_partners_rows_far_apart_in_the_file_are_checked_together(tmp_path, program):
    # Beta's chain only holds with all three rows: enrolled in Registered on 2024-02-01,
    # Silver on 2024-06-01, Gold on 2024-09-01. The file gives them last first, with other
    # partners' rows between them, so that no chunk of three rows in file order holds them.
    folder = write_files(
        tmp_path,
        {
            "partners.csv": [BETA, GAMMA, DELTA],
            "tier_transitions.csv": [
                "Beta,Silver,Gold,2024-09-01,",
                "Gamma,,Registered,2024-02-01,",
                "Delta,,Registered,2024-02-01,",
                "Beta,Registered,Silver,2024-06-01,",
                "Gamma,Registered,Silver,2024-03-01,",
                "Beta,,Registered,2024-02-01,",
            ],
        },
    )
    out, err, status = run_import(folder)
    assert (status, err) == (0, "")
    assert "tier_transitions.csv: 6 created, 0 updated, 0 unchanged" in out
    beta = Partner.objects.get(name="Beta")
    chain = TierTransition.objects.filter(partner=beta).order_by("effective_on")
    assert [t.to_tier.name for t in chain] == ["Registered", "Silver", "Gold"]
    assert beta.current_tier.name == "Gold"


def test_a_name_repeated_far_down_the_file_is_still_found(tmp_path, program):
    epsilon = "Epsilon,msp,EMEA,,,2024-02-01,,"
    folder = write_files(tmp_path, {"partners.csv": [BETA, GAMMA, DELTA, epsilon, BETA]})
    before = counts()
    _, err, status = run_import(folder)
    assert status == 1
    assert err.splitlines()[0] == "partners.csv:6: name: 'Beta' is already on line 2."
    assert counts() == before


def test_a_stored_partner_whose_row_is_wrong_is_not_reported_again_in_later_files(
    tmp_path, program
):
    # Acme exists; its row is wrong, so it is not written, and the rows naming it in the
    # later files (in other chunks) are left unchecked rather than reported again: its
    # enrollment (it is in Registered already) would break its chain.
    folder = write_files(
        tmp_path,
        {
            "partners.csv": [BETA, GAMMA, DELTA, "Acme,reseller,EMEA,,,2024-13-01,,"],
            "certifications.csv": [
                "Beta,Associate,2024-03-01,,",
                "Gamma,Associate,2024-03-01,,",
                "Delta,Associate,2024-03-01,,",
                "Acme,Associate,2024-03-01,,",
            ],
            "tier_transitions.csv": [
                "Beta,,Registered,2024-02-01,",
                "Gamma,,Registered,2024-02-01,",
                "Delta,,Registered,2024-02-01,",
                "Acme,,Silver,2024-06-01,",
            ],
        },
    )
    _, err, status = run_import(folder)
    assert status == 1
    assert err.splitlines()[:-1] == [
        "partners.csv:5: joined_on: '2024-13-01' is not a date: use YYYY-MM-DD."
    ]
    assert not PartnerCertification.objects.exists()


def test_rows_found_wrong_after_they_were_planned_are_not_written_meanwhile(tmp_path, program):
    # Two open reviews of one partner for one reason: both rows are planned, then refused
    # together; the chunk is written without them (the database would refuse them), and
    # the import is rolled back.
    header = "id,partner,reason,opened_on,owner,due_on,action_plan,status,notes,outcome,closed_on"
    folder = write_files(
        tmp_path,
        {
            "remediation_reviews.csv": f"{header}\n"
            ",Acme,certification_gap,2024-05-01,amorgan,2024-06-01,,open,,,\n"
            ",Acme,certification_gap,2024-05-02,amorgan,2024-06-01,,open,,,\n"
        },
    )
    before = counts()
    _, err, status = run_import(folder)
    assert status == 1
    assert [line.split(": ")[0] for line in err.splitlines()[:-1]] == [
        "remediation_reviews.csv:2",
        "remediation_reviews.csv:3",
    ]
    assert counts() == before


def test_a_dry_run_writes_nothing_though_it_writes_as_it_checks(tmp_path, program):
    folder = write_files(
        tmp_path,
        {"partners.csv": [BETA], "certifications.csv": ["Beta,Associate,2024-03-01,,"]},
    )
    before = counts()
    out, err, status = run_import(folder, "--dry-run")
    assert (status, err) == (0, "")
    assert "certifications.csv: 1 created, 0 updated, 0 unchanged" in out
    assert counts() == before


def test_planner_statistics_are_refreshed_inside_the_import(tmp_path, program, monkeypatch):
    # ANALYZE runs inside the import's transaction (allowed on SQLite and PostgreSQL) each
    # time a table's new rows double: here after the first chunk of three partners.
    monkeypatch.setattr(writer, "ANALYZE_FROM", 2)
    folder = write_files(
        tmp_path, {"partners.csv": [BETA, GAMMA, DELTA, "Eta,msp,EMEA,,,2024-02-01,,"]}
    )
    out, err, status = run_import(folder)
    assert (status, err) == (0, "")
    assert Partner.objects.filter(name__in=["Beta", "Gamma", "Delta", "Eta"]).count() == 4
