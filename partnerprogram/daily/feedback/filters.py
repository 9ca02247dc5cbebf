import django_filters
from django import forms

from partnerprogram.daily.feedback.forms import RATING_CHOICES
from partnerprogram.models import FeedbackChannel, FeedbackTopic, PartnerFeedback
from partnerprogram.web.fields import DayFilter, PartnerNameFilter


class FeedbackFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and end < start:
            self.add_error("received_to", "The end of the range cannot be before its start.")
        return data


class FeedbackFilter(django_filters.FilterSet):
    """The feedback table's filters; the dates also choose the period of the response
    share (see FeedbackListView)."""

    partner = PartnerNameFilter()
    topic = django_filters.ChoiceFilter(choices=FeedbackTopic.choices, empty_label="All topics")
    channel = django_filters.ChoiceFilter(
        choices=FeedbackChannel.choices, empty_label="All channels"
    )
    rating = django_filters.ChoiceFilter(choices=RATING_CHOICES, empty_label="Any rating")
    received_from = DayFilter(field_name="received_on", lookup_expr="gte", label="Received from")
    received_to = DayFilter(field_name="received_on", lookup_expr="lte", label="Received to")
    follow_up_needed = django_filters.BooleanFilter(
        label="Follow-up needed",
        widget=forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")]),
    )

    class Meta:
        model = PartnerFeedback
        fields = []
        form = FeedbackFilterForm
