"""The benchmark's hand-written SQL computes the same numbers as the pages (else its times
would compare different work), and every benchmarked page answers."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from certifications import cube
from certifications.models import PartnerCertification
from partnerprogram.devtools.benchmark import sql
from partnerprogram.devtools.benchmark.pages import FORM_PAGES, pages
from partnerprogram.freshness.stored import refresh_levels
from partnerprogram.kpis import at_risk, below_threshold
from partnerprogram.models import Partner

pytestmark = pytest.mark.django_db


def rows(statements):
    with connection.cursor() as cursor:
        results = []
        for statement, params in statements:
            cursor.execute(statement, params)
            results.append(cursor.fetchall())
        return results


def cells(values):
    return sorted((tuple(v) for v in values), key=repr)


@pytest.fixture
def program():
    call_command("seed_demo", "--partners", "80", "--seed", "5", stdout=StringIO())
    refresh_levels()


def test_the_hand_written_cubes_are_the_kpis_cubes(program):
    today = timezone.localdate()
    level_ranks = dict(
        connection.cursor().execute("SELECT id, rank FROM certifications_certificationlevel")
    )
    stored = [
        (*row[:4], level_ranks.get(row[4]), row[5]) for row in rows(sql.cube_stored(today))[0]
    ]
    assert cells(stored) == cells(cube.stored_cells(today))
    for day in (dt.date(2025, 3, 31), today - dt.timedelta(days=200)):
        assert cells(rows(sql.cube_live(day))[0]) == cells(cube.live_cells(day))


def test_the_hand_written_remediation_lists_are_the_pages(program):
    today = timezone.localdate()
    results = rows(sql.remediation_page(today, rows=""))
    below_count, below_rows, risk_count, risk_rows = results[-4:]
    assert below_count[0][0] == below_threshold(today).count()
    assert sorted(r[0] for r in below_rows) == sorted(p.pk for p in below_threshold(today))
    assert sorted(r[0] for r in risk_rows) == sorted(p.pk for p in at_risk(today))
    assert risk_count[0][0] == len(risk_rows)


def test_every_benchmarked_page_answers_and_its_sql_runs(program, admin_client):
    for page in pages():
        assert admin_client.get(page.url).status_code == 200, page.url
        rows(page.statements)


def test_the_form_pages_do_not_send_every_partner(program, admin_client):
    """A picker that lists every partner made these pages 25 MB at 500,000 partners; a
    page of a list names 25 of the 80 here."""
    names = list(Partner.objects.values_list("name", flat=True))
    for page in FORM_PAGES:
        content = admin_client.get(page.url).content.decode()
        assert sum(f">{name}<" in content or f'"{name}"' in content for name in names) <= 25, (
            page.url
        )


def test_the_benchmark_times_each_page_and_today_s_pages_after_a_write(program, tmp_path):
    import json

    output = tmp_path / "measured.json"
    call_command("benchmark", "--measure", str(output), "--repeat", "1", stdout=StringIO())
    data = json.loads(output.read_text())
    measured = {page["page"]: page for page in data["pages"]}
    assert list(measured) == [page.name for page in pages()]
    for page in pages():
        timed = measured[page.name]
        assert timed["queries"] > 0 and timed["median_ms"] > 0, page.name
        assert (timed["sql_median_ms"] > 0) == bool(page.statements), page.name
        assert (timed["after_write_ms"] is not None) == page.of_today, page.name
        assert timed["kilobytes"] > 0, page.name
    assert measured["dashboard"]["after_write_ms"] > 0
    assert set(data["writes"]) == {
        "tier description saved",
        "certification awarded today",
        "certification deleted",
    }
    assert not PartnerCertification.objects.filter(notes="benchmark").exists()  # withdrawn
