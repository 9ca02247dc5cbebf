"""What keeps table pages fast gives the same answers: django-tables2's question "which
arguments does this callable take" is remembered per function, and dates render without a
template per cell."""

import datetime as dt
import re

import django_tables2 as tables
import pytest
from django.db.models import F
from django.template import Context, Template
from django.urls import reverse
from django.utils.html import format_html
from django_tables2 import utils

from partnerprogram.models import Partner, PartnerType
from partnerprogram.web import tables_signatures
from partnerprogram.web.columns import DayColumn, UserColumn, url_by_pk
from tests import factories as f


class Example:
    def render(self, value, record):
        return value

    def everything(self, **kwargs):
        return kwargs


def plain(table, *args, bound_column=None):
    return table


def test_the_remembered_signature_is_the_computed_one_for_every_kind_of_callable():
    original = tables_signatures.ORIGINAL
    remembered = tables_signatures.remembering(original)
    first, second = Example(), Example()
    for fn in (first.render, second.render, first.everything, plain, lambda record: record):
        assert remembered(fn) == original(fn)
        assert remembered(fn) == original(fn)  # from memory the second time
    assert remembered(second.render) == (("value", "record"), None)
    assert remembered(first.everything) == ((), "kwargs")
    assert remembered(plain) == (("table", "bound_column"), None)


def test_the_app_installs_the_remembering_signature_once():
    assert utils.signature.remembers
    tables_signatures.install()
    assert utils.signature.remembers


def test_memory_is_bounded(monkeypatch):
    monkeypatch.setattr(tables_signatures, "MAX_REMEMBERED", 3)
    calls = []

    def counting(fn):
        calls.append(fn)
        return ((), None)

    remembered = tables_signatures.remembering(counting)
    functions = [lambda: 1, lambda: 2, lambda: 3, lambda: 4]
    for fn in functions:
        remembered(fn)
    remembered(functions[0])  # forgotten when the fourth came: computed again
    assert len(calls) == 5


class Dates(tables.Table):
    day = DayColumn()


def test_dates_render_as_pages_show_days_and_export_as_iso():
    table = Dates([{"day": dt.date(2026, 3, 9)}, {"day": None}])
    rows = list(table.rows)
    assert rows[0].get_cell("day") == "9 Mar 2026"
    assert rows[1].get_cell("day") == "—"
    assert list(table.as_values()) == [["Day"], ["2026-03-09"], [None]]


class Records(tables.Table):
    """Cells that escape, link, fall back to the default; attributes fixed per column and
    decided per record."""

    name = tables.Column(attrs={"td": {"class": "text-nowrap", "data-x": "1"}})
    note = tables.Column()
    day = DayColumn()
    kind = tables.Column(attrs={"td": {"class": lambda record: f"kind-{record['kind']}"}})

    class Meta:
        row_attrs = {"class": lambda record: "ended" if record["ended"] else ""}


def tbody(html):
    """The rows of the table's body, whitespace between tags left out."""
    body = re.sub(r">\s+<", "><", html[html.index("<tbody") : html.index("</tbody>")])
    return [row.strip() for row in body.split("<tr")[1:]]


def test_the_rows_tag_writes_what_django_tables2s_template_writes(rf):
    """The project's table template (rows written by tables_extra.table_rows) and
    django-tables2's own give the same rows, cell for cell."""
    records = [
        {"name": "A & <B>", "note": None, "day": dt.date(2026, 1, 2), "kind": 1, "ended": True},
        {"name": "C", "note": "ok", "day": None, "kind": 2, "ended": False},
    ]
    request = rf.get("/")
    rendered = {}
    for template in ("django_tables2/program.html", "django_tables2/bootstrap5-responsive.html"):
        table = Records(records, template_name=template)
        tables.RequestConfig(request).configure(table)
        page = Template("{% load django_tables2 %}{% render_table table %}")
        rendered[template] = tbody(page.render(Context({"table": table, "request": request})))
    ours, theirs = rendered.values()
    assert ours == theirs
    assert "A &amp; &lt;B&gt;" in ours[0] and 'class="ended even"' in ours[0]
    assert 'class="kind-2"' in ours[1] and "—" in ours[1]


class Labelled(Records):
    pagination_label = "Pages of records"


def test_the_pagination_is_named_by_the_table_so_that_two_on_a_page_differ(rf):
    records = [
        {"name": f"R{n}", "note": "", "day": None, "kind": 1, "ended": False} for n in range(30)
    ]
    request = rf.get("/")
    page = Template("{% load django_tables2 %}{% render_table table %}")
    html = {}
    for table_class in (Labelled, Records):
        table = table_class(records, template_name="django_tables2/program.html")
        tables.RequestConfig(request, paginate={"per_page": 10}).configure(table)
        html[table_class] = page.render(Context({"table": table, "request": request}))
    assert '<nav aria-label="Pages of records">' in html[Labelled]
    assert '<nav aria-label="Table navigation">' in html[Records]  # django-tables2's own
    assert 'class="page-link"' in html[Labelled] and "next" in html[Labelled]


def rows_both_ways(table, request):
    """The table's rows as the project's template writes them and as django-tables2's own
    does."""
    rendered = []
    for template in ("django_tables2/program.html", "django_tables2/bootstrap5-responsive.html"):
        table.template_name = template
        rendered.append(tbody(table.as_html(request)))  # rows counted from the first again
    return rendered


class PartnerRows(tables.Table):
    """Model rows: a linked name, a field with choices, a relation, dates (one empty), a
    value empty by default, a path through a relation, a method and an annotation."""

    name = tables.Column(linkify=True)
    partner_type = tables.Column()
    region = tables.Column()
    account_manager = UserColumn()
    joined_on = DayColumn()
    ended_on = DayColumn()
    notes = tables.Column(default="none")
    tier = tables.Column(accessor="current_tier__name")
    url = tables.Column(accessor="get_absolute_url")
    certifications = tables.Column(empty_values=())
    doubled = tables.Column(attrs={"td": {"data-record": lambda record: record.pk}})

    class Meta:
        model = Partner
        fields = ()

    def render_certifications(self, value, record, table):
        return format_html("<b>{}</b> of {}", value.count(), record.name)

    def render_doubled(self, value):
        return value * 2


@pytest.mark.django_db
def test_model_rows_are_written_as_django_tables2_writes_them(rf, manager):
    silver = f.tier("Silver", 1)
    for n, fields in enumerate(
        [
            {"partner_type": PartnerType.MSP, "account_manager": manager, "notes": "a <b>"},
            {"ended_on": dt.date(2026, 1, 1)},
        ]
    ):
        partner = f.partner(f"P&{n}", **fields)
        if n == 0:
            f.transition(partner, silver, dt.date(2024, 1, 1))
    partners = Partner.objects.select_related("region", "current_tier", "account_manager")
    table = PartnerRows(partners.annotate(doubled=F("pk")), order_by="name")
    request = rf.get("/")
    tables.RequestConfig(request).configure(table)
    ours, theirs = rows_both_ways(table, request)
    assert ours == theirs
    assert "Managed service provider" in ours[0] or "MSP" in ours[0]
    assert "P&amp;0</a>" in ours[0] and "a &lt;b&gt;" in ours[0] and ">none<" in ours[1]


def test_a_reversed_pattern_gives_reverses_urls():
    partner_url = url_by_pk("partners:detail")
    for pk in (1, 42, 987654321, 10**12):
        assert partner_url(pk) == reverse("partners:detail", args=[pk])
