"""An import keeps the stored state and the KPI snapshots true, as the models' own writes do."""

import datetime as dt

import pytest
from django.utils import timezone

from certifications import cube
from partnerprogram.freshness import LEVELS
from partnerprogram.freshness.stored import refresh_levels
from partnerprogram.models import Partner
from tests.kept import is_kept
from tests.transfer.conftest import run_import, write_files

pytestmark = pytest.mark.django_db
QUARTER_END = dt.date(2025, 3, 31)


def cells(value):
    return sorted(value, key=repr)


def test_a_back_dated_import_refreshes_stored_levels_and_drops_stale_snapshots(tmp_path, program):
    today = timezone.localdate()
    refresh_levels(today)
    before = cube.level_cube(QUARTER_END)  # keeps the snapshot of 31 Mar 2025
    assert is_kept(LEVELS, QUARTER_END)
    assert cells(before.cells) == cells(cube.live_cells(QUARTER_END))
    # An Expert certification awarded in 2025 (never expires), and a Silver move in 2025.
    write_files(
        tmp_path,
        {
            "certifications.csv": ["Acme,Expert,2025-02-01,,"],
            "tier_transitions.csv": ["Acme,Registered,Silver,2025-03-01,Certified"],
        },
    )
    run_import(tmp_path)
    acme = Partner.objects.get(name="Acme")
    assert acme.current_level.name == "Expert"
    assert (acme.current_tier.name, acme.tier_changed_on) == ("Silver", dt.date(2025, 3, 1))
    assert not is_kept(LEVELS, QUARTER_END)
    after = cube.level_cube(QUARTER_END)
    assert cells(after.cells) == cells(cube.live_cells(QUARTER_END)) != cells(before.cells)
    assert cells(cube.level_cube(today).cells) == cells(cube.live_cells(today))
