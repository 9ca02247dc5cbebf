"""Forms shared by the apps: the segment filters every KPI page and endpoint takes."""

import datetime as dt

from django import forms

from tiers.models import Tier

from .models import PartnerType, Region, account_managers
from .pages import UserChoiceField
from .segments import Segment


def sane_date(day):
    """Refuse dates so far off that period arithmetic around them would leave the calendar."""
    if day and not dt.date(1900, 1, 1) <= day <= dt.date(2999, 12, 31):
        raise forms.ValidationError("Choose a date between 1900 and 2999.")
    return day


class SegmentForm(forms.Form):
    """Region, partner type, tier and account manager, each optional, by name (so that a URL
    reads well: ?region=Asia+Pacific&tier=Gold&account_manager=bchen)."""

    region = forms.ModelChoiceField(
        Region.objects.all(), to_field_name="name", required=False, empty_label="All regions"
    )
    partner_type = forms.ChoiceField(
        choices=[("", "All partner types"), *PartnerType.choices], required=False
    )
    tier = forms.ModelChoiceField(
        Tier.objects.all(), to_field_name="name", required=False, empty_label="All tiers"
    )
    account_manager = UserChoiceField(
        account_managers(),
        to_field_name="username",
        required=False,
        empty_label="All account managers",
    )

    def segment(self):
        data = self.cleaned_data
        return Segment(
            region=data.get("region"),
            partner_type=data.get("partner_type") or None,
            tier=data.get("tier"),
            account_manager=data.get("account_manager"),
        )
