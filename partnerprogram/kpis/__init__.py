"""The partnerprogram app's figures: where partners stand against their tier's requirement
(standing), and the daily work's summaries (work)."""

from partnerprogram.kpis.standing import (
    CERTIFICATION_REASONS,
    STANDING_ORDER,
    Standing,
    at_risk,
    at_risk_horizon,
    below_threshold,
    review_reason_for,
    standing_condition,
    standing_counts,
    with_standing,
    with_standing_in,
)
from partnerprogram.kpis.work import (
    RECENT_FEEDBACK,
    DashboardWork,
    FeedbackSummary,
    SegmentAlert,
    TopicAverage,
    dashboard_work,
    feedback_summary,
    partner_count,
    segment_alerts,
)

__all__ = [
    "CERTIFICATION_REASONS",
    "RECENT_FEEDBACK",
    "STANDING_ORDER",
    "DashboardWork",
    "FeedbackSummary",
    "SegmentAlert",
    "Standing",
    "TopicAverage",
    "at_risk",
    "at_risk_horizon",
    "below_threshold",
    "dashboard_work",
    "feedback_summary",
    "partner_count",
    "review_reason_for",
    "segment_alerts",
    "standing_condition",
    "standing_counts",
    "with_standing",
    "with_standing_in",
]
