from django.contrib import admin
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from certifications.models import PartnerCertification
from partnerprogram.models import (
    ActionItem,
    Partner,
    PartnerFeedback,
    Region,
    RemediationReview,
)
from partnerprogram.transfer import views as transfer_views
from partnerprogram.web.admin import CompactInline, ProgramAdmin
from tiers.models import TierTransition

admin.site.site_header = "Partner Program administration"
admin.site.site_title = "Partner Program admin"
admin.site.index_title = "Partner records"


@admin.register(Region)
class RegionAdmin(ProgramAdmin):
    list_display = ["name"]
    search_fields = ["name"]


class CertificationInline(CompactInline):
    model = PartnerCertification
    fields = ["level", "awarded_on", "expires_on", "revoked_on", "notes"]
    autocomplete_fields = ["level"]
    extra = 0
    show_change_link = True

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["awarded_on"].initial = timezone.localdate  # a new award
        return formset


class TransitionInline(admin.TabularInline):
    """Read-only: transitions are recorded one at a time through their own admin page, which
    checks the partner's chain (see tiers.services)."""

    model = TierTransition
    fields = ["effective_on", "from_tier", "to_tier", "reason", "recorded_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["effective_on"]

    def has_add_permission(self, request, obj=None):
        return False


class FeedbackInline(CompactInline):
    model = PartnerFeedback
    fields = ["received_on", "channel", "topic", "rating", "comment", "follow_up_needed"]
    extra = 0
    show_change_link = True


class ReviewInline(admin.TabularInline):
    model = RemediationReview
    fields = ["reason", "status", "owner", "opened_on", "due_on", "closed_on"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Partner)
class PartnerAdmin(ProgramAdmin):
    list_display = [
        "name",
        "partner_type",
        "region",
        "country",
        "current_tier",
        "account_manager",
        "joined_on",
        "ended_on",
    ]
    list_filter = [
        "partner_type",
        "region",
        "current_tier",
        "account_manager",
        "ended_on",
        "contact_reminders",
    ]
    search_fields = ["name", "country", "contact_email"]
    autocomplete_fields = ["region", "account_manager"]
    date_hierarchy = "joined_on"
    list_select_related = ["region", "current_tier", "account_manager"]
    readonly_fields = ["current_tier", "record_transition"]
    fieldsets = [
        (None, {"fields": ["name", "partner_type", "region", "country", "account_manager"]}),
        ("Membership", {"fields": ["joined_on", "ended_on", "current_tier", "record_transition"]}),
        ("Contact", {"fields": ["contact_email", "contact_reminders", "website", "notes"]}),
    ]
    inlines = [CertificationInline, TransitionInline, FeedbackInline, ReviewInline]

    def get_urls(self):
        import_view = self.admin_site.admin_view(self.import_program_view)
        job_view = self.admin_site.admin_view(self.import_job_view)
        export_view = self.admin_site.admin_view(transfer_views.program_export)
        sample_view = self.admin_site.admin_view(transfer_views.sample_folder)
        return [
            path("import/", import_view, name="partnerprogram_partner_import"),
            path("import/<int:job_id>/", job_view, name="partnerprogram_partner_import_job"),
            path("export/", export_view, name="partnerprogram_partner_export"),
            path("import/sample/", sample_view, name="partnerprogram_partner_import_sample"),
            *super().get_urls(),
        ]

    def import_program_view(self, request):
        return transfer_views.program_import(request, self)

    def import_job_view(self, request, job_id):
        return transfer_views.program_import_job(request, self, job_id)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_import_program": transfer_views.can_import(request.user),
            "can_export_program": transfer_views.can_export(request.user),
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description="Tier change")
    def record_transition(self, obj):
        if not obj.pk:
            return "Save the partner first."
        url = reverse("admin:tiers_tiertransition_add") + f"?partner={obj.pk}"
        return format_html('<a href="{}">Record a tier transition</a>', url)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, PartnerCertification) and not instance.pk:
                instance.recorded_by = request.user
            if isinstance(instance, PartnerFeedback) and not instance.pk:
                instance.logged_by = request.user
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


@admin.register(PartnerFeedback)
class PartnerFeedbackAdmin(ProgramAdmin):
    list_display = [
        "partner",
        "received_on",
        "channel",
        "topic",
        "rating",
        "follow_up_needed",
        "logged_by",
    ]
    list_filter = ["topic", "channel", "rating", "follow_up_needed", "received_on"]
    search_fields = ["partner__name", "comment"]
    autocomplete_fields = ["partner"]
    date_hierarchy = "received_on"
    list_select_related = ["partner", "logged_by"]
    readonly_fields = ["logged_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.logged_by = request.user
        super().save_model(request, obj, form, change)


class OverdueFilter(admin.SimpleListFilter):
    """Overdue today, as the model's `overdue_on` says (reviews, action items)."""

    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request, queryset):
        overdue = queryset.model.objects.overdue_on(timezone.localdate())
        if self.value() == "yes":
            return queryset.filter(pk__in=overdue.values("pk"))
        if self.value() == "no":
            return queryset.exclude(pk__in=overdue.values("pk"))
        return queryset


class ActionItemInline(CompactInline):
    """The review's action items, edited with it; never deleted (they are its record)."""

    model = ActionItem
    fields = ["description", "owner", "due_on", "done_on"]
    extra = 0
    can_delete = False


@admin.register(RemediationReview)
class RemediationReviewAdmin(ProgramAdmin):
    inlines = [ActionItemInline]
    list_display = ["partner", "reason", "status", "owner", "opened_on", "due_on", "closed_on"]
    list_filter = ["status", OverdueFilter, "reason", "action_plan", "owner"]
    search_fields = ["partner__name", "notes", "outcome"]
    autocomplete_fields = ["partner", "owner"]
    date_hierarchy = "opened_on"
    list_select_related = ["partner", "owner"]


class DoneFilter(admin.SimpleListFilter):
    title = "done"
    parameter_name = "done"

    def lookups(self, request, model_admin):
        return [("yes", "Done"), ("no", "Not done")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(done_on__isnull=self.value() == "no")
        return queryset


@admin.register(ActionItem)
class ActionItemAdmin(ProgramAdmin):
    list_display = ["description", "review", "owner", "due_on", "done_on"]
    list_filter = [DoneFilter, OverdueFilter, "owner"]
    search_fields = ["description", "review__partner__name"]
    autocomplete_fields = ["review", "owner"]
    date_hierarchy = "due_on"
    list_select_related = ["review__partner", "owner"]
