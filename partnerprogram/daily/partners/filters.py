import django_filters
from django.db.models import Q, Subquery
from django.utils import timezone

from certifications.models import CertificationLevel
from partnerprogram.kpis import Standing, standing_condition
from partnerprogram.models import PartnerType, Region, account_managers
from partnerprogram.web.fields import UserFilter
from tiers.models import Tier

NOT_CERTIFIED = "none"


def level_choices():
    levels = CertificationLevel.objects.order_by("rank").values_list("name", flat=True)
    return [*((name, name) for name in levels), (NOT_CERTIFIED, "Not certified")]


class PartnerFilter(django_filters.FilterSet):
    """The partner table's filters. The queryset must be annotated by
    `kpis.with_standing(..., today)` (level and standing today). Values in the URL are names
    (region, tier, level), keys (partner type) and usernames, so that a filtered view reads
    well and matches the KPI pages' segment links."""

    STANDING_FILTERS = ("level", "threshold")  # the filters that read with_standing's annotations

    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name")
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(), to_field_name="name", empty_label="All regions"
    )
    partner_type = django_filters.ChoiceFilter(
        choices=PartnerType.choices, empty_label="All types", label="Partner type"
    )
    tier = django_filters.ModelChoiceFilter(
        field_name="current_tier",
        queryset=Tier.objects.all(),
        to_field_name="name",
        empty_label="All tiers",
        label="Current tier",
    )
    level = django_filters.ChoiceFilter(
        choices=level_choices,
        method="filter_level",
        empty_label="Any level",
        label="Level held today",
    )
    account_manager = UserFilter(queryset=account_managers(), empty_label="All account managers")
    status = django_filters.ChoiceFilter(
        choices=[("active", "Active"), ("ended", "Ended")],
        method="filter_status",
        empty_label="Active or ended",
        label="Status",
    )
    threshold = django_filters.ChoiceFilter(
        choices=[
            ("below", "Below threshold"),
            ("at_risk", "At risk"),
            ("not_below", "Not below threshold"),
        ],
        method="filter_threshold",
        empty_label="Any standing",
        label="Below threshold",
    )

    def filter_level(self, queryset, name, value):
        if value == NOT_CERTIFIED:
            return queryset.filter(level_rank__isnull=True)
        rank = CertificationLevel.objects.filter(name=value).values("rank")[:1]
        return queryset.filter(level_rank=Subquery(rank))

    def filter_status(self, queryset, name, value):
        today = timezone.localdate()
        if value == "ended":
            return queryset.filter(ended_on__lte=today)
        return queryset.filter(joined_on__lte=today).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=today)
        )

    def filter_threshold(self, queryset, name, value):
        today = timezone.localdate()
        below = standing_condition(today, Standing.BELOW_THRESHOLD)
        if value == "below":
            return queryset.filter(below)
        if value == "at_risk":
            return queryset.filter(standing_condition(today, Standing.AT_RISK))
        return queryset.exclude(below)
