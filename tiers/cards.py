"""The Tier Advancements KPI card, built from figures already computed (no query)."""

from django.conf import settings

from partnerprogram.rules.periods import day_label
from partnerprogram.web.kpicard import KpiCard, Question, Warning

LEVERS = (
    "Simplify the tier requirements and say clearly what each tier asks for.",
    "Review partners' tier progress every quarter.",
    "Offer personalised training to partners stuck in lower tiers.",
    "Build feedback loops: ask partners what keeps them from the next tier.",
)


def _change(count):
    if count.change_percent is None:
        return "no base to compare with"
    sign = "+" if count.change_percent > 0 else ""
    return f"{sign}{count.change_percent}%"


def tier_card(figures, stagnant_by_tier, feedback):
    """`figures`: TierAdvancements; `stagnant_by_tier`: {tier: partners}; `feedback`:
    {"count", "average"} on the tier criteria in the period."""
    months = settings.STAGNATION_MONTHS
    # A period in progress is told to date: "in FY2026 Q4 so far".
    label = f"{figures.period.label} so far" if figures.to_date else figures.period.label
    warnings = []
    if figures.declined:
        warnings.append(
            Warning(
                f"Decline: {figures.advancing_partners} partners advanced in {label}, fewer "
                f"than the {figures.previous.advancing_partners} of "
                f"{figures.previous.period.label} ({_change(figures.previous)}).",
                "danger",
            )
        )
    if figures.stagnant_partners:
        on = "today" if figures.to_date else f"on {day_label(figures.stagnant_on)}"
        warnings.append(
            Warning(
                f"{figures.stagnant_partners} partners below the top tier have not changed tier "
                f"in {months} months or more {on}: they are stagnating.",
                url="#stagnant",
            )
        )
    if figures.downgrades > figures.advancement_events:
        warnings.append(
            Warning(
                f"Downgrades ({figures.downgrades}) outnumber advancements "
                f"({figures.advancement_events}) in {label}.",
                "danger",
            )
        )
    if not figures.active_at_start:
        warnings.append(
            Warning("No partner was active at the start of the period: no rate.", "info")
        )
    if feedback["count"]:
        feedback_answer = (
            f"{feedback['count']} pieces of feedback in {label}, rated "
            f"{feedback['average']:.1f} out of 5 on average."
        )
    else:
        feedback_answer = f"No feedback on the tier criteria in {label}: ask partners."
    if figures.to_date:
        trend_answer = (
            f"{figures.advancing_partners} so far in {figures.period.label} "
            f"({figures.days_covered} days), against {figures.previous.advancing_partners} in "
            f"{figures.previous.label} ({_change(figures.previous)}) and "
            f"{figures.year_ago.advancing_partners} in {figures.year_ago.label} "
            f"({_change(figures.year_ago)}). The period is in progress: it is not judged a "
            "decline before its end."
        )
    else:
        trend_answer = (
            f"{figures.advancing_partners} partners advanced in {label}, against "
            f"{figures.previous.advancing_partners} in {figures.previous.label} "
            f"({_change(figures.previous)}) and {figures.year_ago.advancing_partners} in "
            f"{figures.year_ago.label} ({_change(figures.year_ago)})."
        )
    questions = (
        Question("Is tier advancement increasing over time?", trend_answer),
        Question(
            "How many partners are stuck in lower tiers?",
            f"{figures.stagnant_partners} partners, by tier:" if stagnant_by_tier else "None.",
            tuple((tier, count, "") for tier, count in stagnant_by_tier.items()),
        ),
        Question(
            "Into which tiers do partners advance?",
            "Distinct partners advancing into each tier:"
            if figures.by_tier
            else "No advancement in this period.",
            tuple((t.tier, t.partners, "") for t in figures.by_tier),
        ),
        Question(
            "Do downgrades outnumber advancements?",
            f"{'Yes' if figures.downgrades > figures.advancement_events else 'No'}: "
            f"{figures.downgrades} downgrades, {figures.advancement_events} advancements, "
            f"net movement {figures.net_movement:+d}.",
        ),
        Question("What do partners say about the tier criteria?", feedback_answer),
    )
    return KpiCard(
        title="Partner Program Tier Advancements",
        definition=(
            "The number of partners that move up in the program tiers, showing deeper "
            "commitment and engagement. A partner counts once however many times it advanced "
            "in the period."
        ),
        formula=(
            "tier advancements in period P =\n"
            "    number of distinct partners with at least one advancement effective in P\n"
            "advancement rate = advancing partners / partners active at the start of P × 100"
        ),
        interpretation=(
            (
                None,
                "The target is a steady increase over time: each period at least as many "
                "advancing partners as the one before.",
            ),
            (
                None,
                "A period with fewer advancing partners than the previous one is flagged "
                "as a decline.",
            ),
            (
                None,
                "A period in progress is shown to date: it is compared with the same number "
                "of days at the start of the previous period and of the period a year "
                "earlier, and never flagged a decline while it runs.",
            ),
            (
                None,
                f"Partners below the top tier whose latest tier change is {months} months "
                "old or more are stagnant.",
            ),
        ),
        warnings=tuple(warnings),
        questions=questions,
        levers=LEVERS,
        cadence="Review tier advancements every quarter.",
    )
