"""Table downloads that a spreadsheet cannot be tricked by: a cell of text that begins like a
formula (=, +, -, @, a tab or a carriage return) stays text. In CSV it gets a leading
apostrophe, as OWASP recommends; in XLSX it is stored as a text cell and shows exactly as
typed. Numbers, dates and text that is only a number stay as they are."""

import io
import re

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
        if self.format == self.XLSX:
            return xlsx_of(self.dataset)
        safe = self.dataset.__class__(headers=self.dataset.headers, title=self.dataset.title)
        for row in self.dataset:
            safe.append([neutralised(value) for value in row])
        return safe.export(self.format)


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
