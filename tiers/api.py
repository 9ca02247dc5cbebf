"""GET /api/kpi/tier-advancements/: the Tier Advancements page's figures as JSON."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from partnerprogram.rules.periods import PeriodKind
from partnerprogram.web.api import (
    ERRORS,
    SEGMENT,
    SEGMENT_PARAMETERS,
    ProgramAPIView,
    date_parameter,
    form_or_400,
    number,
    text_parameter,
)
from tiers import kpis
from tiers.forms import TierAdvancementsForm


class PeriodSerializer(serializers.Serializer):
    label = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()


class ComparedSerializer(serializers.Serializer):
    label = serializers.CharField()
    advancing_partners = serializers.IntegerField()
    change_percent = serializers.FloatField(
        allow_null=True, help_text="Of this period against that one; null when it had none."
    )


class TierCountSerializer(serializers.Serializer):
    tier = serializers.CharField()
    partners = serializers.IntegerField()


class TrendSerializer(PeriodSerializer):
    advancing_partners = serializers.IntegerField()


class TierAdvancementsSerializer(serializers.Serializer):
    kpi = serializers.CharField()
    period = PeriodSerializer()
    segment = SEGMENT
    advancing_partners = serializers.IntegerField()
    advancement_events = serializers.IntegerField()
    downgrades = serializers.IntegerField()
    enrollments = serializers.IntegerField()
    net_movement = serializers.IntegerField()
    active_at_start = serializers.IntegerField()
    advancement_rate = serializers.FloatField(allow_null=True)
    by_tier = TierCountSerializer(many=True)
    previous = ComparedSerializer()
    year_ago = ComparedSerializer()
    trend = TrendSerializer(many=True)
    stagnant_partners = serializers.IntegerField()
    declined = serializers.BooleanField()


class TierAdvancementsApi(ProgramAPIView):
    @extend_schema(
        summary="Partner Program Tier Advancements in a period",
        description="Partners advancing a tier in the period, with events, downgrades, "
        "enrollments, the rate, the comparisons and the trend of 8 periods.",
        parameters=[
            text_parameter(
                "period",
                "2025-Q4, 2025-11 or 2025 (a fiscal year); default this quarter.",
                pattern=r"^(FY)?\d{4}(-?Q[1-4]|-(0[1-9]|1[0-2]))?$",
            ),
            text_parameter(
                "kind",
                "The current period of this kind, when no period or range is given.",
                enum=list(PeriodKind.values),
            ),
            date_parameter("start", "A custom range's first day (with end)."),
            date_parameter("end", "A custom range's last day (with start)."),
            *SEGMENT_PARAMETERS,
        ],
        responses={200: TierAdvancementsSerializer, **ERRORS},
    )
    def get(self, request):
        return super().get(request)

    def body(self, request):
        form = TierAdvancementsForm(request.GET)
        data = form_or_400(form)
        period = data["the_period"]
        figures = kpis.tier_advancements(period, form.segment())
        return {
            "kpi": "partner_program_tier_advancements",
            "period": {
                "label": period.label,
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
            },
            "segment": form.segment().as_params(),
            "advancing_partners": figures.advancing_partners,
            "advancement_events": figures.advancement_events,
            "downgrades": figures.downgrades,
            "enrollments": figures.enrollments,
            "net_movement": figures.net_movement,
            "active_at_start": figures.active_at_start,
            "advancement_rate": number(figures.advancement_rate),
            "by_tier": [{"tier": t.tier, "partners": t.partners} for t in figures.by_tier],
            "previous": count_json(figures.previous),
            "year_ago": count_json(figures.year_ago),
            "trend": [
                {
                    "label": count.period.label,
                    "start": count.period.start.isoformat(),
                    "end": count.period.end.isoformat(),
                    "advancing_partners": count.advancing_partners,
                }
                for count in figures.trend
            ],
            "stagnant_partners": figures.stagnant_partners,
            "declined": figures.declined,
        }


def count_json(count):
    return {
        "label": count.period.label,
        "advancing_partners": count.advancing_partners,
        "change_percent": number(count.change_percent),
    }
