"""Stored state and KPI snapshots: what keeps the pages fast at 500,000 partners, and what
keeps them true.

- Each partner's `current_tier` and `tier_changed_on` follow its transitions (tiers.services);
  its `current_level` is the highest certification level valid on the day recorded in
  ProgramState("levels"). Certifications expire with time, so `refresh_state` recomputes it
  every night; a certification write recomputes its partner's at once. KPI functions use it
  only when that day is today.
- Snapshots hold KPI counts of closed days (quarter ends) and periods. Any write that can
  change a figure of a day drops the snapshots of that day and later ones in the same
  transaction; they are computed again on demand, so a page never shows a figure that
  differs from a live computation.
"""

import datetime as dt

from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from partnerprogram.rules.periods import quarter_ends

LEVELS_KEY = "levels"
SNAPSHOTS_KEY = "snapshots"
# The day to keep figures that a write of any date may change (every dated write drops it).
EVERY_DAY = dt.date.max


def levels_state_date():
    """The day every partner's current_level was computed for, or None."""
    from partnerprogram.models import ProgramState

    return ProgramState.objects.filter(key=LEVELS_KEY).values_list("as_of", flat=True).first()


def levels_are_current(day):
    """True when stored levels can answer for `day`: it is today and the state was refreshed
    today (partners' tiers on today are their current tiers)."""
    return day == timezone.localdate() and levels_state_date() == day


def _stored_levels(day):
    """{field: expression} of the stored state that depends on certifications: the highest
    level valid on `day`, and the day the ones meeting the current tier's requirement end."""
    from certifications.kpis import level_id_on
    from partnerprogram.kpis import qualified_until_on

    return {"current_level": level_id_on(day), "qualified_until": qualified_until_on(day)}


def _differs(field, value):
    """Q: the stored `field` is not `value` (NULLs compared as values)."""
    return (
        Q(**{f"{value}__isnull": True, f"{field}__isnull": False})
        | Q(**{f"{value}__isnull": False, f"{field}__isnull": True})
        | (Q(**{f"{value}__isnull": False}) & ~Q(**{field: F(value)}))
    )


def refresh_levels(day=None):
    """Recompute every partner's current level and qualification end for `day` (default
    today). Only the partners whose values changed are written (a few each day): rewriting
    every row would bloat the table and its covering indexes on PostgreSQL."""
    from partnerprogram.models import Partner, ProgramState

    day = day or timezone.localdate()
    stored = _stored_levels(day)
    now = Partner.objects.annotate(**{f"{field}_now": value for field, value in stored.items()})
    changed = now.filter(
        _differs("current_level", "current_level_now")
        | _differs("qualified_until", "qualified_until_now")
    )
    with transaction.atomic():
        Partner.objects.filter(pk__in=changed.values("pk")).update(**_stored_levels(day))
        ProgramState.objects.update_or_create(key=LEVELS_KEY, defaults={"as_of": day})
    return day


def refresh_partner_level(partner_id):
    """Recompute one partner's current level and qualification end for the state's day
    (after a write to its certifications or its tier)."""
    from partnerprogram.models import Partner

    day = levels_state_date()
    if day is not None:
        Partner.objects.filter(pk=partner_id).update(**_stored_levels(day))


def is_snapshot_day(day):
    """Snapshots are kept for today (until a write or the night drops them) and for closed
    fiscal quarter ends; other days are computed live."""
    today = timezone.localdate()
    return day == today or (day < today and quarter_ends(day, 1) == [day])


def snapshots_version():
    """How many writes have dropped snapshots so far: read it before computing figures to
    keep, and keep them only if it has not moved (keep_snapshot)."""
    from partnerprogram.models import ProgramState

    kept = ProgramState.objects.filter(key=SNAPSHOTS_KEY).values_list("version", flat=True)
    return kept.first() or 0


def keep_snapshot(version, store):
    """Run `store()`, which writes snapshot rows, unless a write dropped snapshots since
    `version` was read: figures computed from data that a concurrent write has since changed
    are never kept. The version row is locked, and forget_snapshots() moves it before it
    deletes, so a write either waits for the rows kept here and deletes them, or has moved
    the version first."""
    from partnerprogram.models import ProgramState

    with transaction.atomic():
        current = (
            ProgramState.objects.select_for_update()
            .filter(key=SNAPSHOTS_KEY)
            .values_list("version", flat=True)
            .first()
        )
        if (current or 0) == version:
            store()


def remembered(name, day, compute, *, any_day=False):
    """The figures (JSON values) `compute()` gives for `day`, kept for a snapshot day
    (is_snapshot_day), or for any day with `any_day` (a period's end): a fixed number of
    queries, and one once kept. Figures of other days are computed every time."""
    from partnerprogram.models import FigureSnapshot

    if not (any_day or is_snapshot_day(day)):
        return compute()
    kept = FigureSnapshot.objects.filter(as_of=day, name=name).values_list("figures", flat=True)
    if (figures := kept.first()) is not None:
        return figures
    version = snapshots_version()
    figures = compute()
    keep_snapshot(
        version,
        lambda: FigureSnapshot.objects.bulk_create(
            [FigureSnapshot(as_of=day, name=name, figures=figures)], ignore_conflicts=True
        ),
    )
    return figures


def forget_snapshots(since=None, *, certifications=True, tiers=True):
    """Drop the KPI snapshots of `since` and every later day (all of them when `since` is
    None). Call it inside the transaction of the write that makes them stale. Figure
    snapshots mix both KPIs and go either way."""
    from certifications.models import LevelSnapshot
    from partnerprogram.models import FigureSnapshot, ProgramState
    from tiers.models import AdvancingSnapshot

    moved = ProgramState.objects.filter(key=SNAPSHOTS_KEY).update(
        version=F("version") + 1, as_of=timezone.localdate()
    )
    if not moved:
        ProgramState.objects.bulk_create(
            [ProgramState(key=SNAPSHOTS_KEY, as_of=timezone.localdate(), version=1)],
            ignore_conflicts=True,
        )
    kinds = [(FigureSnapshot, "as_of")]
    if certifications:
        kinds.append((LevelSnapshot, "as_of"))
    if tiers:
        kinds.append((AdvancingSnapshot, "end"))
    for model, field in kinds:
        rows = model.objects.all()
        if since is not None:
            rows = rows.filter(**{f"{field}__gte": since})
        rows.delete()


def forget_past_days(today):
    """Nightly: drop the cubes of days gone by that are no snapshot days any more (what was
    today's)."""
    from certifications.models import LevelSnapshot

    days = LevelSnapshot.objects.filter(as_of__lt=today).values_list("as_of", flat=True)
    stale = [day for day in days.distinct() if not is_snapshot_day(day)]
    LevelSnapshot.objects.filter(as_of__in=stale).delete()


def partners_changed(partner_ids, *, levels_changed=False, batch=5000):
    """After bulk writes that bypass the models' save() (an import): bring the stored state of
    these partners in step (last tier change, current level; everyone's level when levels or
    tiers changed) and drop every snapshot."""
    from partnerprogram.models import Partner
    from tiers.models import TierTransition

    day = levels_state_date()
    ids = sorted(partner_ids)
    for start in range(0, len(ids), batch):
        changes = {
            "tier_changed_on": Subquery(
                TierTransition.objects.filter(partner=OuterRef("pk"))
                .order_by("-effective_on")
                .values("effective_on")[:1]
            )
        }
        if day is not None:
            changes.update(_stored_levels(day))
        Partner.objects.filter(pk__in=ids[start : start + batch]).update(**changes)
    if levels_changed and day is not None:
        refresh_levels(day)
    forget_snapshots()
