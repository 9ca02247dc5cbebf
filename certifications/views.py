from django.contrib.auth.mixins import PermissionRequiredMixin
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.generic import ListView, TemplateView

from certifications import kpis
from certifications.cards import certification_card, drill_down_url
from certifications.forms import CertificationLevelsForm, DrillDownForm
from certifications.tables import PartnerLevelTable
from partnerprogram import freshness
from partnerprogram.models import Partner
from partnerprogram.rules.days import projected_from, projection
from partnerprogram.rules.periods import day_label
from partnerprogram.segments import Dimension
from partnerprogram.web.charts import band_references, chart
from partnerprogram.web.exports import SUMMARY_FORMATS, summary_download
from partnerprogram.web.listing import TablePageMixin
from partnerprogram.web.mixins import READ_PERMISSION


def trend_chart(trend, target_name):
    return chart(
        "line",
        [day_label(point.as_of) for point in trend],
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

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        if "figures" in context:
            download = summary_download(
                request,
                {
                    "levels": lambda: levels_summary(context),
                    "breakdown": lambda: breakdown_summary(context),
                },
            )
            if download is not None:
                return download
        return self.render_to_response(context)

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
        quarter_ends = kpis.certification_trend(as_of, segment=segment, levels=levels)
        trend = kpis.trend_ending_on(quarter_ends, figures)
        risks = kpis.certification_risks(as_of, segment)
        params = segment.as_params()
        target_name = figures.target.name if figures.target else "target"
        context.update(
            as_of=as_of,
            is_today=as_of == timezone.localdate(),
            stored=freshness.answering_state(as_of),
            projection=projection(as_of),
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
            export_formats=SUMMARY_FORMATS,
        )
        return context


def _band_label(band):
    return band.label if band else "Undefined"


def levels_summary(context):
    """The Levels table as a download: what the page shows, without its links."""
    figures, as_of = context["figures"], context["as_of"]
    target = figures.target
    headers = ["Level", "Highest level held", "%", "At this level or higher", "Cumulative %"]
    rows = []
    for share in reversed(figures.levels):
        above = target is not None and share.rank > target.rank
        band = "Above the target level: not judged" if above else _band_label(share.band)
        row = [share.name, share.partners, share.percent, share.cumulative_partners]
        rows.append([*row, share.cumulative_percent, band])
    rows.append(["Not certified", figures.not_certified, figures.not_certified_percent, "", "", ""])
    everyone = 100.0 if figures.is_defined else None
    rows.append(["Active partners", figures.active_partners, everyone, "", "", ""])
    return f"certification-levels-{as_of.isoformat()}", [*headers, "Band"], rows


def breakdown_summary(context):
    """The breakdown table of the page's dimension as a download, counts and shares in
    columns of their own."""
    figures, dimension, as_of = context["figures"], context["dimension"], context["as_of"]
    headers = [dimension.label, "Active"]
    for share in figures.levels:
        headers += [f"{share.name} or higher", f"{share.name} or higher %"]
    rows = []
    for row, level_cells, _ in context["breakdown"]:
        shares = [
            value
            for share, _ in level_cells
            for value in (share.cumulative_partners, share.cumulative_percent)
        ]
        rows.append(
            [
                row.label,
                row.figures.active_partners,
                *shares,
                row.figures.not_certified,
                _band_label(row.band),
            ]
        )
    name = f"certification-levels-by-{dimension.value.replace('_', '-')}-{as_of.isoformat()}"
    return name, [*headers, "Not certified", "Band"], rows


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
    projected = " (a projection)" if projected_from(data["as_of"]) else ""
    return f"Active partners {what} on {day_label(data['as_of'])}{projected} — {segment.describe()}"
