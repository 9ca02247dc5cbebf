"""Program tiers and the transitions of partners between them.

Record, change and delete transitions only through `tiers.services`: it keeps each partner's
chain of transitions unbroken (partnerprogram.freshness keeps the partner's current tier in
step with it).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from partnerprogram.models import WatchedModel, author_field, calendar_days, day_field
from partnerprogram.rules.periods import day_label


class Tier(WatchedModel):
    """A tier of the program; a higher rank is a deeper commitment. A tier may require a
    certification level: a partner in it without that level (or higher) is below threshold."""

    name = models.CharField(max_length=100, unique=True)
    rank = models.PositiveSmallIntegerField(
        unique=True, help_text="Higher is more advanced; each tier has its own rank."
    )
    required_level = models.ForeignKey(
        "certifications.CertificationLevel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tiers_requiring",
        help_text="The certification level a partner in this tier must hold (or higher).",
    )
    description = models.TextField(blank=True)
    benefits = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["rank"]

    def __str__(self):
        return self.name


class TransitionKind(models.TextChoices):
    ENROLLMENT = "enrollment", "Enrollment"
    ADVANCEMENT = "advancement", "Advancement"
    DOWNGRADE = "downgrade", "Downgrade"


class TierTransition(WatchedModel):
    """A partner's move into `to_tier` on `effective_on`, from `from_tier` (empty for the
    enrollment that starts the chain). The transitions of a partner, in date order, form one
    chain: each one's from tier is the tier the partner was in on the day before."""

    partner = models.ForeignKey(
        "partnerprogram.Partner", on_delete=models.PROTECT, related_name="tier_transitions"
    )
    from_tier = models.ForeignKey(
        Tier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transitions_out",
        help_text="Empty for an enrollment (the partner had no tier).",
    )
    to_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="transitions_in")
    effective_on = day_field()
    reason = models.CharField(max_length=255, blank=True)
    recorded_by = author_field()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-effective_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_tier__isnull=True) | ~Q(from_tier=F("to_tier")),
                name="transition_changes_tier",
                violation_error_message="A transition must move to a different tier.",
            ),
            models.UniqueConstraint(
                fields=["partner", "effective_on"],
                name="transition_one_per_partner_per_day",
                violation_error_message="This partner already has a tier transition on that day.",
            ),
            calendar_days("effective_on", name="transition_date_in_calendar"),
        ]
        indexes = [
            # Covers the transitions of a period and their kind (from and to tier).
            models.Index(
                fields=["effective_on", "partner", "from_tier", "to_tier"],
                name="transition_date_partner",
            ),
            # Covers "the partner's tier on a day": the latest transition on or before it.
            models.Index(
                fields=["partner", "effective_on", "to_tier"], name="transition_partner_tier"
            ),
        ]

    def __str__(self):
        moved = f"{self.from_tier or '—'} → {self.to_tier}"
        return f"{self.partner}: {moved} ({day_label(self.effective_on)})"

    def clean(self):
        super().clean()
        if self.from_tier_id and self.from_tier_id == self.to_tier_id:
            raise ValidationError({"to_tier": "A transition must move to a different tier."})
        if self.effective_on and self.effective_on > timezone.localdate():
            raise ValidationError(
                {"effective_on": "A tier transition cannot take effect in the future."}
            )

    @property
    def kind(self):
        if self.from_tier is None:
            return TransitionKind.ENROLLMENT
        if self.to_tier.rank > self.from_tier.rank:
            return TransitionKind.ADVANCEMENT
        return TransitionKind.DOWNGRADE
