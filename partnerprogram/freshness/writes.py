"""What a write does to stored state and kept figures, as freshness.feeds declares it.

`watch(write)` surrounds every ORM write of a watched model (models.watched):

1. Before it: which declared fields change (none: nothing more to do), which partners the
   write touches and the first day it can move. Stored state is not written here: an
   update() or bulk_update() of it is refused, and a partner's save() writes back what is
   stored.
2. If the change is dated and touches few partners: lock them, and count their share of
   every kept figure it can move (`kept.shares`), on every kept day from that first day.
   After the write, compute their stored columns again, count their shares again, and add
   the difference (`kept.add_differences`). Figures are sums over partners, so this is
   exactly the change a computation from scratch would see.
3. Otherwise (a change of every day, such as a level's rank, or thousands of partners):
   compute the stored columns of the partners it touches (or of every partner) after the
   write, and drop the kept figures it moves from its first day (`kept.drop`).

`batch()` gathers the writes inside it (an import) and does step 3 once, at its end.
"""

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Min

from partnerprogram.freshness import kept, stored
from partnerprogram.freshness.feeds import EVERY_DAY, EVERY_PARTNER, FIGURES, SOURCES, STORED
from partnerprogram.models import Partner, WatchedModel

ADJUST_UP_TO = 1000  # partners: a write that touches more drops the kept figures it moves
LIST_UP_TO = 20000  # partners: a batch that touches more computes every partner's state


class FreshnessError(Exception):
    """A write that would make stored state false, refused before it is made."""


@dataclass
class Change:
    """What a write changes, known before it is made."""

    figures: set = field(default_factory=set)
    stored: set = field(default_factory=set)
    since: dt.date | None = dt.date.max  # the first day it moves (None: every day)
    partners: set | None = field(default_factory=set)  # None: every partner

    def add(self, feeds, days=()):
        if not (feeds.figures or feeds.stored):
            return
        self.figures.update(feeds.figures)
        self.stored.update(feeds.stored)
        if feeds.since == EVERY_DAY or self.since is None:
            self.since = None
        else:
            self.since = min([self.since, *days])

    def add_partners(self, partner_ids):
        if self.partners is not None:
            self.partners.update(pk for pk in partner_ids if pk is not None)

    @property
    def moves_anything(self):
        return bool(self.figures or self.stored)


def source_of(model):
    source = SOURCES.get(model._meta.label)
    if source is None:
        raise ImproperlyConfigured(
            f"{model._meta.label} is a watched model that partnerprogram.freshness.feeds does "
            "not declare: say which of its fields feed which figure."
        )
    return source


def _fed(source, names):
    """The fed fields among `names` (field names or attnames)."""
    return [name.removesuffix("_id") for name in names if name.removesuffix("_id") in source.feeds]


def _attname(model, name):
    return model._meta.get_field(name).attname


def _columns(model, source):
    """The attnames a change is read from: fed fields, the dates they are bounded by, the
    partner a row belongs to, and stored state."""
    names = {*source.feeds, *(f.since for f in source.feeds.values() if f.since != EVERY_DAY)}
    if source.partners == "partner":
        names.add("partner")
    return sorted({_attname(model, name) for name in [*names, *source.derived]})


def _refuse_stored(write, source):
    written = {name.removesuffix("_id") for name in write.fields or ()}
    if write.action in ("update", "bulk update") and written & set(source.derived):
        names = ", ".join(sorted(written & set(source.derived)))
        raise FreshnessError(
            f"{names} of {write.model._meta.verbose_name} is stored state that "
            "partnerprogram.freshness keeps from the partner's transitions and "
            "certifications: change those (tiers.services for transitions) instead."
        )


def _dates(row, feeds, get):
    since = feeds.since
    return [] if since == EVERY_DAY or get(row, since) is None else [get(row, since)]


def _by_attr(model):
    return lambda row, name: getattr(row, _attname(model, name))


def _by_name(row, name):
    return row.get(name)


def _by_key(model):
    return lambda row, name: row[_attname(model, name)]


