"""Each kind of bad file: the import prints the exact `file:line: column: message` of each
problem, exits with status 1 and writes nothing."""

import pytest

from tests import factories as f

from .conftest import HEADERS, counts, run_import, write_files

pytestmark = pytest.mark.django_db

BETA = "Beta,reseller,EMEA,France,amorgan,2024-02-01,,beta@example.com"
PARTNER_COLUMNS = (
    "name, partner_type, region, country, account_manager, joined_on, ended_on, contact_email, "
    "contact_reminders, website, notes"
)

CASES = {
    "missing column": (
        {
            "partners.csv": "name,partner_type,region,country,account_manager,ended_on,"
            "contact_email\nBeta,reseller,EMEA,France,amorgan,,b@example.com\n"
        },
        ["partners.csv:1: joined_on: The column is missing."],
    ),
    "unknown column": (
        {"partners.csv": f"{HEADERS['partners.csv']},colour\n{BETA},red\n"},
        [f"partners.csv:1: colour: Unknown column; the columns are {PARTNER_COLUMNS}."],
    ),
    "bad date": (
        {"partners.csv": ["Beta,reseller,EMEA,France,amorgan,2024-02-30,,"]},
        ["partners.csv:2: joined_on: '2024-02-30' is not a date: use YYYY-MM-DD."],
    ),
    "unknown choice": (
        {"partners.csv": ["Beta,vendor,EMEA,France,amorgan,2024-02-01,,"]},
        [
            "partners.csv:2: partner_type: 'vendor' is not a choice: use reseller, "
            "distributor, msp, system_integrator, referral."
        ],
    ),
    "unknown level": (
        {"certifications.csv": ["Acme,Associate,2024-03-01,,", "Acme,Guru,2024-03-01,,"]},
        ["certifications.csv:3: level: Unknown level 'Guru'."],
    ),
    "unknown tier": (
        {"tier_transitions.csv": ["Acme,Registered,Diamond,2024-06-01,"]},
        ["tier_transitions.csv:2: to_tier: Unknown tier 'Diamond'."],
    ),
    "unknown partner": (
        {"feedback.csv": ["Nobody,2024-05-01,survey,training,4,Hi"]},
        ["feedback.csv:2: partner: Unknown partner 'Nobody'."],
    ),
    "unknown account manager": (
        {"partners.csv": ["Beta,reseller,EMEA,France,ghost,2024-02-01,,"]},
        [
            "partners.csv:2: account_manager: No user 'ghost': add the user first, or let the "
            "import create missing users (inactive)."
        ],
    ),
    "duplicate name in one file": (
        {"partners.csv": [BETA, "Gamma,msp,EMEA,,,2024-02-01,,", BETA]},
        ["partners.csv:4: name: 'Beta' is already on line 2."],
    ),
    "duplicate certification in one file": (
        {"certifications.csv": ["Acme,Associate,2024-03-01,,", "Acme,Associate,2024-03-01,,"]},
        ["certifications.csv:3: -: The same partner, level and awarded_on as line 2."],
    ),
    "expires before awarded": (
        {"certifications.csv": ["Acme,Associate,2024-03-01,2024-02-01,"]},
        ["certifications.csv:2: expires_on: A certification must expire after it was awarded."],
    ),
    "revoked before awarded": (
        {"certifications.csv": ["Acme,Expert,2024-03-01,,2024-02-01"]},
        [
            "certifications.csv:2: revoked_on: A certification cannot be revoked before it "
            "was awarded."
        ],
    ),
    "chain broken within the file": (
        {
            "tier_transitions.csv": [
                "Acme,Registered,Silver,2024-06-01,",
                "Acme,Gold,Platinum,2024-09-01,",
            ]
        },
        [
            "tier_transitions.csv:3: from_tier: The partner was in Silver on 31 Aug 2024, not "
            "in Gold."
        ],
    ),
    "chain broken against the database": (
        {"tier_transitions.csv": ["Acme,,Silver,2024-06-01,"]},
        [
            "tier_transitions.csv:2: from_tier: The partner was already in Registered on "
            "31 May 2024: an enrollment is only for a partner with no tier."
        ],
    ),
    "a new partner's chain must start with an enrollment": (
        {"partners.csv": [BETA], "tier_transitions.csv": ["Beta,Registered,Silver,2024-03-01,"]},
        [
            "tier_transitions.csv:2: from_tier: The partner had no tier on 29 Feb 2024: leave "
            "the from tier empty to record its enrollment."
        ],
    ),
    "two transitions of a partner on one day": (
        {
            "tier_transitions.csv": [
                "Acme,Registered,Silver,2024-06-01,",
                "Acme,Registered,Gold,2024-06-01,",
            ]
        },
        [
            "tier_transitions.csv:3: effective_on: This partner already has a tier transition "
            "on 1 Jun 2024."
        ],
    ),
    "transition before the partner joined": (
        {"partners.csv": [BETA], "tier_transitions.csv": ["Beta,,Registered,2024-01-15,"]},
        [
            "tier_transitions.csv:2: effective_on: The partner joined on 1 Feb 2024; a "
            "transition cannot take effect before that."
        ],
    ),
    "transition in the future": (
        {"tier_transitions.csv": ["Acme,Registered,Silver,2100-01-01,"]},
        [
            "tier_transitions.csv:2: effective_on: A tier transition cannot take effect in the "
            "future."
        ],
    ),
    "transition to the same tier": (
        {"tier_transitions.csv": ["Acme,Registered,Registered,2024-06-01,"]},
        ["tier_transitions.csv:2: to_tier: A transition must move to a different tier."],
    ),
    "partner joining after its stored transitions": (
        {"partners.csv": ["Acme,reseller,EMEA,,,2024-03-01,,"]},
        [
            "partners.csv:2: joined_on: The partner has a tier transition on 2024-01-01; it "
            "cannot join after that."
        ],
    ),
    "partner ending before it joined": (
        {"partners.csv": ["Beta,reseller,EMEA,France,,2024-02-01,2024-01-01,"]},
        ["partners.csv:2: ended_on: A partner cannot end before it joined (joined on 1 Feb 2024)."],
    ),
    "rating out of range": (
        {"feedback.csv": ["Acme,2024-05-01,survey,training,6,Too good"]},
        ["feedback.csv:2: rating: A rating is from 1 to 5."],
    ),
    "rating not a number": (
        {"feedback.csv": ["Acme,2024-05-01,survey,training,five,Hi"]},
        ["feedback.csv:2: rating: 'five' is not a whole number."],
    ),
    "feedback from the future": (
        {"feedback.csv": ["Acme,2100-05-01,survey,training,4,Hi"]},
        ["feedback.csv:2: received_on: Feedback cannot be received in the future."],
    ),
    "a required value left empty": (
        {"partners.csv": ["Beta,reseller,,France,,2024-02-01,,"]},
        ["partners.csv:2: region: A value is required."],
    ),
    "a bad email address": (
        {"partners.csv": ["Beta,reseller,EMEA,France,,2024-02-01,,not-an-email"]},
        ["partners.csv:2: contact_email: Enter a valid email address."],
    ),
    "a row of the wrong width": (
        {"partners.csv": ["Beta,reseller,EMEA"]},
        ["partners.csv:2: -: The row has 3 values; the header has 8 columns."],
    ),
    "a level that never lasts": (
        {"certification_levels.csv": ["Master,4,0"]},
        [
            "certification_levels.csv:2: validity_months: A validity is at least one month "
            "(empty: never expires)."
        ],
    ),
    "a rank already taken": (
        {"certification_levels.csv": ["Master,3,"]},
        [
            "certification_levels.csv:2: rank: Rank 3 is also the rank of Expert; each level "
            "has its own rank."
        ],
    ),
    "a tier requiring an unknown level": (
        {"tiers.csv": ["Diamond,5,Guru"]},
        ["tiers.csv:2: required_level: Unknown level 'Guru'."],
    ),
    "not UTF-8": (
        {
            "partners.csv": (
                f"{HEADERS['partners.csv']}\n{BETA}\nCaf\xe9 Gamma,msp,EMEA,,,2024-02-01,,\n"
            ).encode("latin-1")
        },
        [
            "partners.csv:3: -: The line is not UTF-8 text (byte 0xe9 at position 4): save "
            "the file as UTF-8."
        ],
    ),
    "a NUL character": (
        {"partners.csv": ["Beta\x00,reseller,EMEA,France,,2024-02-01,,"]},
        ["partners.csv:2: name: The value has a NUL character."],
    ),
    "a quote never closed": (
        {"feedback.csv": ['Acme,2024-05-01,survey,training,4,"Hi' + "x" * 140_000]},
        ["feedback.csv:2: -: Not CSV: field larger than field limit (131072)."],
    ),
    "only a header": (
        {"feedback.csv": []},
        ["feedback.csv:1: -: The file has a header but no rows: add rows or leave the file out."],
    ),
    "an empty file": (
        {"feedback.csv": ""},
        ["feedback.csv:1: -: The file is empty: it needs a header."],
    ),
    "a file that is not part of the format": (
        {"partner.csv": "name\nBeta\n"},
        [
            "partner.csv:1: -: Not a file of the format; expected certification_levels.csv, "
            "tiers.csv, partners.csv, certifications.csv, tier_transitions.csv, feedback.csv, "
            "remediation_reviews.csv, action_items.csv."
        ],
    ),
}


