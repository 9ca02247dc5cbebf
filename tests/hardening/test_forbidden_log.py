"""A 403 is logged as one line, without a traceback; other errors keep theirs."""

import io
import logging

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def console():
    """What the project's console handler writes."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_a_refused_request_is_one_line(viewer_client, console):
    assert viewer_client.get(reverse("feedback:create")).status_code == 403
    lines = console.getvalue().splitlines()
    assert lines == ["Forbidden (Permission denied): /feedback/new/"]


def test_an_error_keeps_its_traceback(console):
    logger = logging.getLogger("django.request")
    try:
        raise ValueError("broken")
    except ValueError:
        logger.error("Internal Server Error: /x", exc_info=True, extra={"status_code": 500})
    assert "Traceback" in console.getvalue() and "ValueError: broken" in console.getvalue()
