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
    counts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert len(counts) == 1, counts


def test_page_size_is_choosable_and_limited_to_the_offered_sizes(viewer_client):
    for n in range(30):
        f.partner(f"P{n:02}")
    page = viewer_client.get(reverse("partners:list"), {"per_page": 50})
    assert len(page.context["table"].page.object_list) == 30
    page = viewer_client.get(reverse("partners:list"), {"per_page": 7})  # not offered: 25
    assert len(page.context["table"].page.object_list) == 25
