from django.contrib.auth.mixins import PermissionRequiredMixin
from django.utils import timezone
from django.views.generic import TemplateView

from . import kpis


class DashboardView(PermissionRequiredMixin, TemplateView):
    """The landing page: the program's health at a glance."""

    template_name = "partnerprogram/dashboard.html"
    permission_required = "partnerprogram.view_partner"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["work"] = kpis.dashboard_work(timezone.localdate())
        return context
