from django.conf import settings
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import Http404
from django.utils import timezone
from django.views.generic import TemplateView
from django_tables2 import RequestConfig

from partnerprogram import freshness
from partnerprogram.rules.periods import PeriodKind
from partnerprogram.web.charts import chart
from partnerprogram.web.exports import SUMMARY_FORMATS, SafeTableExport, summary_download
from partnerprogram.web.listing import PAGE_SIZES, table_pagination
from partnerprogram.web.mixins import READ_PERMISSION
from tiers import kpis
from tiers.cards import tier_card
from tiers.forms import TierAdvancementsForm
from tiers.models import Tier
from tiers.tables import AdvancementTable, StagnantTable


def trend_chart(figures):
    def label(count):
        running = figures.to_date and count.period == figures.period
        return f"{count.period.label} (to date)" if running else count.period.label

    return chart(
        "bar",
        [label(count) for count in figures.trend],
        [("Advancing partners", [count.advancing_partners for count in figures.trend])],
    )


def _started(period):
    """The period, or None when it starts after today (the "next" button stops there)."""
    return period if period.start <= timezone.localdate() else None


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
            which = request.GET.get("_table", "advancing")
            if which in ("figures", "by_tier"):
                return self.export_summary()
            return self.export(export, which)
        return super().get(request, *args, **kwargs)

    def export_summary(self):
        """The period's figures, or its advancements into each tier, as a download."""
        period = self.form.cleaned_data["the_period"]
        figures = kpis.tier_advancements(period, self.form.segment())
        name = f"tier-advancements-{period.key.replace('..', '-to-')}"
        download = summary_download(
            self.request,
            {
                "figures": lambda: (name, *figures_summary(figures)),
                "by_tier": lambda: (f"{name}-by-tier", *by_tier_summary(figures)),
            },
        )
        if download is None:
            raise Http404("No such download.")
        return download

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
        if not SafeTableExport.is_valid_format(export_format) or which not in self.tables:
            raise Http404("No such download.")
        table = self.make_tables()[which]
        RequestConfig(self.request, paginate=False).configure(table)
        period = self.form.cleaned_data["the_period"]
        stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
        filename = f"{which}-partners-{period.key.replace('..', '-to-')}-{stamp}.{export_format}"
        return SafeTableExport(export_format, table).response(filename=filename)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = self.form
        if not self.form.is_valid():
            return context
        period, segment = self.form.cleaned_data["the_period"], self.form.segment()
        self.form.show_period()
        figures = kpis.tier_advancements(period, segment)
        # A quarter, month or year in progress reads kept figures; a custom range is counted.
        kept_to_date = figures.to_date and period.kind != PeriodKind.RANGE
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
            stored=freshness.answering_state(figures.through) if kept_to_date else None,
            trend_chart=trend_chart(figures),
            comparisons=zip(figures.comparisons, ("previous", "year-ago"), strict=False),
            stagnation_months=settings.STAGNATION_MONTHS,
            card=tier_card(
                figures,
                figures.stagnant_by_tier,
                kpis.criteria_feedback(period),
            ),
            advancing_table=tables["advancing"],
            stagnant_table=tables["stagnant"],
            neighbours={"previous": period.previous(), "next": _started(period.shifted(1))},
            page_sizes=PAGE_SIZES,
            export_formats=SUMMARY_FORMATS,
        )
        return context


def figures_summary(figures):
    """Headers and rows of the period's figures, as the page shows them."""
    to_date = " (to date)" if figures.to_date else ""
    stagnant = "Stagnant partners today" if figures.to_date else "Stagnant partners at the end"
    rows = [
        ["Partners advancing a tier", figures.advancing_partners],
        ["Advancement events", figures.advancement_events],
        ["Downgrades", figures.downgrades],
        ["Net movement (advancements − downgrades)", figures.net_movement],
        ["Enrollments", figures.enrollments],
        ["Partners active at the start", figures.active_at_start],
        ["Advancement rate %", figures.advancement_rate],
        [stagnant, figures.stagnant_partners],
    ]
    return ["Figure", f"{figures.period.label}{to_date}"], rows


def by_tier_summary(figures):
    """Headers and rows of the advancements into each tier."""
    return ["Tier", "Partners"], [[row.tier, row.partners] for row in figures.by_tier]
