"""The Certification Levels cube of a day: active partners counted by region, partner type,
account manager, tier on the day and highest level held. Every figure of the KPI on that day,
for any segment and any breakdown, is a sum of its cells, so one query serves a whole page.

Where the cube of a day comes from (the same cells either way; tests hold them equal):
- today and closed fiscal quarter ends: their snapshot, computed once and kept until a write
  makes it stale (partnerprogram.state), today's from a GROUP BY over partners' stored
  current tier and current level (no subquery) when the stored state is current;
- any other day: computed live, each partner's tier and level on the day by correlated
  subqueries that walk the (partner, date) indexes.
"""

from contextlib import suppress
from dataclasses import dataclass

from django.db import IntegrityError, connections, transaction
from django.db.models import Count, Max, OuterRef, Subquery

from certifications.models import CertificationLevel, LevelSnapshot, PartnerCertification
from partnerprogram.models import Partner
from partnerprogram.segments import ALL, Dimension
from partnerprogram.state import (
    is_snapshot_day,
    keep_snapshot,
    levels_are_current,
    snapshots_version,
)
from tiers.models import tier_id_on

# The cube's keys, in the order of its cells: (region, type, manager, tier, level rank, n).
KEYS = ("region_id", "partner_type", "account_manager_id", "tier_id", "level_rank")
DIMENSION_KEY = {
    Dimension.REGION: 0,
    Dimension.PARTNER_TYPE: 1,
    Dimension.ACCOUNT_MANAGER: 2,
    Dimension.TIER: 3,
}


@dataclass(frozen=True)
class LevelCube:
    as_of: object
    cells: tuple  # (region_id, partner_type, account_manager_id, tier_id, level_rank, partners)
    source: str  # "state", "snapshot" or "live"

    def counts(self, segment=ALL, dimension=None):
        """{level rank or None: partners} of the segment; with a dimension,
        {segment key: {rank: partners}}. Sums cells, never partners."""
        wanted = _segment_keys(segment)
        grouped = {}
        for cell in self.cells:
            if any(value is not None and cell[i] != value for i, value in wanted):
                continue
            key = cell[DIMENSION_KEY[dimension]] if dimension else None
            by_rank = grouped.setdefault(key, {})
            by_rank[cell[4]] = by_rank.get(cell[4], 0) + cell[5]
        return grouped if dimension else grouped.get(None, {})


def _segment_keys(segment):
    return (
        (0, segment.region.pk if segment.region else None),
        (1, segment.partner_type or None),
        (2, segment.account_manager.pk if segment.account_manager else None),
        (3, segment.tier.pk if segment.tier else None),
    )


def level_rank_on(day, partner=None):
    """Subquery: the highest rank among the outer partner's certifications valid on `day`,
    or NULL. MAX over the partner's few rows needs no sort."""
    return Subquery(
        PartnerCertification.objects.valid_on(day)
        .filter(partner=partner or OuterRef("pk"))
        .values("partner")
        .annotate(rank=Max("level__rank"))
        .values("rank")
    )


def count_by(queryset, fields):
    """[(*fields, count)] of `queryset` grouped by `fields`. The queryset's rows are a
    materialized common table expression, so a per-row subquery (a partner's level on a day)
    is evaluated once per row: the ORM's own GROUP BY, and SQLite's flattening of a derived
    table, would evaluate it once more for the grouping."""
    connection = connections[queryset.db]
    sql, params = queryset.values(*fields).order_by().query.sql_with_params()
    columns = ", ".join(connection.ops.quote_name(field) for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH cube AS MATERIALIZED ({sql}) "
            f"SELECT {columns}, COUNT(*) FROM cube GROUP BY {columns}",
            params,
        )
        return [tuple(row) for row in cursor.fetchall()]


def live_cells(day):
    """The cube of `day` computed from the certifications and transitions."""
    partners = Partner.objects.active_on(day).annotate(
        tier_id=tier_id_on(day), level_rank=level_rank_on(day)
    )
    return count_by(partners, ["region_id", "partner_type", "account_manager_id", *KEYS[3:]])


def stored_cells(day):
    """The cube of today from the partners' stored current tier and level: an index-only
    GROUP BY (partner_cube); the levels' ranks are looked up afterwards, not joined."""
    ranks = dict(CertificationLevel.objects.values_list("pk", "rank"))
    rows = (
        Partner.objects.active_on(day)
        .values_list(
            "region_id",
            "partner_type",
            "account_manager_id",
            "current_tier_id",
            "current_level_id",
        )
        .annotate(partners=Count("*"))
        .order_by()
    )
    return [(*row[:4], ranks.get(row[4]), row[5]) for row in rows]


def level_cube(day):
    """The cube of `day`, from its snapshot, the stored state or a live computation."""
    return level_cubes([day])[day]


def level_cubes(days):
    """{day: cube} for several days: snapshots read in one query; a missing snapshot day
    (today, a closed quarter end) computed and kept; other days computed live."""
    cubes = {}
    snapshot_days = [day for day in days if is_snapshot_day(day)]
    stored = {}
    if snapshot_days:
        for row in LevelSnapshot.objects.filter(as_of__in=snapshot_days).values_list(
            "as_of", *KEYS, "partners"
        ):
            stored.setdefault(row[0], []).append(row[1:])
    for day in days:
        if day in stored:
            cells = tuple(cell for cell in stored[day] if cell[0] is not None)
            cubes[day] = LevelCube(day, cells, "snapshot")
        elif day in snapshot_days:
            cubes[day] = LevelCube(day, tuple(_store_snapshot(day)), "snapshot")
        else:
            cubes[day] = computed_cube(day)
    return cubes


def computed_cube(day):
    """The cube of `day` computed now: from the stored state when it is current, else live."""
    if levels_are_current(day):
        return LevelCube(day, tuple(stored_cells(day)), "state")
    return LevelCube(day, tuple(live_cells(day)), "live")


def _store_snapshot(day):
    """Compute the cube of a snapshot day and keep it, unless a write changed the data
    meanwhile. The marker row (no region) is unique per day, so two requests filling the
    same day at once store it once."""
    version = snapshots_version()
    cells = computed_cube(day).cells

    def store():
        with transaction.atomic():
            LevelSnapshot.objects.create(as_of=day, partners=0)
            LevelSnapshot.objects.bulk_create(
                LevelSnapshot(as_of=day, **dict(zip(KEYS, cell[:5], strict=True)), partners=cell[5])
                for cell in cells
            )

    with suppress(IntegrityError):  # another request stored it first: the same cells
        keep_snapshot(version, store)
    return cells
