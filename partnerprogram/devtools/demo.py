"""A realistic, deterministic demo program, generated in memory and written in bulk.

`generate_program(partners=300, seed=1, today=...)` returns plain records (no database);
`write_program(program)` writes them with bulk inserts, a fixed number of queries per batch
whatever the size, so that 500,000 partners take minutes. The same seed and day always give
the same program.

The story the data tells: partners joined over the last three years (some ended); most
enrol in the lowest tier; certifications are awarded, renewed (sometimes late, leaving a
gap), revoked now and then, and expire; at quarterly reviews a partner whose certifications
qualify it for a higher tier may advance, one whose tier asks for more than it holds may be
downgraded, and many simply stagnate. Partners below threshold today often have an open
remediation review.
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection

from certifications.models import CertificationLevel, PartnerCertification
from partnerprogram import freshness
from partnerprogram.devtools.bulk import insert_with_history, next_id, reset_sequences
from partnerprogram.models import (
    ActionItem,
    ActionPlan,
    FeedbackChannel,
    FeedbackTopic,
    Partner,
    PartnerFeedback,
    PartnerType,
    Region,
    RemediationReview,
    ReviewReason,
    ReviewStatus,
)
from partnerprogram.rules.periods import add_months
from tiers.models import Tier, TierTransition

# name, rank, validity in months
LEVELS = [("Associate", 1, 24), ("Professional", 2, 24), ("Expert", 3, 12)]
# name, rank, index of the required level in LEVELS (None: no requirement)
TIERS = [("Registered", 1, None), ("Silver", 2, 0), ("Gold", 3, 1), ("Platinum", 4, 2)]
REGIONS = {
    "North America": ["United States", "Canada"],
    "Latin America": ["Brazil", "Mexico", "Chile", "Colombia"],
    "Northern Europe": ["United Kingdom", "Germany", "Netherlands", "Sweden", "Denmark"],
    "Southern Europe": ["France", "Spain", "Italy", "Portugal"],
    "Middle East & Africa": ["United Arab Emirates", "South Africa", "Saudi Arabia"],
    "Asia Pacific": ["Japan", "Singapore", "India", "Australia", "South Korea"],
}
ACCOUNT_MANAGERS = [
    ("amorgan", "Alex", "Morgan"),
    ("bchen", "Bea", "Chen"),
    ("cdiaz", "Carlos", "Díaz"),
    ("dokafor", "Dara", "Okafor"),
    ("eschmidt", "Eva", "Schmidt"),
    ("fsato", "Fumi", "Sato"),
]
VIEWERS = [("analyst", "Avery", "Analyst")]
PARTNER_TYPE_WEIGHTS = {
    PartnerType.RESELLER: 40,
    PartnerType.MSP: 20,
    PartnerType.SYSTEM_INTEGRATOR: 18,
    PartnerType.DISTRIBUTOR: 7,
    PartnerType.REFERRAL: 15,
}
NAME_FIRST = [
    "Apex",
    "Blue",
    "Bright",
    "Cedar",
    "Cobalt",
    "Crest",
    "Delta",
    "Ember",
    "Falcon",
    "Granite",
    "Harbor",
    "Iron",
    "Juniper",
    "Keystone",
    "Lumen",
    "Maple",
    "Nimbus",
    "Northwind",
    "Oak",
    "Orbit",
    "Pioneer",
    "Quartz",
    "Redwood",
    "Silver",
    "Summit",
    "Tidal",
    "Vector",
    "Willow",
]
NAME_SECOND = [
    "Bridge",
    "Cloud",
    "Data",
    "Edge",
    "Forge",
    "Grid",
    "Logic",
    "Network",
    "Path",
    "Point",
    "Signal",
    "Source",
    "Stack",
    "Stream",
    "Systems",
    "Tech",
    "Wave",
    "Works",
]
NAME_SUFFIX = {
    PartnerType.RESELLER: ["Solutions", "IT", "Direct", "Partners"],
    PartnerType.MSP: ["Managed Services", "Cloud Services", "Operations"],
    PartnerType.SYSTEM_INTEGRATOR: ["Consulting", "Integration", "Digital"],
    PartnerType.DISTRIBUTOR: ["Distribution", "Supply", "Trading"],
    PartnerType.REFERRAL: ["Advisors", "Associates", "Group"],
}
# Comments by topic, praising (GOOD) or complaining (BAD): a rating of 4 or 5 comes with
# praise, 1 or 2 with a complaint, 3 with either.
GOOD, BAD = "good", "bad"
COMMENTS = {
    FeedbackTopic.CERTIFICATION_PROCESS: {
        GOOD: ["Certification criteria are clear and the study guide helped."],
        BAD: [
            "The exam booking process took three weeks; too slow for our engineers.",
            "Renewing the certification means retaking the whole exam, which feels heavy.",
        ],
    },
    FeedbackTopic.TRAINING: {
        GOOD: ["The new hands-on labs are excellent."],
        BAD: [
            "We need training material in Spanish and Portuguese.",
            "Training sessions clash with our busy season; please offer recordings.",
        ],
    },
    FeedbackTopic.PROGRAM_BENEFITS: {
        GOOD: ["Marketing development funds made a real difference this quarter."],
        BAD: ["The deal registration discount is not competitive any more."],
    },
    FeedbackTopic.TIER_CRITERIA: {
        GOOD: ["Tier criteria were explained well in our business review."],
        BAD: [
            "It is unclear what we need to reach Gold.",
            "The revenue threshold for Platinum is out of reach for a regional partner.",
        ],
    },
    FeedbackTopic.SUPPORT: {
        GOOD: ["Partner support answered within the hour. Great job."],
        BAD: ["Escalations to product support get lost between teams."],
    },
    FeedbackTopic.TOOLS: {
        GOOD: ["The new quoting tool saves us hours every week."],
        BAD: ["The partner portal is slow when we export opportunities."],
    },
    FeedbackTopic.OTHER: {
        GOOD: ["Thanks for the partner summit invitation."],
        BAD: ["Please assign a named contact."],
    },
}


def comment_for(rng, topic, rating):
    comments = COMMENTS[topic]
    if rating >= 4:
        return rng.choice(comments[GOOD])
    if rating <= 2:
        return rng.choice(comments[BAD])
    return rng.choice(comments[GOOD] + comments[BAD])


OUTCOMES = {
    ReviewStatus.RESOLVED: "Partner renewed the required certification; back above threshold.",
    ReviewStatus.PARTNERSHIP_REEVALUATED: "Tier adjusted to match the certifications held.",
    ReviewStatus.CLOSED_WITHOUT_ACTION: "Partner already scheduled its exam; no action needed.",
}


@dataclass
class DemoProgram:
    """Plain records; partners, users, regions, levels and tiers are referred to by index."""

    today: dt.date
    partners: list = field(default_factory=list)
    certifications: list = field(default_factory=list)
    transitions: list = field(default_factory=list)
    feedback: list = field(default_factory=list)
    reviews: list = field(default_factory=list)
    action_items: list = field(default_factory=list)  # (review index, what, owner, due, done)


def _days(rng, low, high):
    return dt.timedelta(days=rng.randint(low, high))


def _highest_level_on(certs, day):
    """Index of the highest level valid on day among (level, awarded, expires, revoked), or
    -1."""
    best = -1
    for level, awarded, expires, revoked in certs:
        if (
            awarded <= day
            and (expires is None or day < expires)
            and (revoked is None or day < revoked)
        ):
            best = max(best, level)
    return best


def _eligible_tier(level_index):
    """The highest tier whose requirement the level (index, -1 for none) satisfies."""
    best = 0
    for index, (_, _, required) in enumerate(TIERS):
        if required is None or required <= level_index:
            best = index
    return best


def _unique_name(rng, partner_type, used):
    """A made-up company name; the second "Apex Data Solutions" is "Apex Data Solutions 2".
    `used` counts each base name."""
    suffix = rng.choice(NAME_SUFFIX[partner_type])
    name = f"{rng.choice(NAME_FIRST)} {rng.choice(NAME_SECOND)} {suffix}"
    used[name] = used.get(name, 0) + 1
    return name if used[name] == 1 else f"{name} {used[name]}"


def _certification_chain(rng, level, first_award, last_day, renew_probability):
    """Awards of one level from first_award, renewed around each expiry, until last_day."""
    validity = LEVELS[level][2]
    chain = []
    awarded = first_award
    while awarded <= last_day:
        expires = add_months(awarded, validity)
        revoked = None
        if rng.random() < 0.03:
            revoked_on = awarded + _days(rng, 30, 300)
            if revoked_on < expires and revoked_on <= last_day:
                revoked = revoked_on
        chain.append((level, awarded, expires, revoked))
        if revoked or rng.random() > renew_probability:
            break
        # Renewed up to 60 days early or up to 45 days late (a gap in which it is lapsed).
        awarded = max(expires + _days(rng, -60, 45), awarded + dt.timedelta(days=1))
    return chain


def _partner_certifications(rng, ambition, joined, last_day):
    certs = []
    if rng.random() > 0.72 + 0.28 * ambition:
        return certs
    renew = 0.75 + 0.23 * ambition
    start = joined + _days(rng, 0, 120)
    certs += _certification_chain(rng, 0, start, last_day, renew)
    if rng.random() < 0.15 + 0.75 * ambition:
        start += _days(rng, 90, 400)
        certs += _certification_chain(rng, 1, start, last_day, renew)
        if rng.random() < 0.1 + 0.6 * ambition:
            start += _days(rng, 120, 400)
            certs += _certification_chain(rng, 2, start, last_day, renew)
    return certs


def _partner_transitions(rng, ambition, joined, last_day, certs):
    """Enrolment on joining, then a quarterly review that may move the partner a tier up (if
    its certifications allow) or down (if its tier asks for more than it holds)."""
    tier = 0 if rng.random() < 0.85 else 1
    transitions = [(None, tier, joined, "Enrolled in the program")]
    review = joined + _days(rng, 80, 120)
    while review <= last_day:
        eligible = _eligible_tier(_highest_level_on(certs, review))
        if eligible > tier and rng.random() < 0.25 + 0.45 * ambition:
            transitions.append((tier, tier + 1, review, "Met the next tier's criteria"))
            tier += 1
        elif eligible < tier and rng.random() < 0.3:
            transitions.append((tier, tier - 1, review, "Certification requirement not met"))
            tier -= 1
        review += _days(rng, 85, 100)
    return transitions


def generate_program(*, partners=300, seed=1, today):
    """A demo program of `partners` partners as plain records; deterministic for (seed,
    today)."""
    rng = random.Random(seed)
    program = DemoProgram(today=today)
    window_start = today - dt.timedelta(days=3 * 365)
    used_names = {}
    regions = list(REGIONS)
    types, weights = zip(*PARTNER_TYPE_WEIGHTS.items(), strict=True)
    for index in range(partners):
        partner_type = rng.choices(types, weights)[0]
        region = rng.randrange(len(regions))
        joined = window_start + _days(rng, 0, 3 * 365 - 20)
        ended = None
        if rng.random() < 0.08 and (today - joined).days > 120:
            ended = joined + _days(rng, 90, (today - joined).days)
        last_day = min(today, ended) if ended else today
        name = _unique_name(rng, partner_type, used_names)
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:40]
        program.partners.append(
            {
                "name": name,
                "partner_type": partner_type,
                "region": region,
                "country": rng.choice(REGIONS[regions[region]]),
                "account_manager": rng.randrange(len(ACCOUNT_MANAGERS)),
                "joined_on": joined,
                "ended_on": ended,
                "contact_email": f"partners@{slug}.example",
                # Not drawn from rng: the rest of the demo stays as it was.
                "contact_reminders": index % 4 == 0,
                "website": f"https://{slug}.example",
            }
        )
        ambition = rng.random()
        certs = _partner_certifications(rng, ambition, joined, last_day)
        program.certifications += [(index, *cert) for cert in certs]
        transitions = _partner_transitions(rng, ambition, joined, last_day, certs)
        program.transitions += [(index, *t) for t in transitions]
        _partner_feedback(rng, program, index, ambition, joined, last_day)
        if ended is None:
            _partner_reviews(rng, program, index, certs, transitions)
    # A generator of their own, so that the rest of the program stays as it was before
    # reviews had action items.
    _action_items(random.Random(f"{seed}-action-items"), program)
    return program


def _partner_feedback(rng, program, index, ambition, joined, last_day):
    if rng.random() > 0.55:
        return
    first = max(joined, program.today - dt.timedelta(days=730))
    if first > last_day:
        return
    for _ in range(rng.randint(1, 3)):
        topic = rng.choice(list(FeedbackTopic))
        rating = max(1, min(5, round(rng.gauss(2.2 + 2.2 * ambition, 0.9))))
        program.feedback.append(
            (
                index,
                first + _days(rng, 0, (last_day - first).days),
                rng.choice(list(FeedbackChannel)),
                topic,
                rating,
                comment_for(rng, topic, rating),
                rating <= 2,
            )
        )


def _partner_reviews(rng, program, index, certs, transitions):
    today = program.today
    tier = transitions[-1][1]
    required = TIERS[tier][2]
    held = _highest_level_on(certs, today)
    owner = program.partners[index]["account_manager"]
    if required is not None and held < required and rng.random() < 0.6:
        lapsed = any(level >= required for level, *_ in certs)
        opened = today - _days(rng, 0, 75)
        status = ReviewStatus.OPEN if rng.random() < 0.6 else ReviewStatus.IN_PROGRESS
        program.reviews.append(
            (
                index,
                ReviewReason.CERTIFICATION_EXPIRED if lapsed else ReviewReason.CERTIFICATION_GAP,
                opened,
                owner,
                opened + dt.timedelta(days=30),
                ActionPlan.CERTIFICATION_RENEWAL if lapsed else ActionPlan.ADDITIONAL_TRAINING,
                status,
                "",
                None,
            )
        )
    for from_tier, to_tier, day, _ in transitions:
        if from_tier is not None and to_tier < from_tier and rng.random() < 0.5:
            opened = day - _days(rng, 20, 60)
            status = rng.choice(list(OUTCOMES))
            program.reviews.append(
                (
                    index,
                    ReviewReason.CERTIFICATION_GAP,
                    opened,
                    owner,
                    opened + dt.timedelta(days=30),
                    ActionPlan.REEVALUATE_PARTNERSHIP,
                    status,
                    OUTCOMES[status],
                    min(day, today),
                )
            )


ACTION_STEPS = {
    ActionPlan.CERTIFICATION_RENEWAL: [
        "Confirm the exam date with the partner's lead engineer",
        "Send the renewal study guide and practice exam",
        "Check that the renewed certification is recorded",
    ],
    ActionPlan.ADDITIONAL_TRAINING: [
        "Enrol two engineers in the next instructor-led course",
        "Share the learning path for the required level",
        "Book a mock exam session with the partner's team",
    ],
}
FOLLOW_UPS = [
    "Schedule a check-in call on progress",
    "Review the plan at the quarterly business review",
]


def _action_items(rng, program):
    """One to three action items for each open review: steps of its action plan and a
    follow-up, due between its opening and a little after its due day; those due before
    today done (on or before their due day) more often than not, the rest overdue."""
    today = program.today
    open_values = set(ReviewStatus.open_values())
    for review_index, (_, _, opened, owner, due, plan, status, *_) in enumerate(program.reviews):
        if status not in open_values:
            continue
        steps = rng.sample(ACTION_STEPS.get(plan, FOLLOW_UPS), k=2) + [rng.choice(FOLLOW_UPS)]
        for what in steps[: rng.randint(1, 3)]:
            item_due = opened + _days(rng, 5, max(5, (due - opened).days + 10))
            done = None
            if item_due <= today and rng.random() < 0.55:
                done = min(today, max(opened, item_due - _days(rng, 0, 6)))
            program.action_items.append((review_index, what, owner, item_due, done))


def program_tables():
    """The models the demo program fills, children first (the order to delete them in)."""
    return [
        ActionItem,
        RemediationReview,
        PartnerFeedback,
        TierTransition,
        PartnerCertification,
        Partner,
        Tier,
        CertificationLevel,
        Region,
    ]


def delete_program():
    """Delete every partner record and its history tables, in bulk (raw SQL, so inside a
    freshness batch that says everything changed)."""
    with freshness.batch() as batch, connection.cursor() as cursor:
        for model in program_tables():
            for table in (model._meta.db_table, model.history.model._meta.db_table):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
        batch.everything_changed()


def _ensure_users():
    User = get_user_model()
    managers = Group.objects.get(name="Partner managers")
    viewers = Group.objects.get(name="Viewers")
    users = []
    for group, people in ((managers, ACCOUNT_MANAGERS), (viewers, VIEWERS)):
        for username, first, last in people:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.com",
                },
            )
            if created:
                user.set_unusable_password()
                user.save()
            user.groups.add(group)
            users.append(user)
    return users[: len(ACCOUNT_MANAGERS)]


# The tables written with ids chosen here (so that children point at their parents without
# reading them back), parents first.
WITH_CHOSEN_IDS = (
    Partner,
    PartnerCertification,
    TierTransition,
    PartnerFeedback,
    RemediationReview,
    ActionItem,
)


def write_program(program, *, progress=None):
    """Write a generated program into an empty database in one transaction, in bulk: raw
    inserts, inside a freshness batch that computes every partner's stored state at its
    end."""
    progress = progress or (lambda label, done, total: None)
    with freshness.batch() as batch:
        batch.everything_changed()
        managers = _ensure_users()
        regions = _create(Region, [Region(name=name) for name in REGIONS])
        levels = _create(
            CertificationLevel,
            [
                CertificationLevel(
                    name=name,
                    rank=rank,
                    validity_months=months,
                    description=f"{name} certification of the partner's technical staff.",
                )
                for name, rank, months in LEVELS
            ],
        )
        tiers = _create(
            Tier,
            [
                Tier(
                    name=name,
                    rank=rank,
                    required_level=levels[required] if required is not None else None,
                    description=f"The {name} tier of the partner program.",
                )
                for name, rank, required in TIERS
            ],
        )
        first = next_id(Partner)
        first_ids = {model: next_id(model) for model in WITH_CHOSEN_IDS[1:]}
        manager_ids = [m.pk for m in managers]
        region_ids = [r.pk for r in regions]
        level_ids = [level.pk for level in levels]
        tier_ids = [t.pk for t in tiers]
        _write(
            Partner,
            [
                "id",
                "name",
                "partner_type",
                "region_id",
                "country",
                "account_manager_id",
                "joined_on",
                "ended_on",
                "contact_email",
                "contact_reminders",
                "website",
                "notes",
            ],
            (
                (
                    first + i,
                    p["name"],
                    p["partner_type"],
                    region_ids[p["region"]],
                    p["country"],
                    manager_ids[p["account_manager"]],
                    p["joined_on"],
                    p["ended_on"],
                    p["contact_email"],
                    p["contact_reminders"],
                    p["website"],
                    "",
                )
                for i, p in enumerate(program.partners)
            ),
            len(program.partners),
            progress,
        )
        _write(
            PartnerCertification,
            ["id", "partner_id", "level_id", "awarded_on", "expires_on", "revoked_on", "notes"],
            (
                (first_ids[PartnerCertification] + n, first + r[0], level_ids[r[1]], *r[2:], "")
                for n, r in enumerate(program.certifications)
            ),
            len(program.certifications),
            progress,
        )
        _write(
            TierTransition,
            ["id", "partner_id", "from_tier_id", "to_tier_id", "effective_on", "reason"],
            (
                (
                    first_ids[TierTransition] + n,
                    first + r[0],
                    tier_ids[r[1]] if r[1] is not None else None,
                    tier_ids[r[2]],
                    r[3],
                    r[4],
                )
                for n, r in enumerate(program.transitions)
            ),
            len(program.transitions),
            progress,
        )
        _write(
            PartnerFeedback,
            [
                "id",
                "partner_id",
                "received_on",
                "channel",
                "topic",
                "rating",
                "comment",
                "follow_up_needed",
            ],
            (
                (first_ids[PartnerFeedback] + n, first + r[0], *r[1:])
                for n, r in enumerate(program.feedback)
            ),
            len(program.feedback),
            progress,
        )
        _write(
            RemediationReview,
            [
                "id",
                "partner_id",
                "reason",
                "opened_on",
                "owner_id",
                "due_on",
                "action_plan",
                "status",
                "outcome",
                "closed_on",
                "notes",
            ],
            (
                (
                    first_ids[RemediationReview] + n,
                    first + r[0],
                    r[1],
                    r[2],
                    manager_ids[r[3]],
                    *r[4:],
                    "",
                )
                for n, r in enumerate(program.reviews)
            ),
            len(program.reviews),
            progress,
            dated_by=("opened_on", "owner_id"),  # opened by its owner, not "the system" today
        )
        _write(
            ActionItem,
            ["id", "review_id", "description", "owner_id", "due_on", "done_on"],
            (
                (first_ids[ActionItem] + n, first_ids[RemediationReview] + r[0], r[1])
                + (manager_ids[r[2]], *r[3:])
                for n, r in enumerate(program.action_items)
            ),
            len(program.action_items),
            progress,
        )
        reset_sequences(*WITH_CHOSEN_IDS)
        # The batch computes every partner's stored state at its end, levels as of today.
        freshness.stored.set_state_day(program.today)


def _create(model, objs):
    """Insert in bulk, with the first history record of each row (so that the first edit
    shows as a change against the demo data)."""
    created = model.objects.bulk_create(objs)
    model.history.bulk_history_create(created, default_change_reason="Demo data")
    return created


def _write(model, columns, rows, total, progress, dated_by=None):
    """Insert plain rows with their first history record, reporting progress."""
    label = model._meta.verbose_name_plural
    progress(label, 0, total)
    insert_with_history(model, columns, rows, reason="Demo data", dated_by=dated_by)
    progress(label, total, total)
