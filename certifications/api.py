"""GET /api/kpi/certification-levels/: the Certification Levels page's figures as JSON."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from certifications import kpis
from certifications.forms import CertificationLevelsForm
from partnerprogram.rules.days import projection
from partnerprogram.web.api import (
    ERRORS,
    SEGMENT,
    SEGMENT_PARAMETERS,
    ProgramAPIView,
    date_parameter,
    form_or_400,
    number,
)


class LevelSerializer(serializers.Serializer):
    level = serializers.CharField()
    rank = serializers.IntegerField()
    partners = serializers.IntegerField(help_text="Active partners whose highest level it is.")
    percent = serializers.FloatField(allow_null=True)
    cumulative_partners = serializers.IntegerField(help_text="At this level or higher.")
    cumulative_percent = serializers.FloatField(allow_null=True)
    band = serializers.CharField(allow_null=True)


class NotCertifiedSerializer(serializers.Serializer):
    partners = serializers.IntegerField()
    percent = serializers.FloatField(allow_null=True)


class TargetSerializer(serializers.Serializer):
    level = serializers.CharField()
    cumulative_percent = serializers.FloatField(allow_null=True)
    band = serializers.CharField(allow_null=True)


class TrendPointSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    active_partners = serializers.IntegerField()
    cumulative_percent = serializers.FloatField(allow_null=True)
    band = serializers.CharField(allow_null=True)


class CertificationLevelsSerializer(serializers.Serializer):
    kpi = serializers.CharField()
    as_of = serializers.DateField()
    projection = serializers.CharField(
        allow_null=True,
        help_text="For a day after today (at most a year ahead), what the figures assume; "
        "null for today or a day before.",
    )
    segment = SEGMENT
    active_partners = serializers.IntegerField()
    levels = LevelSerializer(many=True)
    not_certified = NotCertifiedSerializer()
    target = TargetSerializer(allow_null=True)
    trend = TrendPointSerializer(many=True)


def level_json(share):
    return {
        "level": share.name,
        "rank": share.rank,
        "partners": share.partners,
        "percent": number(share.percent),
        "cumulative_partners": share.cumulative_partners,
        "cumulative_percent": number(share.cumulative_percent),
        "band": share.band.value if share.band else None,
    }


class CertificationLevelsApi(ProgramAPIView):
    @extend_schema(
        summary="Partner Certification Levels on a day",
        description="The distribution of active partners by highest level held, the "
        "cumulative rates with their bands, and the trend at the last 8 quarter ends.",
        parameters=[
            date_parameter(
                "as_of",
                "The day (default today); a day after today, at most a year ahead, is a "
                "projection.",
            ),
            *SEGMENT_PARAMETERS,
        ],
        responses={200: CertificationLevelsSerializer, **ERRORS},
    )
    def get(self, request):
        return super().get(request)

    def body(self, request):
        form = CertificationLevelsForm(request.GET)
        data = form_or_400(form)
        segment = form.segment()
        as_of = data["as_of"]
        levels = kpis.levels_by_rank()
        figures = kpis.certification_levels(as_of, segment, levels=levels)
        trend = kpis.certification_trend(as_of, segment=segment, levels=levels)
        target = figures.target
        return {
            "kpi": "partner_certification_levels",
            "as_of": as_of.isoformat(),
            "projection": projection(as_of),
            "segment": segment.as_params(),
            "active_partners": figures.active_partners,
            "levels": [level_json(share) for share in figures.levels],
            "not_certified": {
                "partners": figures.not_certified,
                "percent": number(figures.not_certified_percent),
            },
            "target": {
                "level": target.name,
                "cumulative_percent": number(target.cumulative_percent),
                "band": target.band.value if target.band else None,
            }
            if target
            else None,
            "trend": [
                {
                    "as_of": point.as_of.isoformat(),
                    "active_partners": point.active_partners,
                    "cumulative_percent": number(point.cumulative_percent),
                    "band": point.band.value if point.band else None,
                }
                for point in trend
            ],
        }
