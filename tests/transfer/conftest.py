"""Builders for the transfer tests: a small program in the database, folders of CSV files
written from text, and the import command run as a user would run it."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from certifications.models import CertificationLevel, PartnerCertification
from partnerprogram.models import (
    ActionItem,
    Partner,
    PartnerFeedback,
    Region,
    RemediationReview,
)
from partnerprogram.transfer import spill
from tests import factories as f
from tiers.models import Tier, TierTransition

PROGRAM_MODELS = [
    Region,
    CertificationLevel,
    Tier,
    Partner,
    PartnerCertification,
    TierTransition,
    PartnerFeedback,
    RemediationReview,
    ActionItem,
]

HEADERS = {
    "certification_levels.csv": "name,rank,validity_months",
    "tiers.csv": "name,rank,required_level",
    "partners.csv": (
        "name,partner_type,region,country,account_manager,joined_on,ended_on,contact_email"
    ),
    "certifications.csv": "partner,level,awarded_on,expires_on,revoked_on",
    "tier_transitions.csv": "partner,from_tier,to_tier,effective_on,reason",
    "feedback.csv": "partner,received_on,channel,topic,rating,comment",
}


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    """Every import of these tests reads its files in chunks of three rows (a partner's rows
    still come whole): what an import of 500,000 partners does in chunks of thousands."""
    monkeypatch.setattr(spill, "BATCH", 3)


@pytest.fixture
def program(django_user_model):
    """Associate (24 months) < Professional < Expert; Registered < Silver < Gold < Platinum;
    one region, one account manager, and Acme: joined 2024-01-01, enrolled in Registered."""
    associate = f.level("Associate", 1, validity_months=24)
    professional = f.level("Professional", 2)
    expert = f.level("Expert", 3)
    tiers = f.standard_tiers((associate, professional, expert))
    django_user_model.objects.create(username="amorgan")  # no password: no slow hashing
    acme = f.partner("Acme", joined_on=f.D(2024, 1, 1), region=f.region("EMEA"))
    f.transition(acme, tiers[0], f.D(2024, 1, 1), from_tier=None)
    return {"acme": acme, "tiers": tiers, "levels": (associate, professional, expert)}


def write_files(folder, files):
    """Write {file name: rows} into `folder`: rows is a list of text lines after the usual
    header, text (the whole file as given) or bytes."""
    folder.mkdir(exist_ok=True)
    for name, content in files.items():
        if isinstance(content, list):
            content = "\n".join([HEADERS[name], *content]) + "\n"
        if isinstance(content, str):
            content = content.encode("utf-8")
        (folder / name).write_bytes(content)
    return folder


def run_import(folder, *args):
    """Run import_program; (stdout, stderr, exit status)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("import_program", str(folder), *args, stdout=out, stderr=err)
    except CommandError as error:
        err.write(f"CommandError: {error}\n")
        return out.getvalue(), err.getvalue(), error.returncode
    return out.getvalue(), err.getvalue(), 0


def counts():
    """Rows of every program model and of its history, to see that nothing was written."""
    return {
        model.__name__: (model.objects.count(), model.history.count()) for model in PROGRAM_MODELS
    }
