"""The JSON endpoints for BI tools: Django REST framework views that answer with the pages'
numbers.

Who may ask: a logged-in user (session) or a BI tool with an API token
(`Authorization: Bearer <key>`, partnerprogram.accounts), with the read permission;
requests are throttled per token. Errors are JSON: {"error": message}, and a bad parameter
gets 400 with {"error", "parameter"} naming it; anonymous requests get 401, whatever the
method."""

from decimal import Decimal

from django.contrib.auth.decorators import login_not_required
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

from partnerprogram.accounts.authentication import TokenScope
from partnerprogram.models import PartnerType
from partnerprogram.web.mixins import READ_PERMISSION


class BadParameter(exceptions.APIException):
    status_code = 400

    def __init__(self, parameter, message):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


class CanRead(BasePermission):
    message = "Your account may not read this data."

    def has_permission(self, request, view):
        return request.user.has_perm(READ_PERMISSION)


class ProgramAPIView(APIView):
    """A read-only endpoint: `get` returns the body (a dict)."""

    permission_classes = [TokenScope, CanRead]

    @classmethod
    def as_view(cls, **initkwargs):
        # The JSON endpoints answer 401 themselves; the site's login redirect is for pages.
        return login_not_required(super().as_view(**initkwargs))

    def get(self, request, *args, **kwargs):
        return Response(self.body(request, *args, **kwargs))

    def body(self, request, *args, **kwargs):
        raise NotImplementedError


def handle_exception(exc, context):
    """REST framework's errors as {"error": message} (and "parameter" for a bad one)."""
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, BadParameter):
        response.data = {"error": exc.message, "parameter": exc.parameter}
    elif isinstance(exc, exceptions.NotAuthenticated):
        response.data = {"error": "Authentication required: log in, or send an API token."}
    else:
        detail = response.data.get("detail") if isinstance(response.data, dict) else None
        response.data = {"error": str(detail or exc)}
    return response


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


ERROR = inline_serializer("Error", {"error": serializers.CharField()})
BAD_PARAMETER = inline_serializer(
    "BadParameter",
    {"error": serializers.CharField(), "parameter": serializers.CharField(allow_null=True)},
)
ERRORS = {
    400: OpenApiResponse(BAD_PARAMETER, description="A parameter is not valid; it is named."),
    401: OpenApiResponse(ERROR, description="No session and no valid token."),
    403: OpenApiResponse(ERROR, description="The account may not read this data."),
    429: OpenApiResponse(ERROR, description="Too many requests with this token."),
}


SEGMENT = inline_serializer(
    "Segment",
    {
        name: serializers.CharField(required=False)
        for name in ("region", "partner_type", "tier", "account_manager")
    },
)


def parameter(name, schema, description):
    """A query parameter of `schema`, or empty (which means its default)."""
    return OpenApiParameter(
        name,
        {"anyOf": [schema, {"type": "string", "enum": [""]}]},
        OpenApiParameter.QUERY,
        description=description,
    )


def text_parameter(name, description, **schema):
    return parameter(name, {"type": "string", **schema}, description)


def date_parameter(name, description):
    return parameter(name, {"type": "string", "format": "date"}, description)


def integer_parameter(name, description, *, minimum=1, maximum=10**9):
    return parameter(name, {"type": "integer", "minimum": minimum, "maximum": maximum}, description)


SEGMENT_PARAMETERS = [
    text_parameter("region", "A region, by name (unknown: 400)."),
    text_parameter("partner_type", "A partner type.", enum=list(PartnerType.values)),
    text_parameter(
        "tier", "A tier, by name: partners in it on the day (a period's last day; unknown: 400)."
    ),
    text_parameter("account_manager", "An account manager, by username (unknown: 400)."),
]
