from django.contrib.auth.mixins import PermissionRequiredMixin
from django.utils import timezone
from django.views.generic import TemplateView

from certifications import kpis as certification_kpis
from certifications.views import trend_chart as certification_trend_chart
from partnerprogram import freshness, kpis
from partnerprogram.rules.periods import Period
from partnerprogram.web.mixins import READ_PERMISSION
from tiers import kpis as tier_kpis
from tiers.views import trend_chart as advancement_trend_chart


class DashboardView(PermissionRequiredMixin, TemplateView):
    """The landing page: the program's health at a glance, with links into each KPI."""

    template_name = "partnerprogram/dashboard.html"
    permission_required = READ_PERMISSION

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        levels = certification_kpis.levels_by_rank()
        certification = certification_kpis.certification_levels(today, levels=levels)
        certification_trend = certification_kpis.trend_ending_on(
            certification_kpis.certification_trend(today, levels=levels), certification
        )
        quarter = Period.quarter_containing(today)
        advancements = tier_kpis.tier_advancements(quarter)
        target_name = certification.target.name if certification.target else "target"
        context.update(
            today=today,
            stored=freshness.answering_state(today),
            certification=certification,
            certification_chart=certification_trend_chart(certification_trend, target_name),
            quarter=quarter,
            advancements=advancements,
            advancement_comparisons=advancements.comparisons,
            advancement_chart=advancement_trend_chart(advancements),
        )
        context["work"] = kpis.dashboard_work(today)
        return context
