from django import template
from django.template.base import render_value_in_context
from django.utils.safestring import mark_safe

from partnerprogram.web.listing import PAGE_SIZES

register = template.Library()


@register.inclusion_tag("includes/table_toolbar.html", takes_context=True)
def table_toolbar(context, table, export_formats=None, export_table=""):
    """The row count, page-size chooser and download links of a (possibly prefixed) table.
    `export_table` names the table on a page with several (sent as `_table`)."""
    request = context["request"]
    per_page_field = table.prefixed_per_page_field
    page_field = table.prefixed_page_field

    def url(**changes):
        params = request.GET.copy()
        for key, value in changes.items():
            params.pop(key, None)
            if value is not None:
                params[key] = value
        return f"?{params.urlencode()}"

    page = getattr(table, "page", None)
    current = page.paginator.per_page if page else None
    return {
        "count": page.paginator.count if page else len(table.rows),
        "sizes": [
            (size, url(**{per_page_field: str(size), page_field: None}), size == current)
            for size in PAGE_SIZES
        ]
        if page
        else [],
        "exports": [
            (fmt.upper(), url(_export=fmt, _table=export_table or None))
            for fmt in export_formats or ("csv", "xlsx")
        ],
    }


@register.simple_tag(takes_context=True)
def table_rows(context, table):
    """The <tr> rows of a table page, written here rather than by template nodes per cell
    (the same markup as django-tables2's template: its row and cell attributes, the cell as
    `{{ cell }}` would show it): the template engine's lookups were most of a table page's
    time."""
    fixed = {column.name: _fixed_td(table, column) for column in table.columns}
    lines = []
    for row in table.paginated_rows:
        cells = "".join(
            f"<td {_td(fixed[column.name], column)}>{render_value_in_context(cell, context)}</td>"
            for column, cell in row.items()
        )
        lines.append(f"<tr {row.attrs.as_html()}>{cells}</tr>")
    return mark_safe("\n".join(lines))  # noqa: S308 (attributes and cells are escaped)


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
