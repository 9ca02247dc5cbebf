from django.contrib import admin
from django.utils import timezone

from certifications.models import CertificationLevel, PartnerCertification
from partnerprogram.web.admin import ProgramAdmin


@admin.register(CertificationLevel)
class CertificationLevelAdmin(ProgramAdmin):
    list_display = ["name", "rank", "validity_months"]
    search_fields = ["name"]


class CertificationStatusFilter(admin.SimpleListFilter):
    title = "status today"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("valid", "Valid"), ("expired", "Expired"), ("revoked", "Revoked")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "valid":
            return queryset.valid_on(today)
        if self.value() == "expired":
            return queryset.filter(expires_on__lte=today).exclude(revoked_on__lte=today)
        if self.value() == "revoked":
            return queryset.filter(revoked_on__lte=today)
        return queryset


@admin.register(PartnerCertification)
class PartnerCertificationAdmin(ProgramAdmin):
    list_display = [
        "partner",
        "level",
        "awarded_on",
        "expires_on",
        "revoked_on",
        "status_today",
        "recorded_by",
    ]
    list_filter = [CertificationStatusFilter, "level", "awarded_on", "expires_on"]
    search_fields = ["partner__name", "level__name", "notes"]
    autocomplete_fields = ["partner", "level"]
    date_hierarchy = "awarded_on"
    list_select_related = ["partner", "level", "recorded_by"]
    readonly_fields = ["recorded_by"]

    def get_changeform_initial_data(self, request):
        return {"awarded_on": timezone.localdate(), **super().get_changeform_initial_data(request)}

    @admin.display(description="Status today")
    def status_today(self, obj):
        return obj.status_on(timezone.localdate()).label

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
