"""What feeds what: for every field of every model, the stored columns and kept figures a
change to it moves, and from which day. partnerprogram.freshness does what this table says;
a model that gains a field in no list here fails the tests until it is declared.
"""

import dataclasses
from dataclasses import dataclass, field

# The kept figures (freshness.kept): partner counts of a day or a period, each a sum over
# partners, so that a write's effect is the difference in its own partners' counts.
LEVELS = "levels"  # Certification Levels: active partners by segment, tier and level on a day
LEVEL_TOTALS = "level_totals"  # the same for the whole program: active partners by level
# the same by region, by partner type and by account manager (each summed over the others)
LEVEL_SEGMENTS = "level_segments"
RISKS = "risks"  # its warnings: certifications expiring soon and partners whose one lapsed
STANDINGS = "standings"  # partners below threshold and at risk on a day
STAGNANT = "stagnant"  # stagnant partners by tier at a period's end
ADVANCING = "advancing"  # partners with an advancement in a period
# Tier Advancements of a period: its moves by kind, advancing partners by tier, and the
# partners active on its first day
PERIOD_TOTALS = "period_totals"
PARTNERS = "partners"  # every partner, ended or not (of no day: kept under date.max)
FIGURES = (
    LEVELS,
    LEVEL_TOTALS,
    LEVEL_SEGMENTS,
    RISKS,
    STANDINGS,
    STAGNANT,
    ADVANCING,
    PERIOD_TOTALS,
    PARTNERS,
)

# The stored state of a partner: Partner's own columns, written only by freshness.stored.
TIER = ("current_tier", "tier_changed_on")
LEVEL = ("current_level",)
# The day the tier's requirement stops being met, and whether it is met at all.
QUALIFICATION = ("qualified_until", "below_requirement")
STORED = TIER + LEVEL + QUALIFICATION

EVERY_DAY = "every day"  # `since` of a change that moves every day's figures
EVERY_PARTNER = "every partner"  # `partners` of rows that concern every partner


@dataclass(frozen=True)
class Feeds:
    """What a change to a field moves: `figures` from `since` (the field whose old and new
    values bound the first day that moves, or EVERY_DAY), and the `stored` columns of the
    partners the row concerns."""

    figures: tuple = ()
    stored: tuple = ()
    since: str = EVERY_DAY


@dataclass(frozen=True)
class Source:
    """A model whose rows feed figures: `partners` names the partners a row concerns (the
    partner itself "pk", its "partner", a tier's "current_partners", or EVERY_PARTNER);
    `feeds` and `inert` classify every field; `rows` is what adding or removing a row moves
    beyond its fields."""

    partners: str = EVERY_PARTNER
    feeds: dict = field(default_factory=dict)
    inert: tuple = ()
    rows: Feeds = Feeds()
    derived: tuple = ()  # its stored state: written by freshness alone


# the figures that count active partners
ACTIVE = (LEVELS, LEVEL_TOTALS, LEVEL_SEGMENTS, RISKS, STANDINGS, STAGNANT, PERIOD_TOTALS)
# the figures that count partners by the level they hold
BY_LEVEL = (LEVELS, LEVEL_TOTALS, LEVEL_SEGMENTS)
CERTIFIED = Feeds((*BY_LEVEL, RISKS, STANDINGS), LEVEL + QUALIFICATION, since="awarded_on")
TIERED = Feeds(
    (LEVELS, STANDINGS, STAGNANT, ADVANCING, PERIOD_TOTALS), TIER + QUALIFICATION, "effective_on"
)
# Which tier a move goes to changes the partner's current tier, not the day it changed.
TIERED_TO = dataclasses.replace(TIERED, stored=("current_tier", *QUALIFICATION))

SOURCES = {
    "partnerprogram.Partner": Source(
        partners="pk",
        feeds={
            "joined_on": Feeds(ACTIVE, since="joined_on"),
            "ended_on": Feeds(ACTIVE, since="ended_on"),
            # Only the Certification Levels counts are kept by segment.
            "region": Feeds((LEVELS, LEVEL_SEGMENTS), since="joined_on"),
            "partner_type": Feeds((LEVELS, LEVEL_SEGMENTS), since="joined_on"),
            "account_manager": Feeds((LEVELS, LEVEL_SEGMENTS), since="joined_on"),
        },
        inert=("id", "name", "country", "contact_email", "contact_reminders", "website", "notes"),
        rows=Feeds((PARTNERS,), since="joined_on"),
        derived=STORED,
    ),
    "certifications.PartnerCertification": Source(
        partners="partner",
        feeds={
            "partner": CERTIFIED,
            # The warnings count certifications whatever their level.
            "level": Feeds((*BY_LEVEL, STANDINGS), LEVEL + QUALIFICATION, since="awarded_on"),
            "awarded_on": CERTIFIED,
            "expires_on": CERTIFIED,
            "revoked_on": CERTIFIED,
        },
        inert=("id", "notes", "recorded_by"),
    ),
    "tiers.TierTransition": Source(
        partners="partner",
        feeds={
            "partner": TIERED,
            # It decides the kind of move.
            "from_tier": Feeds((ADVANCING, PERIOD_TOTALS), since="effective_on"),
            "to_tier": TIERED_TO,
            "effective_on": TIERED,
        },
        inert=("id", "reason", "recorded_by"),
    ),
    "certifications.CertificationLevel": Source(
        feeds={"rank": Feeds((*BY_LEVEL, STANDINGS), LEVEL + QUALIFICATION)},
        inert=("id", "name", "validity_months", "description", "criteria"),
        # Nothing refers to a new level, nor to one that can be deleted (PROTECT).
    ),
    "tiers.Tier": Source(
        partners="current_partners",
        feeds={
            "rank": Feeds((STAGNANT, ADVANCING, PERIOD_TOTALS)),  # the top tier; the moves' kinds
            "required_level": Feeds((STANDINGS,), QUALIFICATION),
        },
        inert=("id", "name", "description", "benefits"),
        rows=Feeds((STAGNANT,)),  # a new or deleted tier may be the top one
    ),
    # Rows whose figures are computed on every page, never kept.
    "partnerprogram.Region": Source(inert=("id", "name")),  # partners refer to it by id
    "partnerprogram.PartnerFeedback": Source(
        inert=(
            "id",
            "partner",
            "received_on",
            "channel",
            "topic",
            "rating",
            "comment",
            "follow_up_needed",
            "logged_by",
        )
    ),
    "partnerprogram.RemediationReview": Source(
        inert=(
            "id",
            "partner",
            "reason",
            "opened_on",
            "owner",
            "due_on",
            "action_plan",
            "notes",
            "status",
            "outcome",
            "closed_on",
        )
    ),
    "partnerprogram.ActionItem": Source(
        inert=("id", "review", "description", "owner", "due_on", "done_on")
    ),
}
