"""Segments of the partner program: the filters every KPI takes (region, partner type, tier,
account manager) and the dimensions KPI breakdowns group by."""

from dataclasses import dataclass

from django.conf import settings
from django.db import models

from partnerprogram.models import PartnerType, user_label
from partnerprogram.rules import days
from tiers.models import TierTransition


@dataclass(frozen=True)
class Segment:
    """A slice of the partners; an empty criterion means "all". `tier` means the partner's
    tier on the KPI's date (for a period, on its last day)."""

    region: "models.Model | None" = None
    partner_type: str | None = None
    tier: "models.Model | None" = None
    account_manager: "settings.AUTH_USER_MODEL | None" = None

    def __bool__(self):
        return any((self.region, self.partner_type, self.tier, self.account_manager))

    def as_params(self):
        """The segment as URL query parameters (names, keys and usernames)."""
        params = {
            "region": self.region.name if self.region else None,
            "partner_type": self.partner_type,
            "tier": self.tier.name if self.tier else None,
            "account_manager": self.account_manager.get_username()
            if self.account_manager
            else None,
        }
        return {key: value for key, value in params.items() if value}

    def describe(self):
        parts = []
        if self.region:
            parts.append(f"region {self.region}")
        if self.partner_type:
            parts.append(PartnerType(self.partner_type).label.lower() + "s")
        if self.tier:
            parts.append(f"tier {self.tier}")
        if self.account_manager:
            parts.append(f"managed by {user_label(self.account_manager)}")
        return ", ".join(parts) or "all partners"


ALL = Segment()


def in_segment(partners, segment, day, *, stored=False):
    """`partners` (a Partner queryset) of `segment`; the tier criterion is the partner's
    tier on `day` (its stored current tier when `stored`, for today)."""
    filters = {
        "region": segment.region,
        "partner_type": segment.partner_type,
        "account_manager": segment.account_manager,
    }
    partners = partners.filter(**{key: value for key, value in filters.items() if value})
    if segment.tier and stored:
        return partners.filter(current_tier=segment.tier)
    if segment.tier:
        return partners.annotate(tier_on_day_id=days.tier_on(day, TierTransition.objects)).filter(
            tier_on_day_id=segment.tier.pk
        )
    return partners


class Dimension(models.TextChoices):
    """What a breakdown groups partners by."""

    REGION = "region", "Region"
    PARTNER_TYPE = "partner_type", "Partner type"
    TIER = "tier", "Tier"
    ACCOUNT_MANAGER = "account_manager", "Account manager"
