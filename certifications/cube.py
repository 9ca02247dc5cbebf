"""The Certification Levels cube of a day: active partners counted by region, partner type,
account manager, tier on the day and highest level held. Every figure of the KPI on that day,
for any segment and any breakdown, is a sum of its cells, so one query serves a whole page.

Where the cube of a day comes from (the same cells either way; tests hold them equal):
- today and closed fiscal quarter ends: kept (partnerprogram.freshness), computed once and
  then kept true by every write;
- computed: from a GROUP BY over partners' stored current tier and current level (no
  subquery) when stored state answers for the day, else live, each partner's tier and level
  on the day by correlated subqueries that walk the (partner, date) indexes.
"""

import functools
from dataclasses import dataclass

from django.db import connections
from django.db.models import Count

from certifications.models import CertificationLevel, PartnerCertification
from partnerprogram import freshness
from partnerprogram.models import Partner
from partnerprogram.rules import days as day_rules
from partnerprogram.segments import ALL, Dimension
from tiers.models import TierTransition

NOT_CERTIFIED = "none"  # the totals' key of partners that hold no valid certification
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

    def counts(self, segment=ALL, dimension=None):
        """{level rank or None: partners} of the segment; with a dimension,
        {segment key: {rank: partners}}. Sums cells, never partners."""
        if dimension is None:
            return self.sums(segment)[None].get(None, {})
        return self.sums(segment, (dimension,))[dimension]

    def sums(self, segment=ALL, dimensions=()):
        """{None: {None: {rank: partners}}, dimension: {segment key: {rank: partners}}}: the
        segment's distribution, and its breakdown by each of `dimensions`, in one pass over
        the cells (a page that shows several breakdowns reads the cube once)."""
        wanted = [(i, value) for i, value in _segment_keys(segment) if value is not None]
        groups = [(None, None), *((d, DIMENSION_KEY[d]) for d in dimensions)]
        sums = {dimension: {} for dimension, _ in groups}
        for cell in self.cells:
            if wanted and any(cell[i] != value for i, value in wanted):
                continue
            rank, partners = cell[4], cell[5]
            for dimension, at in groups:
                by_rank = sums[dimension].setdefault(None if at is None else cell[at], {})
                by_rank[rank] = by_rank.get(rank, 0) + partners
        return sums


def _segment_keys(segment):
    return (
        (0, segment.region.pk if segment.region else None),
        (1, segment.partner_type or None),
        (2, segment.account_manager.pk if segment.account_manager else None),
        (3, segment.tier.pk if segment.tier else None),
    )


def level_rank_on(day):
    """Subquery: the rank of the outer partner's level on `day`, or NULL."""
    return day_rules.level_on(day, PartnerCertification.objects)


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


def live_cells(day, partners=None):
    """The cube of `day` computed from the certifications and transitions (of the partners
    `partners` only, when given)."""
    rows = Partner.objects.active_on(day)
    if partners is not None:
        rows = rows.filter(pk__in=partners)
    rows = rows.annotate(
        tier_id=day_rules.tier_on(day, TierTransition.objects), level_rank=level_rank_on(day)
    )
    return count_by(rows, ["region_id", "partner_type", "account_manager_id", *KEYS[3:]])


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


def computed_cells(day, partners=None):
    """The cube of `day` computed now: from stored state when it answers, else live."""
    if partners is None and freshness.stored_state_answers(day):
        return stored_cells(day)
    return live_cells(day, partners)


@freshness.kept_figure(freshness.LEVELS)
def level_counts(days, partners=None):
    """{day: {cell key: partners}}: the cube's cells as the counts freshness keeps."""
    return {day: {_key(cell): cell[5] for cell in computed_cells(day, partners)} for day in days}


def _key(cell):
    return "|".join("" if value is None else str(value) for value in cell[:5])


@functools.lru_cache(maxsize=65536)
def _cell_keys(key):
    """The keys of a kept cell (a few thousand distinct ones, read again and again)."""
    region, partner_type, manager, tier, rank = key.split("|")
    return (
        int(region),
        partner_type,
        int(manager) if manager else None,
        int(tier) if tier else None,
        int(rank) if rank else None,
    )


def _cell(key, partners):
    return (*_cell_keys(key), partners)


@freshness.kept_figure(freshness.LEVEL_TOTALS)
def level_totals_counts(days, partners=None):
    """{day: {level rank or "none": partners}}: the cube summed over its segments, for the
    whole program's headline and trend (a handful of rows where the cube has thousands)."""
    totals = {}
    for day in days:
        by_rank = totals[day] = {}
        for cell in computed_cells(day, partners):
            key = NOT_CERTIFIED if cell[4] is None else str(cell[4])
            by_rank[key] = by_rank.get(key, 0) + cell[5]
    return totals


# The segments a LEVEL_SEGMENTS key names: "<dimension>|<segment key>|<level rank>".
SEGMENT_DIMENSIONS = (Dimension.REGION, Dimension.PARTNER_TYPE, Dimension.ACCOUNT_MANAGER)


@freshness.kept_figure(freshness.LEVEL_SEGMENTS)
def level_segment_counts(days, partners=None):
    """{day: {"region|3|2": partners, ...}}: the cube summed by region, by partner type and
    by account manager (a hundred rows where the cube has thousands), for the segments in
    Action required that the remediation page and the dashboard show."""
    segments = {}
    for day in days:
        counts = segments[day] = {}
        for cell in computed_cells(day, partners):
            rank = "" if cell[4] is None else str(cell[4])
            for dimension in SEGMENT_DIMENSIONS:
                value = cell[DIMENSION_KEY[dimension]]
                key = f"{dimension.value}|{'' if value is None else value}|{rank}"
                counts[key] = counts.get(key, 0) + cell[5]
    return segments


def level_segments(day):
    """{dimension: {segment key: {level rank or None: active partners}}} on `day`, for the
    region, partner type and account manager dimensions: kept for today and closed quarter
    ends, else computed."""
    sums = {dimension: {} for dimension in SEGMENT_DIMENSIONS}
    for key, partners in freshness.counts(freshness.LEVEL_SEGMENTS, [day])[day].items():
        dimension, value, rank = key.split("|")
        dimension = Dimension(dimension)
        if dimension != Dimension.PARTNER_TYPE:
            value = int(value) if value else None
        by_rank = sums[dimension].setdefault(value, {})
        by_rank[int(rank) if rank else None] = partners
    return sums


def level_totals(days):
    """{day: {level rank or None: active partners}} of the whole program: kept for today and
    closed quarter ends, else computed."""
    counts = freshness.counts(freshness.LEVEL_TOTALS, days)
    return {
        day: {None if k == NOT_CERTIFIED else int(k): n for k, n in counts[day].items()}
        for day in days
    }


def level_cube(day):
    """The cube of `day`: kept for today and closed quarter ends, else computed."""
    return level_cubes([day])[day]


def level_cubes(days):
    """{day: cube} for several days: the kept ones read in one query, the others computed
    (and kept, for today and closed quarter ends)."""
    counts = freshness.counts(freshness.LEVELS, days)
    return {
        day: LevelCube(day, tuple(_cell(key, n) for key, n in counts[day].items())) for day in days
    }
