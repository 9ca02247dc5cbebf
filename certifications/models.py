"""Certification levels and the certifications partners hold."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from partnerprogram.models import author_field
from partnerprogram.rules.periods import add_months


class CertificationLevelQuerySet(models.QuerySet):
    def target(self):
        """The level the program steers by: settings.KPI_TARGET_LEVEL by name, or the
        lowest-ranked level when that setting is empty. None when there are no levels."""
        if settings.KPI_TARGET_LEVEL:
            return self.filter(name__iexact=settings.KPI_TARGET_LEVEL).first()
        return self.order_by("rank").first()


class CertificationLevel(models.Model):
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

    objects = CertificationLevelQuerySet.as_manager()
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

    def save(self, *args, **kwargs):
        from partnerprogram.state import forget_snapshots, levels_state_date, refresh_levels

        with transaction.atomic():
            super().save(*args, **kwargs)
            forget_snapshots()  # a rank decides every partner's level on every day
            if state_day := levels_state_date():
                refresh_levels(state_day)

    def delete(self, *args, **kwargs):
        from partnerprogram.state import forget_snapshots

        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            forget_snapshots()
        return result


class PartnerCertificationQuerySet(models.QuerySet):
    def valid_on(self, day):
        """Certifications valid on `day`: awarded on or before it, and neither expired nor
        revoked on or before it."""
        return self.filter(awarded_on__lte=day).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gt=day),
            Q(revoked_on__isnull=True) | Q(revoked_on__gt=day),
        )


class CertificationStatus(models.TextChoices):
    VALID = "valid", "Valid"
    NOT_YET_VALID = "not_yet_valid", "Not yet valid"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class PartnerCertification(models.Model):
    """A certification a partner was awarded at a level. It is valid from `awarded_on` up to
    (not including) `expires_on` and `revoked_on`. An empty `expires_on` is filled from the
    level's validity on save; it stays empty only for a level that never expires."""

    partner = models.ForeignKey(
        "partnerprogram.Partner", on_delete=models.PROTECT, related_name="certifications"
    )
    level = models.ForeignKey(
        CertificationLevel, on_delete=models.PROTECT, related_name="certifications"
    )
    awarded_on = models.DateField()
    expires_on = models.DateField(
        null=True,
        blank=True,
        help_text="Leave empty to use the level's validity. Not valid from this day on.",
    )
    revoked_on = models.DateField(null=True, blank=True, help_text="Not valid from this day on.")
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
        return f"{self.partner}: {self.level} ({self.awarded_on:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        self.fill_default_expiry()
        with transaction.atomic():
            super().save(*args, **kwargs)
            self._changed(getattr(self, "_loaded_awarded_on", None))
        self._loaded_awarded_on = self.awarded_on

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            self._changed(None)
        return result

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded_awarded_on = dict(zip(field_names, values, strict=True)).get("awarded_on")
        return instance

    def _changed(self, previous_award):
        """Keep the partner's stored level and the KPI snapshots true, in this transaction:
        the certification counts from the day it was (or had been) awarded."""
        from partnerprogram.state import forget_snapshots, refresh_partner_level

        refresh_partner_level(self.partner_id)
        days = [d for d in (previous_award, self.awarded_on) if d]
        forget_snapshots(since=min(days), tiers=False)

    def clean(self):
        super().clean()
        self.fill_default_expiry()
        errors = {}
        if self.awarded_on and self.expires_on and self.expires_on <= self.awarded_on:
            errors["expires_on"] = "A certification must expire after it was awarded."
        if self.awarded_on and self.revoked_on and self.revoked_on < self.awarded_on:
            errors["revoked_on"] = "A certification cannot be revoked before it was awarded."
        if errors:
            raise ValidationError(errors)

    def fill_default_expiry(self):
        if self.expires_on is None and self.awarded_on and self.level_id:
            self.expires_on = self.default_expiry(self.level, self.awarded_on)

    @staticmethod
    def default_expiry(level, awarded_on):
        if level.validity_months is None:
            return None
        return add_months(awarded_on, level.validity_months)

    def is_valid_on(self, day):
        return (
            self.awarded_on <= day
            and (self.expires_on is None or day < self.expires_on)
            and (self.revoked_on is None or day < self.revoked_on)
        )

    def status_on(self, day):
        if self.revoked_on is not None and self.revoked_on <= day:
            return CertificationStatus.REVOKED
        if self.expires_on is not None and self.expires_on <= day:
            return CertificationStatus.EXPIRED
        if self.awarded_on > day:
            return CertificationStatus.NOT_YET_VALID
        return CertificationStatus.VALID


class LevelSnapshot(models.Model):
    """One cell of the Certification Levels cube of a closed day: the partners active that
    day with this region, partner type, account manager, tier on the day and highest level
    held (rank empty: not certified). Every figure of the day, for any segment, is a sum of
    cells. A row with no region marks the day as computed (it may have no partner at all).
    Keys are plain values: a change to a level or tier drops all snapshots (see
    certifications.cube)."""

    as_of = models.DateField()
    region_id = models.BigIntegerField(null=True)
    partner_type = models.CharField(max_length=20, blank=True)
    account_manager_id = models.BigIntegerField(null=True)
    tier_id = models.BigIntegerField(null=True)
    level_rank = models.PositiveSmallIntegerField(null=True)
    partners = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["as_of"], name="level_snapshot_day")]
        constraints = [
            models.UniqueConstraint(
                fields=["as_of"],
                condition=Q(region_id__isnull=True),
                name="level_snapshot_one_marker_per_day",
            )
        ]

    def __str__(self):
        return f"{self.as_of}: {self.partners}"
