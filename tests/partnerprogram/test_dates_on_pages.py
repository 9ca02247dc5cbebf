"""One date format on every page (DATE_FORMAT, through `day_label` in Python and `|date` in
templates); downloads and the JSON API keep ISO dates, which machines read."""

import csv
import datetime as dt
import io
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from partnerprogram.rules.periods import Period, day_label
from tests import factories as f
from tests.browser.pages import MANAGER, PAGES, VIEWER, seed_program

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


class TextOnly(HTMLParser):
    """The text a person reads: not attributes (URLs, input values), scripts or styles."""

    def __init__(self):
        super().__init__()
        self.text, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        self.skipping += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.skipping -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.skipping:
            self.text.append(data)


def text_of(response):
    parser = TextOnly()
    parser.feed(response.content.decode())
    return " ".join(parser.text)


def test_a_day_reads_as_day_month_year():
    assert day_label(dt.date(2026, 11, 7)) == "7 Nov 2026"
    custom = Period.custom(dt.date(2025, 1, 5), dt.date(2025, 2, 10))
    assert custom.label == "5 Jan 2025 – 10 Feb 2025"


@pytest.mark.django_db
def test_no_page_shows_an_iso_date(client, make_user, django_user_model):
    program = seed_program(make_user, django_user_model)
    seen = 0
    for user in (MANAGER, VIEWER):
        client.force_login(django_user_model.objects.get(username=user))
        for page in PAGES:
            if user not in page.users or page.own is not None or page.status != 200:
                continue
            response = client.get(page.url(program))
            assert response.status_code == 200, page.slug
            text = text_of(response)
            assert not ISO_DATE.findall(text), (page.slug, ISO_DATE.findall(text)[:5])
            seen += 1
    assert seen > 20


@pytest.mark.django_db
def test_tables_show_the_page_format_and_downloads_keep_iso(viewer_client):
    f.partner(name="Dated Partner", joined_on=dt.date(2024, 5, 1))
    page = viewer_client.get(reverse("partners:list"))
    assert "1 May 2024" in text_of(page)
    download = viewer_client.get(reverse("partners:list"), {"_export": "csv"})
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert [row["Joined"] for row in rows] == ["2024-05-01"]