def _partners_of(model, source, rows, get):
    """The partners the given rows concern (None: every partner, or too many to list)."""
    if source.partners == "pk":
        return {get(row, "id") for row in rows}
    if source.partners == "partner":
        return {get(row, "partner") for row in rows}
    if source.partners == EVERY_PARTNER:
        return None
    ids = [get(row, "id") for row in rows]
    relation = model._meta.get_field(source.partners).field.name  # a tier's current partners
    related = Partner.objects.filter(**{f"{relation}__in": ids})
    return set(related.values_list("pk", flat=True))


def _owned(source):
    """Rows that belong to a partner: adding or removing one changes all its fields. Other
    rows (levels, tiers) are referred to by nothing when they are added or can be removed."""
    return source.partners in ("pk", "partner")


def change_before(write, source):
    """The Change a write makes, read before it is made (None: it moves nothing)."""
    if not (source.feeds or source.rows.figures or source.rows.stored):
        return None
    model = write.model
    columns = _columns(model, source)
    if write.action in ("save", "delete"):
        instance = write.instance
        old = None
        if instance.pk is not None:
            old = model._base_manager.filter(pk=instance.pk).values("id", *columns).first()
        if write.action == "delete" and old is None:
            return None
        if old is not None and source.derived:
            for name in source.derived:  # write back what is stored, never a stale copy
                setattr(instance, _attname(model, name), old[_attname(model, name)])
        return _compare(write, source, old, instance)
    if write.action in ("update", "delete rows"):
        return _of_rows(write, source, columns)
    return _of_objs(write, source, columns)


def _compare(write, source, old, instance):
    model, change = write.model, Change()
    by_key, by_attr = _by_key(model), _by_attr(model)
    if old is None or write.action == "delete":
        changed = list(source.feeds) if _owned(source) else []
        change.add(source.rows)
    else:
        candidates = source.feeds if write.fields is None else _fed(source, write.fields)
        changed = [n for n in candidates if by_key(old, n) != by_attr(instance, n)]
    for name in changed:
        feeds = source.feeds[name]
        days = _dates(instance, feeds, by_attr) if write.action == "save" else []
        change.add(feeds, days + (_dates(old, feeds, by_key) if old else []))
    if not change.moves_anything:
        return None
    change.partners = _partners_of(model, source, [old] if old else [], by_key)
    if write.action == "save" and source.partners == "partner":
        change.add_partners([instance.partner_id])
    return change


def _of_rows(write, source, columns):
    """The change of update() (its `values`) or delete() of the QuerySet `write.rows`."""
    model, change = write.model, Change()
    rows = write.rows.order_by()
    if write.action == "delete rows":
        changed = list(source.feeds) if _owned(source) else []
        change.add(source.rows)
    else:
        changed = _fed(source, write.fields)
    dated = {feeds.since for name in changed if (feeds := source.feeds[name]).since != EVERY_DAY}
    firsts = rows.aggregate(**{since: Min(since) for since in dated})
    for name in changed:
        feeds = source.feeds[name]
        days = _dates(firsts, feeds, _by_name)
        new = (write.values or {}).get(feeds.since)
        if isinstance(new, dt.date):
            days.append(new)
        elif new is not None:  # an expression: the days it sets are known once it is made
            days.append(dt.date.min)
        change.add(feeds, days)
    if not change.moves_anything:
        return None
    if _owned(source):
        limit = None if _batch.get() else ADJUST_UP_TO
        ids = rows.values_list("pk" if source.partners == "pk" else "partner_id", flat=True)
        listed = list(ids.distinct() if limit is None else ids.distinct()[: limit + 1])
        change.partners = set(listed) if limit is None or len(listed) <= limit else None
        new_partner = (write.values or {}).get("partner")
        if new_partner is not None:
            change.add_partners([getattr(new_partner, "pk", new_partner)])
    else:
        change.partners = _partners_of(model, source, rows.values("id"), _by_key(model))
    return change


def _of_objs(write, source, columns):
    """The change of bulk_create() or bulk_update() of the instances `write.objs`."""
    model, change = write.model, Change()
    by_attr = _by_attr(model)
    if write.action == "create":
        changed = list(source.feeds) if _owned(source) else []
        change.add(source.rows)
        olds = []
    else:
        changed = _fed(source, write.fields)
        pks = [obj.pk for obj in write.objs]
        olds = list(model._base_manager.filter(pk__in=pks).values("id", *columns))
    for name in changed:
        feeds = source.feeds[name]
        days = [day for obj in write.objs for day in _dates(obj, feeds, by_attr)]
        days += [day for old in olds for day in _dates(old, feeds, _by_key(model))]
        change.add(feeds, days)
    if not change.moves_anything:
        return None
    change.partners = _partners_of(model, source, olds, _by_key(model))
    if source.partners == "partner":
        change.add_partners(obj.partner_id for obj in write.objs)
    return change


