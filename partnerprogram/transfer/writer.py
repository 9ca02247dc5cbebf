"""The writes of a checked import, in bulk: a fixed number of queries per batch of rows,
whatever the size of the files. Every write keeps its change history, as the admin's do.
Call inside a transaction (the importer does)."""

from django.db import connection
from django.utils import timezone

from certifications.models import CertificationLevel, PartnerCertification
from partnerprogram.models import Partner, Region
from partnerprogram.state import partners_changed
from tiers.models import Tier, TierTransition

CHANGE_REASON = "Imported"
CREATE_BATCH = 5000
UPDATE_BATCH = 1000


def write(plans, state, *, user=None, progress=None):
    """Write every FilePlan (in the order given: referenced records first), the new regions
    before them and, after them, the current tier of each stored partner whose tier the
    transitions moved."""
    progress = progress or (lambda label, done, total: None)
    user_pk = user.pk if user else None
    history = History(user_pk)
    regions = [Region(name=ref.name) for ref in state.new_regions]
    Region.objects.bulk_create(regions)
    history.record(Region, regions)
    for ref, region in zip(state.new_regions, regions, strict=True):
        ref.pk = region.pk
    updated_partners = set()
    touched = set()  # partners whose certifications or transitions were written
    for plan in plans:
        total, done = plan.changed, 0
        for batch in _batches(plan.updated, UPDATE_BATCH):
            stored = plan.model.objects.in_bulk([pk for _, pk, _ in batch])
            objs = [stored[pk] for _, pk, _ in batch]
            ranks = [getattr(obj, "rank", None) for obj in objs]
            for obj, (_, _, values) in zip(objs, batch, strict=True):
                plan.apply(obj, values)
            if "rank" in plan.update_fields:
                _free_ranks(plan.model, objs, ranks)
            plan.model.objects.bulk_update(objs, plan.update_fields)
            history.record(plan.model, objs, update=True)
            touched.update(_partners_of(plan.model, objs))
            if plan.model is Partner:
                updated_partners.update(pk for _, pk, _ in batch)
            done += len(batch)
            progress(f"writing {plan.name}", done, total)
        for batch in _batches(plan.created, CREATE_BATCH):
            objs = [plan.build(values, user_pk) for _, values in batch]
            plan.model.objects.bulk_create(objs)
            history.record(plan.model, objs)
            touched.update(_partners_of(plan.model, objs))
            for (_, values), obj in zip(batch, objs, strict=True):
                plan.saved(values, obj)
            done += len(batch)
            progress(f"writing {plan.name}", done, total)
    _sync_current_tiers(state, updated_partners, history)
    ranks_changed = any(plan.changed and plan.model in (CertificationLevel, Tier) for plan in plans)
    if touched or ranks_changed:
        partners_changed(touched, levels_changed=ranks_changed)


def _partners_of(model, objs):
    """The partners whose stored state a written row may change."""
    if model is Partner:
        return [obj.pk for obj in objs]
    if model in (PartnerCertification, TierTransition):
        return [obj.partner_id for obj in objs]
    return []


def _batches(rows, size):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


class History:
    """Writes the history records of rows just written: what
    `Model.history.bulk_history_create(objs, default_change_reason="Imported")` writes, but
    as one INSERT ... SELECT per batch that copies the rows as stored into their history
    table. bulk_history_create builds a historical instance per row and was half of an
    import's time (50,000 partners: 55 s of writing against 22 s this way)."""

    def __init__(self, user_pk):
        self.user_pk = user_pk
        self.when = connection.ops.adapt_datetimefield_value(timezone.now())

    def record(self, model, objs, *, update=False):
        if not objs:
            return
        history = model.history.model
        quote = connection.ops.quote_name
        copied = [quote(field.column) for field in history.tracked_fields]
        extra = ["history_date", "history_change_reason", "history_type", "history_user"]
        columns = copied + [quote(history._meta.get_field(name).column) for name in extra]
        pk_column = quote(model._meta.pk.column)
        sql = (
            f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(columns)}) "
            f"SELECT {', '.join(copied)}, %s, %s, %s, %s FROM {quote(model._meta.db_table)} "
            f"WHERE {pk_column} IN ({', '.join(['%s'] * len(objs))}) ORDER BY {pk_column}"
        )
        params = [self.when, CHANGE_REASON, "~" if update else "+", self.user_pk]
        with connection.cursor() as cursor:
            cursor.execute(sql, params + [obj.pk for obj in objs])


def _free_ranks(model, objs, stored_ranks):
    """Ranks are unique and checked row by row, so levels that swap ranks would collide
    half-way: park the moved ones on free ranks first."""
    moving = [obj for obj, rank in zip(objs, stored_ranks, strict=True) if obj.rank != rank]
    if not moving:
        return
    wanted = [obj.rank for obj in moving]
    top = max(model.objects.order_by("-rank").values_list("rank", flat=True)[:1], default=0)
    top = max(top, *wanted)
    for offset, obj in enumerate(moving, start=1):
        obj.rank = top + offset
    model.objects.bulk_update(moving, ["rank"])
    for obj, rank in zip(moving, wanted, strict=True):
        obj.rank = rank


def _sync_current_tiers(state, updated_partners, history):
    """Partners already stored whose latest transition the import changed follow it, as
    tiers.services keeps them; those updated from partners.csv already carry it."""
    moved = [
        ref
        for ref in state.partners.values()
        if ref.old is not None
        and ref.pk not in updated_partners
        and (ref.tier.pk if ref.tier else None) != ref.stored_tier_pk
    ]
    for batch in _batches(moved, UPDATE_BATCH):
        stored = Partner.objects.in_bulk([ref.pk for ref in batch])
        for ref in batch:
            stored[ref.pk].current_tier_id = ref.tier.pk if ref.tier else None
        objs = list(stored.values())
        Partner.objects.bulk_update(objs, ["current_tier"])
        history.record(Partner, objs, update=True)
