from django import template
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.template.base import render_value_in_context
from django.utils.safestring import mark_safe
from django_tables2 import utils
from django_tables2.columns import ManyToManyColumn
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.rows import BoundRow

from partnerprogram.web.listing import PAGE_SIZES

register = template.Library()


@register.inclusion_tag("includes/table_toolbar.html", takes_context=True)
def table_toolbar(context, table, export_formats=None, export_table=""):
    """The row count, page-size chooser and download links of a (possibly prefixed) table.
    `export_table` names the table on a page with several (sent as `_table`)."""
    request = context["request"]
    per_page_field = table.prefixed_per_page_field
    page_field = table.prefixed_page_field

    page = getattr(table, "page", None)
    current = page.paginator.per_page if page else None
    return {
        "count": page.paginator.count if page else len(table.rows),
        "sizes": [
            (
                size,
                _this_page(request, **{per_page_field: str(size), page_field: None}),
                size == current,
            )
            for size in PAGE_SIZES
        ]
        if page
        else [],
        "exports": _downloads(request, export_formats, export_table or None),
    }


@register.inclusion_tag("includes/table_downloads.html", takes_context=True)
def table_downloads(context, name):
    """The download buttons of a page's table that `name` names (sent as `_table`), such
    as a KPI page's summary tables, in the page's `export_formats`."""
    return {"exports": _downloads(context["request"], context.get("export_formats"), name)}


def _downloads(request, export_formats, name):
    """[(format label, URL)] of a table's downloads."""
    return [
        (fmt.upper(), _this_page(request, _export=fmt, _table=name))
        for fmt in export_formats or ("csv", "xlsx")
    ]


def _this_page(request, **changes):
    """The query of this page with `changes` (a value of None removes the parameter)."""
    params = request.GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value is not None:
            params[key] = value
    return f"?{params.urlencode()}"


@register.simple_tag(takes_context=True)
def table_rows(context, table):
    """The <tr> rows of a table page, written here rather than by template nodes per cell
    (the same markup as django-tables2's template: its row and cell attributes, the cell as
    `{{ cell }}` would show it): the template engine's lookups were most of a table page's
    time. A cell that is its render method's answer on one attribute of a model row is
    asked of that method directly (`_cell_writer`), not through the row's generic lookup."""
    columns = list(table.columns)
    fixed = {column.name: _fixed_td(table, column) for column in columns}
    model = getattr(table.data, "model", None)
    writers = {
        column.name: _cell_writer(model, column) if fixed[column.name] is not None else None
        for column in columns
    }
    lines = []
    for row in table.paginated_rows:
        lean = type(row) is BoundRow and model is not None and type(row.record) is model
        cells = []
        for column in columns:
            writer = writers[column.name] if lean else None
            cell = writer(row) if writer is not None else _cell(row, column)
            shown = render_value_in_context(cell, context)
            cells.append(f"<td {_td(fixed[column.name], column)}>{shown}</td>")
        lines.append(f"<tr {row.attrs.as_html()}>{''.join(cells)}</tr>")
    return mark_safe("\n".join(lines))  # noqa: S308 (attributes and cells are escaped)


def _cell(row, column):
    """The cell as BoundRow.items() gives it (which also tells the column its current value
    and record, for attributes that depend on them)."""
    column.current_value = row.get_cell(column.name)
    column.current_record = row.record
    return column.current_value


CELL_ARGUMENTS = ("value", "record", "column", "bound_column", "bound_row", "table")


def _cell_writer(model, column):
    """A function row -> the cell BoundRow.get_cell gives, for a column whose cell is its
    render method's answer on one attribute of the row's record (a field without choices,
    or an annotation), not linked; None for any other column (get_cell answers).

    get_cell finds the same answer generically for every cell: it parses the accessor,
    looks for a model field with choices, and inspects the render method's arguments, which
    was most of a table's rows' time. Here that is decided once per column."""
    bound, accessor = column.column, column.accessor
    if model is None or column.link or isinstance(bound, (BaseLinkColumn, ManyToManyColumn)):
        return None
    if hasattr(model, "__getitem__"):
        return None  # the accessor would look the attribute up as an item first
    if utils.Accessor.SEPARATOR in accessor or utils.Accessor.LEGACY_SEPARATOR in accessor:
        return None
    try:
        if getattr(model._meta.get_field(accessor), "choices", None):
            return None  # get_cell shows get_FOO_display()
    except FieldDoesNotExist:
        pass
    render = column.render
    names, catch_all = utils.signature(render)
    if catch_all or any(name not in CELL_ARGUMENTS for name in names):
        return None
    empty_values, default = bound.empty_values, column.default

    def write(row):
        record = row.record
        try:
            value = getattr(record, accessor, None)
        except Exception:  # noqa: BLE001 (get_cell shows the default then)
            return _cell(row, column)
        if callable(value) or isinstance(value, models.Manager):
            return _cell(row, column)  # get_cell calls it, or reads the related rows
        if value in empty_values:
            return default
        arguments = {
            "value": value,
            "record": record,
            "column": bound,
            "bound_column": column,
            "bound_row": row,
            "table": row.table,
        }
        return render(**{name: arguments[name] for name in names})

    return write


def _td(fixed, column):
    return column.attrs["td"].as_html() if fixed is None else fixed


def _fixed_td(table, column):
    """A column's <td> attributes when no record decides them (no callable among them),
    computed once for the page rather than once per cell; else None."""
    attrs = {**table.attrs, **column.column.attrs}
    td = attrs.get("td", attrs.get("cell", {}))
    if any(callable(value) for value in td.values()):
        return None
    return column.attrs["td"].as_html()
