"""GET /api/partners/below-threshold/?as_of=YYYY-MM-DD: the remediation page's two lists for
BI tools, with the same definitions (kpis.below_threshold and kpis.at_risk)."""

from tiers.models import Tier

from .. import kpis
from ..api import api_view, form_or_400
from ..partners.views import level_names
from .forms import AsOfForm


@api_view()
def below_threshold(request):
    """{"as_of", "below_threshold": [...], "at_risk": [...]}, each list ordered by partner
    name. 400 naming `as_of` when it is not a date."""
    as_of = form_or_400(AsOfForm(request.GET))["as_of"]
    tiers = dict(Tier.objects.values_list("pk", "name"))
    levels = level_names()

    def row(partner):
        return {
            "partner": partner.name,
            "tier": tiers.get(partner.tier_on_day_id),
            "required_level": levels.get(partner.required_rank),
        }

    return {
        "as_of": as_of.isoformat(),
        "below_threshold": [
            {
                **row(partner),
                "held_level": levels.get(partner.level_rank),
                "open_review": partner.open_review_id is not None,
            }
            for partner in kpis.below_threshold(as_of).order_by("name")
        ],
        "at_risk": [
            {
                **row(partner),
                "expires_on": partner.keeps_until.isoformat(),
                "open_review": partner.open_review_id is not None,
            }
            for partner in kpis.at_risk(as_of).order_by("name")
        ],
    }
