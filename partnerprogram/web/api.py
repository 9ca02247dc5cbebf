"""JSON endpoints for BI tools: session login, JSON errors, the page's numbers.

Anonymous requests get 401 and a JSON error (never a redirect to the login page); users
without read permission get 403; a bad parameter gets 400 with an error that names it.
"""

import functools
from decimal import Decimal

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse

from partnerprogram.web.mixins import READ_PERMISSION


class BadParameter(Exception):
    def __init__(self, parameter, message):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


def error(status, message, **extra):
    return JsonResponse({"error": message, **extra}, status=status)


def api_view(permission=READ_PERMISSION):
    """Decorate a GET view returning a dict (or raising BadParameter) into a JSON endpoint."""

    def decorate(view):
        @login_not_required
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method != "GET":
                return error(405, "Only GET is allowed.")
            if not request.user.is_authenticated:
                return error(401, "Authentication required: log in first (session cookie).")
            if not request.user.has_perm(permission):
                return error(403, "Your account may not read this data.")
            try:
                payload = view(request, *args, **kwargs)
            except BadParameter as bad:
                return error(400, bad.message, parameter=bad.parameter)
            return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})

        return wrapper

    return decorate


def form_or_400(form):
    """The cleaned data of a bound form, or BadParameter naming its first invalid field."""
    if form.is_valid():
        return form.cleaned_data
    field, errors = next(iter(form.errors.items()))
    parameter = None if field == "__all__" else field
    raise BadParameter(parameter, f"{parameter or 'parameters'}: {' '.join(errors)}")


def number(value):
    """A Decimal percentage as a JSON number (None stays null)."""
    return None if value is None else float(value) if isinstance(value, Decimal) else value
