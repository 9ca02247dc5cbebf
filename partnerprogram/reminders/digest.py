"""The digest of an account manager's work: a list of sections, each a function that takes
the day and the users and answers every user at once in a fixed number of queries, however
many partners they manage. A section joins the digest (and the "My work" page) by one entry
in SECTIONS; tier review proposals and quiet partners will be two more.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.urls import reverse

from certifications.models import PartnerCertification
from partnerprogram.kpis.standing import below_threshold
from partnerprogram.models import RemediationReview, ReviewReason
from partnerprogram.rules import days
from partnerprogram.rules.periods import day_label
from tiers.models import TierTransition

ENDING_WITHIN = (7, 30, 90)  # days: a certification's milestones, nearest first
NEWLY_BELOW_DAYS = 7  # a partner fell below threshold at most this many days ago
REVIEWS_DUE_WITHIN = 7  # days


@dataclass(frozen=True)
class Item:
    """One line of a section: what (`label`), its detail, and the page behind it."""

    label: str
    detail: str
    path: str


@dataclass(frozen=True)
class Section:
    """A titled list of items: the first `limit` of them (None: all), and how many more."""

    title: str
    items: tuple
    more: int = 0

    @classmethod
    def of(cls, title, items, limit):
        shown = items[:limit] if limit is not None else items
        return cls(title, tuple(shown), len(items) - len(shown))


def certifications_ending(today, user_ids, limit=None):
    """{user: [Section]}: the certifications of their active partners that end within 7,
    30 and 90 days (a section each, nearest first), unless the partner holds another at the
    same level or higher that lasts longer (it renewed)."""
    rows = (
        ending_certifications(today, max(ENDING_WITHIN))
        .filter(partner__account_manager_id__in=user_ids)
        .values("ends", "partner_id", "partner__name", "level__name", "partner__account_manager_id")
        .order_by("ends", "partner__name", "level__name")
    )
    found = defaultdict(lambda: defaultdict(list))
    for row in rows:
        days_left = (row["ends"] - today).days
        window = next(window for window in ENDING_WITHIN if days_left <= window)
        found[row["partner__account_manager_id"]][window].append(
            Item(
                label=f"{row['partner__name']}: {row['level__name']}",
                detail=f"ends on {day_label(row['ends'])}, in {_days(days_left)}",
                path=reverse("partners:detail", args=[row["partner_id"]]),
            )
        )
    return {
        user: [
            Section.of(f"Certifications ending within {window} days", windows[window], limit)
            for window in ENDING_WITHIN
            if windows[window]
        ]
        for user, windows in found.items()
    }


def ending_certifications(today, within):
    """Certifications of active partners, valid today, that end (expire or are revoked)
    within `within` days and are not outlasted by another of their partner's at the same
    level or higher; annotated with `ends`."""
    certifications = PartnerCertification.objects.annotate(ends=days.ends_on())
    outlasting = certifications.filter(
        days.valid_on(today),
        partner=OuterRef("partner"),
        level__rank__gte=OuterRef("level__rank"),
    ).filter(Q(ends__isnull=True) | Q(ends__gt=OuterRef("ends")))
    return (
        certifications.filter(days.valid_on(today), days.active_on(today, "partner__"))
        .filter(ends__gt=today, ends__lte=today + dt.timedelta(days=within))
        .exclude(Exists(outlasting))
    )


def newly_below_threshold(today, user_ids, limit=None):
    """{user: [Section]}: their partners below threshold today whose failing stretch began
    in the last NEWLY_BELOW_DAYS days (PRODUCT.md: the later of the day the partner entered
    its tier and the day its last certification at the required level stopped being
    valid)."""
    since = today - dt.timedelta(days=NEWLY_BELOW_DAYS)
    lapsed_on = (
        PartnerCertification.objects.filter(
            partner=OuterRef("pk"), level__rank__gte=OuterRef("required_rank")
        )
        .annotate(ends=days.ends_on())
        .filter(ends__lte=today)
        .order_by("-ends")
        .values("ends")[:1]
    )
    partners = (
        below_threshold(today)
        .filter(account_manager_id__in=user_ids)
        .annotate(
            entered_on=days.tier_on(today, TierTransition.objects, value="effective_on"),
            lapsed_on=Subquery(lapsed_on),
        )
        .filter(Q(entered_on__gt=since) | Q(lapsed_on__gt=since))
        .values("pk", "name", "account_manager_id", "entered_on", "lapsed_on")
        .order_by("name")
    )
    found = defaultdict(list)
    for row in partners:
        began = max(day for day in (row["entered_on"], row["lapsed_on"]) if day)
        found[row["account_manager_id"]].append(
            Item(
                label=row["name"],
                detail=f"below threshold since {day_label(began)}",
                path=reverse("partners:detail", args=[row["pk"]]),
            )
        )
    return {
        user: [Section.of("Partners newly below threshold", items, limit)]
        for user, items in found.items()
    }


def reviews_due(today, user_ids, limit=None):
    """{user: [Section]}: open remediation reviews overdue or due within REVIEWS_DUE_WITHIN
    days that the user owns or whose partner they manage."""
    reviews = (
        RemediationReview.objects.open()
        .filter(due_on__lte=today + dt.timedelta(days=REVIEWS_DUE_WITHIN))
        .filter(Q(owner_id__in=user_ids) | Q(partner__account_manager_id__in=user_ids))
        .values("pk", "due_on", "reason", "owner_id", "partner__name")
        .annotate(manager_id=F("partner__account_manager_id"))
        .order_by("due_on", "partner__name", "pk")
    )
    found = defaultdict(lambda: {"overdue": [], "due": []})
    for row in reviews:
        late = row["due_on"] < today
        days_apart = abs((row["due_on"] - today).days)
        item = Item(
            label=f"{row['partner__name']}: {ReviewReason(row['reason']).label}",
            detail=(
                f"overdue by {_days(days_apart)} (due {day_label(row['due_on'])})"
                if late
                else f"due on {day_label(row['due_on'])}, in {_days(days_apart)}"
            ),
            path=reverse("remediation:review-detail", args=[row["pk"]]),
        )
        for user in {row["owner_id"], row["manager_id"]} & set(user_ids):
            found[user]["overdue" if late else "due"].append(item)
    titles = {
        "overdue": "Reviews overdue",
        "due": f"Reviews due within {REVIEWS_DUE_WITHIN} days",
    }
    return {
        user: [Section.of(titles[key], items, limit) for key, items in kinds.items() if items]
        for user, kinds in found.items()
    }


def _days(count):
    return "1 day" if count == 1 else f"{count} days"


# The digest's sections, in the order it shows them.
SECTIONS = (reviews_due, newly_below_threshold, certifications_ending)


def digests(today, user_ids, limit=None):
    """{user id: [Section]} of every user in `user_ids` with something to do (users with
    nothing are left out), each section with its first `limit` items (None: all): a fixed
    number of queries."""
    user_ids = list(user_ids)
    found = defaultdict(list)
    for section in SECTIONS:
        for user, sections in section(today, user_ids, limit).items():
            found[user].extend(sections)
    return dict(found)
