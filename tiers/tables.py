import django_tables2 as tables

from partnerprogram.web.columns import DayColumn, PhoneColumns, UserColumn
from tiers.models import TierTransition


class AdvancementTable(PhoneColumns, tables.Table):
    """The advancements of a period: who moved up, from and to which tier, when."""

    phone_columns = ("partner", "to_tier", "effective_on")
    pagination_label = "Pages of advancing partners"

    partner = tables.Column(linkify=True, order_by="partner__name")
    from_tier = tables.Column(verbose_name="From", order_by="from_tier__rank")
    to_tier = tables.Column(verbose_name="To", order_by="to_tier__rank")
    effective_on = DayColumn(verbose_name="Effective")
    region = tables.Column(accessor="partner__region", order_by="partner__region__name")
    account_manager = UserColumn("partner__account_manager")
    reason = tables.Column()

    class Meta:
        model = TierTransition
        fields = (
            "partner",
            "from_tier",
            "to_tier",
            "effective_on",
            "region",
            "account_manager",
            "reason",
        )
        order_by = "-effective_on"


class StagnantTable(PhoneColumns, tables.Table):
    """Partners stagnant at the end of a period. `tier_names` ({id: name}) names the
    annotated tier without a query."""

    phone_columns = ("name", "tier_on_day_id", "latest_change_on")
    pagination_label = "Pages of stagnant partners"

    name = tables.Column(linkify=True, verbose_name="Partner")
    tier_on_day_id = tables.Column(verbose_name="Tier at period end")
    latest_change_on = DayColumn(verbose_name="Last tier change")
    region = tables.Column(order_by="region__name")
    account_manager = UserColumn()
    joined_on = DayColumn(verbose_name="Joined")

    class Meta:
        # By name: a page of a past period then needs only its own rows' last change, where
        # ordering by that change computes it for every partner first.
        order_by = "name"

    def __init__(self, *args, tier_names=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tier_names = tier_names or {}

    def render_tier_on_day_id(self, value):
        return self.tier_names.get(value, "")

    def value_tier_on_day_id(self, value):
        return self.tier_names.get(value, "")
