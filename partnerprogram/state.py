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

from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

LEVELS_KEY = "levels"


def levels_state_date():
    """The day every partner's current_level was computed for, or None."""
    from .models import ProgramState

    return ProgramState.objects.filter(key=LEVELS_KEY).values_list("as_of", flat=True).first()


def levels_are_current(day):
    """True when stored levels can answer for `day`: it is today and the state was refreshed
    today (partners' tiers on today are their current tiers)."""
    return day == timezone.localdate() and levels_state_date() == day


def _stored_levels(day):
    """{field: expression} of the stored state that depends on certifications: the highest
    level valid on `day`, and the day the ones meeting the current tier's requirement end."""
    from certifications.kpis import level_id_on

    from .kpis import qualified_until_on

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
    from .models import Partner, ProgramState

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
    from .models import Partner

    day = levels_state_date()
    if day is not None:
        Partner.objects.filter(pk=partner_id).update(**_stored_levels(day))


def forget_snapshots(since=None, *, certifications=True, tiers=True):
    """Drop the KPI snapshots of `since` and every later day (all of them when `since` is
    None). Call it inside the transaction of the write that makes them stale."""
    from certifications.models import LevelSnapshot
    from tiers.models import AdvancingSnapshot, StagnantSnapshot

    if certifications:
        snapshots = LevelSnapshot.objects.all()
        if since is not None:
            snapshots = snapshots.filter(as_of__gte=since)
        snapshots.delete()
    if tiers:
        for model, field in ((AdvancingSnapshot, "end"), (StagnantSnapshot, "as_of")):
            rows = model.objects.all()
            if since is not None:
                rows = rows.filter(**{f"{field}__gte": since})
            rows.delete()


def partners_changed(partner_ids, *, levels_changed=False, batch=5000):
    """After bulk writes that bypass the models' save() (an import): bring the stored state of
    these partners in step (last tier change, current level; everyone's level when levels or
    tiers changed) and drop every snapshot."""
    from tiers.models import TierTransition

    from .models import Partner

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
