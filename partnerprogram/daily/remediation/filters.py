import django_filters
from django.utils import timezone

from partnerprogram.models import ActionItem, RemediationReview, ReviewReason, ReviewStatus
from partnerprogram.web.fields import PartnerNameFilter, UserFilter, users_by_name

OPEN_OR_IN_PROGRESS = "active"
OVERDUE_ACTIONS = "overdue"


class ReviewFilter(django_filters.FilterSet):
    """The reviews table's filters: status (or "open or in progress"), reason, owner,
    overdue today, with overdue action items today, partner."""

    status = django_filters.ChoiceFilter(
        choices=[(OPEN_OR_IN_PROGRESS, "Open or in progress"), *ReviewStatus.choices],
        method="filter_status",
        empty_label="Any status",
    )
    reason = django_filters.ChoiceFilter(choices=ReviewReason.choices, empty_label="Any reason")
    owner = UserFilter(
        queryset=users_by_name().filter(remediation_reviews__isnull=False).distinct(),
        empty_label="Any owner",
    )
    overdue = django_filters.ChoiceFilter(
        choices=[("yes", "Overdue"), ("no", "Not overdue")],
        method="filter_overdue",
        empty_label="Overdue or not",
        label="Overdue",
    )
    actions = django_filters.ChoiceFilter(
        choices=[(OVERDUE_ACTIONS, "Some overdue")],
        method="filter_actions",
        empty_label="Any",
        label="Action items",
    )
    partner = PartnerNameFilter()

    class Meta:
        model = RemediationReview
        fields = []

    def filter_status(self, queryset, name, value):
        if value == OPEN_OR_IN_PROGRESS:
            return queryset.open()
        return queryset.filter(status=value)

    def filter_overdue(self, queryset, name, value):
        overdue = RemediationReview.objects.overdue_on(timezone.localdate()).values("pk")
        if value == "yes":
            return queryset.filter(pk__in=overdue)
        return queryset.exclude(pk__in=overdue)

    def filter_actions(self, queryset, name, value):
        overdue = ActionItem.objects.overdue_on(timezone.localdate()).values("review_id")
        return queryset.filter(pk__in=overdue)
