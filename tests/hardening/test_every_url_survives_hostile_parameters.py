"""Every URL of the project, asked with hostile values in the query parameters the views
read (dates at the calendar's edges, numbers past any integer, unicode, NUL, very long
text), answers without a server error: a message, a 400, a 404 or a redirect."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certifications.forms import CertificationLevelsForm, DrillDownForm
from partnerprogram.daily.feedback.filters import FeedbackFilter
from partnerprogram.daily.partners.filters import PartnerFilter
from partnerprogram.daily.remediation.filters import ReviewFilter
from partnerprogram.daily.remediation.forms import BelowThresholdApiForm
from tests import factories as f
from tiers.forms import TierAdvancementsForm

pytestmark = pytest.mark.django_db

TABLE = ("page", "per_page", "sort", "_export", "_table")


def fields(*classes):
    return [
        name
        for cls in classes
        for name in getattr(cls, "base_fields", None) or getattr(cls, "base_filters", {})
    ]


# The query parameters each page reads: its form's or filters' fields, and its tables'.
PARAMETERS = {
    "/kpi/certification-levels/": fields(CertificationLevelsForm),
    "/kpi/certification-levels/partners/": [*fields(DrillDownForm), *TABLE],
    "/api/kpi/certification-levels/": fields(CertificationLevelsForm),
    "/kpi/tier-advancements/": [
        *fields(TierAdvancementsForm),
        *(f"{prefix}-{name}" for prefix in ("adv", "stag") for name in TABLE[:3]),
        "_export",
        "_table",
    ],
    "/api/kpi/tier-advancements/": fields(TierAdvancementsForm),
    "/partners/": [*fields(PartnerFilter), *TABLE],
    "/feedback/": [*fields(FeedbackFilter), *TABLE],
    "/remediation/": [
        "as_of",
        *(f"{prefix}-{name}" for prefix in ("below", "risk") for name in TABLE[:3]),
        "_export",
        "_table",
    ],
    "/remediation/reviews/": [*fields(ReviewFilter), *TABLE],
    "/api/partners/below-threshold/": fields(BelowThresholdApiForm),
}
OTHERS = ["next", "partner", "page", "q", "o", "e", "as_of", "period"]
# The values that broke pages before (dates past the calendar, a page past any integer, a
# NUL): each parameter of each page gets each of them.
EDGES = ["9999-12-31", "0001-01-01", "92233720368547758070", "-1", "\x00"]
HOSTILE = st.one_of(
    st.sampled_from(
        [
            "0001-01-01",
            "9999-12-31",
            "1899-12-31",
            "3000-01-01",
            "2024-02-30",
            "-1",
            "0",
            "92233720368547758070",
            "1e309",
            "NaN",
            "2025-Q9",
            "9999-Q4",
            "0-Q1",
            "2025-13",
            "../../etc/passwd",
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "javascript:alert(1)",
            "%00",
            "xlsx",
            "csv",
            "json",
            "-name",
            "standing_order",
            "stagnant",
            "x" * 5000,
        ]
    ),
    st.text(
        alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=["Cs"]),
        max_size=40,
    ),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(str),
)
SETTINGS = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def site_urls(patterns=None, prefix=""):
    """Every URL of the site that answers GET (admin: our models' change lists), each path
    argument as a placeholder to fill."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith("admin/"):
                continue
            yield from site_urls(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and pattern.name not in ("logout", "revoke-token"):
            yield "/" + route


ADMIN_LISTS = [
    "admin:partnerprogram_partner_changelist",
    "admin:partnerprogram_partnerfeedback_changelist",
    "admin:partnerprogram_remediationreview_changelist",
    "admin:certifications_partnercertification_changelist",
    "admin:tiers_tiertransition_changelist",
]


@pytest.fixture
def staff_client(superuser, tmp_path):
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def records(superuser):
    levels = f.standard_levels()
    registered, *_ = f.standard_tiers(levels)
    partner = f.partner("Acme", joined_on=dt.date(2024, 1, 1))
    f.transition(partner, registered, dt.date(2024, 1, 1), from_tier=None)
    f.certification(partner, levels[0], dt.date(2024, 2, 1))
    review = f.review(partner, superuser)
    return {"pk": partner.pk, "review": review.pk}


def filled(route, records):
    return re.sub(r"<int:pk>", str(records["pk"]), route).replace(
        "reviews/" + str(records["pk"]), "reviews/" + str(records["review"])
    )


def test_every_url_of_the_site_is_here():
    urls = list(site_urls())
    assert "/" in urls and "/api/kpi/certification-levels/" in urls and len(urls) > 20


def every_url():
    return [*site_urls(), *ADMIN_LISTS]


def url_of(route, records):
    return reverse(route) if route.startswith("admin:") else filled(route, records)


def test_every_page_with_a_form_is_fuzzed_with_its_own_parameters():
    assert set(PARAMETERS) <= set(site_urls())


@pytest.mark.parametrize("route", every_url())
def test_each_parameter_at_each_edge_never_causes_a_server_error(staff_client, records, route):
    url = url_of(route, records)
    for parameter in PARAMETERS.get(route, OTHERS):
        for value in EDGES:
            response = staff_client.get(url, {parameter: value})
            assert response.status_code < 500, (url, parameter, value)


@pytest.mark.parametrize("route", every_url())
def test_hostile_combinations_never_cause_a_server_error(staff_client, records, route):
    url = url_of(route, records)
    queries = st.dictionaries(st.sampled_from(PARAMETERS.get(route, OTHERS)), HOSTILE, max_size=4)

    @SETTINGS
    @given(query=queries)
    def check(query):
        response = staff_client.get(url, query)
        assert response.status_code < 500, (url, query)

    check()
