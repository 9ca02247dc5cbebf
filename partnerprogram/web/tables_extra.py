from django import template

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
