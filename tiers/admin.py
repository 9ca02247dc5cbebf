from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from partnerprogram.models import Partner
from partnerprogram.web.admin import ProgramAdmin
from tiers import services
from tiers.models import Tier, TierTransition


@admin.register(Tier)
class TierAdmin(ProgramAdmin):
    list_display = ["name", "rank", "required_level"]
    list_filter = ["required_level"]
    search_fields = ["name"]
    autocomplete_fields = ["required_level"]


class TierTransitionAdminForm(forms.ModelForm):
    """Checks the partner's chain while the manager can still correct the form; the service
    checks it again under the partner's lock when saving."""

    class Meta:
        model = TierTransition
        fields = ["partner", "from_tier", "to_tier", "effective_on", "reason"]

    def _post_clean(self):
        super()._post_clean()
        if self.errors or not self.instance.partner_id:
            return
        try:
            services.validate_chain(self.instance)
        except ValidationError as error:
            self._update_errors(error)


@admin.register(TierTransition)
class TierTransitionAdmin(ProgramAdmin):
    form = TierTransitionAdminForm
    list_display = [
        "partner",
        "from_tier",
        "to_tier",
        "kind_display",
        "effective_on",
        "recorded_by",
    ]
    list_filter = ["to_tier", "from_tier", "effective_on"]
    search_fields = ["partner__name", "reason"]
    autocomplete_fields = ["partner", "from_tier", "to_tier"]
    date_hierarchy = "effective_on"
    list_select_related = ["partner", "from_tier", "to_tier", "recorded_by"]
    actions = None  # a bulk delete could break chains; delete one transition at a time

    @admin.display(description="Kind")
    def kind_display(self, obj):
        return obj.kind.label

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        partner_id = str(initial.get("partner", ""))
        partner = Partner.objects.filter(pk=partner_id).first() if partner_id.isdigit() else None
        if partner and "from_tier" not in initial:
            initial["from_tier"] = partner.current_tier_id
        return initial

    def get_readonly_fields(self, request, obj=None):
        # Moving a transition to another partner would silently break two chains.
        return ["partner", "recorded_by"] if obj else ["recorded_by"]

    def save_model(self, request, obj, form, change):
        if change:
            services.transition_update(
                transition=obj,
                from_tier=obj.from_tier,
                to_tier=obj.to_tier,
                effective_on=obj.effective_on,
                reason=obj.reason,
            )
        else:
            saved = services.transition_record(
                partner=obj.partner,
                from_tier=obj.from_tier,
                to_tier=obj.to_tier,
                effective_on=obj.effective_on,
                reason=obj.reason,
                recorded_by=request.user,
            )
            obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.transition_delete(transition=obj)

    def deletion_refused(self, obj):
        try:
            services.validate_chain(obj, removing=True)
        except ValidationError:
            return True
        return super().deletion_refused(obj)

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        for obj in objs:
            try:
                services.validate_chain(obj, removing=True)
            except ValidationError as error:
                protected = [*protected, *error.messages]
        return deleted, model_count, perms_needed, protected
