"""Regions, partners, partner feedback and remediation reviews.

Certifications live in the `certifications` app and tiers in `tiers`; a partner is never
deleted once it has history (the foreign keys to it PROTECT): it ends.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords


def author_field():
    """Who recorded a row: set from the logged-in user, kept when the user is deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )


class Region(models.Model):
    name = models.CharField(max_length=100, unique=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ProgramState(models.Model):
    """When stored state was last made true: `key` "levels" holds the day for which every
    partner's `current_level` was computed; `key` "snapshots" counts in `version` the writes
    that dropped KPI snapshots, the last on `as_of` (see partnerprogram.state)."""

    key = models.CharField(max_length=30, primary_key=True)
    as_of = models.DateField()
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"{self.key} as of {self.as_of}"


class FigureSnapshot(models.Model):
    """KPI figures of one day as they were computed (JSON), kept until a write dated on or
    before that day drops them (partnerprogram.state.remembered): today's risk and standing
    counts, a period's stagnant partners by tier."""

    as_of = models.DateField()
    name = models.CharField(max_length=60)
    figures = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["as_of", "name"], name="figure_snapshot_day_name")
        ]

    def __str__(self):
        return f"{self.name} on {self.as_of}"


class PartnerType(models.TextChoices):
    RESELLER = "reseller", "Reseller"
    DISTRIBUTOR = "distributor", "Distributor"
    MSP = "msp", "Managed service provider"
    SYSTEM_INTEGRATOR = "system_integrator", "System integrator"
    REFERRAL = "referral", "Referral partner"


class PartnerQuerySet(models.QuerySet):
    def active_on(self, day):
        """Partners active on `day`: joined on or before it and not ended on or before it."""
        return self.filter(joined_on__lte=day).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=day)
        )

    def with_tier_on(self, day):
        """Annotate `tier_on_day_id`: the tier the partner was in on `day` (the to tier of its
        latest transition on or before it), or None."""
        from tiers.models import tier_id_on

        return self.annotate(tier_on_day_id=tier_id_on(day))

    def in_segment(self, segment, day, *, stored=False):
        """Partners of `segment` (a partnerprogram.segments.Segment); the tier criterion is the
        partner's tier on `day` (its stored current tier when `stored`, for today)."""
        filters = {
            "region": segment.region,
            "partner_type": segment.partner_type,
            "account_manager": segment.account_manager,
        }
        queryset = self.filter(**{key: value for key, value in filters.items() if value})
        if segment.tier and stored:
            queryset = queryset.filter(current_tier=segment.tier)
        elif segment.tier:
            queryset = queryset.with_tier_on(day).filter(tier_on_day_id=segment.tier.pk)
        return queryset


