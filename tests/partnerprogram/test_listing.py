"""What every table page shares: one count of the rows, a choosable page size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url_name", ["partners:list", "feedback:list", "remediation:review-list"])
def test_a_table_page_counts_its_rows_once(viewer_client, manager, url_name):
    partner = f.partner("Acme")
    f.feedback(partner)
    f.review(partner, manager)
    with CaptureQueriesContext(connection) as queries:
        response = viewer_client.get(reverse(url_name))
    assert response.status_code == 200
    counted = 'SELECT COUNT(*) AS "__count"'  # QuerySet.count(), as the paginator calls it
    counts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(counted)]
    assert len(counts) == 1, counts


def test_page_size_is_choosable_and_limited_to_the_offered_sizes(viewer_client):
    for n in range(30):
        f.partner(f"P{n:02}")
    page = viewer_client.get(reverse("partners:list"), {"per_page": 50})
    assert len(page.context["table"].page.object_list) == 30
    page = viewer_client.get(reverse("partners:list"), {"per_page": 7})  # not offered: 25
    assert len(page.context["table"].page.object_list) == 25


@pytest.mark.parametrize(
    ("url_name", "params", "expected"),
    [
        ("partners:list", {"q": "acm"}, ["Acme"]),
        ("feedback:list", {"partner": "Acme"}, ["Acme"]),
        ("remediation:review-list", {"status": "open"}, ["Acme"]),
    ],
)
def test_downloads_hold_the_filtered_rows_for_readers_not_for_anonymous(
    client, make_user, manager, url_name, params, expected
):
    from partnerprogram.models import ReviewStatus

    acme, other = f.partner("Acme"), f.partner("Zeta")
    for partner in (acme, other):
        f.feedback(partner)
    f.review(acme, manager)
    f.review(
        other, manager, status=ReviewStatus.RESOLVED, outcome="Done", closed_on=f.D(2025, 5, 10)
    )
    url = reverse(url_name)
    assert client.get(url, {**params, "_export": "csv"}).status_code == 302  # to the login
    for user in (manager, make_user("reader", "Viewers")):
        client.force_login(user)
        for export_format in ("csv", "xlsx"):
            response = client.get(url, {**params, "_export": export_format})
            assert response.status_code == 200
            assert response["Content-Disposition"].startswith("attachment; filename=")
            assert export_format in response["Content-Disposition"]
        rows = response_rows(client.get(url, {**params, "_export": "csv"}))[1:]
        assert len(rows) == len(expected)
        assert all(name in row for name, row in zip(expected, rows, strict=True))


def response_rows(response):
    import csv
    import io

    return list(csv.reader(io.StringIO(response.content.decode())))