def partners_after(write, source):
    """The partners a write concerns that only exist, or are only known, once it is made."""
    written = (write.instance,) if write.action == "save" else write.objs
    if source.partners == "pk" and write.action in ("save", "create"):
        return {obj.pk for obj in written}
    if source.partners == "partner" and write.action in ("save", "create", "bulk update"):
        return {obj.partner_id for obj in written}
    return set()


# --- The watch ---------------------------------------------------------------------------


@contextmanager
def watch(write):
    """Keep stored state and kept figures true across `write` (see the module's doc)."""
    source = source_of(write.model)
    _refuse_stored(write, source)
    change = change_before(write, source)
    if change is None:
        yield
        return
    pending = _batch.get()
    if pending is not None:
        pending.note(change)
        yield
        pending.note_partners(partners_after(write, source))
        return
    kept.writing(change.figures)
    if (
        change.since is not None
        and change.partners is not None
        and (len(change.partners) <= ADJUST_UP_TO)
    ):
        yield from _adjusting(write, source, change)
    else:
        yield
        touched = change.partners
        if touched is not None:
            touched |= partners_after(write, source)
        stored.recompute(touched, change.stored)
        kept.drop(change.figures, change.since)


def _adjusting(write, source, change):
    list(
        Partner.objects.select_for_update()
        .filter(pk__in=sorted(change.partners))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    registered = {name for name in change.figures if kept.registered(name)}
    kept.drop(change.figures - registered, change.since)  # no computation to adjust them with
    scopes = kept.kept_scopes(registered, change.since)
    before = kept.shares(scopes, change.partners)
    yield
    partners = change.partners | partners_after(write, source)
    stored.recompute(partners, change.stored)
    kept.add_differences(before, kept.shares(scopes, partners))


def raw_saved(sender, instance, raw, **kwargs):
    """A post_save receiver for the rows fixtures load (loaddata saves them raw, around
    save()): the row's partners' stored state is computed again and every kept figure
    dropped, in loaddata's transaction."""
    if not raw or not issubclass(sender, WatchedModel):
        return
    source = source_of(sender)
    if source.feeds or source.rows.figures:
        stored.recompute(_partners_of(sender, source, [instance], _by_attr(sender)), STORED)
        kept.drop(FIGURES, None)


# --- Batches -----------------------------------------------------------------------------

_batch = ContextVar("freshness_batch", default=None)


class Batch:
    """The writes of a batch, noted as they are made and dealt with at its end."""

    def __init__(self):
        self.change = Change()

    def note(self, change):
        self.change.figures |= change.figures
        self.change.stored |= change.stored
        self.change.since = (
            None
            if None in (self.change.since, change.since)
            else min(self.change.since, change.since)
        )
        if change.partners is None:
            self.change.partners = None
        else:
            self.note_partners(change.partners)

    def note_partners(self, partner_ids):
        self.change.add_partners(partner_ids)
        if self.change.partners is not None and len(self.change.partners) > LIST_UP_TO:
            # `finish` will compute every partner: a batch that touches many (an import of
            # 500,000) need not hold their ids.
            self.change.partners = None

    def everything_changed(self):
        """For rows written around the ORM (raw SQL): every figure of every day, every
        partner's stored state."""
        self.note(Change(set(FIGURES), set(STORED), None, None))

    def finish(self):
        change = self.change
        if change.moves_anything:
            stored.recompute(change.partners, change.stored)
            kept.drop(change.figures, None if change.since == dt.date.max else change.since)


@contextmanager
def batch():
    """Gather every write inside it into one transaction and bring stored state and kept
    figures in step once, at its end (an import of thousands of rows). Nested batches are
    part of the outer one."""
    current = _batch.get()
    if current is not None:
        yield current
        return
    with transaction.atomic():
        kept.writing(FIGURES)
        pending = Batch()
        token = _batch.set(pending)
        try:
            yield pending
        finally:
            _batch.reset(token)
        pending.finish()
