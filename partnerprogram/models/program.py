"""Regions and partners. A partner is never deleted once it has history (the foreign keys
to it PROTECT): it ends."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from partnerprogram.models.watched import WatchedModel, WatchedQuerySet
from partnerprogram.rules import days
from partnerprogram.rules.periods import (
    CALENDAR_MESSAGE,
    EARLIEST_DAY,
    LATEST_DAY,
    day_label,
    sane_date,
)


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


def day_field(**kwargs):
    """A calendar day between 1900 and 2999 (rules.periods.sane_date), as forms, the admin
    and the import check it; `calendar_days` says the same to the database."""
    return models.DateField(validators=[sane_date], **kwargs)


def calendar_days(*fields, name):
    """A constraint: each of `fields` (empty allowed) is a day between 1900 and 2999."""
    condition = Q()
    for field in fields:
        condition &= Q(**{f"{field}__isnull": True}) | Q(
            **{f"{field}__range": (EARLIEST_DAY, LATEST_DAY)}
        )
    return models.CheckConstraint(
        condition=condition, name=name, violation_error_message=CALENDAR_MESSAGE
    )


def user_label(user):
    """How a user is named on pages: full name, else username; "" for none."""
    return user.get_full_name() or user.get_username() if user else ""


class Region(WatchedModel):
    name = models.CharField(max_length=100, unique=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class PartnerType(models.TextChoices):
    RESELLER = "reseller", "Reseller"
    DISTRIBUTOR = "distributor", "Distributor"
    MSP = "msp", "Managed service provider"
    SYSTEM_INTEGRATOR = "system_integrator", "System integrator"
    REFERRAL = "referral", "Referral partner"


class PartnerQuerySet(WatchedQuerySet):
    def active_on(self, day):
        """Partners active on `day` (partnerprogram.rules.days)."""
        return self.filter(days.active_on(day))


class Partner(WatchedModel):
    """A company in the partner program. Its stored state (current tier, last tier change,
    current level, qualified until) is kept by partnerprogram.freshness from its
    transitions and certifications; nothing else writes it."""

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
    joined_on = day_field()
    ended_on = day_field(
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
    # Stored state for fast pages about today (partnerprogram.freshness): the effective day
    # of the latest tier transition, and the highest level valid on the state's day.
    tier_changed_on = models.DateField(null=True, blank=True, editable=False)
    current_level = models.ForeignKey(
        "certifications.CertificationLevel",
        on_delete=models.PROTECT,
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
    below_requirement = models.BooleanField(
        default=False,
        db_default=False,  # for bulk inserts that name only the edited columns
        editable=False,
        help_text=(
            "The current tier requires a certification level that the partner does not hold "
            "(nor a higher one), as of the last state refresh."
        ),
    )
    contact_email = models.EmailField(blank=True)
    contact_reminders = models.BooleanField(
        "Reminders to the contact",
        default=False,
        db_default=False,  # for bulk inserts that name only the other columns
        help_text="Email the contact 90, 30 and 7 days before each certification ends.",
    )
    website = models.URLField(blank=True)
    notes = models.TextField(blank=True)

    objects = PartnerQuerySet.as_manager()
    # Stored state is no edit of anybody's: the transitions and certifications it follows
    # keep their own history.
    history = HistoricalRecords(
        excluded_fields=[
            "current_tier",
            "current_level",
            "tier_changed_on",
            "qualified_until",
            "below_requirement",
        ]
    )

    class Meta:
        ordering = ["name"]
        # The deletion collector empties a deleted user's partners' account manager through
        # this manager, so that the write is watched like any other.
        base_manager_name = "objects"
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("joined_on")),
                name="partner_ended_not_before_joined",
                violation_error_message="A partner cannot end before it joined.",
            ),
            calendar_days("joined_on", "ended_on", name="partner_dates_in_calendar"),
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
            # Covers the partners below threshold today in name order: a page of them reads
            # its own index entries, not every one of them sorted.
            models.Index(fields=["below_requirement", "name", "id"], name="partner_below_name"),
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

    def get_absolute_url(self):
        return reverse("partners:detail", args=[self.pk])

    @property
    def website_link(self):
        """The website as a link target: only an http(s) address (a stored "javascript:" one,
        written around the form's validation, is shown as text, never followed)."""
        return self.website if self.website.lower().startswith(("https://", "http://")) else ""

    def clean(self):
        super().clean()
        if self.joined_on and self.ended_on and self.ended_on < self.joined_on:
            raise ValidationError(
                {
                    "ended_on": f"A partner cannot end before it joined (joined on "
                    f"{day_label(self.joined_on)})."
                }
            )


def account_managers():
    """The users who manage at least one partner, by name. An EXISTS probe per user: a
    DISTINCT over their partners read every partner of the program."""
    return (
        get_user_model()
        .objects.filter(Exists(Partner.objects.filter(account_manager=OuterRef("pk"))))
        .order_by("first_name", "last_name", "username")
    )
