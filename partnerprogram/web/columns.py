"""Table columns the pages share."""

import django_tables2 as tables
from django.db.models import F
from django.urls import reverse

from partnerprogram.models import user_label
from partnerprogram.rules.periods import day_label


class DayColumn(tables.Column):
    """A date as every page shows one (day_label: 27 Nov 2026), never wrapped; downloads
    keep YYYY-MM-DD, which spreadsheets read as a date. (django-tables2's DateColumn
    compiles a template for every cell: a tenth of a partner list page's time.)"""

    def __init__(self, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "text-nowrap"}})
        super().__init__(**kwargs)

    def render(self, value):
        return day_label(value)

    def value(self, value):
        return value.isoformat()


class UserColumn(tables.Column):
    """A user, such as a partner's account manager at `path`, by full name (username when
    it has none) and sorted that way."""

    def __init__(self, path="account_manager", **kwargs):
        names = ("first_name", "last_name", "username")
        kwargs.setdefault("order_by", tuple(f"{path}__{name}" for name in names))
        super().__init__(accessor=path, **kwargs)

    def render(self, value):
        return user_label(value)


def order_nulls_first(queryset, field, is_descending):
    """Order by `field` with NULL (none) as the lowest value on every database."""
    expression = F(field).desc(nulls_last=True) if is_descending else F(field).asc(nulls_first=True)
    return queryset.order_by(expression, "name"), True


def url_by_pk(viewname):
    """A function pk -> the URL of `viewname`, a pattern of one integer: the pattern is
    reversed once (a table makes one per page), each row's URL is a string join. reverse()
    per row, as `linkify=True` and `get_absolute_url()` do, was a fifth of a table's rows."""
    marker = 987654321
    head, found, tail = reverse(viewname, args=[marker]).rpartition(str(marker))
    if not found:
        raise ValueError(f"{viewname} does not put its one argument in the URL as is")
    return lambda pk: f"{head}{int(pk)}{tail}"
