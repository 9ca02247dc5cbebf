from django import forms
from django.utils import timezone

from partnerprogram.rules.periods import Period, PeriodKind, parse_period, sane_date
from partnerprogram.web.forms import SegmentForm

# PRODUCT.md, "Periods in progress and future dates": a period that starts after today has
# no figures to show, and is refused.
NOT_STARTED = "{period} has not started yet: choose a period that starts today or before."


class TierAdvancementsForm(SegmentForm):
    """The Tier Advancements page's and endpoint's parameters. A period is `period`
    (2025-Q4, 2025-11 or 2025), or a custom range `start`..`end` (inclusive), or, with
    neither, the current period of `kind` (a quarter by default)."""

    kind = forms.ChoiceField(choices=PeriodKind.choices, required=False, label="Period type")
    period = forms.CharField(
        required=False,
        label="Period",
        help_text="2025-Q4, 2025-11 or 2025 (fiscal year).",
        widget=forms.TextInput(attrs={"placeholder": "2025-Q4"}),
    )
    start = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    end = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    field_order = [
        "kind",
        "period",
        "start",
        "end",
        "region",
        "partner_type",
        "tier",
        "account_manager",
    ]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        kind = data.get("kind") or PeriodKind.QUARTER
        if "start" in self.errors or "end" in self.errors:
            return data
        if start or end or kind == PeriodKind.RANGE:
            if not (start and end):
                self.add_error(
                    "start" if not start else "end",
                    "A custom range needs both a start and an end date.",
                )
            elif end < start:
                self.add_error("end", "The end cannot be before the start.")
            elif start > timezone.localdate():
                self.add_error("start", NOT_STARTED.format(period="This range"))
            else:
                data["the_period"] = Period.custom(start, end)
            return data
        if data.get("period"):
            try:
                period = parse_period(data["period"])
                sane_date(period.start)
            except ValueError as error:
                self.add_error("period", str(error))
            except forms.ValidationError as error:
                self.add_error("period", error)
            else:
                if period.start > timezone.localdate():
                    self.add_error("period", NOT_STARTED.format(period=period.label))
                else:
                    data["the_period"] = period
            return data
        data["the_period"] = Period.containing(kind, timezone.localdate())
        return data

    def show_period(self):
        """Make the form show the period it resolved to (a URL with only ?period=2025-11
        shows Month and 2025-11), for a valid form."""
        period = self.cleaned_data["the_period"]
        self.data = self.data.copy()
        self.data["kind"] = period.kind
        if period.kind != PeriodKind.RANGE:
            self.data["period"] = period.key
        else:
            self.data["start"], self.data["end"] = period.start, period.end

    def clean_start(self):
        return sane_date(self.cleaned_data.get("start"))

    def clean_end(self):
        return sane_date(self.cleaned_data.get("end"))
