from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from certifications.models import PartnerCertification
from partnerprogram.web.fields import DateInput
from tiers import services as tier_services
from tiers.models import TierTransition


def crispy_helper(*rows):
    """A crispy helper without its own <form> tag (the page adds the buttons): each row is a
    tuple of field names laid side by side."""
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(
        *(Row(*(Column(name, css_class="col-md") for name in row)) for row in rows)
    )
    return helper


class PartnerRecordForm(forms.ModelForm):
    """A form for one of a partner's records, the partner given by the page rather than by a
    field. The partner still takes part in validation, so the model's rules involving it (a
    unique award, one transition a day) are checked as in the admin."""

    def __init__(self, *args, partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.partner = partner
        self.instance.partner = partner

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        exclude.discard("partner")
        return exclude


class CertificationForm(PartnerRecordForm):
    """Add a certification to a partner: the admin's rules (expiry after award, revocation
    not before it, one award per level and day; an empty expiry takes the level's
    validity)."""

    class Meta:
        model = PartnerCertification
        fields = ["level", "awarded_on", "expires_on", "revoked_on", "notes"]
        widgets = {
            "awarded_on": DateInput(),
            "expires_on": DateInput(),
            "revoked_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].empty_label = "Choose a level"
        self.fields["awarded_on"].initial = timezone.localdate()
        self.helper = crispy_helper(
            ("level", "awarded_on"), ("expires_on", "revoked_on"), ("notes",)
        )


class TransitionForm(PartnerRecordForm):
    """Record a partner's tier transition. The from tier defaults to the partner's current
    tier; the chain is checked here, like the admin's form does, so the manager can correct
    the form, and again by `tiers.services.transition_record` under the partner's lock."""

    class Meta:
        model = TierTransition
        fields = ["from_tier", "to_tier", "effective_on", "reason"]
        widgets = {"effective_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_tier"].empty_label = "No tier (an enrollment)"
        self.fields["from_tier"].initial = self.partner.current_tier_id
        self.fields["to_tier"].empty_label = "Choose a tier"
        self.fields["effective_on"].initial = timezone.localdate()
        self.helper = crispy_helper(("from_tier", "to_tier", "effective_on"), ("reason",))

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            tier_services.validate_chain(self.instance)
        except ValidationError as error:
            self._update_errors(error)
