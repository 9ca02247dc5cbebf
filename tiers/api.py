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


class ThePeriodSerializer(PeriodSerializer):
    to_date = serializers.BooleanField(
        help_text="In progress: the figures cover its first day to `through` (today), and "
        "it is compared with the same number of days at the start of the other periods."
    )
    through = serializers.DateField(help_text="The last day the figures cover.")


class ComparedSerializer(serializers.Serializer):
    label = serializers.CharField()
    advancing_partners = serializers.IntegerField()
    change_percent = serializers.FloatField(
        allow_null=True, help_text="Of this period against that one; null when it had none."
    )
    start = serializers.DateField(help_text="The first day counted.")
    end = serializers.DateField(
        help_text="The last day counted: the period's, or, against a period in progress, the "
        "end of its first as many days."
    )
    counted = serializers.CharField(help_text='What was counted: "the first 58 days of ...".')


class TierCountSerializer(serializers.Serializer):
    tier = serializers.CharField()
    partners = serializers.IntegerField()


class TrendSerializer(PeriodSerializer):
    advancing_partners = serializers.IntegerField()


class TierAdvancementsSerializer(serializers.Serializer):
    kpi = serializers.CharField()
    period = ThePeriodSerializer()
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
    stagnant_on = serializers.DateField(
        help_text="The day they are judged on: the earlier of the period's end and today."
    )
    declined = serializers.BooleanField(help_text="Never while the period is in progress.")


class TierAdvancementsApi(ProgramAPIView):
    @extend_schema(
        summary="Partner Program Tier Advancements in a period",
        description="Partners advancing a tier in the period, with events, downgrades, "
        "enrollments, the rate, the comparisons and the trend of the last 8 periods (from "
        "the first that ends after the program's first partner joined).",
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
                "to_date": figures.to_date,
                "through": figures.through.isoformat(),
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
            "stagnant_on": figures.stagnant_on.isoformat(),
            "declined": figures.declined,
        }


def count_json(count):
    return {
        "label": count.period.label,
        "advancing_partners": count.advancing_partners,
        "change_percent": number(count.change_percent),
        "start": count.window.start.isoformat(),
        "end": count.window.end.isoformat(),
        "counted": count.label,
    }
