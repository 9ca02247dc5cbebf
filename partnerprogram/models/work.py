"""What partner managers record in their daily work: partner feedback, remediation reviews
and their action items."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from partnerprogram.models.program import Partner, author_field, calendar_days, day_field
from partnerprogram.models.watched import WatchedModel, WatchedQuerySet
from partnerprogram.rules.periods import day_label


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


class PartnerFeedback(WatchedModel):
    """What a partner told us, from a survey, a business review, an email, a call or the
    portal."""

    COMMENT_MAX_LENGTH = 2000

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="feedback")
    received_on = day_field()
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
            calendar_days("received_on", name="feedback_date_in_calendar"),
        ]
        indexes = [
            models.Index(fields=["received_on", "rating"], name="feedback_received"),
            # The latest rows in the default order, read from the index without sorting a
            # busy day's rows.
            models.Index(fields=["-received_on", "-id"], name="feedback_latest"),
            models.Index(fields=["topic", "received_on", "rating"], name="feedback_topic_received"),
        ]

    def __str__(self):
        return f"{self.partner} on {day_label(self.received_on)}: {self.get_topic_display()}"

    def clean(self):
        super().clean()
        if self.received_on and self.received_on > timezone.localdate():
            raise ValidationError({"received_on": "Feedback cannot be received in the future."})


class ReviewReason(models.TextChoices):
    CERTIFICATION_GAP = "certification_gap", "Certification gap"
    CERTIFICATION_EXPIRED = "certification_expired", "Certification expired"
    # At risk: the certification that keeps the partner above threshold ends soon.
    CERTIFICATION_EXPIRING = "certification_expiring", "Certification expiring"
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


class RemediationReviewQuerySet(WatchedQuerySet):
    def open(self):
        return self.filter(status__in=ReviewStatus.open_values())

    def overdue_on(self, day):
        return self.open().filter(due_on__lt=day)


class RemediationReview(WatchedModel):
    """A review of a partner that fell below threshold (or needs attention for another
    reason), followed until it is closed with an outcome. At most one open review per partner
    and reason."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="reviews")
    reason = models.CharField(max_length=30, choices=ReviewReason.choices)
    opened_on = day_field(default=timezone.localdate)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="remediation_reviews",
    )
    due_on = day_field()
    action_plan = models.CharField(max_length=30, choices=ActionPlan.choices, blank=True)
    notes = models.TextField(blank=True)
    status = models.CharField(
        max_length=30, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    outcome = models.TextField(blank=True)
    closed_on = day_field(null=True, blank=True)

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
            calendar_days("opened_on", "due_on", "closed_on", name="review_dates_in_calendar"),
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


class ActionItemQuerySet(WatchedQuerySet):
    def not_done(self):
        return self.filter(done_on__isnull=True)

    def overdue_on(self, day):
        """Items still to do on `day` that were due before it, on reviews still open (a
        closed review's items are its record, no longer work)."""
        return self.not_done().filter(due_on__lt=day, review__status__in=ReviewStatus.open_values())


class ActionItem(WatchedModel):
    """A dated step of a remediation review: what is to be done, by whom, by when, and the
    day it was done (empty: not done yet)."""

    DESCRIPTION_MAX_LENGTH = 200

    review = models.ForeignKey(
        RemediationReview, on_delete=models.PROTECT, related_name="action_items"
    )
    description = models.CharField(max_length=DESCRIPTION_MAX_LENGTH)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="action_items"
    )
    due_on = day_field()
    done_on = day_field(null=True, blank=True, help_text="Empty while the item is not done.")

    objects = ActionItemQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        # Not done first, soonest due first; then the done ones.
        ordering = [F("done_on").asc(nulls_first=True), "due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(description=""),
                name="action_item_description_required",
                violation_error_message="An action item needs a description.",
            ),
            calendar_days("due_on", "done_on", name="action_item_dates_in_calendar"),
        ]
        indexes = [
            # The dashboard counts the overdue ones: only the items not done are read.
            models.Index(
                fields=["due_on"],
                condition=Q(done_on__isnull=True),
                name="action_item_not_done_due",
            ),
        ]

    def __str__(self):
        return f"{self.description} (due {self.due_on:%Y-%m-%d})"

    def get_absolute_url(self):
        return f"{self.review.get_absolute_url()}#action-{self.pk}"

    def clean(self):
        super().clean()
        errors = {}
        if self.description is not None and not self.description.strip():
            errors["description"] = "An action item needs a description."
        if self.due_on and self.review_id is not None:
            opened_on = self.review.opened_on
            if opened_on and self.due_on < opened_on:
                errors["due_on"] = (
                    f"An action item cannot be due before its review was opened "
                    f"({day_label(opened_on)})."
                )
        if self.done_on and self.done_on > timezone.localdate():
            errors["done_on"] = "An action item cannot be done in the future."
        if errors:
            raise ValidationError(errors)

    @property
    def is_done(self):
        return self.done_on is not None

    def is_overdue_on(self, day):
        return not self.is_done and self.due_on < day
