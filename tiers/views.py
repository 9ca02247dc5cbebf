from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import Http404
from django.utils import timezone
from django.views.generic import TemplateView
from django_tables2 import RequestConfig
from django_tables2.export import TableExport

from partnerprogram.web.api import api_view, form_or_400, number
from partnerprogram.web.charts import chart
from partnerprogram.web.listing import PAGE_SIZES, table_pagination
from partnerprogram.web.mixins import READ_PERMISSION
from tiers import kpis
from tiers.cards import tier_card
from tiers.forms import TierAdvancementsForm
from tiers.models import Tier
from tiers.tables import AdvancementTable, StagnantTable


def trend_chart(figures):
    return chart(
        "bar",
        [count.period.label for count in figures.trend],
        [("Advancing partners", [count.advancing_partners for count in figures.trend])],
    )


class TierAdvancementsView(PermissionRequiredMixin, TemplateView):
    """The Tier Advancements KPI for a period and segment: the headline against the previous
    period and a year earlier, the other figures, the trend, the advancing and the stagnant
    partners (two sortable, paginated, exportable tables) and the KPI card."""

    template_name = "tiers/kpi.html"
    permission_required = READ_PERMISSION
    tables = ("advancing", "stagnant")  # the page's two tables, as `_table` names them

    def get(self, request, *args, **kwargs):
        self.form = TierAdvancementsForm(request.GET)
        export = request.GET.get("_export")
        if export and self.form.is_valid():
            return self.export(export, request.GET.get("_table", "advancing"))
        return super().get(request, *args, **kwargs)

    def make_tables(self):
        period, segment = self.form.cleaned_data["the_period"], self.form.segment()
        advancing = AdvancementTable(
            kpis.advancements(period, segment).select_related(
                "partner__region", "partner__account_manager", "from_tier", "to_tier"
            ),
            prefix="adv-",
        )
        stagnant = StagnantTable(
            kpis.stagnant_partners(period, segment).select_related("region", "account_manager"),
            prefix="stag-",
            tier_names=dict(Tier.objects.values_list("pk", "name")),
        )
        return {"advancing": advancing, "stagnant": stagnant}

    def export(self, export_format, which):
        if not TableExport.is_valid_format(export_format) or which not in self.tables:
            raise Http404("No such download.")
        table = self.make_tables()[which]
        RequestConfig(self.request, paginate=False).configure(table)
        period = self.form.cleaned_data["the_period"]
        stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
        filename = f"{which}-partners-{period.key.replace('..', '-to-')}-{stamp}.{export_format}"
        return TableExport(export_format, table).response(filename=filename)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = self.form
        if not self.form.is_valid():
            return context
        period, segment = self.form.cleaned_data["the_period"], self.form.segment()
        self.form.show_period()
        figures = kpis.tier_advancements(period, segment)
        tables = self.make_tables()
        # The figures already counted both tables' rows; counting them again would compute
        # every stagnant partner of a past period a second time.
        counts = {"advancing": figures.advancement_events, "stagnant": figures.stagnant_partners}
        for name, table in tables.items():
            pagination = {**table_pagination(), "count": counts[name]}
            RequestConfig(self.request, paginate=pagination).configure(table)
        context.update(
            period=period,
            segment=segment,
            figures=figures,
            trend_chart=trend_chart(figures),
            card=tier_card(
                figures,
                figures.stagnant_by_tier,
                kpis.criteria_feedback(period),
            ),
            advancing_table=tables["advancing"],
            stagnant_table=tables["stagnant"],
            neighbours={"previous": period.previous(), "next": period.shifted(1)},
            page_sizes=PAGE_SIZES,
        )
        return context


def count_json(count):
    return {
        "label": count.period.label,
        "advancing_partners": count.advancing_partners,
        "change_percent": number(count.change_percent),
    }


@api_view(READ_PERMISSION)
def tier_advancements_api(request):
    """GET /api/kpi/tier-advancements/?period=2025-Q4 (or 2025-11, 2025, or start=&end=;
    default the current fiscal quarter)[&region=&partner_type=&tier=&account_manager=]."""
    form = TierAdvancementsForm(request.GET)
    data = form_or_400(form)
    period = data["the_period"]
    figures = kpis.tier_advancements(period, form.segment())
    return {
        "kpi": "partner_program_tier_advancements",
        "period": {
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "segment": form.segment().as_params(),
        "advancing_partners": figures.advancing_partners,
        "advancement_events": figures.advancement_events,
        "downgrades": figures.downgrades,
        "enrollments": figures.enrollments,
        "net_movement": figures.net_movement,
        "active_at_start": figures.active_at_start,
        "advancement_rate": number(figures.advancement_rate),
        "by_tier": [{"tier": t.tier, "partners": t.partners} for t in figures.by_tier],
        "previous": count_json(figures.previous),
        "year_ago": count_json(figures.year_ago),
        "trend": [
            {
                "label": count.period.label,
                "start": count.period.start.isoformat(),
                "end": count.period.end.isoformat(),
                "advancing_partners": count.advancing_partners,
            }
            for count in figures.trend
        ],
        "stagnant_partners": figures.stagnant_partners,
        "declined": figures.declined,
    }
