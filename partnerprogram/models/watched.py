"""Writes that stored state and kept figures follow.

Every model whose rows may feed a figure derives from WatchedModel, with a QuerySet derived
from WatchedQuerySet. Each ORM write to them (Model.save() and delete(), QuerySet.update()
and delete(), bulk_create() and bulk_update()) then runs in one transaction, inside the
context of every observer given to observe_writes(): the observer sees the write before it
happens and after, in the same transaction. partnerprogram.freshness registers itself as
the observer when the apps are ready (the models never import it) and decides there what
each write makes stale.

A write made while another is being observed (bulk_update() runs update() per batch; the
deletion collector sets foreign keys to NULL) is part of the outer write and is not
observed again.
"""

from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import models, router, transaction


@dataclass(frozen=True)
class Write:
    """One ORM write: `action` is "save" or "delete" (of `instance`), "update" or "delete
    rows" (of the QuerySet `rows`; `fields` are update()'s keywords), "create" or "bulk
    update" (of the instances `objs`; `fields` are bulk_update()'s)."""

    model: type
    action: str
    instance: models.Model | None = None
    rows: models.QuerySet | None = None
    objs: tuple = ()
    fields: tuple | None = None  # None: every field
    values: dict | None = None  # update()'s keywords
    using: str = "default"


_observers = []
_observing = ContextVar("observing", default=False)


def observe_writes(observer):
    """Register `observer(write)`, a context manager entered around every write."""
    if observer not in _observers:
        _observers.append(observer)


@contextmanager
def observed(write):
    if _observing.get():
        yield
        return
    token = _observing.set(True)
    try:
        with transaction.atomic(using=write.using), ExitStack() as stack:
            for observer in _observers:
                stack.enter_context(observer(write))
            yield
    finally:
        _observing.reset(token)


class WatchedQuerySet(models.QuerySet):
    def update(self, **kwargs):
        write = Write(
            self.model, "update", rows=self, fields=tuple(kwargs), values=kwargs, using=self.db
        )
        with observed(write):
            return super().update(**kwargs)

    update.alters_data = True

    def delete(self):
        with observed(Write(self.model, "delete rows", rows=self, using=self.db)):
            return super().delete()

    delete.alters_data = True
    delete.queryset_only = True

    def bulk_create(self, objs, *args, **kwargs):
        objs = tuple(objs)
        with observed(Write(self.model, "create", objs=objs, using=self.db)):
            return super().bulk_create(objs, *args, **kwargs)

    bulk_create.alters_data = True

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs, fields = tuple(objs), tuple(fields)
        write = Write(self.model, "bulk update", objs=objs, fields=fields, using=self.db)
        with observed(write):
            return super().bulk_update(objs, fields, *args, **kwargs)

    bulk_update.alters_data = True


class WatchedModel(models.Model):
    objects = WatchedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        fields = kwargs.get("update_fields")
        write = Write(
            type(self),
            "save",
            instance=self,
            fields=None if fields is None else tuple(fields),
            using=kwargs.get("using") or router.db_for_write(type(self), instance=self),
        )
        with observed(write):
            super().save(*args, **kwargs)

    save.alters_data = True

    def delete(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with observed(Write(type(self), "delete", instance=self, using=using)):
            return super().delete(*args, **kwargs)

    delete.alters_data = True
