import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, Q, Value, When
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.views import View
from django.views.generic import CreateView, DetailView, TemplateView, UpdateView
from django_tables2 import MultiTableMixin, RequestConfig
from django_tables2.export import TableExport

from certifications.kpis import levels_by_rank
from certifications.models import PartnerCertification
from partnerprogram import freshness, kpis
from partnerprogram.daily.partners.views import standing_context
from partnerprogram.daily.remediation import services
from partnerprogram.daily.remediation.filters import OPEN_OR_IN_PROGRESS, ReviewFilter
from partnerprogram.daily.remediation.forms import (
    ActionItemForm,
    AsOfForm,
    ReviewCloseForm,
    ReviewEditForm,
    ReviewOpenForm,
)
from partnerprogram.daily.remediation.tables import AtRiskTable, BelowThresholdTable, ReviewTable
from partnerprogram.kpis import with_standing
from partnerprogram.models import (
    ActionItem,
    Partner,
    RemediationReview,
    ReviewStatus,
    user_label,
)
from partnerprogram.rules import days
from partnerprogram.rules.periods import day_label
from partnerprogram.web.listing import FilteredTableView, PagedByKeys, TablePageMixin
from partnerprogram.web.listing import table_pagination as bounded_pagination
from partnerprogram.web.mixins import FormPageMixin, ReadPermissionMixin, safe_next
from tiers.models import Tier

GROUPS = ("below", "at_risk")


def partners_link(params):
    """The partner list filtered to a segment's active partners."""
    return f"{reverse('partners:list')}?{urlencode({**params, 'status': 'active'})}"


class RemediationView(ReadPermissionMixin, MultiTableMixin, TemplateView):
    """Partners below threshold and at risk on a day (default today), each group a sortable,
    paginated table with downloads, and the segments in Action required. A fixed number of
    queries whatever the number of partners."""

    template_name = "remediation/overview.html"
    table_pagination = bounded_pagination()

    def get(self, request, *args, **kwargs):
        data = request.GET.copy()
        data.setdefault("as_of", timezone.localdate().isoformat())
        self.form = AsOfForm(data)
        self.as_of = (
            self.form.cleaned_data["as_of"] if self.form.is_valid() else timezone.localdate()
        )
        export_format = request.GET.get("_export")
        group = request.GET.get("_table")
        if TableExport.is_valid_format(export_format) and group in GROUPS:
            table = self.get_tables()[GROUPS.index(group)]
            RequestConfig(request, paginate=False).configure(table)
            exporter = TableExport(export_format, table, exclude_columns=())
            return exporter.response(
                f"{group.replace('_', '-')}-{self.as_of.isoformat()}.{export_format}"
            )
        return super().get(request, *args, **kwargs)

    def get_tables(self):
        if not hasattr(self, "_tables"):
            can_open = self.request.user.has_perm("partnerprogram.add_remediationreview")
            options = {
                "tier_names": dict(Tier.objects.values_list("pk", "name")),
                "level_names": {level.rank: level.name for level in self.levels[0]},
                "open_review_url": reverse("remediation:review-create") if can_open else None,
                "next_url": self.request.get_full_path(),
                "as_of": self.as_of,
            }
            related = ("account_manager",)
            below = kpis.below_threshold(self.as_of).select_related(*related)
            at_risk = kpis.at_risk(self.as_of).select_related(*related)
            self._tables = [
                BelowThresholdTable(PagedByKeys(below), prefix="below-", **options),
                AtRiskTable(PagedByKeys(at_risk), prefix="risk-", **options),
            ]
        return self._tables

    def get_table_pagination(self, table):
        # The rows are counted already, and kept for today: counting the tables again would
        # cost more than everything else on the page.
        key = "below_threshold" if isinstance(table, BelowThresholdTable) else "at_risk"
        return {**super().get_table_pagination(table), "count": self.standing_counts[key]}

    @cached_property
    def levels(self):
        """The levels and the target (levels_by_rank), read once for the tables' level
        names and the segment alerts."""
        return levels_by_rank()

    @cached_property
    def standing_counts(self):
        return kpis.standing_counts(self.as_of)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        below, at_risk = context["tables"]
        alerts = kpis.segment_alerts(self.as_of, levels=self.levels)
        context.update(
            form=self.form,
            as_of=self.as_of,
            today=timezone.localdate(),
            stored=freshness.answering_state(self.as_of),
            projection=days.projection(self.as_of),
            below_table=below,
            at_risk_table=at_risk,
            window_days=settings.AT_RISK_WINDOW_DAYS,
            alerts=[
                (alert, partners_link(alert.params) if alert.params else None) for alert in alerts
            ],
            export_formats=TablePageMixin.export_formats,
        )
        return context


