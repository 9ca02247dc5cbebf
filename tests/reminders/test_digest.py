"""The digest's sections: who has what to do on a day, in a fixed number of queries."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission

from partnerprogram.reminders.digest import digests
from partnerprogram.reminders.outbox import digest_recipients, expiry_messages
from partnerprogram.rules.periods import day_label
from tests import factories as f

from .conftest import TODAY, days

pytestmark = pytest.mark.django_db


def shown(sections):
    return {section.title: [item.label for item in section.items] for section in sections}


def test_each_manager_sees_their_partners_work_by_section(program):
    found = digests(TODAY, [program[name].pk for name in ("ada", "ben", "eve")])
    assert shown(found[program["ada"].pk]) == {
        "Reviews overdue": ["Delta: Certification gap"],
        "Partners newly below threshold": ["Delta"],
        "Certifications ending within 7 days": ["Alpha: Associate"],
        "Certifications ending within 30 days": ["Bravo: Associate"],
    }
    assert shown(found[program["ben"].pk]) == {
        "Reviews overdue": ["Delta: Certification gap"],  # Ben owns it
        "Certifications ending within 90 days": ["Golf: Associate"],
    }
    assert program["eve"].pk not in found  # nothing to do: no digest


def test_items_say_when_and_link_to_the_page_behind_them(program):
    sections = digests(TODAY, [program["ada"].pk])[program["ada"].pk]
    review, below, seven, _ = sections
    assert review.items[0].detail == f"overdue by 2 days (due {day_label(days(-2))})"
    assert review.items[0].path == f"/remediation/reviews/{program['delta_review'].pk}/"
    assert below.items[0].detail == f"below threshold since {day_label(days(-3))}"
    assert seven.items[0].detail == f"ends on {day_label(days(5))}, in 5 days"
    assert seven.items[0].path == f"/partners/{program['alpha'].pk}/"


def test_digests_go_to_who_wants_one_today(program):
    recipients = {user.username for user in digest_recipients(TODAY)}
    assert recipients == {"ada", "ben", "eve"}  # Cleo: never; Dan: another weekday
    tomorrow = {user.username for user in digest_recipients(TODAY + dt.timedelta(days=1))}
    assert tomorrow == {"ada", "eve", "dan"}


def test_no_digest_for_a_manager_who_may_not_read_the_pages_it_links_to(program, make_user):
    program["eve"].groups.clear()  # left the team, still named on partners
    assert "eve" not in {user.username for user in digest_recipients(TODAY)}
    program["eve"].user_permissions.add(
        Permission.objects.get(codename="view_partner", content_type__app_label="partnerprogram")
    )
    assert "eve" in {user.username for user in digest_recipients(TODAY)}


def test_contacts_of_opted_in_partners_hear_at_the_nearest_milestone(program):
    events = {m.recipient: m.event for m in expiry_messages(TODAY)}
    alpha = program["alpha"].certifications.get()
    bravo = program["bravo"].certifications.get()
    # Charlie renewed, Foxtrot ended, Golf has no address, Hotel and India did not opt in.
    assert events == {
        "alpha@partner.example": f"expiry:certification {alpha.pk}:7 days",
        "bravo@partner.example": f"expiry:certification {bravo.pk}:30 days",
    }


def test_the_queries_do_not_grow_with_the_managers_partners(program, django_assert_max_num_queries):
    users = [program["ada"].pk, program["ben"].pk]
    with django_assert_max_num_queries(4) as few:
        digests(TODAY, users)
    for n in range(30):  # 30 more partners of Ada's, each with a certification ending
        partner = f.partner(f"More {n}", account_manager=program["ada"], joined_on=f.D(2024, 1, 1))
        f.certification(partner, program["associate"], f.D(2024, 1, 1), expires_on=days(40))
    with django_assert_max_num_queries(len(few.captured_queries)):
        found = digests(TODAY, users)
    assert len(shown(found[program["ada"].pk])["Certifications ending within 90 days"]) == 30
    capped = {s.title: s for s in digests(TODAY, users, limit=2)[program["ada"].pk]}
    nearest = capped["Certifications ending within 90 days"]
    assert ([item.label for item in nearest.items], nearest.more) == (
        ["More 0: Associate", "More 1: Associate"],
        28,
    )
    assert capped["Certifications ending within 7 days"].more == 0
