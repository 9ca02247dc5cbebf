"""Forms shared by the apps: the segment filters every KPI page and endpoint takes."""

from django import forms

from partnerprogram.models import PartnerType, Region, account_managers
from partnerprogram.segments import Segment
from partnerprogram.web.fields import UserChoiceField
from tiers.models import Tier


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
