"""Every admin changelist, add and change page loads and saves for staff; viewers cannot
write; transitions go through the chain service."""

import datetime as dt

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from certifications.models import PartnerCertification
from partnerprogram.models import Partner, PartnerFeedback, RemediationReview
from tests import factories as f
from tiers.models import TierTransition

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def program(manager):
    levels = f.standard_levels()
    registered, silver, gold, platinum = f.standard_tiers(levels)
    partner = f.partner("Acme", joined_on=D(2024, 1, 1))
    f.transition(partner, registered, D(2024, 1, 1), from_tier=None)
    f.certification(partner, levels[0], D(2024, 2, 1))
    f.feedback(partner)
    f.review(partner, manager)
    return {"partner": partner, "levels": levels, "tiers": (registered, silver, gold, platinum)}


def admin_urls(obj_by_model, request=None):
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        yield reverse(f"{prefix}_changelist")
        if model_admin.has_add_permission(request):  # lockouts and tokens are not added here
            yield reverse(f"{prefix}_add")
        obj = obj_by_model.get(model)
        if obj is not None:
            yield reverse(f"{prefix}_change", args=[obj.pk])
            yield reverse(f"{prefix}_history", args=[obj.pk])


def test_every_admin_page_loads_for_a_superuser(client, superuser, program):
    client.force_login(superuser)
    objects = {model: model.objects.first() for model in admin.site._registry}
    request = RequestFactory().get("/")
    request.user = superuser
    urls = list(admin_urls(objects, request))
    assert len(urls) > 30
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url


def test_changelists_search_and_filter(client, superuser, program):
    client.force_login(superuser)
    response = client.get(reverse("admin:partnerprogram_partner_changelist"), {"q": "acm"})
    assert "Acme" in response.text
    response = client.get(reverse("admin:partnerprogram_partner_changelist"), {"q": "zzz"})
    assert "0 partners" in response.text
    response = client.get(
        reverse("admin:certifications_partnercertification_changelist"), {"status": "valid"}
    )
    assert "1 partner certification" in response.text


