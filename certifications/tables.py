import django_tables2 as tables

from partnerprogram.web.columns import DayColumn, PhoneColumns, UserColumn


class PartnerLevelTable(PhoneColumns, tables.Table):
    """Partners behind a certification figure, with their level on the KPI's date.
    `levels_by_rank` ({rank: name}) names the annotated `level_rank` without a query."""

    phone_columns = ("name", "level_rank", "current_tier")

    name = tables.Column(linkify=True, verbose_name="Partner")
    level_rank = tables.Column(verbose_name="Level on the date", empty_values=())
    partner_type = tables.Column(verbose_name="Type")
    region = tables.Column(order_by="region__name")
    current_tier = tables.Column(verbose_name="Current tier", order_by="current_tier__rank")
    account_manager = UserColumn()
    joined_on = DayColumn(verbose_name="Joined")
    ended_on = DayColumn(verbose_name="Ended")

    class Meta:
        order_by = "name"
        attrs = {"class": "table table-sm table-hover align-middle"}

    def __init__(self, *args, levels_by_rank=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.levels_by_rank = levels_by_rank or {}

    def render_level_rank(self, value):
        return self.levels_by_rank.get(value, "Not certified")

    def value_level_rank(self, value):
        return self.levels_by_rank.get(value, "Not certified")
