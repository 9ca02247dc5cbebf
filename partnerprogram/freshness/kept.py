"""Kept figures: KPI counts of a day or a period, stored so that pages read them instead of
computing them, and kept equal to a computation from the tables.

A figure is a set of counts by key (the Certification Levels cells, the risk counters,
...), each a sum over partners. The KPI module that computes it registers it with
`kept_figure`: a function `count(scopes, partners=None)` giving the counts of each scope (a
day, or a Period) over every partner, or only over the partners given. `counts()` answers
from the store and computes what is missing, keeping it when the scope is one that
`KEEP` names. Writes keep what is stored true (freshness.writes): they add the difference
their partners make (`add_differences`) or drop what they cannot adjust (`drop`).

Storage (models.KeptCount): a row per key and scope, plus a row with an empty key that
marks the scope as kept; a write adds rows of differences and never updates one, so
concurrent writes never wait for each other; the nightly refresh adds them up (`compact`).

The gate: a figure is stored only while no write that can move it is in flight, so that no
computation stores numbers a concurrent write has already changed. On PostgreSQL every write
holds a shared advisory lock per figure it moves until it commits (`writing`; shared locks
never wait for each other), and storing takes the exclusive lock without waiting: while a
write is in flight the page computes its figures and does not store them. On SQLite a write
holds the database's one write lock until it commits, and storing takes that lock without
waiting, to the same effect.
"""

import datetime as dt
import hashlib
from contextlib import ExitStack
from dataclasses import dataclass

from django.db import OperationalError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from partnerprogram.freshness.feeds import (
    ADVANCING,
    LEVEL_SEGMENTS,
    LEVEL_TOTALS,
    LEVELS,
    PARTNERS,
    PERIOD_TOTALS,
    RISKS,
    STAGNANT,
    STANDINGS,
)
from partnerprogram.models import KeptCount
from partnerprogram.rules.periods import Period, PeriodKind, quarter_ends

MARKER = ""


def snapshot_day(day):
    """Today, and the closed fiscal quarter ends: the days whose figures pages ask for again
    and again (trends, comparisons)."""
    today = timezone.localdate()
    return day == today or (day < today and quarter_ends(day, 1) == [day])


def any_day(day):
    return True


def started_period(period):
    """Closed periods and the one in progress: a write dated today or before moves the
    latter too, and it is adjusted like any other."""
    return period.start <= timezone.localdate()


# Which scopes of each figure are kept; the others are computed on every request.
KEEP = {
    LEVELS: snapshot_day,
    LEVEL_TOTALS: snapshot_day,
    LEVEL_SEGMENTS: snapshot_day,
    RISKS: snapshot_day,
    STANDINGS: snapshot_day,
    # a period's end, or today for one in progress: few are ever asked for (the nightly
    # refresh forgets the past todays)
    STAGNANT: any_day,
    ADVANCING: started_period,
    PERIOD_TOTALS: started_period,
    PARTNERS: any_day,
}


@dataclass(frozen=True)
class Figure:
    name: str
    count: object  # (scopes, partners=None) -> {scope: {key: count}}
    variant: object  # () -> str: the settings its counts depend on
    per_period: bool  # scopes are Periods (else days)


_figures = {}


def kept_figure(name, *, variant=None, per_period=False):
    """Register the decorated `count(scopes, partners=None)` as the computation of figure
    `name` (a name of freshness.feeds). `variant()` names the settings the counts depend
    on: figures kept under other settings are not read."""

    def register(count):
        _figures[name] = Figure(name, count, variant or (lambda: ""), per_period)
        return count

    return register


def registered(name):
    return _figures.get(name)


def _where(scope):
    """(day, period) of a scope in the store."""
    if isinstance(scope, Period):
        return scope.end, f"{scope.kind}:{scope.start.isoformat()}"
    return scope, ""


def _scope(figure, day, period):
    if not figure.per_period:
        return day
    kind, start = period.split(":")
    return Period(kind, dt.date.fromisoformat(start), day)


