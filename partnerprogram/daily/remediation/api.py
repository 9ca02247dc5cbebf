"""GET /api/partners/below-threshold/?as_of=YYYY-MM-DD&page=N&page_size=M: the remediation
page's two lists for BI tools, with the same definitions (kpis.below_threshold and
kpis.at_risk), a page of each at a time: a large program has tens of thousands of partners
below threshold."""

from django.urls import reverse
from django.utils.http import urlencode
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from partnerprogram import kpis
from partnerprogram.daily.partners.views import level_names
from partnerprogram.daily.remediation.forms import BelowThresholdApiForm
from partnerprogram.rules.days import projection
from partnerprogram.web.api import (
    ERRORS,
    ProgramAPIView,
    date_parameter,
    form_or_400,
    integer_parameter,
)
from partnerprogram.web.listing import rows_by_keys
from tiers.models import Tier


class CountsSerializer(serializers.Serializer):
    below_threshold = serializers.IntegerField()
    at_risk = serializers.IntegerField()


class StandingSerializer(serializers.Serializer):
    partner = serializers.CharField()
    tier = serializers.CharField(allow_null=True)
    required_level = serializers.CharField(allow_null=True)
    open_review = serializers.BooleanField()


class BelowSerializer(StandingSerializer):
    held_level = serializers.CharField(allow_null=True)


class AtRiskSerializer(StandingSerializer):
    expires_on = serializers.DateField(help_text="When the certification keeping it ends.")


class BelowThresholdSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    projection = serializers.CharField(
        allow_null=True,
        help_text="For a day after today (at most a year ahead), what the lists assume; "
        "null for today or a day before.",
    )
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    counts = CountsSerializer()
    next = serializers.CharField(allow_null=True, help_text="The next page's URL, or null.")
    below_threshold = BelowSerializer(many=True)
    at_risk = AtRiskSerializer(many=True)


class BelowThresholdApi(ProgramAPIView):
    @extend_schema(
        summary="Partners below threshold and at risk on a day",
        description="Page `page` of each list ordered by partner name, the lists' full "
        "lengths in `counts`, and the URL of the next page in `next` (null on the last).",
        parameters=[
            date_parameter(
                "as_of",
                "The day (default today); a day after today, at most a year ahead, is a "
                "projection.",
            ),
            integer_parameter("page", "From 1 (default 1)."),
            integer_parameter("page_size", "Rows of each list a page (default 500).", maximum=1000),
        ],
        responses={200: BelowThresholdSerializer, **ERRORS},
    )
    def get(self, request):
        return super().get(request)

    def body(self, request):
        return below_threshold(request)


def below_threshold(request):
    """The body of the endpoint (BelowThresholdApi)."""
    query = form_or_400(BelowThresholdApiForm(request.GET))
    as_of, page, size = query["as_of"], query["page"], query["page_size"]
    rows = slice((page - 1) * size, page * size)
    counts = kpis.standing_counts(as_of)
    tiers = dict(Tier.objects.values_list("pk", "name"))
    levels = level_names()

    def row(partner):
        return {
            "partner": partner.name,
            "tier": tiers.get(partner.tier_on_day_id),
            "required_level": levels.get(partner.required_rank),
        }

    more = page * size < max(counts.values())
    next_query = {"as_of": as_of.isoformat(), "page": page + 1, "page_size": size}
    return {
        "as_of": as_of.isoformat(),
        "projection": projection(as_of),
        "page": page,
        "page_size": size,
        "counts": counts,
        "next": f"{reverse('api-below-threshold')}?{urlencode(next_query)}" if more else None,
        "below_threshold": [
            {
                **row(partner),
                "held_level": levels.get(partner.level_rank),
                "open_review": partner.open_review_id is not None,
            }
            for partner in rows_by_keys(kpis.below_threshold(as_of).order_by("name"), rows)
        ],
        "at_risk": [
            {
                **row(partner),
                "expires_on": partner.keeps_until.isoformat(),
                "open_review": partner.open_review_id is not None,
            }
            for partner in rows_by_keys(kpis.at_risk(as_of).order_by("name"), rows)
        ],
    }
