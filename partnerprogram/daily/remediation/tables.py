from urllib.parse import urlencode

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from partnerprogram.kpis import review_reason_for
from partnerprogram.models import Partner, RemediationReview, ReviewStatus
from partnerprogram.web.columns import (
    DayColumn,
    PhoneColumns,
    UserColumn,
    order_nulls_first,
    url_by_pk,
)


class AttentionTable(PhoneColumns, tables.Table):
    """Partners below threshold or at risk on a day, annotated by `kpis.with_standing`;
    tier and level names come from the `tier_names` and `level_names` maps, so no cell
    queries. With `open_review_url` (managers only) a partner without an open review gets an
    "Open review" button to the prefilled form (the review then links back to `next_url`).
    The "Review" column says which review is open, or "No", or offers the button: its
    header names what the column holds, not the action. Links to partners and reviews are
    made from patterns reversed once per table (`url_by_pk`)."""

    phone_columns = ("partner", "open_review")

    partner = tables.Column(accessor="name", verbose_name="Partner")
    tier = tables.Column(accessor="tier_on_day_id", verbose_name="Tier", order_by=("tier_rank",))
    required_level = tables.Column(
        accessor="required_rank", verbose_name="Tier requires", order_by=("required_rank",)
    )
    held_level = tables.Column(accessor="level_rank", verbose_name="Holds", default="None")
    account_manager = UserColumn()
    open_review = tables.Column(
        accessor="open_review_id",
        verbose_name="Review",
        empty_values=(),
        order_by=("open_review_id",),
    )

    class Meta:
        model = Partner
        fields = ()
        order_by = ("partner",)

    def __init__(
        self,
        *args,
        tier_names=None,
        level_names=None,
        open_review_url=None,
        next_url="",
        as_of=None,
        **kw,
    ):
        super().__init__(*args, **kw)
        self.as_of = as_of
        self.tier_names = tier_names or {}
        self.level_names = level_names or {}
        self.open_review_url = open_review_url
        self.next_query = f"&{urlencode({'next': next_url})}" if next_url else ""  # once
        self.partner_url = url_by_pk("partners:detail")
        self.review_url = url_by_pk("remediation:review-detail")

    def render_partner(self, value, record):
        return format_html('<a href="{}">{}</a>', self.partner_url(record.pk), value)

    def value_partner(self, value):
        return value

    def render_tier(self, value):
        return self.tier_names.get(value, "")

    def render_required_level(self, value):
        return self.level_names.get(value, "")

    def render_held_level(self, value):
        return self.level_names.get(value, "")

    def order_held_level(self, queryset, is_descending):
        return order_nulls_first(queryset, "level_rank", is_descending)

    def render_open_review(self, record):
        if record.open_review_id:
            url = self.review_url(record.open_review_id)
            return format_html('<a href="{}">Review #{}</a>', url, record.open_review_id)
        if not self.open_review_url:
            return "No"
        query = urlencode({"partner": record.pk, "reason": review_reason_for(record)})
        query += self.next_query
        return format_html(
            '<a class="btn btn-sm btn-primary" href="{}?{}">Open review</a>',
            self.open_review_url,
            query,
        )

    def value_open_review(self, record):
        return f"#{record.open_review_id}" if record.open_review_id else "No"


class BelowThresholdTable(AttentionTable):
    pagination_label = "Pages of partners below threshold"
    phone_columns = ("partner", "required_level", "open_review")

    class Meta(AttentionTable.Meta):
        empty_text = "No partner is below threshold on this day."
        sequence = ("partner", "tier", "required_level", "held_level", "account_manager", "...")


class AtRiskTable(AttentionTable):
    """Soonest end first: the partner who loses its standing first is the first to call
    (and the stored end's index serves that order, where a name order sorts them all)."""

    pagination_label = "Pages of partners at risk"
    phone_columns = ("partner", "days_left", "open_review")
    keeps_until = DayColumn(verbose_name="Certification ends")
    days_left = tables.Column(
        accessor="keeps_until", verbose_name="Days left", order_by=("keeps_until",)
    )

    class Meta(AttentionTable.Meta):
        empty_text = "No partner is at risk on this day."
        order_by = ("keeps_until",)
        sequence = (
            "partner",
            "tier",
            "required_level",
            "held_level",
            "keeps_until",
            "days_left",
            "account_manager",
            "...",
        )

    def render_days_left(self, value):
        return (value - self.as_of).days

    value_days_left = render_days_left  # the download shows the same number


class ReviewTable(PhoneColumns, tables.Table):
    """Remediation reviews; the data must select the partner and owner and be annotated with
    `is_overdue` (open or in progress past its due date). Overdue rows are marked."""

    phone_columns = ("partner", "reason", "due_on", "overdue")

    partner = tables.Column(linkify=True, order_by=("partner__name",))
    reason = tables.Column(linkify=lambda record: record.get_absolute_url(), verbose_name="Review")
    status = tables.Column()
    owner = UserColumn("owner")
    opened_on = DayColumn(verbose_name="Opened")
    due_on = DayColumn(verbose_name="Due")
    overdue = tables.Column(accessor="is_overdue", verbose_name="Overdue")
    closed_on = DayColumn(verbose_name="Closed")
    action_plan = tables.Column()

    class Meta:
        model = RemediationReview
        fields = ()
        sequence = (
            "partner",
            "reason",
            "status",
            "owner",
            "opened_on",
            "due_on",
            "overdue",
            "closed_on",
            "action_plan",
        )
        empty_text = "No review matches these filters."
        order_by = ("-overdue", "due_on")  # the most urgent first
        row_attrs = {"class": lambda record: "table-warning" if record.is_overdue else ""}

    def render_status(self, record):
        css = "text-bg-primary" if record.status in ReviewStatus.open_values() else "text-bg-light"
        return format_html('<span class="badge {}">{}</span>', css, record.get_status_display())

    def value_status(self, record):
        return record.get_status_display()

    def render_overdue(self, value):
        if value:
            return mark_safe('<span class="badge text-bg-danger">Overdue</span>')
        return ""

    def value_overdue(self, value):
        return "Yes" if value else "No"
