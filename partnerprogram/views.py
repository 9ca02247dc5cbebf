from django.contrib.auth.mixins import PermissionRequiredMixin
from django.views.generic import TemplateView


class DashboardView(PermissionRequiredMixin, TemplateView):
    """The landing page: the program's health at a glance."""

    template_name = "partnerprogram/dashboard.html"
    permission_required = "partnerprogram.view_partner"
