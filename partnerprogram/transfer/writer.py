"""The writes of a checked import, in bulk: a fixed number of queries per batch of rows,
whatever the size of the files. Every write keeps its change history, as the admin's do, and
goes through partnerprogram.freshness as one batch. Call inside a transaction (the importer
does)."""

from contextlib import ExitStack

from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone

from partnerprogram import freshness
from partnerprogram.models import Region
from partnerprogram.models.watched import Write, observed
from partnerprogram.transfer import bulk_sql

CHANGE_REASON = "Imported"
CREATE_BATCH = 5000
UPDATE_BATCH = 1000
ANALYZE_FROM = 5000  # rows created in a table before its planner statistics are refreshed


class Writing:
    """Writes the FilePlans of an import one by one, each as soon as its file is checked
    (referenced records first), with the users and regions it names that are new. Stored
    state and kept figures are brought in step once, when the block ends; an exception in
    it leaves them untouched. Enter inside the import's transaction."""

    def __init__(self, state, *, user=None, progress=None):
        self.state = state
        self.progress = progress or (lambda label, done, total: None)
        self.user_pk = user.pk if user else None
        self.history = History(self.user_pk)
        self.wrote = False
        self._stack = ExitStack()
        self._analyzed = {}  # model -> rows created when its statistics were last refreshed

    def __enter__(self):
        self._stack.enter_context(freshness.batch())
        return self

    def __exit__(self, *exc):
        return self._stack.__exit__(*exc)

    def write(self, plan):
        users = [ref for ref in self.state.new_users if ref.pk is None]
        _create_users(users)
        refs = [ref for ref in self.state.new_regions if ref.pk is None]
        regions = [Region(name=ref.name) for ref in refs]
        Region.objects.bulk_create(regions)
        self.history.record(Region, regions)
        for ref, region in zip(refs, regions, strict=True):
            ref.pk = region.pk
        _write_plan(plan, self.history, self.user_pk, self.progress)
        self.wrote = self.wrote or bool(users or refs or plan.changed)
        self._keep_statistics(plan)

    def _keep_statistics(self, plan):
        """Refresh the planner's statistics of a table the import fills, each time its rows
        created have doubled: statistics taken when it was nearly empty (a new site) made
        SQLite scan every partner to look up each chunk's names."""
        created = plan.created_rows
        if created >= max(ANALYZE_FROM, 2 * self._analyzed.get(plan.model, 0)):
            self._analyzed[plan.model] = created
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(plan.model._meta.db_table)}")


def _write_plan(plan, history, user_pk, progress):
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
        done += len(batch)
        progress(f"writing {plan.name}", done, total)
    keyed, unkeyed = plan.created[: plan.explicit_keys], plan.created[plan.explicit_keys :]
    for rows in (keyed, unkeyed):
        for batch in _batches(rows, CREATE_BATCH):
            objs = [plan.build(values, user_pk) for _, values in batch]
            insert(plan.model, objs)
            history.record(plan.model, objs)
            for (_, values), obj in zip(batch, objs, strict=True):
                plan.saved(values, obj)
            done += len(batch)
            progress(f"writing {plan.name}", done, total)
        if rows is keyed and keyed:
            # Rows created with their own ids: the next id the database hands out is past
            # them (PostgreSQL's sequence does not follow; SQLite's does by itself).
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [plan.model]):
                    cursor.execute(sql)


def insert(model, objs):
    """What `model.objects.bulk_create(objs)` does for the import's new rows (all with their
    own ids, or none), observed by freshness like it, without compiling each value into
    the SQL one by one (two fifths of an import's time on SQLite): each field prepares its
    values as it does for bulk_create, bulk_sql writes them, and new ids come back with
    RETURNING in the order of the rows, as bulk_create reads them."""
    if not objs:
        return
    opts = model._meta
    with_ids = objs[0].pk is not None
    fields = [field for field in opts.concrete_fields if with_ids or not field.primary_key]
    columns = [(field.column, field.db_type(connection)) for field in fields]
    rows = [
        tuple(field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields)
        for obj in objs
    ]
    with observed(Write(model, "create", objs=tuple(objs))), connection.cursor() as cursor:
        returning = None if with_ids else opts.pk.column
        pks = bulk_sql.insert_rows(cursor, opts.db_table, columns, rows, returning)
    for obj, pk in zip(objs, pks if returning else [obj.pk for obj in objs], strict=True):
        obj.pk = pk
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias


def _create_users(refs):
    """The users the folder names that did not exist (--create-users): inactive, with no
    usable password, until an administrator gives them access."""
    User = get_user_model()
    for ref in refs:
        user = User(**{User.USERNAME_FIELD: ref.name}, is_active=False)
        user.set_unusable_password()
        user.save()
        ref.pk = user.pk


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
        written, pks = bulk_sql.one_of(pk_column, [obj.pk for obj in objs])
        sql = (
            f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(columns)}) "
            f"SELECT {', '.join(copied)}, %s, %s, %s, %s FROM {quote(model._meta.db_table)} "
            f"WHERE {written} ORDER BY {pk_column}"
        )
        params = [self.when, CHANGE_REASON, "~" if update else "+", self.user_pk]
        with connection.cursor() as cursor:
            cursor.execute(sql, params + pks)


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