class ReviewListView(ReadPermissionMixin, FilteredTableView):
    """Every remediation review, filterable by status, reason, owner, overdue and partner;
    overdue ones are marked. It opens on the reviews still to work on (open or in progress),
    the most urgent first: a URL without a status asks for those, "Any status" for all."""

    filterset_class = ReviewFilter
    table_class = ReviewTable
    export_name = "reviews"
    template_name = "remediation/review_list.html"

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        data = self.request.GET.copy()
        data.setdefault("status", OPEN_OR_IN_PROGRESS)
        return {**kwargs, "data": data}

    def get_queryset(self):
        overdue = Q(status__in=ReviewStatus.open_values(), due_on__lt=timezone.localdate())
        return RemediationReview.objects.select_related("partner", "owner").annotate(
            is_overdue=Case(
                When(overdue, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )


TRACKED_FIELDS = (
    "status",
    "reason",
    "owner",
    "opened_on",
    "due_on",
    "action_plan",
    "notes",
    "outcome",
    "closed_on",
)


def _shown(record, name):
    field = RemediationReview._meta.get_field(name)
    if name == "owner":
        return user_label(record.owner)
    if field.choices:
        return getattr(record, f"get_{name}_display")() or "—"
    value = getattr(record, name)
    return day_label(value) if isinstance(value, dt.date) else (value or "—")


def review_history(review):
    """The review's recorded versions, oldest first, each with who, when, and what changed
    from the version before: [(record, [(field label, before, after), ...])]. Two queries."""
    records = list(
        review.history.select_related("history_user", "owner").order_by(
            "history_date", "history_id"
        )
    )
    entries, previous = [], None
    for record in records:
        changes = []
        for name in TRACKED_FIELDS:
            before = _shown(previous, name) if previous else None
            after = _shown(record, name)
            if previous is None or before != after:
                label = RemediationReview._meta.get_field(name).verbose_name.capitalize()
                if previous is not None or after != "—":
                    changes.append((label, before, after))
        entries.append((record, changes))
        previous = record
    return entries


RECENT_FEEDBACK = 3
NO_END = "no end"


def held_until(partner, day):
    """The day the highest level `partner` holds on `day` (`level_rank`, from
    kpis.with_standing) stops being valid: the latest end of its certifications valid at that
    level, NO_END when one never expires, None when it holds none. One query at most."""
    if partner.level_rank is None:
        return None
    ends = set(
        PartnerCertification.objects.valid_on(day)
        .filter(partner=partner, level__rank=partner.level_rank)
        .values_list("expires_on", flat=True)
    )
    if not ends:
        return None
    return NO_END if None in ends else max(ends)


class ReviewDetailView(ReadPermissionMixin, DetailView):
    """A review, the partner's context (tier, required and held level, status, latest
    feedback), its action items, its history, and (for managers) the buttons to edit, close
    or reopen it and the form to add an action item. A fixed number of queries, whatever the
    number of action items."""

    template_name = "remediation/review_detail.html"
    context_object_name = "review"
    queryset = RemediationReview.objects.select_related("partner", "owner")

    def get_context_data(self, action_form=None, **kwargs):
        today = timezone.localdate()
        review = self.object
        partner = (
            with_standing(Partner.objects.select_related("current_tier"), today)
            .filter(pk=review.partner_id)
            .get()
        )
        feedback = list(partner.feedback.all()[:RECENT_FEEDBACK])
        may_add = self.request.user.has_perm("partnerprogram.add_actionitem")
        if action_form is None and may_add and review.is_open:
            action_form = ActionItemForm(review=review)
        context = super().get_context_data(**kwargs)
        context.update(
            standing_context(partner, today),
            partner=partner,
            back_url=safe_next(self.request, ""),
            # The review's page, also when it shows the action form's errors after a POST.
            here=self.request.get_full_path()
            if self.request.method == "GET"
            else review.get_absolute_url(),
            overdue=review.is_overdue_on(today),
            history=review_history(review),
            open_duplicate=None
            if review.is_open
            else services.open_review_for(review.partner, review.reason),
            held_until=held_until(partner, today),
            recent_feedback=feedback,
            last_contact=feedback[0].received_on if feedback else None,
            all_feedback_url=f"{reverse('feedback:list')}?{urlencode({'partner': partner.name})}",
            action_items=[
                (item, item.is_overdue_on(today) and review.is_open)
                for item in review.action_items.select_related("owner")
            ],
            action_form=action_form if review.is_open else None,
            may_mark=review.is_open
            and self.request.user.has_perm("partnerprogram.change_actionitem"),
        )
        return context


class ActionItemCreateView(ReviewDetailView):
    """Add an action item to an open review (POST): back on the review with a message, or
    the review page again with the form's errors."""

    permission_required = "partnerprogram.add_actionitem"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = review = self.get_object()
        closed = ValidationError(
            "This review is closed; its action items can no longer change.",
            code="review_closed",
        )
        form = ActionItemForm(request.POST, review=review)
        try:
            if not review.is_open:
                raise closed
            if form.is_valid():
                item = services.action_item_add(
                    review=review,
                    description=form.cleaned_data["description"],
                    owner=form.cleaned_data["owner"],
                    due_on=form.cleaned_data["due_on"],
                )
                due = day_label(item.due_on)
                messages.success(request, f"Action item added: {item.description} (due {due}).")
                return HttpResponseRedirect(f"{review.get_absolute_url()}#action-items-heading")
        except ValidationError as error:
            if getattr(error, "code", None) == "review_closed":
                messages.error(request, " ".join(error.messages))
                return redirect(review)
            for field, errors in getattr(error, "error_dict", {None: error}).items():
                form.add_error(field if field in form.fields else None, errors)
        return self.render_to_response(self.get_context_data(action_form=form))


class ActionItemMarkView(PermissionRequiredMixin, View):
    """Mark an action item done today, or not done again (POST `done` = "yes" or "no"), and
    go back to its review with a message. A closed review's items do not change."""

    permission_required = "partnerprogram.change_actionitem"
    raise_exception = True
    http_method_names = ["post"]

    def post(self, request, pk, item_pk):
        item = get_object_or_404(ActionItem.objects.select_related("review"), pk=item_pk, review=pk)
        done = request.POST.get("done")
        if done not in ("yes", "no"):
            messages.error(request, "Choose whether the action item is done.")
            return redirect(item.review)
        try:
            item = services.action_item_mark(item=item, done=done == "yes")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(item.review)
        state = f"done on {day_label(item.done_on)}" if item.is_done else "not done"
        messages.success(request, f"“{item.description}” marked {state}.")
        return HttpResponseRedirect(item.get_absolute_url())


class ReviewCreateView(FormPageMixin, CreateView):
    """Open a review, prefilled from the query (?partner=<id>&reason=...), owned by the
    current user and due in 30 days unless changed."""

    form_class = ReviewOpenForm
    permission_required = "partnerprogram.add_remediationreview"
    heading = "Open a remediation review"
    submit_label = "Open review"

    def get_initial(self):
        initial = {**super().get_initial(), "owner": self.request.user}
        partner_id = self.request.GET.get("partner", "")
        if partner_id.isdigit():
            initial["partner"] = Partner.objects.filter(pk=partner_id).first()
        if self.request.GET.get("reason"):
            initial["reason"] = self.request.GET["reason"]
        return initial

    def default_next(self):
        return reverse("remediation:overview")

    def get_success_url(self):
        """The new review, which offers the way back to where the manager opened it."""
        return f"{self.object.get_absolute_url()}?{urlencode({'next': self.next_url()})}"

    def form_valid(self, form):
        data = form.cleaned_data
        return self.save_through(
            form,
            services.review_open,
            partner=data["partner"],
            reason=data["reason"],
            owner=data["owner"],
            due_on=data["due_on"],
            action_plan=data["action_plan"],
            notes=data["notes"],
        )

    def success_message(self, obj):
        return format_html(
            'Review of {} opened (<a href="{}">review #{}</a>, due {}).',
            obj.partner,
            obj.get_absolute_url(),
            obj.pk,
            day_label(obj.due_on),
        )


class OpenReviewMixin:
    """For pages that act on an open review: a closed one sends the manager back to its page
    with a message (a closed review cannot be edited or closed again)."""

    def dispatch(self, request, *args, **kwargs):
        if not self.has_permission():
            return self.handle_no_permission()
        review = get_object_or_404(RemediationReview, pk=kwargs["pk"])
        if not review.is_open:
            messages.error(
                request,
                f"This review was closed on {day_label(review.closed_on)}; "
                "reopen it to start a new one.",
            )
            return redirect(review)
        return super().dispatch(request, *args, **kwargs)

    def default_next(self):
        return self.object.get_absolute_url()

    def heading_context(self):
        return {"partner": self.object.partner}

    def get_queryset(self):
        return RemediationReview.objects.select_related("partner", "owner")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "review": self.object}


class ReviewEditView(OpenReviewMixin, FormPageMixin, UpdateView):
    form_class = ReviewEditForm
    permission_required = "partnerprogram.change_remediationreview"
    heading = "Edit the review of {partner}"
    submit_label = "Save review"

    def success_message(self, obj):
        return "Review saved."


class ReviewCloseView(OpenReviewMixin, FormPageMixin, UpdateView):
    form_class = ReviewCloseForm
    permission_required = "partnerprogram.change_remediationreview"
    heading = "Close the review of {partner}"
    submit_label = "Close review"

    def get_form_kwargs(self):
        may_end = self.request.user.has_perm("partnerprogram.change_partner")
        return {**super().get_form_kwargs(), "may_end_partner": may_end}

    def form_valid(self, form):
        data = form.cleaned_data
        return self.save_through(
            form,
            services.review_close,
            review=self.object,
            status=data["status"],
            outcome=data["outcome"],
            closed_on=data["closed_on"],
            end_partnership=data["end_partnership"],
        )

    def success_message(self, obj):
        message = f"Review closed: {obj.get_status_display().lower()}."
        if obj.partner.ended_on == obj.closed_on:
            message += f" {obj.partner} ended on {day_label(obj.closed_on)}."
        return message


class ReviewReopenView(PermissionRequiredMixin, View):
    """Reopening makes a new review (POST): same partner, reason and action plan, owned by
    the current user, due in 30 days."""

    permission_required = "partnerprogram.add_remediationreview"
    raise_exception = True
    http_method_names = ["post"]

    def post(self, request, pk):
        closed = get_object_or_404(RemediationReview.objects.select_related("partner"), pk=pk)
        try:
            review = services.review_reopen(review=closed, owner=request.user)
        except ValidationError as error:
            existing = services.open_review_for(closed.partner, closed.reason)
            if existing:
                messages.error(
                    request,
                    format_html(
                        '{} already has an open review for this reason: <a href="{}">review '
                        "#{}</a>.",
                        closed.partner,
                        existing.get_absolute_url(),
                        existing.pk,
                    ),
                )
            else:
                messages.error(request, " ".join(error.messages))
            return redirect(closed)
        messages.success(
            request, f"Review reopened as review #{review.pk}, due {day_label(review.due_on)}."
        )
        return HttpResponseRedirect(review.get_absolute_url())