class Partner(models.Model):
    """A company in the partner program. `current_tier` is kept in step with the tier
    transitions by `tiers.services`; never edit it by hand."""

    name = models.CharField(max_length=200, unique=True)
    partner_type = models.CharField(max_length=20, choices=PartnerType.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="partners")
    country = models.CharField(max_length=100, blank=True)
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_partners",
    )
    joined_on = models.DateField()
    ended_on = models.DateField(
        null=True, blank=True, help_text="The day the partner left the program; empty while active."
    )
    current_tier = models.ForeignKey(
        "tiers.Tier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="current_partners",
        help_text="Kept in step with the partner's tier transitions.",
    )
    # Stored state for fast pages about today (see partnerprogram.state): the effective day
    # of the latest tier transition, and the highest level valid on the state's day.
    tier_changed_on = models.DateField(null=True, blank=True, editable=False)
    current_level = models.ForeignKey(
        "certifications.CertificationLevel",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text="The highest certification level held, as of the last state refresh.",
    )
    qualified_until = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text=(
            "The day the certifications meeting the current tier's requirement stop being "
            "valid, as of the last state refresh (empty: one never ends, or none held)."
        ),
    )
    contact_email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    notes = models.TextField(blank=True)

    objects = PartnerQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["current_level", "tier_changed_on", "qualified_until"]
    )

    # The fields whose change makes stored KPI snapshots of earlier days wrong.
    SNAPSHOT_FIELDS = ("joined_on", "ended_on", "region_id", "partner_type", "account_manager_id")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("joined_on")),
                name="partner_ended_not_before_joined",
                violation_error_message="A partner cannot end before it joined.",
            ),
        ]
        indexes = [
            models.Index(fields=["joined_on", "ended_on"], name="partner_active_dates"),
            # Covers the stagnant partners of today: per tier, their last change and dates.
            models.Index(
                fields=["current_tier", "tier_changed_on", "joined_on", "ended_on"],
                name="partner_tier_changed",
            ),
            # Covers the partners below threshold today: per tier, those at a lower level.
            models.Index(
                fields=["current_tier", "current_level", "joined_on", "ended_on"],
                name="partner_standing",
            ),
            # Covers the partners at risk today: those whose qualification ends soon.
            models.Index(fields=["qualified_until"], name="partner_qualified_until"),
            # Covers a partner list filtered by region, in name order.
            models.Index(fields=["region", "name"], name="partner_region_name"),
            # Covers the partner list's pages in name order: a deep page skips index entries
            # only (on PostgreSQL the unique index on name alone would visit every row).
            models.Index(fields=["name", "id"], name="partner_name_keys"),
            # Covers today's Certification Levels cube: a GROUP BY that walks it in order.
            models.Index(
                fields=[
                    "region",
                    "partner_type",
                    "account_manager",
                    "current_tier",
                    "current_level",
                    "joined_on",
                    "ended_on",
                ],
                name="partner_cube",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # A changed date or segment makes the KPI snapshots of the days it touches stale;
        # they are dropped in the same transaction, so no page shows a stale figure.
        from partnerprogram.state import forget_snapshots

        loaded = getattr(self, "_loaded", {})
        changed = [f for f in self.SNAPSHOT_FIELDS if f in loaded and loaded[f] != getattr(self, f)]
        with transaction.atomic():
            super().save(*args, **kwargs)
            if not loaded:
                forget_snapshots(since=self.joined_on)
            elif changed:
                dates = [
                    d
                    for f in ("joined_on", "ended_on")
                    if f in changed
                    for d in (loaded[f], getattr(self, f))
                    if d
                ]
                segments_changed = any(f.endswith("_id") or f == "partner_type" for f in changed)
                forget_snapshots(since=None if segments_changed else min(dates))
            self._loaded = {f.attname: getattr(self, f.attname) for f in self._meta.concrete_fields}

    def get_absolute_url(self):
        return reverse("partners:detail", args=[self.pk])

    def delete(self, *args, **kwargs):
        # Only a partner without history can go (PROTECT); it still counted as active.
        from partnerprogram.state import forget_snapshots

        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            forget_snapshots(since=self.joined_on)
        return result

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded = dict(zip(field_names, values, strict=True))
        return instance

    def clean(self):
        super().clean()
        if self.joined_on and self.ended_on and self.ended_on < self.joined_on:
            raise ValidationError(
                {
                    "ended_on": f"A partner cannot end before it joined (joined on "
                    f"{self.joined_on.isoformat()})."
                }
            )

    def is_active_on(self, day):
        return self.joined_on <= day and (self.ended_on is None or self.ended_on > day)


class FeedbackChannel(models.TextChoices):
    SURVEY = "survey", "Survey"
    QBR = "qbr", "Quarterly business review"
    EMAIL = "email", "Email"
    CALL = "call", "Call"
    PORTAL = "portal", "Portal"


class FeedbackTopic(models.TextChoices):
    CERTIFICATION_PROCESS = "certification_process", "Certification process"
    TRAINING = "training", "Training"
    PROGRAM_BENEFITS = "program_benefits", "Program benefits"
    TIER_CRITERIA = "tier_criteria", "Tier criteria"
    SUPPORT = "support", "Support"
    TOOLS = "tools", "Tools"
    OTHER = "other", "Other"


class PartnerFeedback(models.Model):
    """What a partner told us, from a survey, a business review, an email, a call or the
    portal."""

    COMMENT_MAX_LENGTH = 2000

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="feedback")
    received_on = models.DateField()
    channel = models.CharField(max_length=20, choices=FeedbackChannel.choices)
    topic = models.CharField(max_length=30, choices=FeedbackTopic.choices)
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 (very dissatisfied) to 5 (very satisfied).",
    )
    comment = models.TextField(max_length=COMMENT_MAX_LENGTH)
    follow_up_needed = models.BooleanField(default=False)
    logged_by = author_field()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = "partner feedback"
        verbose_name_plural = "partner feedback"
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5),
                name="feedback_rating_1_to_5",
                violation_error_message="A rating is from 1 to 5.",
            ),
            models.CheckConstraint(
                condition=~Q(comment=""),
                name="feedback_comment_required",
                violation_error_message="Feedback needs a comment.",
            ),
        ]
        indexes = [
            models.Index(fields=["received_on", "rating"], name="feedback_received"),
            models.Index(fields=["topic", "received_on", "rating"], name="feedback_topic_received"),
        ]

    def __str__(self):
        return f"{self.partner} on {self.received_on:%Y-%m-%d}: {self.get_topic_display()}"

    def clean(self):
        super().clean()
        if self.received_on and self.received_on > timezone.localdate():
            raise ValidationError({"received_on": "Feedback cannot be received in the future."})


