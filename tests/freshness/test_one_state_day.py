"""A page reads the stored state's day once, however many figures ask whether stored state
answers; a refresh inside the request is read again."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from partnerprogram import freshness
from partnerprogram.freshness import stored
from partnerprogram.models import ProgramState
from tests import factories as f

pytestmark = pytest.mark.django_db


def state_reads(queries):
    table = ProgramState._meta.db_table
    return [q for q in queries if f'FROM "{table}"' in q["sql"] and "SELECT" in q["sql"]]


@pytest.mark.parametrize("url", [reverse("dashboard"), reverse("remediation:overview")])
def test_a_page_reads_the_state_day_once(viewer_client, url):
    f.partner("Acme")
    stored.refresh_levels(timezone.localdate())
    with CaptureQueriesContext(connection) as captured:
        assert viewer_client.get(url).status_code == 200
    assert len(state_reads(captured.captured_queries)) == 1


def test_outside_a_request_each_question_reads_it_and_a_new_day_is_read_again():
    today = timezone.localdate()
    stored.set_state_day(today)
    with CaptureQueriesContext(connection) as captured:
        assert freshness.stored_state_answers(today)
        assert freshness.stored_state_answers(today)
    assert len(state_reads(captured.captured_queries)) == 2
    with freshness.one_state_day():
        assert freshness.stored_state_answers(today)
        stored.set_state_day(today - timezone.timedelta(days=1))
        assert not freshness.stored_state_answers(today)  # read again after the change
