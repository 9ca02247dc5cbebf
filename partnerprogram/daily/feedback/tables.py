import django_tables2 as tables
from django.utils.text import Truncator

from partnerprogram.models import PartnerFeedback, user_label
from partnerprogram.web.columns import DayColumn, PhoneColumns

COMMENT_PREVIEW = 140


class FeedbackTable(PhoneColumns, tables.Table):
    """Feedback rows; the data must select the partner and the user who logged it. Comments
    are text: the template escapes them like every other value."""

    phone_columns = ("received_on", "partner", "rating", "follow_up_needed")

    received_on = DayColumn(verbose_name="Received")
    partner = tables.Column(linkify=True, order_by=("partner__name",))
    channel = tables.Column()
    topic = tables.Column()
    rating = tables.Column()
    comment = tables.Column(orderable=False)
    follow_up_needed = tables.BooleanColumn(verbose_name="Follow-up", yesno="Yes,No")
    logged_by = tables.Column(
        verbose_name="Logged by",
        order_by=("logged_by__first_name", "logged_by__last_name", "logged_by__username"),
    )

    class Meta:
        model = PartnerFeedback
        fields = ()
        sequence = (
            "received_on",
            "partner",
            "channel",
            "topic",
            "rating",
            "comment",
            "follow_up_needed",
            "logged_by",
        )
        empty_text = "No feedback matches these filters."

    def render_comment(self, value):
        return Truncator(value).chars(COMMENT_PREVIEW)

    def value_comment(self, value):
        return value

    def render_logged_by(self, value):
        return user_label(value)
