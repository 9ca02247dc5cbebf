from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html

from partnerprogram.daily.partners.forms import crispy_helper
from partnerprogram.daily.remediation import services
from partnerprogram.models import ActionItem, RemediationReview, ReviewStatus
from partnerprogram.rules.periods import as_of_day, day_label
from partnerprogram.web.fields import DateInput, PartnerField, UserChoiceField


class AsOfForm(forms.Form):
    """The day the remediation page and endpoint are about; default today. A day after
    today is a projection, at most a year ahead, as on the KPI pages."""

    as_of = forms.DateField(
        required=False,
        label="As of",
        widget=DateInput(),
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )

    def clean_as_of(self):
        return as_of_day(self.cleaned_data.get("as_of"))


class BelowThresholdApiForm(AsOfForm):
    """The endpoint's day and page: each list is served `page_size` rows at a time."""

    # Far below the databases' integer limit, however large the page.
    page = forms.IntegerField(required=False, min_value=1, max_value=10**9)
    page_size = forms.IntegerField(required=False, min_value=1, max_value=1000)

    def clean_page(self):
        return self.cleaned_data.get("page") or 1

    def clean_page_size(self):
        return self.cleaned_data.get("page_size") or 500


def review_owners(current=None):
    """Who may own a review: partner managers and superusers (and the current owner)."""
    people = Q(is_active=True) & (Q(groups__name="Partner managers") | Q(is_superuser=True))
    if current is not None:
        people |= Q(pk=current.pk)
    return (
        get_user_model()
        .objects.filter(people)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class ReviewOpenForm(forms.ModelForm):
    """Open a review. A partner with an open review for the same reason is refused with a
    link to that review (the manager continues it instead)."""

    partner = PartnerField()

    class Meta:
        model = RemediationReview
        fields = ["partner", "reason", "owner", "due_on", "action_plan", "notes"]
        field_classes = {"owner": UserChoiceField}
        widgets = {"due_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "due_on": "30 days from today unless you choose otherwise.",
            "notes": "Background only: record the steps to take as action items on the review "
            "page, each with an owner and a due day.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["owner"].queryset = review_owners()
        self.fields["due_on"].initial = services.default_due_on(today)
        self.fields["due_on"].widget.attrs["min"] = today.isoformat()
        self.helper = crispy_helper(
            ("partner", "reason"), ("owner", "due_on", "action_plan"), ("notes",)
        )

    def clean(self):
        data = super().clean()
        partner, reason = data.get("partner"), data.get("reason")
        existing = services.open_review_for(partner, reason) if partner and reason else None
        if existing:
            # On the reason field, so the model's own (linkless) constraint check is skipped.
            self.add_error(
                "reason",
                format_html(
                    '{} already has an open review for this reason: <a href="{}">review #{}, '
                    "due {}</a>. Continue that one instead.",
                    partner,
                    existing.get_absolute_url(),
                    existing.pk,
                    day_label(existing.due_on),
                ),
            )
        return data


OPEN_STATUS_CHOICES = [(s.value, s.label) for s in map(ReviewStatus, ReviewStatus.open_values())]
CLOSED_STATUS_CHOICES = [
    (s.value, s.label) for s in map(ReviewStatus, ReviewStatus.closed_values())
]


class ReviewEditForm(forms.ModelForm):
    """Edit an open review: its owner, due date, status (open or in progress), action plan
    and notes. Closing has its own form."""

    status = forms.ChoiceField(choices=OPEN_STATUS_CHOICES)

    class Meta:
        model = RemediationReview
        fields = ["status", "owner", "due_on", "action_plan", "notes"]
        field_classes = {"owner": UserChoiceField}
        widgets = {"due_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "notes": "Background only: the steps to take are the action items on the review "
            "page, each with an owner, a due day and done or not done."
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = review_owners(self.instance.owner)
        self.helper = crispy_helper(("status", "owner", "due_on", "action_plan"), ("notes",))


class ReviewCloseForm(forms.ModelForm):
    """Close an open review with an outcome; for a reevaluated partnership, optionally end
    the partner on the close date (`services.review_close` does both in one transaction)."""

    status = forms.ChoiceField(choices=CLOSED_STATUS_CHOICES, label="How did it end?")
    end_partnership = forms.BooleanField(
        required=False,
        label="End the partnership on the close date",
        help_text="Only with “Partnership reevaluated”. Its other open reviews close with it.",
    )

    class Meta:
        model = RemediationReview
        fields = ["status", "outcome", "closed_on"]
        widgets = {"closed_on": DateInput(), "outcome": forms.Textarea(attrs={"rows": 4})}
        error_messages = {"outcome": {"required": "Closing a review needs an outcome."}}
        help_texts = {"outcome": "What was decided or achieved."}

    def __init__(self, *args, may_end_partner=False, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.may_end_partner = may_end_partner
        self.fields["outcome"].required = True
        self.fields["closed_on"].required = True
        # The instance's empty close date and open status would win over a field's initial.
        self.initial.update(closed_on=today, status=ReviewStatus.RESOLVED)
        self.fields["closed_on"].widget.attrs["max"] = today.isoformat()
        self.helper = crispy_helper(("status", "closed_on"), ("outcome",), ("end_partnership",))

    def _update_errors(self, errors):
        # With an empty outcome the model's clean() says again what the field already said.
        if "outcome" in self._errors and hasattr(errors, "error_dict"):
            errors.error_dict.pop("outcome", None)
        super()._update_errors(errors)

    def clean_closed_on(self):
        day = self.cleaned_data["closed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("A review cannot be closed in the future.")
        return day

    def clean(self):
        data = super().clean()
        if data.get("end_partnership"):
            partner = self.instance.partner
            if data.get("status") != ReviewStatus.PARTNERSHIP_REEVALUATED:
                self.add_error(
                    "end_partnership", "Only a reevaluated partnership can be ended here."
                )
            elif not self.may_end_partner:
                self.add_error("end_partnership", "Your account may not end a partnership.")
            elif partner.ended_on is not None:
                self.add_error(
                    "end_partnership",
                    f"{partner} already ended on {day_label(partner.ended_on)}.",
                )
        return data


class ActionItemForm(forms.ModelForm):
    """Add an action item to an open review: what, who (default the review's owner) and by
    when (default the review's due day, never before the review was opened)."""

    class Meta:
        model = ActionItem
        fields = ["description", "owner", "due_on"]
        field_classes = {"owner": UserChoiceField}
        widgets = {"due_on": DateInput()}
        labels = {"description": "Action", "due_on": "Due"}
        error_messages = {"description": {"required": "Say what is to be done."}}

    def __init__(self, *args, review, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.review = review
        self.fields["owner"].queryset = review_owners(review.owner)
        self.fields["description"].widget.attrs["placeholder"] = "e.g. Book the exam"
        self.fields["due_on"].widget.attrs["min"] = review.opened_on.isoformat()
        self.initial.setdefault("owner", review.owner_id)
        self.initial.setdefault("due_on", review.due_on)
        self.helper = crispy_helper(("description",), ("owner", "due_on"))
