"""The Certification Levels KPI card, built from figures already computed (no query)."""

from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode

from partnerprogram.rules.bands import Band
from partnerprogram.rules.periods import day_label
from partnerprogram.segments import Dimension
from partnerprogram.web.kpicard import KpiCard, Question, Warning

LEVERS = (
    "Review the certification criteria regularly, so that they stay clear and current.",
    "Offer targeted training to the segments and partners below the target.",
    "Simplify the certification process, so that partners do not disengage.",
    "Open feedback channels on the certification process and act on what partners say.",
)


def drill_down_url(as_of, show, level=None, params=None):
    query = {"as_of": as_of.isoformat(), "show": show, **(params or {})}
    if level is not None:
        query["level"] = level
    return f"{reverse('certifications:kpi-partners')}?{urlencode(query)}"


def _percent(value):
    return "undefined" if value is None else f"{value}%"


def _segments_in_action(figures, rows):
    """(label, figure, url) of the breakdown rows in Action required at the target level."""
    target = figures.target
    return tuple(
        (
            row.label,
            _percent(row.figures.target.cumulative_percent),
            drill_down_url(figures.as_of, "cumulative", target.name, row.params),
        )
        for row in rows
        if row.band == Band.ACTION_REQUIRED
    )


def certification_card(figures, breakdowns, risks, feedback):
    """`figures`: CertificationLevels; `breakdowns`: {Dimension: rows}; `risks`:
    CertificationRisks; `feedback`: {"count", "average"} on the certification process over
    the last 12 months."""
    good = settings.KPI_GOOD_STANDING_PERCENT
    exemplary = settings.KPI_EXEMPLARY_PERCENT
    target = figures.target
    target_name = target.name if target else "the target level"
    warnings = []
    questions = []
    if not figures.is_defined:
        warnings.append(
            Warning(
                f"No partner is active on {day_label(figures.as_of)}: the rate is undefined.",
                "info",
            )
        )
    elif figures.band == Band.ACTION_REQUIRED:
        warnings.append(
            Warning(
                f"Only {target.cumulative_percent}% of active partners are certified at "
                f"{target_name} or higher: below {good}%, immediate action is required.",
                "danger",
            )
        )
    if risks.expiring_certifications:
        warnings.append(
            Warning(
                f"{risks.expiring_certifications} certifications held by "
                f"{risks.expiring_partners} partners expire in the next {risks.window_days} "
                "days: stale assessments ahead.",
                url=reverse("remediation:overview") + f"?as_of={figures.as_of.isoformat()}",
            )
        )
    if risks.lapsed_partners:
        warnings.append(
            Warning(
                f"{risks.lapsed_partners} partners ({risks.lapsed_percent}% of active "
                "partners) let their certification lapse in the last quarter."
            )
        )
    for dimension in (Dimension.REGION, Dimension.PARTNER_TYPE, Dimension.ACCOUNT_MANAGER):
        if not target:
            break
        items = _segments_in_action(figures, breakdowns[dimension])
        if items:
            names = ", ".join(f"{label} ({figure})" for label, figure, _ in items)
            warnings.append(Warning(f"{dimension.label} in Action required: {names}.", "danger"))
        plural = {
            Dimension.REGION: "Which regions",
            Dimension.PARTNER_TYPE: "Which partner types",
            Dimension.ACCOUNT_MANAGER: "Whose partners (by account manager)",
        }[dimension]
        questions.append(
            Question(
                f"{plural} are below {good}% at {target_name}?",
                f"{len(items)} of {len(breakdowns[dimension])}." if items else "None.",
                items,
            )
        )
    if figures.is_defined:
        questions.append(
            Question(
                "How many active partners hold no valid certification?",
                f"{figures.not_certified} of {figures.active_partners} "
                f"({figures.not_certified_percent}%).",
                (
                    (
                        "See them",
                        figures.not_certified,
                        drill_down_url(figures.as_of, "not_certified"),
                    ),
                ),
            )
        )
    questions.append(
        Question(
            f"Are assessments current? How many certifications expire in the next "
            f"{risks.window_days} days?",
            f"{risks.expiring_certifications} certifications, held by "
            f"{risks.expiring_partners} partners; {risks.lapsed_partners} partners lapsed in "
            "the last quarter.",
        )
    )
    if feedback["count"]:
        answer = (
            f"{feedback['count']} pieces of feedback in the last 12 months, rated "
            f"{feedback['average']:.1f} out of 5 on average."
        )
    else:
        answer = "No feedback on it in the last 12 months: ask partners through a survey."
    questions.append(Question("What do partners say about the certification process?", answer))
    return KpiCard(
        title="Partner Certification Levels",
        definition=(
            "The levels of certification achieved by partners, showing their expertise and "
            "commitment to selling and supporting the company's products. Each active partner "
            "counts once, at the highest level among its certifications valid on the date."
        ),
        formula=(
            "certification rate at level L on date D =\n"
            "    partners active on D whose level on D is L (or higher, cumulative)\n"
            "    / partners active on D × 100"
        ),
        interpretation=(
            (Band.EXEMPLARY, f"{exemplary}% and above: {Band.EXEMPLARY.meaning}"),
            (Band.GOOD_STANDING, f"{good}% to below {exemplary}%: {Band.GOOD_STANDING.meaning}"),
            (Band.ACTION_REQUIRED, f"Below {good}%: {Band.ACTION_REQUIRED.meaning}"),
            (
                None,
                "Bands apply to the cumulative rate and are decided on the exact ratio; "
                "percentages are truncated to one decimal, so 89.96% reads 89.9%.",
            ),
        ),
        warnings=tuple(warnings),
        questions=tuple(questions),
        levers=LEVERS,
        cadence="Evaluate partners' certifications at least once or twice a year.",
    )