def counts(name, scopes):
    """{scope: {key: count}} of figure `name`: read when kept, else computed (and kept
    when KEEP says so and no write is in flight). A fixed number of queries."""
    figure = _figures[name]
    variant = figure.variant()
    scopes = list(dict.fromkeys(scopes))
    kept = [scope for scope in scopes if KEEP[name](scope)]
    result = {}
    if others := [scope for scope in scopes if scope not in kept]:
        result.update(figure.count(others))
    if kept:
        found = _read(name, variant, [_where(scope) for scope in kept])
        result.update({scope: found[_where(scope)] for scope in kept if _where(scope) in found})
        if missing := [scope for scope in kept if scope not in result]:
            result.update(_fill(figure, variant, missing))
    return result


def _read(name, variant, wheres):
    """{(day, period): {key: count}} of the kept scopes among `wheres`. One query, its rows
    added up here: a GROUP BY in the database sorted thousands of rows it need not."""
    # Looked up by the day as the database returns it: a date, or an ISO string (SQLite).
    wanted = {(day, period): (day, period) for day, period in wheres}
    wanted.update({(day.isoformat(), period): where for (day, period), where in wanted.items()})
    if not wanted:
        return {}
    table = connection.ops.quote_name(KeptCount._meta.db_table)
    days = sorted({day.isoformat() for day, _ in wheres})
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT day, period, key, count FROM {table} "
            f"WHERE figure = %s AND variant = %s AND day IN ({', '.join(['%s'] * len(days))})",
            [name, variant, *days],
        )
        rows = cursor.fetchall()
    found, marked = {}, set()
    for day, period, key, count in rows:
        where = wanted.get((day, period))
        if where is None:
            continue
        if key == MARKER:
            marked.add(where)
        else:
            counts = found.setdefault(where, {})
            counts[key] = counts.get(key, 0) + count
    return {where: {key: n for key, n in found.get(where, {}).items() if n} for where in marked}


def _fill(figure, variant, scopes):
    """Compute the scopes' counts, and store them if no write can move them meanwhile."""
    with ExitStack() as stack:
        may_store = _storing(stack, figure.name)
        computed = figure.count(scopes)
        if any(MARKER in counts for counts in computed.values()):
            raise ValueError(f"Figure {figure.name!r} counted under the empty key, the marker's.")
        if may_store:
            wheres = [_where(scope) for scope in scopes]
            _rows_of(figure.name, variant, wheres).delete()  # differences of a dropped day
            KeptCount.objects.bulk_create(
                [
                    KeptCount(
                        figure=figure.name,
                        variant=variant,
                        day=day,
                        period=period,
                        key=key,
                        count=count,
                    )
                    for scope, (day, period) in zip(scopes, wheres, strict=True)
                    for key, count in [(MARKER, 0), *computed[scope].items()]
                    if count or key == MARKER
                ]
            )
    return computed


def _rows_of(name, variant, wheres):
    condition = Q(pk__in=[])
    for day, period in wheres:
        condition |= Q(day=day, period=period)
    return KeptCount.objects.filter(condition, figure=name, variant=variant)


# --- The gate --------------------------------------------------------------------------------


def _lock_key(name):
    digest = hashlib.blake2b(f"partnerprogram.kept.{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def writing(names):
    """Hold the figures `names` against storing until this transaction ends (a write that
    may move them is in flight). Call inside the write's transaction."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql" or not names:
        return  # SQLite: the write's transaction holds the database's write lock
    keys = sorted(_lock_key(name) for name in names)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(["pg_advisory_xact_lock_shared(%s)"] * len(keys)), keys
        )


def _storing(stack, name):
    """Enter, on `stack`, a transaction in which figure `name` may be stored, and say
    whether it may: no write that can move it is in flight, and none can start until the
    transaction ends. Never waits."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        stack.enter_context(transaction.atomic())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_lock_key(name)])
            return cursor.fetchone()[0]
    if connection.in_atomic_block:
        # SQLite's transactions begin IMMEDIATE (settings): this one holds the write lock.
        stack.enter_context(transaction.atomic())
        return True
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        (timeout,) = cursor.fetchone()
        cursor.execute("PRAGMA busy_timeout = 0")
    try:
        stack.enter_context(transaction.atomic())  # BEGIN IMMEDIATE: refused while a write runs
        return True
    except OperationalError:
        return False
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(timeout)}")


