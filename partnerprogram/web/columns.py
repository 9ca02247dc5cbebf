"""Table columns the pages share."""

import django_tables2 as tables
from django.db.models import F
from django.urls import reverse

from partnerprogram.models import user_label
from partnerprogram.rules.periods import day_label


class DayColumn(tables.Column):
    """A date as every page shows one (day_label: 27 Nov 2026), wrapped only on a phone;
    downloads keep YYYY-MM-DD, which spreadsheets read as a date. (django-tables2's DateColumn
    compiles a template for every cell: a tenth of a partner list page's time.)"""

    def __init__(self, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "day-cell"}})  # wraps on a phone only
        super().__init__(**kwargs)

    def render(self, value):
        return day_label(value)

    def value(self, value):
        return value.isoformat()


class PhoneColumns:
    """A table mixin: on a phone (below Bootstrap's sm breakpoint) only the columns named in
    `phone_columns`, the ones that matter (the partner, its band or standing, the action),
    show; the others get the CSS class phone-hidden, so that nothing that matters sits
    beyond a sideways scroll. Wider screens, print and downloads keep every column."""

    phone_columns = ()

    def get_column_class_names(self, classes_set, bound_column):
        classes = super().get_column_class_names(classes_set, bound_column)
        if bound_column.name not in self.phone_columns:
            classes.add("phone-hidden")
        return classes


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
