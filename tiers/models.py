"""Program tiers and the transitions of partners between them.

Record, change and delete transitions only through `tiers.services`: it keeps each partner's
chain of transitions unbroken and `Partner.current_tier` in step.
"""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from partnerprogram.models import author_field


class Tier(models.Model):
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

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
            _forget_all()

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            _forget_all()
        return result


def tier_id_on(day):
    """Subquery: the id of the tier the outer partner was in on `day` (the to tier of its
    latest transition on or before it), or NULL."""
    return models.Subquery(
        TierTransition.objects.filter(partner=models.OuterRef("pk"), effective_on__lte=day)
        .order_by("-effective_on")
        .values("to_tier")[:1]
    )


def _forget_all():
    """A tier's rank or requirement changes every KPI figure of every day, and the stored
    qualification of its partners."""
    from partnerprogram.state import forget_snapshots, levels_state_date, refresh_levels

    forget_snapshots()
    if state_day := levels_state_date():
        refresh_levels(state_day)


def _forget_from(*days):
    """A transition changes tiers from its day on: drop the snapshots from then."""
    from partnerprogram.state import forget_snapshots

    forget_snapshots(since=min(d for d in days if d))


class TransitionKind(models.TextChoices):
    ENROLLMENT = "enrollment", "Enrollment"
    ADVANCEMENT = "advancement", "Advancement"
    DOWNGRADE = "downgrade", "Downgrade"


class TierTransition(models.Model):
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
    effective_on = models.DateField()
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
        return f"{self.partner}: {self.from_tier or '—'} → {self.to_tier} ({self.effective_on})"

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
            _forget_from(getattr(self, "_loaded_effective_on", None), self.effective_on)
        self._loaded_effective_on = self.effective_on

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            _forget_from(self.effective_on)
        return result

    def clean(self):
        super().clean()
        if self.from_tier_id and self.from_tier_id == self.to_tier_id:
            raise ValidationError({"to_tier": "A transition must move to a different tier."})
        if self.effective_on and self.effective_on > timezone.localdate():
            raise ValidationError(
                {"effective_on": "A tier transition cannot take effect in the future."}
            )

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded_effective_on = dict(zip(field_names, values, strict=True)).get(
            "effective_on"
        )
        return instance

    @property
    def kind(self):
        if self.from_tier is None:
            return TransitionKind.ENROLLMENT
        if self.to_tier.rank > self.from_tier.rank:
            return TransitionKind.ADVANCEMENT
        return TransitionKind.DOWNGRADE


class AdvancingSnapshot(models.Model):
    """The number of distinct advancing partners of a closed period, for the trend and the
    comparisons of the Tier Advancements KPI (the whole program)."""

    kind = models.CharField(max_length=10)
    start = models.DateField()
    end = models.DateField()
    advancing_partners = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "start", "end"], name="advancing_snapshot_period"
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.start}..{self.end}: {self.advancing_partners}"
