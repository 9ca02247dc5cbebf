"""Writes to remediation reviews (and the partner a review may end), each in one transaction.

Every service locks the rows it decides on (SELECT ... FOR UPDATE on PostgreSQL; SQLite takes
its write lock at the start of the transaction), checks them again under the lock and raises
ValidationError, writing nothing, when the write is not allowed. Forms check the same rules
earlier, for a friendly message; these checks are the ones that hold under concurrency.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from partnerprogram.models import ActionItem, Partner, RemediationReview, ReviewStatus
from partnerprogram.rules.periods import day_label

DEFAULT_REVIEW_DAYS = 30


def default_due_on(opened_on):
    """A review is due 30 days after it was opened unless its owner says otherwise."""
    return opened_on + dt.timedelta(days=DEFAULT_REVIEW_DAYS)


def open_review_for(partner, reason, *, exclude=None):
    """The partner's open (open or in progress) review for `reason`, or None."""
    reviews = RemediationReview.objects.open().filter(partner=partner, reason=reason)
    if exclude is not None:
        reviews = reviews.exclude(pk=exclude.pk)
    return reviews.order_by("pk").first()


def _duplicate_error(existing):
    return ValidationError(
        {
            "reason": ValidationError(
                "%(partner)s already has an open review for this reason (review #%(pk)s, "
                "due %(due)s); continue that one.",
                code="duplicate_open_review",
                params={
                    "partner": existing.partner,
                    "pk": existing.pk,
                    "due": day_label(existing.due_on),
                },
            )
        }
    )


def review_open(*, partner, reason, owner, due_on=None, opened_on=None, action_plan="", notes=""):
    """Open a review of `partner` for `reason`, owned by `owner`, opened on `opened_on`
    (default today) and due on `due_on` (default 30 days later).

    Raises ValidationError (code "duplicate_open_review" on the reason) when the partner
    already has an open review for that reason, or when the review breaks a rule. Returns the
    saved review."""
    opened_on = opened_on or timezone.localdate()
    with transaction.atomic():
        locked = Partner.objects.select_for_update().get(pk=partner.pk)
        existing = open_review_for(locked, reason)
        if existing:
            raise _duplicate_error(existing)
        review = RemediationReview(
            partner=locked,
            reason=reason,
            owner=owner,
            opened_on=opened_on,
            due_on=due_on or default_due_on(opened_on),
            action_plan=action_plan,
            notes=notes,
        )
        review.full_clean()
        try:
            with transaction.atomic():
                review.save()
        except IntegrityError:
            # Another session opened one between our check and our insert (no lock on
            # SQLite's readers); the partial unique index refused ours.
            raise _duplicate_error(open_review_for(locked, reason)) from None
    return review


def review_close(*, review, status, outcome, closed_on=None, end_partnership=False):
    """Close an open review with `status` (resolved, partnership reevaluated or closed
    without action), an `outcome` and a close date (default today).

    With `end_partnership` (only for "partnership reevaluated") the partner ends on the close
    date and its other open reviews are closed without action, naming this one. Raises
    ValidationError, writing nothing, when the review is already closed, the outcome is
    empty, the dates do not fit, or the partner cannot end then."""
    closed_on = closed_on or timezone.localdate()
    with transaction.atomic():
        locked = RemediationReview.objects.select_for_update().get(pk=review.pk)
        if not locked.is_open:
            raise ValidationError(
                f"This review was already closed on {day_label(locked.closed_on)} "
                f"({locked.get_status_display().lower()}); reopen it to start a new review.",
                code="already_closed",
            )
        if status not in ReviewStatus.closed_values():
            raise ValidationError({"status": "Choose how the review ends."})
        if end_partnership and status != ReviewStatus.PARTNERSHIP_REEVALUATED:
            raise ValidationError(
                {"end_partnership": "Only a reevaluated partnership can be ended here."}
            )
        if closed_on > timezone.localdate():
            raise ValidationError({"closed_on": "A review cannot be closed in the future."})
        locked.status = status
        locked.outcome = outcome.strip()
        locked.closed_on = closed_on
        locked.full_clean()
        locked.save()
        if end_partnership:
            _end_partner(locked, closed_on)
    review.refresh_from_db()
    return review


def _end_partner(review, ended_on):
    partner = Partner.objects.select_for_update().get(pk=review.partner_id)
    if partner.ended_on is not None and partner.ended_on <= ended_on:
        raise ValidationError(
            {"end_partnership": f"{partner} already ended on {day_label(partner.ended_on)}."}
        )
    later = partner.tier_transitions.filter(effective_on__gt=ended_on).order_by("effective_on")
    if first_later := later.first():
        raise ValidationError(
            {
                "end_partnership": (
                    f"{partner} has a tier transition on {day_label(first_later.effective_on)}, "
                    "after the close date; it cannot end before that."
                )
            }
        )
    partner.ended_on = ended_on
    partner.full_clean()
    partner.save(update_fields=["ended_on"])
    others = RemediationReview.objects.open().filter(partner=partner).exclude(pk=review.pk)
    for other in others.select_for_update():
        other.status = ReviewStatus.CLOSED_WITHOUT_ACTION
        other.outcome = f"The partnership ended on {day_label(ended_on)} (review #{review.pk})."
        other.closed_on = max(ended_on, other.opened_on)
        other.full_clean()
        other.save()


def review_reopen(*, review, owner, opened_on=None):
    """Reopening makes a new review: same partner, reason and action plan as the closed
    `review`, owned by `owner`, opened today (or `opened_on`) and due 30 days later, its notes
    pointing back to the closed one. Raises ValidationError when `review` is still open or
    the partner already has an open review for that reason."""
    if review.is_open:
        raise ValidationError("This review is still open; there is nothing to reopen.")
    return review_open(
        partner=review.partner,
        reason=review.reason,
        owner=owner,
        opened_on=opened_on,
        action_plan=review.action_plan,
        notes=f"Reopens review #{review.pk}, closed on {day_label(review.closed_on)}: "
        f"{review.outcome}",
    )


def _locked_open_review(pk):
    """The review `pk`, locked; ValidationError when it is closed (its action items are its
    record then, read-only)."""
    review = RemediationReview.objects.select_for_update().get(pk=pk)
    if not review.is_open:
        raise ValidationError(
            f"This review was closed on {day_label(review.closed_on)}; its action items can "
            "no longer change.",
            code="review_closed",
        )
    return review


def action_item_add(*, review, description, owner, due_on):
    """Add an action item to the open `review`: `description`, owned by `owner`, due on
    `due_on`, not done. Raises ValidationError, writing nothing, when the review is closed or
    the item breaks a rule (a due day before the review was opened). Returns the saved
    item."""
    with transaction.atomic():
        locked = _locked_open_review(review.pk)
        item = ActionItem(
            review=locked, description=description.strip(), owner=owner, due_on=due_on
        )
        item.full_clean()
        item.save()
    return item


def action_item_mark(*, item, done, done_on=None):
    """Mark `item` done (on `done_on`, default today) or not done again. Its review must be
    open. Raises ValidationError, writing nothing, when the review is closed or the day is in
    the future. Returns the item as saved."""
    with transaction.atomic():
        review = _locked_open_review(item.review_id)
        locked = ActionItem.objects.select_for_update().get(pk=item.pk)
        locked.review = review
        locked.done_on = (done_on or timezone.localdate()) if done else None
        locked.full_clean()
        locked.save(update_fields=["done_on"])
    return locked
