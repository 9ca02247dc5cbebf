"""GET /api/partners/below-threshold/?as_of=YYYY-MM-DD&page=N&page_size=M: the remediation
page's two lists for BI tools, with the same definitions (kpis.below_threshold and
kpis.at_risk), a page of each at a time: a large program has tens of thousands of partners
below threshold."""

from django.urls import reverse
from django.utils.http import urlencode

from partnerprogram import kpis
from partnerprogram.daily.partners.views import level_names
from partnerprogram.daily.remediation.forms import BelowThresholdApiForm
from partnerprogram.web.api import api_view, form_or_400
from partnerprogram.web.listing import rows_by_keys
from tiers.models import Tier


@api_view()
def below_threshold(request):
    """{"as_of", "page", "page_size", "counts", "next", "below_threshold": [...],
    "at_risk": [...]}: page `page` of each list ordered by partner name, the lists' full
    lengths in "counts", and the URL of the next page in "next" (null on the last). 400
    naming the parameter that is not a date or not a page."""
    query = form_or_400(BelowThresholdApiForm(request.GET))
    as_of, page, size = query["as_of"], query["page"], query["page_size"]
    rows = slice((page - 1) * size, page * size)
    counts = kpis.standing_counts(as_of)
    tiers = dict(Tier.objects.values_list("pk", "name"))
    levels = level_names()

    def row(partner):
        return {
            "partner": partner.name,
            "tier": tiers.get(partner.tier_on_day_id),
            "required_level": levels.get(partner.required_rank),
        }

    more = page * size < max(counts.values())
    next_query = {"as_of": as_of.isoformat(), "page": page + 1, "page_size": size}
    return {
        "as_of": as_of.isoformat(),
        "page": page,
        "page_size": size,
        "counts": counts,
        "next": f"{reverse('api-below-threshold')}?{urlencode(next_query)}" if more else None,
        "below_threshold": [
            {
                **row(partner),
                "held_level": levels.get(partner.level_rank),
                "open_review": partner.open_review_id is not None,
            }
            for partner in rows_by_keys(kpis.below_threshold(as_of).order_by("name"), rows)
        ],
        "at_risk": [
            {
                **row(partner),
                "expires_on": partner.keeps_until.isoformat(),
                "open_review": partner.open_review_id is not None,
            }
            for partner in rows_by_keys(kpis.at_risk(as_of).order_by("name"), rows)
        ],
    }
