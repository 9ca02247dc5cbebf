from django.contrib import admin

from partnerprogram.accounts.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by their users on their profile page; staff see them and may revoke
    them here."""

    list_display = ["name", "user", "prefix", "created_at", "expires_on", "last_used_at", "status"]
    list_filter = ["expires_on", "revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    readonly_fields = ["user", "name", "scope", "prefix", "created_at", "last_used_at"]
    fields = [*readonly_fields, "expires_on", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            token.revoke()