# --- What writes do --------------------------------------------------------------------------


def kept_scopes(names, since):
    """{figure name: [scope]} of the registered figures `names` kept (under their current
    settings) for `since` and every later day (every day when `since` is None)."""
    rows = KeptCount.objects.filter(key=MARKER, figure__in=names)
    if since is not None:
        rows = rows.filter(day__gte=since)
    variants = {name: _figures[name].variant() for name in names if name in _figures}
    scopes = {name: [] for name in variants}
    for name, variant, day, period in rows.values_list("figure", "variant", "day", "period"):
        if variants.get(name) == variant:
            scopes[name].append(_scope(_figures[name], day, period))
    return scopes


def shares(scopes, partners):
    """{figure name: {scope: {key: count}}}: what `partners` count for in each kept scope."""
    if not partners:
        return {name: {scope: {} for scope in of} for name, of in scopes.items()}
    return {name: _figures[name].count(of, partners=partners) for name, of in scopes.items() if of}


def add_differences(before, after):
    """Add to the kept figures what changed between two `shares()` of the same scopes."""
    rows = []
    for name, by_scope in after.items():
        variant = _figures[name].variant()
        for scope, now in by_scope.items():
            then = before.get(name, {}).get(scope, {})
            day, period = _where(scope)
            for key in now.keys() | then.keys():
                if difference := now.get(key, 0) - then.get(key, 0):
                    rows.append(
                        KeptCount(
                            figure=name,
                            variant=variant,
                            day=day,
                            period=period,
                            key=key,
                            count=difference,
                        )
                    )
    KeptCount.objects.bulk_create(rows)


def drop(names, since):
    """Drop the kept figures `names` of `since` and every later day (every day when `since`
    is None): the next page computes them again."""
    rows = KeptCount.objects.filter(figure__in=names)
    if since is not None:
        rows = rows.filter(day__gte=since)
    rows.delete()


def forget_past_days(today):
    """Drop the figures of days that are kept no more (what was today's), and the scopes a
    period in progress asked for on a day gone by: its comparison windows (custom ranges of
    ADVANCING, "the first N days of the previous period") and its stagnant partners of that
    day (a day that ends no month). Tomorrow asks for others; kept, they would make every
    back-dated write adjust one more scope each day. Custom ranges people asked for go too:
    the next page computes them again."""
    day_figures = [name for name, keep in KEEP.items() if keep is snapshot_day]
    days = KeptCount.objects.filter(figure__in=day_figures, day__lt=today, key=MARKER)
    stale = [day for day in days.values_list("day", flat=True).distinct() if not snapshot_day(day)]
    KeptCount.objects.filter(figure__in=day_figures, day__in=stale).delete()
    KeptCount.objects.filter(figure=ADVANCING, period__startswith=f"{PeriodKind.RANGE}:").delete()
    stagnant_days = KeptCount.objects.filter(figure=STAGNANT, day__lt=today, key=MARKER)
    stale = [
        day
        for day in stagnant_days.values_list("day", flat=True).distinct()
        if (day + dt.timedelta(days=1)).day != 1
    ]
    KeptCount.objects.filter(figure=STAGNANT, day__in=stale).delete()


def compact():
    """Add up the rows of differences: one row per key and scope again. The rows added up
    are deleted by id, so a difference added meanwhile stays."""
    groups = (
        KeptCount.objects.exclude(key=MARKER)
        .values("figure", "variant", "day", "period", "key")
        .annotate(rows=Count("*"))
        .filter(rows__gt=1)
        .order_by()
    )
    with transaction.atomic():
        for group in groups:
            rows = KeptCount.objects.filter(**group_keys(group))
            ids, total = [], 0
            for pk, count in rows.values_list("pk", "count"):
                ids.append(pk)
                total += count
            KeptCount.objects.filter(pk__in=ids).delete()
            if total:
                KeptCount.objects.create(**group_keys(group), count=total)


def group_keys(group):
    return {field: group[field] for field in ("figure", "variant", "day", "period", "key")}
