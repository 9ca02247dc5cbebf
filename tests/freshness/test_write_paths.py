"""Writes as managers make them (the admin, a bulk update, a text edit, a deleted user),
each checked on the pages' own figures: kept, adjusted in the write's transaction, equal to
a computation from the tables, and the page after the write as cheap as the one before."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certifications import cube
from certifications.kpis import certification_levels
from certifications.models import PartnerCertification
from partnerprogram.freshness import LEVELS, RISKS, STANDINGS, writes
from partnerprogram.freshness.stored import refresh_levels
from partnerprogram.kpis import standing_counts
from partnerprogram.models import Partner
from tests import factories as f
from tests.freshness.checks import disagreements, fill
from tests.kept import is_kept

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
D = f.D


@pytest.fixture
def program():
    """Associate < Professional < Expert; Registered < Silver (Associate) < ...; A and B in
    Silver since 2024; A holds the only certification (Associate, 2024-02-01, never
    expires); B holds none."""
    levels = f.standard_levels()
    tiers = f.standard_tiers(levels)
    a = f.partner("A", joined_on=D(2024, 1, 1))
    b = f.partner("B", joined_on=D(2024, 1, 1))
    for partner in (a, b):
        f.transition(partner, tiers[1], D(2024, 1, 1), from_tier=None)
    certification = f.certification(a, levels[0], D(2024, 2, 1))
    refresh_levels(TODAY)
    fill()
    return {"a": a, "b": b, "certification": certification, "tiers": tiers, "levels": levels}


def certified_today():
    return certification_levels(TODAY).target.cumulative_partners


def test_reassigning_a_certification_in_the_admin_moves_it_between_partners(
    client, superuser, program
):
    """The case of the issue: A loses the level it held through that certification alone,
    B gains it; the certified count stays 1 and A is below threshold."""
    a, b, certification = program["a"], program["b"], program["certification"]
    assert certified_today() == 1
    assert standing_counts(TODAY)["below_threshold"] == 1  # B
    client.force_login(superuser)
    url = reverse("admin:certifications_partnercertification_change", args=[certification.pk])
    response = client.post(
        url,
        {
            "partner": b.pk,
            "level": certification.level_id,
            "awarded_on": "2024-02-01",
            "expires_on": "",
            "revoked_on": "",
            "notes": "",
        },
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.current_level, b.current_level) == (None, program["levels"][0])
    assert is_kept(LEVELS, TODAY) and is_kept(STANDINGS, TODAY)  # adjusted, not dropped
    assert certified_today() == 1  # B now
    assert standing_counts(TODAY)["below_threshold"] == 1  # A now
    assert disagreements() == []


def test_a_queryset_update_of_an_expiry_is_reflected_at_once(program):
    PartnerCertification.objects.filter(partner=program["a"]).update(expires_on=TODAY)
    assert certified_today() == 0  # it expires on the day: no longer valid
    assert standing_counts(TODAY)["below_threshold"] == 2
    assert Partner.objects.get(pk=program["a"].pk).current_level is None
    assert is_kept(RISKS, TODAY)
    assert disagreements() == []


def test_a_text_edit_touches_no_figure_and_costs_two_queries(program):
    tier = program["tiers"][1]
    kept_before = cube.level_cube(TODAY).cells
    with CaptureQueriesContext(connection) as queries:
        tier.description = "Partners who sell and support the product."
        tier.save()
    # The old row (to see what changed), the UPDATE, and simple-history's record; the
    # transaction's own savepoint statements are not counted.
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 3, statements
    assert cube.level_cube(TODAY).cells == kept_before
    assert disagreements() == []


def test_the_page_after_a_write_reads_kept_figures_like_the_one_before(viewer_client, program):
    url = reverse("certifications:kpi")
    viewer_client.get(url)
    with CaptureQueriesContext(connection) as before:
        viewer_client.get(url)
    f.certification(program["b"], program["levels"][0], TODAY)
    with CaptureQueriesContext(connection) as after:
        response = viewer_client.get(url)
    assert len(after) == len(before)
    assert response.context["figures"].target.cumulative_partners == 2


def test_deleting_an_account_manager_moves_their_partners_out_of_their_segment(program, make_user):
    manager = make_user("leaving")
    Partner.objects.filter(pk=program["a"].pk).update(account_manager=manager)
    day, manager_id = dt.date(2025, 3, 31), manager.pk  # a closed quarter end: kept
    assert manager_id in cube.level_cube(day).counts(dimension="account_manager")
    manager.delete()
    assert is_kept(LEVELS, day)
    assert manager_id not in cube.level_cube(day).counts(dimension="account_manager")
    assert disagreements() == []


def test_rows_loaded_from_a_fixture_are_kept_true(program, tmp_path):
    fields = {
        "partner": program["b"].pk,
        "level": program["levels"][0].pk,
        "awarded_on": "2024-03-01",
        "expires_on": None,
        "revoked_on": None,
        "notes": "",
    }
    fixture = tmp_path / "award.json"
    fixture.write_text(
        json.dumps([{"model": "certifications.partnercertification", "fields": fields}])
    )
    call_command("loaddata", str(fixture), verbosity=0)
    assert Partner.objects.get(pk=program["b"].pk).current_level == program["levels"][0]
    assert certified_today() == 2
    assert disagreements() == []


def test_a_batch_forgets_the_ids_of_more_partners_than_it_lists(monkeypatch):
    """An import of 500,000 partners would otherwise hold every id it touched, to compute
    every partner's state at its end anyway."""
    monkeypatch.setattr(writes, "LIST_UP_TO", 2)
    batch = writes.Batch()
    batch.note_partners([1, 2])
    assert batch.change.partners == {1, 2}
    batch.note_partners([2, 3])
    assert batch.change.partners is None  # every partner
    batch.note_partners([4])
    assert batch.change.partners is None
