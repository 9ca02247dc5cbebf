"""Form and filter fields the pages share: a partner typed by name with suggestions, a user
by full name, a date picker."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.html import format_html
from django_filters import fields as filter_fields

from partnerprogram.models import Partner, user_label
from partnerprogram.rules.periods import sane_date


class PartnerSearchInput(forms.TextInput):
    """A text box for a partner's name that suggests names as one types: a script
    (static/js/partner-search.js) asks the server for 20 names matching what is typed and
    fills the box's <datalist>, which the browser shows and lets one pick with the keyboard.
    The page itself lists no partner (a program may hold 500,000); without the script an
    exact name still works."""

    choices = ()  # ModelChoiceField hands over its choices; never read here

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        list_id = f"{(attrs or {}).get('id') or 'id_' + name}-options"
        attrs = {
            **(attrs or {}),
            "list": list_id,
            "data-partner-search": reverse("partners:search"),
        }
        html = super().render(name, value, attrs, renderer)
        return html + format_html('<datalist id="{}"></datalist>', list_id)


class PartnerField(forms.ModelChoiceField):
    """A partner chosen by its (unique) name in a PartnerSearchInput."""

    widget = PartnerSearchInput
    default_error_messages = {
        "invalid_choice": "No partner has this name: choose one from the suggestions.",
    }

    def __init__(self, queryset=None, **kwargs):
        kwargs.setdefault("to_field_name", "name")
        kwargs.setdefault("empty_label", None)
        kwargs.setdefault("help_text", "Type to search by name.")
        queryset = Partner.objects.all() if queryset is None else queryset
        # ModelChoiceField hands its choices to the widget; they are read at each render.
        super().__init__(queryset, **kwargs)


class UserChoiceField(forms.ModelChoiceField):
    """Users by full name (username when they have none)."""

    def label_from_instance(self, user):
        return user_label(user)


def users_by_name():
    return get_user_model().objects.order_by("first_name", "last_name", "username")


class UserFilterField(filter_fields.ModelChoiceField):
    def label_from_instance(self, user):
        return user_label(user)


class UserFilter(django_filters.ModelChoiceFilter):
    """A filter on a user, chosen by full name, written in the URL as the username."""

    field_class = UserFilterField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "username")
        super().__init__(*args, **kwargs)


class PartnerNameFilter(django_filters.ModelChoiceFilter):
    """A filter on a partner, typed by name with suggestions (PartnerSearchInput)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Partner.objects.all())
        kwargs.setdefault("to_field_name", "name")
        kwargs.setdefault("widget", PartnerSearchInput())
        kwargs.setdefault("error_messages", {"invalid_choice": "No partner has this name."})
        super().__init__(*args, **kwargs)


class DateInput(forms.DateInput):
    """The browser's date picker; the value stays ISO (YYYY-MM-DD)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DayField(forms.DateField):
    """A calendar day between 1900 and 2999, in the browser's date picker."""

    widget = DateInput
    default_validators = [sane_date]
    default_error_messages = {"invalid": "Enter a date as YYYY-MM-DD."}


class DayFilter(django_filters.DateFilter):
    """A filter on a day (DayField)."""

    field_class = DayField
