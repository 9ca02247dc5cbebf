"""What every table page shares: django-filter filters in the URL, a django-tables2 table
that is sortable and paginated with a choosable page size, and CSV / XLSX downloads of the
filtered rows with a file name that says what and when."""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils import timezone
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.data import TableQuerysetData
from django_tables2.export import ExportMixin

from partnerprogram.web.exports import SafeTableExport

PAGE_SIZES = (25, 50, 100, 250)


class BoundedPaginator(Paginator):
    """A paginator that serves only the offered page sizes, so that ?per_page=500000 in a
    URL cannot make a page render every partner."""

    def __init__(self, object_list, per_page, *args, count=None, **kwargs):
        per_page = int(per_page) if str(per_page).isdigit() else 0
        super().__init__(
            object_list, per_page if per_page in PAGE_SIZES else PAGE_SIZES[0], *args, **kwargs
        )
        if count is not None:
            self.count = count  # known already: counting the annotated rows costs more


class PagedByKeys(TableQuerysetData):
    """A table's queryset read a page at a time in two steps of one query: the page's
    primary keys first (`LIMIT/OFFSET` over the ordering's index alone, none of the rows'
    annotations), then those rows with their annotations. A deep page of a large table
    then skips index entries, not computed rows.

    `keys`, when given, is the same rows without the annotations and their joins (the
    view vouches for that): the keys are chosen from it whenever the table is sorted on
    plain fields."""

    def __init__(self, data, keys=None):
        super().__init__(data)
        self.keys = keys

    def __getitem__(self, key):
        if isinstance(key, slice):
            return rows_by_keys(self.data, key, keys=self._plain_keys())
        return super().__getitem__(key)

    def _plain_keys(self):
        annotations = self.data.query.annotations
        ordering = self.data.query.order_by
        plain = all(
            isinstance(term, str) and term.lstrip("-").split("__")[0] not in annotations
            for term in ordering
        )
        return self.keys.order_by(*ordering) if self.keys is not None and plain else None


def rows_by_keys(queryset, rows, *, keys=None):
    """The `rows` slice of an ordered queryset, its primary keys chosen first (from `keys`,
    the same rows in the same order, if given; see PagedByKeys). Ties in the ordering are
    broken by primary key, so that consecutive pages hold every row once."""
    queryset, keys = (_tie_broken(q) for q in (queryset, queryset if keys is None else keys))
    return queryset.filter(pk__in=keys.values("pk")[rows])


def _tie_broken(queryset):
    ordering = list(queryset.query.order_by or queryset.model._meta.ordering)
    last = ordering[-1] if ordering else None
    if isinstance(last, str) and last.lstrip("-") in _unique_fields(queryset.model):
        return queryset.order_by(*ordering)  # already a total order: one index serves it
    return queryset.order_by(*ordering, "pk")


def _unique_fields(model):
    return {"pk"} | {f.name for f in model._meta.concrete_fields if f.unique}


def table_pagination():
    """The pagination options of every table (RequestConfig reads ?per_page= itself)."""
    return {"per_page": PAGE_SIZES[0], "paginator_class": BoundedPaginator}


class TablePageMixin(ExportMixin, SingleTableMixin):
    """Mix into a FilterView (or a ListView) with `table_class`, `filterset_class` and
    `export_name` ("partners", "feedback", ...). Templates get `page_sizes` and
    `export_formats`."""

    export_formats = ("csv", "xlsx")
    export_class = SafeTableExport  # text that looks like a formula stays text
    export_name = "table"
    paginate_by = PAGE_SIZES[0]

    def page_size(self):
        try:
            size = int(self.request.GET.get("per_page", ""))
        except ValueError:
            return self.paginate_by
        return size if size in PAGE_SIZES else self.paginate_by

    def get_paginate_by(self, queryset=None):
        # Only the table paginates: the list view paginating too would count the rows twice.
        return None

    def get_table_data(self):
        data = super().get_table_data()
        return PagedByKeys(data, self.get_table_keys()) if isinstance(data, QuerySet) else data

    def get_table_keys(self):
        """The table's rows without their annotations, to page by (see PagedByKeys); None
        when the rows cannot be chosen without them."""
        return None

    def get_table_pagination(self, table):
        count = self.get_row_count()
        return {
            **table_pagination(),
            "per_page": self.page_size(),
            **({"count": count} if count is not None else {}),
        }

    def get_row_count(self):
        """The number of rows when a cheaper query than counting the table's data knows it
        (None: count the data)."""
        return None

    def get_export_filename(self, export_format):
        stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
        return f"{self.get_export_name()}-{stamp}.{export_format}"

    def get_export_name(self):
        return self.export_name

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_sizes"] = PAGE_SIZES
        context["export_formats"] = self.export_formats
        return context


class FilteredTableView(TablePageMixin, FilterView):
    """A list page: filters, table, pagination, exports. `template_name` defaults to the
    shared list page."""

    template_name = "includes/list_page.html"
    strict = False  # an invalid filter shows its message and an empty table, not a 404
