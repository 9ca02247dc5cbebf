"""The filter forms' fields, written by forms_extra.filter_field, carry the markup crispy's
`as_crispy_field` writes: the same wrapper, label, widget classes and attributes, errors and
help, for every kind of widget the tag writes itself; other widgets are crispy's own."""

import re

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms

from partnerprogram.web.forms_extra import filter_field


class Filters(forms.Form):
    q = forms.CharField(required=False, label="Name & <code>", help_text="Part of a name.")
    region = forms.ChoiceField(required=False, choices=[("", "All"), ("eu", "Europe")])
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    count = forms.IntegerField(required=True, widget=forms.NumberInput(attrs={"class": "w-50"}))
    overdue = forms.BooleanField(required=False)
    kinds = forms.MultipleChoiceField(required=False, choices=[("a", "A"), ("b", "B")])


def tidy(html):
    html = re.sub(r"\s+", " ", re.sub(r">\s+<", "><", str(html)))
    return html.replace("> ", ">").replace(" <", "<").strip()


@pytest.mark.parametrize(
    "data",
    [{}, {"q": "x", "region": "nowhere", "since": "2026-13-40", "count": "many"}],
    ids=["unbound-or-valid", "every-field-wrong"],
)
def test_each_field_is_written_as_crispy_writes_it(data):
    form = Filters(data) if data else Filters()
    if data:
        assert not form.is_valid()
    for field in form:
        assert tidy(filter_field(field)) == tidy(as_crispy_field(field)), field.name


def test_errors_and_help_are_escaped_and_tied_to_the_widget():
    form = Filters({"region": "<script>", "count": ""})
    form.is_valid()
    region = str(filter_field(form["region"]))
    assert "<script>" not in region
    assert 'aria-invalid="true"' in region and 'aria-describedby="id_region_error"' in region
    assert 'class="select form-select is-invalid"' in region
    assert 'class="w-50 numberinput form-control is-invalid"' in str(filter_field(form["count"]))
    assert "Name &amp; &lt;code&gt;" in str(filter_field(Filters()["q"]))
