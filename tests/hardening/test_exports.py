"""Downloads a spreadsheet cannot be tricked by: text that begins like a formula stays text."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from partnerprogram.web.exports import neutralised
from tests import factories as f

pytestmark = pytest.mark.django_db
HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rReturn"]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_that_starts_like_a_formula_gets_an_apostrophe(text):
    assert neutralised(text) == "'" + text


@pytest.mark.parametrize("text", ["-12", "+3.5", "Acme", "", "2024-01-01"])
def test_numbers_and_plain_text_stay_as_they_are(text):
    assert neutralised(text) == text


@pytest.fixture
def hostile_partners():
    f.standard_levels()
    return [f.partner(name) for name in ['=HYPERLINK("http://x","y")', "@SUM(A1)", "Acme"]]


def test_the_partner_csv_keeps_every_formula_as_text(viewer_client, hostile_partners):
    response = viewer_client.get(reverse("partners:list"), {"_export": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    names = [row[0] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x","y")' in names and "'@SUM(A1)" in names
    assert "Acme" in names


def test_the_partner_xlsx_stores_every_formula_as_a_text_cell(viewer_client, hostile_partners):
    response = viewer_client.get(reverse("partners:list"), {"_export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = {cell.value: cell.data_type for cell in sheet["A"][1:]}
    assert cells['=HYPERLINK("http://x","y")'] == "s"  # text, shown as typed, never run
    assert cells["@SUM(A1)"] == "s"
    assert sheet["A1"].value == "Partner"


def test_the_feedback_csv_keeps_a_formula_comment_as_text(viewer_client, hostile_partners):
    f.feedback(hostile_partners[2], comment="=cmd|' /C calc'!A0")
    response = viewer_client.get(reverse("feedback:list"), {"_export": "csv"})
    assert "'=cmd|" in response.content.decode()
