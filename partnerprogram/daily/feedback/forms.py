from django import forms
from django.utils import timezone

from partnerprogram.daily.partners.forms import crispy_helper
from partnerprogram.models import PartnerFeedback
from partnerprogram.web.fields import DateInput, PartnerField

RATING_CHOICES = [
    (1, "1 · very dissatisfied"),
    (2, "2 · dissatisfied"),
    (3, "3 · neutral"),
    (4, "4 · satisfied"),
    (5, "5 · very satisfied"),
]


class FeedbackForm(forms.ModelForm):
    """Log what a partner said. The model's rules apply: received on or before today, a
    rating from 1 to 5, a comment of at most 2,000 characters."""

    partner = PartnerField()
    rating = forms.TypedChoiceField(
        choices=[("", "Choose a rating"), *RATING_CHOICES],
        coerce=int,
        error_messages={"invalid_choice": "A rating is from 1 to 5."},
    )

    class Meta:
        model = PartnerFeedback
        fields = [
            "partner",
            "received_on",
            "channel",
            "topic",
            "rating",
            "comment",
            "follow_up_needed",
        ]
        widgets = {"received_on": DateInput(), "comment": forms.Textarea(attrs={"rows": 4})}
        error_messages = {"comment": {"required": "Write down what the partner said."}}
        help_texts = {"comment": "At most 2,000 characters."}
        labels = {"follow_up_needed": "Follow-up needed"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["received_on"].initial = today
        self.fields["received_on"].widget.attrs["max"] = today.isoformat()
        self.helper = crispy_helper(
            ("partner", "received_on"),
            ("channel", "topic", "rating"),
            ("comment",),
            ("follow_up_needed",),
        )
