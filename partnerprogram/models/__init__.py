"""The partnerprogram app's models: regions and partners (program), feedback and
remediation reviews (work), and the kept state of partnerprogram.freshness (kept). Every
model whose rows may feed a figure is a WatchedModel (watched)."""

from partnerprogram.models.kept import KeptCount, ProgramState
from partnerprogram.models.program import (
    Partner,
    PartnerQuerySet,
    PartnerType,
    Region,
    account_managers,
    author_field,
    calendar_days,
    day_field,
    user_label,
)
from partnerprogram.models.watched import WatchedModel, WatchedQuerySet, Write, observe_writes
from partnerprogram.models.work import (
    ActionItem,
    ActionItemQuerySet,
    ActionPlan,
    FeedbackChannel,
    FeedbackTopic,
    PartnerFeedback,
    RemediationReview,
    RemediationReviewQuerySet,
    ReviewReason,
    ReviewStatus,
)

__all__ = [
    "ActionItem",
    "ActionItemQuerySet",
    "ActionPlan",
    "FeedbackChannel",
    "FeedbackTopic",
    "KeptCount",
    "Partner",
    "PartnerFeedback",
    "PartnerQuerySet",
    "PartnerType",
    "ProgramState",
    "Region",
    "RemediationReview",
    "RemediationReviewQuerySet",
    "ReviewReason",
    "ReviewStatus",
    "WatchedModel",
    "WatchedQuerySet",
    "Write",
    "account_managers",
    "author_field",
    "calendar_days",
    "day_field",
    "observe_writes",
    "user_label",
]
