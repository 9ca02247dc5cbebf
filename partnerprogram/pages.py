"""What the daily-work pages (partners, feedback, remediation) share: the safe `next`
parameter that brings a manager back where they came from, the form page, and form fields
to pick a partner or a user."""

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django_filters import fields as filter_fields

from .models import Partner, user_label

READ_PERMISSION = "partnerprogram.view_partner"


def safe_next(request, default):
    """The `next` parameter of the request (POST first, then GET) when it points into this
    site, else `default`: never an open redirect."""
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


class ReadPermissionMixin(PermissionRequiredMixin):
    """Reading a page needs view_partner; a logged-in user without it gets 403."""

    permission_required = READ_PERMISSION
    raise_exception = True


class FormPageMixin(PermissionRequiredMixin):
    """A create or edit page: a crispy form, a submit button, a cancel link back to where the
    manager came from, and on success a message and a redirect there.

    Set `permission_required`, `heading` (may name {partner}, filled from
    `heading_context()`), `submit_label`, and implement `success_message(obj)` and
    `default_next()`. Users without the permission get 403 (never a login loop)."""

    template_name = "partnerprogram/form_page.html"
    raise_exception = True
    heading = ""
    submit_label = "Save"

    def default_next(self):
        raise NotImplementedError

    def heading_context(self):
        return {}

    def success_message(self, obj):
        raise NotImplementedError

    def next_url(self):
        return safe_next(self.request, self.default_next())

    def get_success_url(self):
        return self.next_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            heading=self.heading.format(**self.heading_context()),
            submit_label=self.submit_label,
            next_url=self.next_url(),
        )
        return context

    def form_valid(self, form):
        self.object = form.save()
        return self.done(self.object)

    def save_through(self, form, service, **arguments):
        """Write through `service(**arguments)`, which checks its rules again under its locks:
        a ValidationError it raises goes back to the form, else its result is the saved
        object and the manager goes back where they came from."""
        try:
            self.object = service(**arguments)
        except ValidationError as error:
            # A rule on a field the form does not show (say, the partner's end date) is
            # still shown, above the form.
            for field, errors in getattr(error, "error_dict", {None: error}).items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        return self.done(self.object)

    def done(self, obj):
        """After a successful write: the message, and back where the manager came from."""
        messages.success(self.request, self.success_message(obj))
        return HttpResponseRedirect(self.get_success_url())


class PartnerSearchInput(forms.TextInput):
    """A text box that suggests partner names as one types (an <input list> with a
    <datalist>): searchable without any script, so the Content-Security-Policy is happy."""

    choices = ()  # set by PartnerField: (name, label) pairs, read afresh at each render

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        list_id = f"{(attrs or {}).get('id') or 'id_' + name}-options"
        html = super().render(name, value, {**(attrs or {}), "list": list_id}, renderer)
        options = format_html_join(
            "", '<option value="{}"></option>', ((str(key),) for key, _ in self.choices if key)
        )
        return html + format_html('<datalist id="{}">{}</datalist>', list_id, options)


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
