"""Table downloads that a spreadsheet cannot be tricked by: a cell of text that begins like a
formula (=, +, -, @, a tab or a carriage return) stays text. In CSV it gets a leading
apostrophe, as OWASP recommends; in XLSX it is stored as a text cell and shows exactly as
typed. Numbers, dates and text that is only a number stay as they are."""

import io
import re

import tablib
from django.http import HttpResponse
from django_tables2.export import TableExport
from openpyxl import Workbook
from openpyxl.styles import Font

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def neutralised(value):
    """`value`, with a leading apostrophe when it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not NUMBER.match(value):
        return "'" + value
    return value


class SafeTableExport(TableExport):
    """django-tables2's export, with every cell kept text (see the module)."""

    def export(self):
        return safe_export(self.dataset, self.format)


def safe_export(dataset, export_format):
    """The dataset's bytes in `export_format` (csv or xlsx), every cell kept text."""
    if export_format == TableExport.XLSX:
        return xlsx_of(dataset)
    safe = tablib.Dataset(headers=dataset.headers, title=dataset.title)
    for row in dataset:
        safe.append([neutralised(value) for value in row])
    return safe.export(export_format)


SUMMARY_FORMATS = ("csv", "xlsx")


def summary_download(request, summaries):
    """The download of a KPI page's summary table that the request asks for
    (`?_export=csv&_table=levels`), or None. `summaries` maps each table's name to a
    function giving (file name without extension, headers, rows), called only when asked."""
    export_format, name = request.GET.get("_export"), request.GET.get("_table")
    if export_format not in SUMMARY_FORMATS or name not in summaries:
        return None
    file_name, headers, rows = summaries[name]()
    dataset = tablib.Dataset(*rows, headers=headers, title=name.capitalize())
    response = HttpResponse(
        safe_export(dataset, export_format), content_type=TableExport.FORMATS[export_format]
    )
    response["Content-Disposition"] = f'attachment; filename="{file_name}.{export_format}"'
    return response


def xlsx_of(dataset):
    """The dataset as an XLSX workbook whose text cells are text, never formulas."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = (dataset.title or "Export")[:31]
    sheet.append(list(dataset.headers or []))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in dataset:
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