def test_staff_manager_edits_a_partner_and_its_history_shows_it(client, staff, program):
    client.force_login(staff)
    partner = program["partner"]
    url = reverse("admin:partnerprogram_partner_change", args=[partner.pk])
    form = client.get(url).context["adminform"].form
    data = {
        **{name: form.initial.get(name) or "" for name in form.fields},
        "name": "Acme Renamed",
        "partner_type": "msp",
        "region": partner.region_id,
        "joined_on": "2024-01-01",
        **inline_management(partner),
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    partner.refresh_from_db()
    assert partner.name == "Acme Renamed"
    history = client.get(reverse("admin:partnerprogram_partner_history", args=[partner.pk]))
    assert "staff" in history.text
    assert partner.history.first().history_user == staff


def inline_management(partner):
    """The management forms of the partner page's inlines, with the existing rows unchanged."""
    data = {}
    prefixes = {
        "certifications": PartnerCertification.objects.filter(partner=partner),
        "tier_transitions": TierTransition.objects.filter(partner=partner),
        "feedback": PartnerFeedback.objects.filter(partner=partner),
        "reviews": RemediationReview.objects.filter(partner=partner),
    }
    for prefix, rows in prefixes.items():
        rows = list(rows)
        data[f"{prefix}-TOTAL_FORMS"] = len(rows)
        data[f"{prefix}-INITIAL_FORMS"] = len(rows)
        for index, row in enumerate(rows):
            data[f"{prefix}-{index}-id"] = row.pk
            data[f"{prefix}-{index}-partner"] = partner.pk
            if prefix == "certifications":
                data.update(
                    {
                        f"{prefix}-{index}-level": row.level_id,
                        f"{prefix}-{index}-awarded_on": row.awarded_on.isoformat(),
                        f"{prefix}-{index}-expires_on": row.expires_on or "",
                    }
                )
            if prefix == "feedback":
                data.update(
                    {
                        f"{prefix}-{index}-received_on": row.received_on.isoformat(),
                        f"{prefix}-{index}-channel": row.channel,
                        f"{prefix}-{index}-topic": row.topic,
                        f"{prefix}-{index}-rating": row.rating,
                        f"{prefix}-{index}-comment": row.comment,
                    }
                )
    return data


def test_staff_adds_a_certification_inline_and_is_recorded_as_its_author(client, staff, program):
    client.force_login(staff)
    partner = program["partner"]
    url = reverse("admin:partnerprogram_partner_change", args=[partner.pk])
    data = {
        "name": partner.name,
        "partner_type": partner.partner_type,
        "region": partner.region_id,
        "joined_on": "2024-01-01",
        **inline_management(partner),
        "certifications-TOTAL_FORMS": 2,
        "certifications-1-level": program["levels"][1].pk,
        "certifications-1-awarded_on": "2025-03-01",
        "certifications-1-expires_on": "2025-02-01",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "A certification must expire after it was awarded." in response.text
    assert partner.certifications.count() == 1
    data["certifications-1-expires_on"] = ""
    response = client.post(url, data)
    assert response.status_code == 302
    added = partner.certifications.get(level=program["levels"][1])
    assert added.recorded_by == staff


def test_admin_records_transitions_through_the_chain_service(client, staff, program):
    client.force_login(staff)
    partner = program["partner"]
    registered, silver, gold, _ = program["tiers"]
    add_url = reverse("admin:tiers_tiertransition_add")
    # The add page opened from a partner starts from its current tier.
    form = client.get(add_url, {"partner": partner.pk}).context["adminform"].form
    assert form.initial["from_tier"] == registered.pk
    response = client.post(
        add_url,
        {
            "partner": partner.pk,
            "from_tier": silver.pk,
            "to_tier": gold.pk,
            "effective_on": "2024-06-01",
            "reason": "",
        },
    )
    assert response.status_code == 200
    assert "The partner was in Registered on 31 May 2024, not in Silver." in response.text
    response = client.post(
        add_url,
        {
            "partner": partner.pk,
            "from_tier": registered.pk,
            "to_tier": silver.pk,
            "effective_on": "2024-06-01",
            "reason": "Certified",
        },
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.current_tier == silver
    assert partner.tier_transitions.get(to_tier=silver).recorded_by == staff


def test_admin_change_of_a_past_transition_rechecks_the_chain(client, staff, program):
    client.force_login(staff)
    partner = program["partner"]
    registered, silver, gold, platinum = program["tiers"]
    middle = f.transition(partner, silver, D(2024, 6, 1))
    f.transition(partner, gold, D(2025, 1, 1))
    url = reverse("admin:tiers_tiertransition_change", args=[middle.pk])
    response = client.post(
        url,
        {
            "from_tier": registered.pk,
            "to_tier": platinum.pk,
            "effective_on": "2024-06-01",
            "reason": "",
        },
    )
    assert response.status_code == 200
    assert "This breaks the chain" in response.text
    middle.refresh_from_db()
    assert middle.to_tier == silver


def test_admin_refuses_a_transition_delete_that_breaks_the_chain(client, superuser, program):
    client.force_login(superuser)
    partner = program["partner"]
    _, silver, gold, _ = program["tiers"]
    middle = f.transition(partner, silver, D(2024, 6, 1))
    latest = f.transition(partner, gold, D(2025, 1, 1))
    response = client.post(
        reverse("admin:tiers_tiertransition_delete", args=[middle.pk]), {"post": "yes"}
    )
    assert response.status_code == 200
    assert "would break the chain" in response.text
    assert TierTransition.objects.filter(pk=middle.pk).exists()
    response = client.post(
        reverse("admin:tiers_tiertransition_delete", args=[latest.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.current_tier == silver


def test_a_partner_with_history_cannot_be_deleted_in_the_admin(client, superuser, program):
    client.force_login(superuser)
    partner = program["partner"]
    response = client.post(
        reverse("admin:partnerprogram_partner_delete", args=[partner.pk]), {"post": "yes"}
    )
    assert Partner.objects.filter(pk=partner.pk).exists()
    assert "protected" in response.text


def test_a_viewer_on_staff_can_read_but_not_write_in_the_admin(client, make_user, program):
    viewer = make_user("staffviewer", "Viewers", is_staff=True)
    client.force_login(viewer)
    partner = program["partner"]
    assert client.get(reverse("admin:partnerprogram_partner_changelist")).status_code == 200
    change_url = reverse("admin:partnerprogram_partner_change", args=[partner.pk])
    response = client.get(change_url)
    assert response.status_code == 200
    assert 'name="_save"' not in response.text
    response = client.post(change_url, {"name": "Hacked"})
    assert response.status_code == 403
    assert client.get(reverse("admin:partnerprogram_partner_add")).status_code == 403
    partner.refresh_from_db()
    assert partner.name == "Acme"


def test_deleting_selected_rows_keeps_stored_levels_and_snapshots_true(client, superuser, program):
    from django.utils import timezone

    from certifications.cube import level_cube, live_cells
    from partnerprogram.freshness import LEVELS
    from partnerprogram.freshness.stored import refresh_levels
    from tests.kept import is_kept

    today = timezone.localdate()
    refresh_levels(today)
    partner = program["partner"]
    newcomer = f.partner("Newcomer", joined_on=D(2024, 3, 1))  # no history: it may go
    level_cube(today)  # kept: today's cube counts Acme at Associate and the newcomer
    assert is_kept(LEVELS, today)
    client.force_login(superuser)
    for model, rows in (
        ("certifications_partnercertification", partner.certifications.all()),
        ("partnerprogram_partner", [newcomer]),
    ):
        response = client.post(
            reverse(f"admin:{model}_changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [row.pk for row in rows],
                "post": "yes",
            },
        )
        assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.current_level is None  # its only certification went
    assert is_kept(LEVELS, today)  # kept, and adjusted by both deletions
    assert sorted(level_cube(today).cells) == sorted(live_cells(today))
    assert sum(cell[-1] for cell in level_cube(today).cells) == 1  # Acme, not certified


def test_a_new_certification_is_awarded_today_unless_changed(client, staff, program):
    client.force_login(staff)
    today = timezone.localdate().isoformat()
    page = client.get(reverse("admin:certifications_partnercertification_add")).text
    assert f'name="awarded_on" value="{today}"' in page
    partner = program["partner"]
    page = client.get(reverse("admin:partnerprogram_partner_change", args=[partner.pk])).text
    assert f'name="certifications-__prefix__-awarded_on" value="{today}"' in page


def test_users_are_named_by_their_full_name_in_lists_and_choices(client, staff, manager, program):
    client.force_login(staff)
    RemediationReview.objects.update(owner=manager)  # the program's own review
    page = client.get(reverse("admin:partnerprogram_remediationreview_changelist")).text
    assert '<td class="field-owner">Morgan Manager</td>' in page
    # The sidebar's "By owner" filter too.
    assert f'href="?owner__id__exact={manager.pk}">Morgan Manager</a>' in page
    assert f">{manager.username}</a>" not in page
    review = RemediationReview.objects.first()
    url = reverse("admin:partnerprogram_remediationreview_change", args=[review.pk])
    assert f'<option value="{manager.pk}" selected>Morgan Manager</option>' in client.get(url).text


def test_no_delete_button_where_deleting_would_be_refused(client, superuser, program):
    client.force_login(superuser)
    partner = program["partner"]
    registered, silver, gold, platinum = program["tiers"]
    middle = f.transition(partner, silver, D(2024, 6, 1))  # the next one starts from Silver
    last = f.transition(partner, gold, D(2025, 1, 1))
    unused_level = f.level("Unused", 9)

    def shows_delete(obj):
        opts = obj._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        return 'class="deletelink"' in client.get(url).text

    assert not shows_delete(middle)  # Registered -> (gone) -> Gold would break the chain
    assert shows_delete(last)  # the latest transition may go
    assert not shows_delete(program["levels"][0])  # a certification holds it
    assert shows_delete(unused_level)
    assert not shows_delete(partner)  # certifications, feedback and reviews refer to it
    # The delete page still says why to whoever reaches it.
    url = reverse("admin:tiers_tiertransition_delete", args=[middle.pk])
    assert "Deleting this transition would break the chain" in client.get(url).text


def test_the_user_autocomplete_names_users_by_full_name(client, superuser, manager, program):
    client.force_login(superuser)
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "term": "Morgan",
            "app_label": "partnerprogram",
            "model_name": "remediationreview",
            "field_name": "owner",
        },
    )
    assert response.status_code == 200
    texts = [result["text"] for result in response.json()["results"]]
    assert "Morgan Manager" in texts


def test_change_lists_and_inlines_leave_room_for_their_columns(client, superuser, program):
    """At 1366 pixels the navigation sidebar beside a change list's filters cut the
    partners' columns off, and the inlines' full-size text areas pushed their delete boxes
    out of sight."""
    client.force_login(superuser)
    page = client.get(reverse("admin:partnerprogram_partner_changelist")).text
    assert 'id="nav-sidebar"' not in page
    partner = program["partner"]
    f.feedback(partner, D(2025, 5, 1))
    page = client.get(reverse("admin:partnerprogram_partner_change", args=[partner.pk])).text
    for name in ("certifications-0-notes", "feedback-0-comment"):
        area = page[page.index(f'name="{name}"') - 200 : page.index(f'name="{name}"') + 200]
        assert 'cols="28"' in area and 'rows="2"' in area, name
