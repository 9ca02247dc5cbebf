"""Error pages that hold under the requests that cause them."""

import sys

from django.db import DatabaseError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def bad_request(request, exception=None):
    """400. Django's own handler checks the CSRF token first, which reads the body; a body it
    cannot read (a form in another charset than UTF-8) is often why the request is bad, and
    reading it again raised once more (a 500). This one reads nothing of the request."""
    return render(request, "400.html", status=400)


RETRY_AFTER_SECONDS = 30


def server_error(request):
    """500, or 503 with Retry-After when the database cannot be reached: a short page that
    needs neither the database nor the user (both may be what failed)."""
    if isinstance(sys.exc_info()[1], DatabaseError | ConnectionError):
        response = HttpResponse(
            loader.render_to_string("503.html"), status=503, content_type="text/html"
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(loader.render_to_string("500.html"), content_type="text/html")
