from django.urls import reverse
from django.utils import timezone
from django.views.generic import CreateView

from partnerprogram.daily.feedback.filters import FeedbackFilter
from partnerprogram.daily.feedback.forms import FeedbackForm
from partnerprogram.daily.feedback.tables import FeedbackTable
from partnerprogram.kpis import feedback_summary
from partnerprogram.models import Partner, PartnerFeedback
from partnerprogram.rules.periods import Period
from partnerprogram.web.listing import FilteredTableView
from partnerprogram.web.mixins import FormPageMixin, ReadPermissionMixin


def summary_period(cleaned_data, today):
    """The period of the response share: the chosen date range; without an end, up to today;
    without a start, from the beginning of the fiscal quarter of the end."""
    end = cleaned_data.get("received_to") or today
    start = cleaned_data.get("received_from") or Period.quarter_containing(end).start
    return Period.custom(min(start, end), end)


class FeedbackListView(ReadPermissionMixin, FilteredTableView):
    """The feedback table with filters, and above it a summary of the filtered rows. A fixed
    number of queries whatever the number of rows."""

    filterset_class = FeedbackFilter
    table_class = FeedbackTable
    export_name = "feedback"
    template_name = "feedback/feedback_list.html"

    def get_queryset(self):
        return PartnerFeedback.objects.select_related("partner", "logged_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.filterset.form
        cleaned = form.cleaned_data if form.is_valid() else {}
        period = summary_period(cleaned, timezone.localdate())
        context["summary"] = feedback_summary(self.filterset.qs, period)
        return context


class FeedbackCreateView(FormPageMixin, CreateView):
    """Log a partner's feedback; from the partner page the partner is filled in
    (?partner=<id>), and the manager goes back where they came from."""

    form_class = FeedbackForm
    permission_required = "partnerprogram.add_partnerfeedback"
    heading = "Log feedback"
    submit_label = "Log feedback"

    def get_initial(self):
        initial = super().get_initial()
        partner_id = self.request.GET.get("partner", "")
        if partner_id.isdigit():
            initial["partner"] = Partner.objects.filter(pk=partner_id).first()
        return initial

    def default_next(self):
        if self.object is not None:
            return self.object.partner.get_absolute_url()
        return reverse("feedback:list")

    def form_valid(self, form):
        form.instance.logged_by = self.request.user
        return super().form_valid(form)

    def success_message(self, obj):
        return f"Feedback from {obj.partner} logged."
