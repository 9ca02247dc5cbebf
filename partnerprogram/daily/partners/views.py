from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views import View
from django.views.generic import CreateView, DetailView

from certifications.models import CertificationLevel
from partnerprogram.daily.partners.filters import PartnerFilter
from partnerprogram.daily.partners.forms import CertificationForm, TransitionForm
from partnerprogram.daily.partners.tables import PartnerTable
from partnerprogram.kpis import Standing, at_risk_horizon, partner_count, with_standing
from partnerprogram.models import Partner
from partnerprogram.rules.periods import day_label
from partnerprogram.web.listing import FilteredTableView
from partnerprogram.web.mixins import FormPageMixin, ReadPermissionMixin
from tiers import services as tier_services

SEARCH_RESULTS = 20
SEARCH_MIN_LENGTH = 2
SEARCH_MAX_LENGTH = 100


def level_names():
    """{rank: name} of the certification levels (one query)."""
    return dict(CertificationLevel.objects.values_list("rank", "name"))


def standing_context(partner, today):
    """What a page says of a partner's standing today, for partners/includes/standing.html:
    `partner` is annotated by kpis.with_standing for `today`. One query (the levels'
    names)."""
    names = level_names()
    return {
        "today": today,
        "horizon": at_risk_horizon(today),
        "standing": Standing(partner.standing),
        "held_level": names.get(partner.level_rank),
        "required_level": names.get(partner.required_rank),
    }


class PartnerListView(ReadPermissionMixin, FilteredTableView):
    """Every partner, filterable by profile and by standing today, sortable on every
    column. Three queries whatever the number of partners (levels, count, page)."""

    filterset_class = PartnerFilter
    table_class = PartnerTable
    export_name = "partners"
    template_name = "partners/partner_list.html"

    def get_queryset(self):
        partners = Partner.objects.select_related("region", "current_tier", "account_manager")
        return with_standing(partners, timezone.localdate())

    def get_table_kwargs(self):
        return {**super().get_table_kwargs(), "level_names": level_names()}

    def get_table_keys(self):
        # The standing annotations join tiers and levels to every partner; unless a filter
        # needs them, count and page the filtered partners without them.
        if any(self.request.GET.get(name) for name in PartnerFilter.STANDING_FILTERS):
            return None
        return PartnerFilter(self.request.GET, queryset=Partner.objects.all()).qs

    def get_row_count(self):
        keys = self.get_table_keys()
        if keys is None:
            return None
        if not keys.query.where:  # every partner: counting 500,000 of them takes 20-40 ms
            return partner_count()
        return keys.count()


class PartnerSearchView(ReadPermissionMixin, View):
    """`?q=blue` -> {"results": [{"name": ...}, ...]}: the first SEARCH_RESULTS partners in
    name order whose name contains the text (any case), for the partner boxes' suggestions.
    One query: the name index is read in order until enough names match."""

    def get(self, request):
        text = request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]
        names = []
        if len(text) >= SEARCH_MIN_LENGTH:
            matching = Partner.objects.filter(name__icontains=text).order_by("name")
            names = list(matching.values_list("name", flat=True)[:SEARCH_RESULTS])
        return JsonResponse({"results": [{"name": name} for name in names]})


class PartnerDetailView(ReadPermissionMixin, DetailView):
    """A partner's profile and standing today, its certifications, tier history, feedback
    and reviews; managers get the buttons to add to them. A fixed number of queries."""

    template_name = "partners/partner_detail.html"

    def get_queryset(self):
        partners = Partner.objects.select_related("region", "current_tier", "account_manager")
        return with_standing(partners, timezone.localdate())

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        partner = self.object
        context = super().get_context_data(**kwargs)
        context.update(
            standing_context(partner, today),
            certifications=[
                (cert, cert.status_on(today))
                for cert in partner.certifications.select_related("level", "recorded_by")
            ],
            transitions=partner.tier_transitions.select_related(
                "from_tier", "to_tier", "recorded_by"
            ).order_by("effective_on"),
            feedback=partner.feedback.select_related("logged_by"),
            reviews=[
                (review, review.is_overdue_on(today))
                for review in partner.reviews.select_related("owner").order_by("-opened_on", "-pk")
            ],
        )
        return context


class PartnerRecordCreateView(FormPageMixin, CreateView):
    """Adds one of a partner's records from the partner page and goes back there."""

    def dispatch(self, request, *args, **kwargs):
        # Permission first: a viewer gets 403 even for a partner that does not exist.
        if not self.has_permission():
            return self.handle_no_permission()
        self.partner = get_object_or_404(Partner, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "partner": self.partner}

    def default_next(self):
        return self.partner.get_absolute_url()

    def heading_context(self):
        return {"partner": self.partner}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "partner": self.partner}


class CertificationCreateView(PartnerRecordCreateView):
    form_class = CertificationForm
    permission_required = "certifications.add_partnercertification"
    heading = "Add a certification to {partner}"
    submit_label = "Add certification"

    def form_valid(self, form):
        form.instance.recorded_by = self.request.user
        return super().form_valid(form)

    def success_message(self, obj):
        return f"{obj.level} certification awarded on {day_label(obj.awarded_on)} added."


class TransitionCreateView(PartnerRecordCreateView):
    form_class = TransitionForm
    permission_required = "tiers.add_tiertransition"
    heading = "Record a tier transition of {partner}"
    submit_label = "Record transition"

    def form_valid(self, form):
        # The service checks the chain again under the partner's lock: another manager may
        # have changed it since the form was checked.
        data = form.cleaned_data
        return self.save_through(
            form,
            tier_services.transition_record,
            partner=self.partner,
            from_tier=data["from_tier"],
            to_tier=data["to_tier"],
            effective_on=data["effective_on"],
            reason=data["reason"],
            recorded_by=self.request.user,
        )

    def success_message(self, obj):
        return f"{obj.kind.label} to {obj.to_tier} on {day_label(obj.effective_on)} recorded."
