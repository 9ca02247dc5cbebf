import django_tables2 as tables
from django.utils.html import format_html

from partnerprogram.kpis import Standing
from partnerprogram.models import Partner
from partnerprogram.web.columns import DayColumn, PhoneColumns, UserColumn, order_nulls_first


def render_standing(standing):
    """The standing badge of partners/includes/standing_badge.html, built in Python: a
    template rendered for each of a page's rows was a third of the list's time."""
    if standing in (Standing.BELOW_THRESHOLD, Standing.AT_RISK):
        return format_html(
            '<span class="badge band-{}">{}</span>', standing.band.value, standing.label
        )
    css = "text-success" if standing == Standing.MEETS else "text-body-secondary"
    return format_html('<span class="{}">{}</span>', css, standing.label)


class PartnerTable(PhoneColumns, tables.Table):
    """Partners with their tier, level and standing today. The data must be annotated by
    `kpis.with_standing(..., today)` and select the region, tier and account manager; level
    names come from `level_names` ({rank: name}), so no cell queries."""

    phone_columns = ("name", "current_tier", "standing")

    name = tables.Column(linkify=True, verbose_name="Partner")
    partner_type = tables.Column(verbose_name="Type")
    region = tables.Column(order_by=("region__name",))
    current_tier = tables.Column(verbose_name="Tier", order_by=("current_tier__rank",))
    level = tables.Column(
        accessor="level_rank", verbose_name="Level held today", default="Not certified"
    )
    standing = tables.Column(verbose_name="Standing today", order_by=("standing_order", "name"))
    account_manager = UserColumn()
    joined_on = DayColumn(verbose_name="Joined")
    ended_on = DayColumn(verbose_name="Ended")

    class Meta:
        model = Partner
        fields = ()
        sequence = (
            "name",
            "partner_type",
            "region",
            "current_tier",
            "level",
            "standing",
            "account_manager",
            "joined_on",
            "ended_on",
        )
        order_by = ("name",)
        empty_text = "No partner matches these filters."
        row_attrs = {"class": lambda record: "text-body-secondary" if record.ended_on else ""}

    def __init__(self, *args, level_names=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.level_names = level_names or {}

    def render_level(self, value):
        return self.level_names.get(value, "")

    def order_level(self, queryset, is_descending):
        return order_nulls_first(queryset, "level_rank", is_descending)

    def render_standing(self, value):
        return render_standing(Standing(value))

    def value_standing(self, value):
        return Standing(value).label