class ReviewReason(models.TextChoices):
    CERTIFICATION_GAP = "certification_gap", "Certification gap"
    CERTIFICATION_EXPIRED = "certification_expired", "Certification expired"
    SEGMENT_BELOW_THRESHOLD = "segment_below_threshold", "Segment below threshold"
    TIER_STAGNATION = "tier_stagnation", "Tier stagnation"
    FEEDBACK_ESCALATION = "feedback_escalation", "Feedback escalation"
    OTHER = "other", "Other"


class ActionPlan(models.TextChoices):
    ADDITIONAL_TRAINING = "additional_training", "Additional training"
    ENABLEMENT_SUPPORT = "enablement_support", "Enablement support"
    CERTIFICATION_RENEWAL = "certification_renewal", "Certification renewal"
    REEVALUATE_PARTNERSHIP = "reevaluate_partnership", "Reevaluate partnership"


class ReviewStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    RESOLVED = "resolved", "Resolved"
    PARTNERSHIP_REEVALUATED = "partnership_reevaluated", "Partnership reevaluated"
    CLOSED_WITHOUT_ACTION = "closed_without_action", "Closed without action"

    @classmethod
    def open_values(cls):
        return [cls.OPEN, cls.IN_PROGRESS]

    @classmethod
    def closed_values(cls):
        return [cls.RESOLVED, cls.PARTNERSHIP_REEVALUATED, cls.CLOSED_WITHOUT_ACTION]


class RemediationReviewQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=ReviewStatus.open_values())

    def overdue_on(self, day):
        return self.open().filter(due_on__lt=day)


class RemediationReview(models.Model):
    """A review of a partner that fell below threshold (or needs attention for another
    reason), followed until it is closed with an outcome. At most one open review per partner
    and reason."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="reviews")
    reason = models.CharField(max_length=30, choices=ReviewReason.choices)
    opened_on = models.DateField(default=timezone.localdate)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="remediation_reviews",
    )
    due_on = models.DateField()
    action_plan = models.CharField(max_length=30, choices=ActionPlan.choices, blank=True)
    notes = models.TextField(blank=True)
    status = models.CharField(
        max_length=30, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    outcome = models.TextField(blank=True)
    closed_on = models.DateField(null=True, blank=True)

    objects = RemediationReviewQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "reason"],
                condition=Q(status__in=["open", "in_progress"]),
                name="review_one_open_per_partner_and_reason",
                violation_error_message="This partner already has an open review for this reason.",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("opened_on")),
                name="review_due_not_before_opened",
                violation_error_message="A review cannot be due before it was opened.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status__in=["open", "in_progress"], closed_on__isnull=True)
                    | (
                        Q(
                            status__in=[
                                "resolved",
                                "partnership_reevaluated",
                                "closed_without_action",
                            ]
                        )
                        & ~Q(outcome="")
                        & Q(closed_on__isnull=False)
                        & Q(closed_on__gte=F("opened_on"))
                    )
                ),
                name="review_closed_has_outcome_and_date",
                violation_error_message=(
                    "A closed review needs an outcome and a close date on or after it was "
                    "opened; an open one has no close date."
                ),
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="review_status_due")]

    def __str__(self):
        return f"{self.partner}: {self.get_reason_display()} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("remediation:review-detail", args=[self.pk])

    def clean(self):
        super().clean()
        errors = {}
        if self.opened_on and self.due_on and self.due_on < self.opened_on:
            errors["due_on"] = "A review cannot be due before it was opened."
        if self.is_closed:
            if not self.outcome.strip():
                errors["outcome"] = "Closing a review needs an outcome."
            if self.closed_on is None:
                errors["closed_on"] = "A closed review needs a close date."
            elif self.opened_on and self.closed_on < self.opened_on:
                errors["closed_on"] = "A review cannot be closed before it was opened."
        elif self.closed_on is not None:
            errors["closed_on"] = "An open review has no close date."
        if errors:
            raise ValidationError(errors)

    @property
    def is_open(self):
        return self.status in ReviewStatus.open_values()

    @property
    def is_closed(self):
        return self.status in ReviewStatus.closed_values()

    def is_overdue_on(self, day):
        return self.is_open and self.due_on < day


def user_label(user):
    """How a user is named on pages: full name, else username; "" for none."""
    return user.get_full_name() or user.get_username() if user else ""


def account_managers():
    """The users who manage at least one partner, by name. An EXISTS probe per user: a
    DISTINCT over their partners read every partner of the program."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(Exists(Partner.objects.filter(account_manager=OuterRef("pk"))))
        .order_by("first_name", "last_name", "username")
    )