@pytest.mark.parametrize("files, expected", CASES.values(), ids=CASES.keys())
def test_a_bad_file_is_reported_at_its_line_and_nothing_is_written(
    tmp_path, program, files, expected
):
    before = counts()
    out, err, status = run_import(write_files(tmp_path / "program", files))
    assert status == 1
    problems = [line for line in err.splitlines() if not line.startswith("CommandError")]
    assert problems == expected
    assert f"{len(expected)} problem{'s' if len(expected) > 1 else ''}; nothing was written." in err
    assert out == ""
    assert counts() == before


def test_a_transition_that_breaks_the_next_stored_one_is_refused(tmp_path, program):
    registered, _, gold, _ = program["tiers"]
    f.transition(program["acme"], gold, f.D(2024, 9, 1))
    before = counts()
    folder = write_files(
        tmp_path / "program", {"tier_transitions.csv": ["Acme,Registered,Silver,2024-03-01,"]}
    )
    _, err, status = run_import(folder)
    assert status == 1
    assert err.splitlines()[0] == (
        "tier_transitions.csv:2: to_tier: This breaks the chain: the next transition, on "
        "1 Sep 2024, moves from Registered, so this one must move into that tier."
    )
    assert counts() == before


def test_every_problem_is_listed_in_file_and_line_order_not_only_the_first(tmp_path, program):
    folder = write_files(
        tmp_path / "program",
        {
            "partners.csv": [
                "Beta,vendor,EMEA,,,2024-02-01,,",
                "Gamma,msp,EMEA,,,2024-13-01,,",
                "Delta,msp,EMEA,,,2024-02-01,,",
            ],
            "certifications.csv": ["Delta,Guru,2024-03-01,,", "Delta,Associate,2024-03-01,,"],
            "feedback.csv": ["Delta,2024-05-01,fax,training,9,Hi"],
        },
    )
    _, err, status = run_import(folder)
    assert status == 1
    assert err.splitlines()[:-1] == [
        "partners.csv:2: partner_type: 'vendor' is not a choice: use reseller, distributor, "
        "msp, system_integrator, referral.",
        "partners.csv:3: joined_on: '2024-13-01' is not a date: use YYYY-MM-DD.",
        "certifications.csv:2: level: Unknown level 'Guru'.",
        "feedback.csv:2: channel: 'fax' is not a choice: use survey, qbr, email, call, portal.",
        "feedback.csv:2: rating: A rating is from 1 to 5.",
    ]
    assert err.splitlines()[-1] == "CommandError: 5 problems; nothing was written."


def test_rows_naming_a_partner_whose_own_row_is_wrong_are_not_reported_again(tmp_path, program):
    folder = write_files(
        tmp_path / "program",
        {
            "partners.csv": ["Beta,reseller,EMEA,,,not-a-date,,"],
            "certifications.csv": ["Beta,Associate,2024-03-01,,"],
            "tier_transitions.csv": ["Beta,,Registered,2024-03-01,"],
        },
    )
    _, err, _ = run_import(folder)
    assert err.splitlines()[:-1] == [
        "partners.csv:2: joined_on: 'not-a-date' is not a date: use YYYY-MM-DD."
    ]


def test_a_dry_run_with_problems_reports_them_the_same_way(tmp_path, program):
    folder = write_files(tmp_path / "program", {"feedback.csv": ["Acme,2024-05-01,survey,x,4,Hi"]})
    _, err, status = run_import(folder, "--dry-run")
    assert status == 1
    assert err.splitlines()[0].startswith("feedback.csv:2: topic: 'x' is not a choice")
