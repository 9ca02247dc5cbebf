"""Certification levels and the certifications partners hold."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from partnerprogram.models import (
    WatchedModel,
    WatchedQuerySet,
    author_field,
    calendar_days,
    day_field,
)
from partnerprogram.rules import days
from partnerprogram.rules.periods import EARLIEST_DAY, LATEST_DAY, add_months, day_label


class CertificationLevel(WatchedModel):
    """A level of certification; a higher rank is more advanced."""

    name = models.CharField(max_length=100, unique=True)
    rank = models.PositiveSmallIntegerField(
        unique=True, help_text="Higher is more advanced; each level has its own rank."
    )
    validity_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="How long a certification at this level stays valid; empty = never expires.",
    )
    description = models.TextField(blank=True)
    criteria = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(
                condition=Q(validity_months__isnull=True) | Q(validity_months__gt=0),
                name="level_validity_positive",
                violation_error_message="A validity is at least one month (empty: never expires).",
            ),
        ]

    def __str__(self):
        return self.name


class PartnerCertificationQuerySet(WatchedQuerySet):
    def valid_on(self, day):
        """Certifications valid on `day` (partnerprogram.rules.days)."""
        return self.filter(days.valid_on(day))


class CertificationStatus(models.TextChoices):
    VALID = "valid", "Valid"
    NOT_YET_VALID = "not_yet_valid", "Not yet valid"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class PartnerCertification(WatchedModel):
    """A certification a partner was awarded at a level. It is valid from `awarded_on` up to
    (not including) `expires_on` and `revoked_on`. An empty `expires_on` is filled from the
    level's validity on save; it stays empty only for a level that never expires."""

    partner = models.ForeignKey(
        "partnerprogram.Partner", on_delete=models.PROTECT, related_name="certifications"
    )
    level = models.ForeignKey(
        CertificationLevel, on_delete=models.PROTECT, related_name="certifications"
    )
    awarded_on = day_field()
    expires_on = day_field(
        null=True,
        blank=True,
        help_text="Leave empty to use the level's validity. Not valid from this day on.",
    )
    revoked_on = day_field(null=True, blank=True, help_text="Not valid from this day on.")
    notes = models.TextField(blank=True)
    recorded_by = author_field()

    objects = PartnerCertificationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-awarded_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "level", "awarded_on"],
                name="certification_unique_award",
                violation_error_message=(
                    "This partner already has a certification at this level awarded that day."
                ),
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=F("awarded_on")),
                name="certification_expires_after_awarded",
                violation_error_message="A certification must expire after it was awarded.",
            ),
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True) | Q(revoked_on__gte=F("awarded_on")),
                name="certification_revoked_not_before_awarded",
                violation_error_message="A certification cannot be revoked before it was awarded.",
            ),
            calendar_days(
                "awarded_on", "expires_on", "revoked_on", name="certification_dates_in_calendar"
            ),
        ]
        indexes = [
            # Point-in-time KPI queries: the certifications of a partner valid on a day.
            models.Index(
                fields=["partner", "awarded_on", "expires_on", "revoked_on", "level"],
                name="cert_partner_dates",
            ),
            models.Index(fields=["level", "awarded_on", "expires_on"], name="cert_level_dates"),
            # Cover the certifications ending near a day (at-risk, expiring, lapsed).
            models.Index(
                fields=["expires_on", "partner", "awarded_on", "revoked_on", "level"],
                name="cert_expires",
            ),
            models.Index(
                fields=["revoked_on", "partner", "awarded_on", "expires_on", "level"],
                name="cert_revoked",
            ),
        ]

    def __str__(self):
        return f"{self.partner}: {self.level} ({day_label(self.awarded_on)})"

    def save(self, *args, **kwargs):
        self.fill_default_expiry()
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        self.fill_default_expiry()
        errors = {}
        if self.awarded_on and self.expires_on and self.expires_on <= self.awarded_on:
            errors["expires_on"] = "A certification must expire after it was awarded."
        if self.awarded_on and self.revoked_on and self.revoked_on < self.awarded_on:
            errors["revoked_on"] = "A certification cannot be revoked before it was awarded."
        if self.awarded_on and self.awarded_on > timezone.localdate():
            errors["awarded_on"] = "A certification cannot be awarded in the future."
        if errors:
            raise ValidationError(errors)

    def fill_default_expiry(self):
        # A day off the calendar is its own error: no expiry is computed from it.
        in_calendar = self.awarded_on and EARLIEST_DAY <= self.awarded_on <= LATEST_DAY
        if self.expires_on is None and in_calendar and self.level_id:
            self.expires_on = self.default_expiry(self.level, self.awarded_on)

    @staticmethod
    def default_expiry(level, awarded_on):
        if level.validity_months is None:
            return None
        return add_months(awarded_on, level.validity_months)

    def status_on(self, day):
        if self.revoked_on is not None and self.revoked_on <= day:
            return CertificationStatus.REVOKED
        if self.expires_on is not None and self.expires_on <= day:
            return CertificationStatus.EXPIRED
        if self.awarded_on > day:
            return CertificationStatus.NOT_YET_VALID
        return CertificationStatus.VALID
