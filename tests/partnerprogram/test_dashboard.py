import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from partnerprogram.rules.periods import Period
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def program():
    """Today: two active partners, one certified (50.0%, Action required). This quarter one
    partner advanced; the previous quarter none, a year earlier none."""
    today = timezone.localdate()
    quarter = Period.quarter_containing(today)
    associate, *_ = f.standard_levels()
    registered, silver, *_ = f.standard_tiers()
    ann = f.partner("Ann", joined_on=today - dt.timedelta(days=800))
    f.partner("Bob", joined_on=today - dt.timedelta(days=800))
    f.certification(ann, associate, today - dt.timedelta(days=30))
    f.transition(ann, registered, today - dt.timedelta(days=800), from_tier=None)
    f.transition(ann, silver, quarter.start)
    return quarter


def test_dashboard_shows_both_kpis_with_links(manager_client, program):
    response = manager_client.get(reverse("dashboard"))
    html = response.text
    assert response.context["certification"].target.cumulative_percent == 50
    assert "50.0%" in html and "Action required" in html
    assert "1 of 2 active partners today" in html
    assert f"Partners advancing a tier in {program.label}" in html
    assert response.context["advancements"].advancing_partners == 1
    assert f'href="{reverse("certifications:kpi")}"' in html
    assert f'href="{reverse("tiers:kpi")}"' in html
    assert html.count("<canvas") == 2


def test_dashboard_with_no_data_says_the_rate_is_undefined(manager_client):
    html = manager_client.get(reverse("dashboard")).text
    assert "No certification level is defined yet." in html


def test_dashboard_costs_the_same_queries_for_few_and_many_partners(manager_client, program):
    def queries():
        manager_client.get(reverse("dashboard"))  # keeps the snapshots it reads
        with CaptureQueriesContext(connection) as captured:
            manager_client.get(reverse("dashboard"))
        return len(captured)

    small = queries()
    for _ in range(40):
        f.partner(joined_on=dt.date(2024, 1, 1))
    assert queries() == small
