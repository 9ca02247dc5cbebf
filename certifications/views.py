from django.contrib.auth.mixins import PermissionRequiredMixin
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.generic import ListView, TemplateView

from certifications import kpis
from certifications.cards import certification_card, drill_down_url
from certifications.forms import CertificationLevelsForm, DrillDownForm
from certifications.tables import PartnerLevelTable
from partnerprogram.models import Partner
from partnerprogram.rules.periods import PROJECTION
from partnerprogram.segments import Dimension
from partnerprogram.web.charts import band_references, chart
from partnerprogram.web.listing import TablePageMixin
from partnerprogram.web.mixins import READ_PERMISSION


def trend_chart(trend, target_name):
    return chart(
        "line",
        [f"{point.as_of:%d %b %Y}" for point in trend],
        [(f"Certified at {target_name} or higher", [p.cumulative_percent for p in trend])],
        suffix="%",
        y_max=100,
        references=band_references(),
    )


class CertificationLevelsView(PermissionRequiredMixin, TemplateView):
    """The Certification Levels KPI on an as-of date, for a segment: distribution and
    cumulative table with bands, breakdowns, trend, drill-down links and the KPI card."""

    template_name = "certifications/kpi.html"
    permission_required = READ_PERMISSION

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = CertificationLevelsForm(self.request.GET)
        context["form"] = form
        if not form.is_valid():
            return context
        as_of, dimension = form.cleaned_data["as_of"], form.cleaned_data["dimension"]
        form.show_as_of()
        segment = form.segment()
        levels, cube = kpis.levels_by_rank(), kpis.level_cube(as_of)
        figures = kpis.certification_levels(as_of, segment, cube=cube, levels=levels)
        breakdowns = kpis.certification_breakdowns(
            as_of, list(Dimension), segment, cube=cube, levels=levels
        )
        trend = kpis.certification_trend(as_of, segment=segment, levels=levels)
        risks = kpis.certification_risks(as_of, segment)
        params = segment.as_params()
        target_name = figures.target.name if figures.target else "target"
        context.update(
            as_of=as_of,
            is_today=as_of == timezone.localdate(),
            projection=PROJECTION if as_of > timezone.localdate() else "",
            segment=segment,
            figures=figures,
            dimension=Dimension(dimension),
            breakdown=[
                (
                    row,
                    [
                        (share, drill_down_url(as_of, "cumulative", share.name, row.params))
                        for share in row.figures.levels
                    ],
                    drill_down_url(as_of, "not_certified", params=row.params),
                )
                for row in breakdowns[dimension]
            ],
            trend=trend,
            trend_chart=trend_chart(trend, target_name),
            card=certification_card(figures, breakdowns, risks, kpis.process_feedback(as_of)),
            level_rows=[
                (
                    share,
                    drill_down_url(as_of, "exact", share.name, params),
                    drill_down_url(as_of, "cumulative", share.name, params),
                )
                for share in reversed(figures.levels)
            ],
            not_certified_url=drill_down_url(as_of, "not_certified", params=params),
        )
        return context


class PartnersBehindView(PermissionRequiredMixin, TablePageMixin, ListView):
    """The partners behind a Certification Levels figure: exactly at a level, at it or
    higher, or not certified, on a date, for a segment; sortable, paginated, exportable."""

    template_name = "certifications/partners_behind.html"
    permission_required = READ_PERMISSION
    table_class = PartnerLevelTable

    def get(self, request, *args, **kwargs):
        self.form = DrillDownForm(request.GET)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if not self.form.is_valid():
            return Partner.objects.none()
        data = self.form.cleaned_data
        partners = kpis.partners_behind(
            data["as_of"], mode=data["show"], level=data["level"], segment=self.form.segment()
        )
        if data["search"]:
            partners = partners.filter(name__icontains=data["search"])
        return partners.select_related("region", "current_tier", "account_manager")

    def get_table_kwargs(self):
        levels, _ = kpis.levels_by_rank()
        return {"levels_by_rank": {level.rank: level.name for level in levels}}

    def get_export_name(self):
        if not self.form.is_valid():
            return "partners"
        data = self.form.cleaned_data
        what = data["show"].replace("_", "-")
        level = f"-{data['level'].name.lower()}" if data["level"] else ""
        return f"partners-{what}{level}-{data['as_of'].isoformat()}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = self.form
        if self.form.is_valid():
            data = self.form.cleaned_data
            self.form.show_as_of()
            context["description"] = describe_drill_down(data, self.form.segment())
            back = {"as_of": data["as_of"].isoformat(), **self.form.segment().as_params()}
            context["back_url"] = f"{reverse('certifications:kpi')}?{urlencode(back)}"
        return context


def describe_drill_down(data, segment):
    show, level = data["show"], data["level"]
    if show == "not_certified":
        what = "not certified"
    elif show == "exact":
        what = f"certified at {level.name} (their highest level)"
    else:
        what = f"certified at {level.name} or higher"
    projected = " (a projection)" if data["as_of"] > timezone.localdate() else ""
    return f"Active partners {what} on {data['as_of']:%d %b %Y}{projected} — {segment.describe()}"
