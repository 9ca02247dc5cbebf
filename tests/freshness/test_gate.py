"""The gate of freshness.kept, with real concurrent transactions (PostgreSQL): figures
computed while a write is in flight are served but not kept; a write that comes while
figures are being kept waits, then adjusts them; an import in flight blocks no page."""

import threading
import time
from contextlib import contextmanager

import pytest
from django.db import connection, connections, transaction
from django.urls import reverse

from certifications import cube
from partnerprogram import freshness
from partnerprogram.freshness import LEVELS, kept
from tests import factories as f
from tests.freshness.checks import TODAY
from tests.kept import is_kept

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]
D = f.D
WAIT = 10  # seconds a thread waits for the other before giving up


@pytest.fixture(autouse=True)
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("Advisory locks need PostgreSQL; SQLite has one writer at a time.")


@pytest.fixture
def program():
    associate, *_ = f.standard_levels()
    registered, silver, *_ = f.standard_tiers()
    partners = []
    for name in ("Acme", "Bolt"):
        partner = f.partner(name, joined_on=D(2024, 1, 1))
        f.transition(partner, silver, D(2024, 1, 1), from_tier=None)
        partners.append(partner)
    return {"partners": partners, "associate": associate}


def cells(day):
    return sorted(cube.level_cube(day).cells, key=repr)


def live(day):
    return sorted(cube.live_cells(day), key=repr)


def in_thread(work):
    def run():
        try:
            work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def advisory_lock_awaited():
    """Wait until some session waits for an advisory lock (a write held at the gate)."""
    for _ in range(50):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.1)
    return False


@contextmanager
def award_in_flight(program):
    """Inside the block, a certification is awarded to Acme in another session whose
    transaction stays open; it commits at the block's end."""
    acme, associate = program["partners"][0], program["associate"]
    written, commit = threading.Event(), threading.Event()

    def award():
        with transaction.atomic():
            f.certification(acme, associate, TODAY)
            written.set()
            commit.wait(WAIT)

    writer = in_thread(award)
    assert written.wait(WAIT)
    try:
        yield
    finally:
        commit.set()
        writer.join()


def test_figures_computed_while_a_write_is_in_flight_are_served_but_not_kept(program):
    with award_in_flight(program):
        before = cells(TODAY)  # what is committed: nobody certified yet
        assert sum(cell[-1] for cell in before if cell[4] is not None) == 0
        assert not is_kept(LEVELS, TODAY)
    assert cells(TODAY) == live(TODAY)  # computed again, and kept this time
    assert is_kept(LEVELS, TODAY)
    assert sum(cell[-1] for cell in cells(TODAY) if cell[4] is not None) == 1


def test_a_write_while_figures_are_kept_waits_and_then_adjusts_them(program, monkeypatch):
    acme, associate = program["partners"][0], program["associate"]
    computing, finish = threading.Event(), threading.Event()
    figure = kept.registered(LEVELS)

    def slow_count(scopes, partners=None):
        counts = figure.count(scopes, partners)
        if partners is None:  # the computation being kept, not a write's share
            computing.set()
            finish.wait(WAIT)
        return counts

    monkeypatch.setitem(
        kept._figures, LEVELS, kept.Figure(LEVELS, slow_count, figure.variant, False)
    )
    reader = in_thread(lambda: cube.level_cube(TODAY))
    assert computing.wait(WAIT)
    writer = in_thread(lambda: f.certification(acme, associate, TODAY))
    advisory_lock_awaited()  # the write waits at the gate
    finish.set()
    reader.join()
    writer.join()
    monkeypatch.undo()
    assert is_kept(LEVELS, TODAY)
    assert cells(TODAY) == live(TODAY)  # the write's award is counted
    assert sum(cell[-1] for cell in cells(TODAY) if cell[4] is not None) == 1


def test_an_import_in_flight_blocks_no_page(program, client, viewer):
    acme, associate = program["partners"][0], program["associate"]
    written, commit = threading.Event(), threading.Event()
    committed = []

    def import_():
        with freshness.batch():
            f.certification(acme, associate, TODAY)
            written.set()
            commit.wait(WAIT)
        committed.append(True)

    writer = in_thread(import_)
    assert written.wait(WAIT)
    client.force_login(viewer)
    response = client.get(reverse("certifications:kpi"))
    assert response.status_code == 200
    assert not committed, "the page waited for the import"
    assert response.context["figures"].active_partners == 2
    assert not is_kept(LEVELS, TODAY)
    commit.set()
    writer.join()
    assert cells(TODAY) == live(TODAY)


@pytest.mark.parametrize("broken", ["writes do not hold the gate", "storing ignores the gate"])
def test_without_the_gate_a_wrong_figure_is_kept(program, monkeypatch, broken):
    """The tests above notice a broken gate: figures computed while the award is in flight
    are kept, and stay wrong once it commits."""
    if broken == "writes do not hold the gate":
        monkeypatch.setattr(kept, "writing", lambda names: None)
    else:
        storing = kept._storing
        monkeypatch.setattr(kept, "_storing", lambda stack, name: storing(stack, name) or True)
    with award_in_flight(program):
        cube.level_cube(TODAY)
    assert is_kept(LEVELS, TODAY)
    assert cells(TODAY) != live(TODAY)
