"""The partner table (filters, sorting, pages, downloads) and the partner page with its
certification and tier transition forms."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from certifications.models import PartnerCertification
from partnerprogram.models import PartnerType, ReviewReason
from tests import factories as f
from tiers.models import TierTransition

from .daily import assert_refused, count_queries

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = timezone.localdate()
JOINED = D(2024, 1, 1)
LIST = reverse("partners:list")


@pytest.fixture
def program(manager):
    """Five partners read today: Acme meets its tier's requirement, Bolt is below threshold,
    Cobalt is at risk, Delta ended yesterday, Echo is in the top tier."""
    levels = f.standard_levels()
    associate, professional, expert = levels
    tiers = f.standard_tiers(levels)
    registered, silver, gold, platinum = tiers
    emea, apac = f.region("EMEA"), f.region("APAC")

    def member(name, tier, region, partner_type, **fields):
        partner = f.partner(
            name, region=region, partner_type=partner_type, joined_on=JOINED, **fields
        )
        f.transition(partner, tier, JOINED)
        return partner

    acme = member("Acme Resellers", silver, emea, PartnerType.RESELLER, account_manager=manager)
    f.certification(acme, associate, D(2024, 2, 1))
    bolt = member("Bolt Systems", gold, apac, PartnerType.SYSTEM_INTEGRATOR)
    f.certification(bolt, associate, D(2024, 2, 1))
    cobalt = member("Cobalt MSP", silver, emea, PartnerType.MSP)
    f.certification(cobalt, associate, D(2024, 2, 1), expires_on=TODAY + dt.timedelta(days=30))
    delta = member(
        "Delta Referrals",
        registered,
        emea,
        PartnerType.REFERRAL,
        ended_on=TODAY - dt.timedelta(days=1),
    )
    echo = member("Echo Distribution", platinum, apac, PartnerType.DISTRIBUTOR)
    f.certification(echo, expert, D(2024, 2, 1))
    return {
        "levels": levels,
        "tiers": tiers,
        **{p.name.split()[0].lower(): p for p in (acme, bolt, cobalt, delta, echo)},
    }


def listed(response):
    assert response.status_code == 200
    return [row.record.name for row in response.context["table"].paginated_rows]


ALL = ["Acme Resellers", "Bolt Systems", "Cobalt MSP", "Delta Referrals", "Echo Distribution"]


# --- The table -------------------------------------------------------------------------


def test_the_table_shows_each_partner_with_its_tier_level_and_standing_today(
    viewer_client, program
):
    response = viewer_client.get(LIST)
    assert listed(response) == ALL
    text = response.text
    assert f'href="{program["bolt"].get_absolute_url()}"' in text
    assert '<span class="badge band-action_required">Below threshold</span>' in text
    assert '<span class="badge band-good_standing">At risk</span>' in text
    assert "Not certified" in text  # Delta holds nothing
    assert "Morgan Manager" in text  # Acme's account manager, by name


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"q": "co"}, ["Cobalt MSP"]),
        ({"region": "APAC"}, ["Bolt Systems", "Echo Distribution"]),
        ({"partner_type": "msp"}, ["Cobalt MSP"]),
        ({"tier": "Gold"}, ["Bolt Systems"]),
        ({"level": "Associate"}, ["Acme Resellers", "Bolt Systems", "Cobalt MSP"]),
        ({"level": "none"}, ["Delta Referrals"]),
        ({"account_manager": "manager"}, ["Acme Resellers"]),
        ({"status": "ended"}, ["Delta Referrals"]),
        ({"status": "active"}, [n for n in ALL if n != "Delta Referrals"]),
        ({"threshold": "below"}, ["Bolt Systems"]),
        ({"threshold": "at_risk"}, ["Cobalt MSP"]),
        ({"threshold": "not_below"}, [n for n in ALL if n != "Bolt Systems"]),
        (
            {"region": "EMEA", "threshold": "not_below", "status": "active"},
            ["Acme Resellers", "Cobalt MSP"],
        ),
    ],
)
def test_each_filter_narrows_the_table_from_the_url(viewer_client, program, params, expected):
    assert listed(viewer_client.get(LIST, params)) == expected


def test_the_filter_form_keeps_the_chosen_values_so_the_url_can_be_shared(viewer_client, program):
    response = viewer_client.get(LIST, {"region": "APAC", "threshold": "below"})
    form = response.context["filter"].form
    assert form["region"].value() == "APAC" and form["threshold"].value() == "below"
    assert '<option value="APAC" selected>APAC</option>' in response.text
    assert 'method="get"' in response.text


def test_an_unknown_filter_value_says_so(viewer_client, program):
    response = viewer_client.get(LIST, {"region": "Atlantis"})
    assert "Select a valid choice" in response.text


@pytest.mark.parametrize(
    "sort, first",
    [
        ("name", "Acme Resellers"),
        ("-name", "Echo Distribution"),
        ("partner_type", "Echo Distribution"),  # distributor
        ("region", "Bolt Systems"),  # APAC, then by name
        ("current_tier", "Delta Referrals"),  # Registered
        ("-current_tier", "Echo Distribution"),  # Platinum
        ("level", "Delta Referrals"),  # not certified first on every database
        ("-level", "Echo Distribution"),  # Expert
        ("standing", "Bolt Systems"),  # below threshold first
        ("-standing", "Delta Referrals"),  # not active last
        ("account_manager", None),
        ("joined_on", None),
        ("-ended_on", None),
    ],
)
def test_every_column_sorts(viewer_client, program, sort, first):
    names = listed(viewer_client.get(LIST, {"sort": sort}))
    assert sorted(names) == ALL
    if first:
        assert names[0] == first


def test_the_table_is_paginated_with_a_choosable_page_size(viewer_client, program):
    for n in range(30):
        f.partner(f"Zulu {n:02}")
    assert len(listed(viewer_client.get(LIST))) == 25
    assert len(listed(viewer_client.get(LIST, {"per_page": 50}))) == 35
    assert listed(viewer_client.get(LIST, {"page": 2}))[0] == "Zulu 20"


@pytest.mark.parametrize("sort", ["name", "region", "-standing", "level"])
def test_consecutive_pages_hold_every_partner_once_in_any_order(viewer_client, program, sort):
    # Sorting by region or standing ties many partners: pages are chosen by primary key
    # first, ties broken by it, so no partner shows on two pages or on none.
    for n in range(30):
        f.partner(f"Zulu {n:02}")
    pages = [
        listed(viewer_client.get(LIST, {"sort": sort, "page": page, "per_page": 25}))
        for page in (1, 2)
    ]
    assert [len(page) for page in pages] == [25, 10]
    assert sorted(pages[0] + pages[1]) == sorted(ALL + [f"Zulu {n:02}" for n in range(30)])
    assert listed(viewer_client.get(LIST, {"sort": sort, "per_page": 50})) == pages[0] + pages[1]


def test_the_count_of_every_partner_is_kept_until_a_partner_comes_or_goes(viewer_client, program):
    def count():
        return viewer_client.get(LIST).context["table"].paginator.count

    assert count() == len(ALL)
    newcomer = f.partner("Newcomer")
    assert count() == len(ALL) + 1
    newcomer.delete()
    assert count() == len(ALL)
    assert count() == viewer_client.get(LIST, {"q": ""}).context["table"].paginator.count


def test_the_filtered_table_downloads_as_csv(viewer_client, program):
    response = viewer_client.get(LIST, {"threshold": "below", "_export": "csv"})
    assert response.status_code == 200
    assert "partners-" in response["Content-Disposition"]
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("Partner,Type,Region,Tier,Level held today,Standing today")
    assert lines[1].startswith("Bolt Systems,System integrator,APAC,Gold,Associate,Below threshold")
    assert len(lines) == 2


def test_the_table_costs_the_same_queries_for_5_and_50_partners(
    viewer_client, program, django_assert_num_queries
):
    viewer_client.get(LIST, {"per_page": 100})  # the partner count is kept, then kept true
    few = count_queries(lambda: viewer_client.get(LIST, {"per_page": 100}))
    silver = program["tiers"][1]
    associate = program["levels"][0]
    for n in range(45):
        partner = f.partner(f"More {n}", account_manager=program["acme"].account_manager)
        f.transition(partner, silver, JOINED)
        f.certification(partner, associate, D(2024, 3, 1))
    with django_assert_num_queries(few):
        response = viewer_client.get(LIST, {"per_page": 100})
    assert len(listed(response)) == 50


# --- The partner page ------------------------------------------------------------------


@pytest.fixture
def history(program, manager):
    """Bolt's records: certifications valid, expired and revoked; enrollment, advancement
    and downgrade; feedback; an overdue open review and a closed one."""
    bolt = program["bolt"]
    associate, professional, expert = program["levels"]
    registered, silver, gold, platinum = program["tiers"]
    f.certification(bolt, professional, D(2024, 3, 1), expires_on=D(2025, 3, 1))
    f.certification(bolt, expert, D(2024, 4, 1), revoked_on=D(2024, 6, 1))
    f.transition(bolt, platinum, D(2024, 6, 1))
    f.transition(bolt, gold, D(2025, 1, 15), reason="Expert revoked")
    f.feedback(bolt, D(2025, 5, 1), comment="<script>alert('x')</script> & more", rating=2)
    f.review(bolt, manager, opened_on=D(2025, 5, 2), reason=ReviewReason.CERTIFICATION_GAP)
    f.review(
        bolt,
        manager,
        opened_on=D(2024, 7, 1),
        reason=ReviewReason.TIER_STAGNATION,
        status="resolved",
        outcome="Advanced to Platinum.",
        closed_on=D(2024, 7, 20),
    )
    return bolt


def test_the_partner_page_shows_profile_standing_and_records(viewer_client, history):
    response = viewer_client.get(history.get_absolute_url())
    assert response.status_code == 200
    text = response.text
    assert "<h1" in text and "Bolt Systems" in text
    assert "System integrator" in text and "APAC" in text
    standing = response.context["standing"]
    assert standing == "below_threshold"
    assert response.context["held_level"] == "Associate"
    assert response.context["required_level"] == "Professional"
    assert "Gold requires Professional or higher; Bolt Systems holds only Associate." in text
    statuses = [
        (cert.level.name, status.label) for cert, status in response.context["certifications"]
    ]
    assert statuses == [("Expert", "Revoked"), ("Professional", "Expired"), ("Associate", "Valid")]
    assert "1 Mar 2025" in text and "1 Jun 2024" in text


def test_the_tier_history_is_a_timeline_of_enrollment_advancement_and_downgrade(
    viewer_client, history
):
    response = viewer_client.get(history.get_absolute_url())
    kinds = [(t.effective_on, t.kind.value) for t in response.context["transitions"]]
    assert kinds == [
        (JOINED, "enrollment"),
        (D(2024, 6, 1), "advancement"),
        (D(2025, 1, 15), "downgrade"),
    ]
    text = response.text
    assert text.index('class="kind-enrollment"') < text.index('class="kind-advancement"')
    assert text.index('class="kind-advancement"') < text.index('class="kind-downgrade"')
    assert "Platinum → Gold" in text and "Expert revoked" in text


def test_feedback_on_the_partner_page_is_text_not_code(viewer_client, history):
    text = viewer_client.get(history.get_absolute_url()).text
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in text


def test_reviews_on_the_partner_page_mark_the_overdue_one(viewer_client, history):
    response = viewer_client.get(history.get_absolute_url())
    marks = [(review.reason, overdue) for review, overdue in response.context["reviews"]]
    assert marks == [("certification_gap", True), ("tier_stagnation", False)]
    assert response.text.count("Overdue</span>") == 1
    assert "Advanced to Platinum." in response.text


def test_a_manager_sees_the_four_write_buttons_and_a_viewer_none(client, history, manager, viewer):
    url = history.get_absolute_url()
    buttons = ["Log feedback", "Open a review", "Record a tier transition", "Add a certification"]
    client.force_login(manager)
    text = client.get(url).text
    assert all(label in text for label in buttons)
    assert f"/feedback/new/?partner={history.pk}&amp;next=" in text
    client.force_login(viewer)
    text = client.get(url).text
    assert not any(label in text for label in buttons)


def test_an_unknown_partner_is_404(viewer_client, program):
    assert viewer_client.get(reverse("partners:detail", args=[99999])).status_code == 404


def test_the_partner_page_costs_the_same_queries_with_few_and_many_records(
    viewer_client, history, manager, django_assert_num_queries
):
    url = history.get_absolute_url()
    few = count_queries(lambda: viewer_client.get(url))
    level = PartnerCertification.objects.filter(partner=history).first().level
    for n in range(20):
        f.certification(history, level, D(2023, 1, 1) + dt.timedelta(days=n))
        f.feedback(history, D(2025, 1, 1) + dt.timedelta(days=n))
        f.review(
            history,
            manager,
            opened_on=D(2023, 1, 1) + dt.timedelta(days=n),
            reason=ReviewReason.OTHER,
            status="closed_without_action",
            outcome="Nothing to do.",
            closed_on=D(2023, 3, 1),
        )
    with django_assert_num_queries(few):
        response = viewer_client.get(url)
    assert len(response.context["certifications"]) == 23


# --- Adding a certification --------------------------------------------------------------


def certification_url(partner):
    return reverse("partners:certification-create", args=[partner.pk])


def test_a_manager_adds_a_certification_and_goes_back_to_the_partner(
    manager_client, program, manager
):
    bolt = program["bolt"]
    professional = program["levels"][1]
    professional.validity_months = 24
    professional.save()
    response = manager_client.post(
        certification_url(bolt),
        {
            "level": professional.pk,
            "awarded_on": "2025-05-10",
            "notes": "Passed the exam",
            "next": bolt.get_absolute_url(),
        },
        follow=True,
    )
    assert response.redirect_chain == [(bolt.get_absolute_url(), 302)]
    cert = PartnerCertification.objects.get(partner=bolt, level=professional)
    assert cert.expires_on == D(2027, 5, 10)  # the level's validity
    assert cert.recorded_by == manager
    assert "Professional certification awarded on 10 May 2025 added." in response.text
    assert response.context["standing"] == "meets"


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"awarded_on": "2025-05-10"}, "level", "This field is required."),
        ({"level": "LEVEL"}, "awarded_on", "This field is required."),
        ({"level": "LEVEL", "awarded_on": "10/05/2025x"}, "awarded_on", "Enter a valid date."),
        (
            {"level": "LEVEL", "awarded_on": "2025-05-10", "expires_on": "2025-05-10"},
            "expires_on",
            "A certification must expire after it was awarded.",
        ),
        (
            {"level": "LEVEL", "awarded_on": "2025-05-10", "revoked_on": "2025-05-09"},
            "revoked_on",
            "A certification cannot be revoked before it was awarded.",
        ),
        (
            {"level": "LEVEL", "awarded_on": "2024-02-01"},
            "__all__",
            "This partner already has a certification at this level awarded that day.",
        ),
    ],
)
def test_an_invalid_certification_is_refused_with_its_message_and_nothing_saved(
    manager_client, program, data, field, message
):
    bolt = program["bolt"]
    associate = program["levels"][0]
    data = {key: associate.pk if value == "LEVEL" else value for key, value in data.items()}
    before = PartnerCertification.objects.count()
    response = manager_client.post(certification_url(bolt), data)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert message in response.text
    assert PartnerCertification.objects.count() == before


# --- Recording a tier transition ---------------------------------------------------------


def transition_url(partner):
    return reverse("partners:transition-create", args=[partner.pk])


def test_the_transition_form_starts_from_the_partner_s_current_tier(manager_client, program):
    response = manager_client.get(transition_url(program["acme"]))
    assert response.context["form"]["from_tier"].value() == program["tiers"][1].pk
    assert response.context["form"]["effective_on"].value() == TODAY


def test_a_manager_records_an_advancement_through_the_chain_service(
    manager_client, program, manager
):
    acme = program["acme"]
    silver, gold = program["tiers"][1:3]
    response = manager_client.post(
        transition_url(acme),
        {"from_tier": silver.pk, "to_tier": gold.pk, "effective_on": "2025-04-01"},
        follow=True,
    )
    assert response.redirect_chain == [(acme.get_absolute_url(), 302)]
    transition = TierTransition.objects.get(partner=acme, effective_on=D(2025, 4, 1))
    assert transition.recorded_by == manager and transition.kind == "advancement"
    acme.refresh_from_db()
    assert acme.current_tier == gold
    assert "Advancement to Gold on 1 Apr 2025 recorded." in response.text


@pytest.mark.parametrize(
    "data, field, message",
    [
        (
            {"from_tier": "silver", "to_tier": "silver", "effective_on": "2025-04-01"},
            "to_tier",
            "A transition must move to a different tier.",
        ),
        (
            {"from_tier": "silver", "to_tier": "gold", "effective_on": "TOMORROW"},
            "effective_on",
            "A tier transition cannot take effect in the future.",
        ),
        (
            {"from_tier": "gold", "to_tier": "platinum", "effective_on": "2025-04-01"},
            "from_tier",
            "The partner was in Silver on 31 Mar 2025, not in Gold.",
        ),
        (
            {"from_tier": "", "to_tier": "gold", "effective_on": "2025-04-01"},
            "from_tier",
            "an enrollment is only for a partner with no tier.",
        ),
        (
            {"from_tier": "", "to_tier": "gold", "effective_on": "2023-06-01"},
            "effective_on",
            "The partner joined on 1 Jan 2024; a transition cannot take effect before that.",
        ),
        (
            {"from_tier": "silver", "to_tier": "gold", "effective_on": "2024-01-01"},
            "__all__",
            "This partner already has a tier transition on that day.",
        ),
        (
            {"from_tier": "silver", "effective_on": "2025-04-01"},
            "to_tier",
            "This field is required.",
        ),
    ],
)
def test_a_transition_that_breaks_a_rule_or_the_chain_is_refused_and_nothing_saved(
    manager_client, program, data, field, message
):
    acme = program["acme"]
    tiers = {t.name.lower(): t.pk for t in program["tiers"]}
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    data = {
        key: tiers.get(value, tomorrow if value == "TOMORROW" else value)
        for key, value in data.items()
    }
    response = manager_client.post(transition_url(acme), data)
    assert_refused(response, field, message)
    assert TierTransition.objects.filter(partner=acme).count() == 1
    acme.refresh_from_db()
    assert acme.current_tier.name == "Silver"
