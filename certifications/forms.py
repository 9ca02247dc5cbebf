from django import forms

from certifications.models import CertificationLevel
from partnerprogram.rules.periods import as_of_day
from partnerprogram.segments import Dimension
from partnerprogram.web.forms import SegmentForm


class CertificationLevelsForm(SegmentForm):
    """The Certification Levels page's and endpoint's parameters."""

    as_of = forms.DateField(
        required=False,
        label="As of",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Default: today.",
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    dimension = forms.ChoiceField(choices=Dimension.choices, required=False, label="Break down by")
    field_order = ["as_of", "dimension", "region", "partner_type", "tier", "account_manager"]

    def clean_as_of(self):
        """The day (today by default); a day after today is a projection, at most a year
        ahead."""
        return as_of_day(self.cleaned_data.get("as_of"))

    def show_as_of(self):
        """Make the form show the date it resolved to (today when none was given)."""
        self.data = self.data.copy()
        self.data["as_of"] = self.cleaned_data["as_of"].isoformat()

    def clean_dimension(self):
        return self.cleaned_data.get("dimension") or Dimension.REGION


class DrillDownForm(CertificationLevelsForm):
    """Which partners behind a figure: `exact` or `cumulative` at a level, or
    `not_certified`."""

    show = forms.ChoiceField(
        choices=[
            ("exact", "Exactly at the level"),
            ("cumulative", "At the level or higher"),
            ("not_certified", "Not certified"),
        ]
    )
    level = forms.ModelChoiceField(
        CertificationLevel.objects.all(), to_field_name="name", required=False
    )
    search = forms.CharField(required=False, label="Partner name contains")
    dimension = None
    field_order = [
        "show",
        "level",
        "as_of",
        "search",
        "region",
        "partner_type",
        "tier",
        "account_manager",
    ]

    def clean(self):
        data = super().clean()
        if data.get("show") in ("exact", "cumulative"):
            if not data.get("level") and "level" not in self.errors:
                self.add_error("level", "Choose the certification level.")
        else:
            data["level"] = None
        return data
