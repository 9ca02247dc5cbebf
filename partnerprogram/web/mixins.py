"""What the pages share: the safe `next` parameter that brings a manager back where they came
from, the read permission of every page, and the form page."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

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
