"""Every rule of partnerprogram.freshness.feeds is needed, and the suite notices when one is
broken: each rule is removed in turn (or its first day moved to today), the writes of its
model are made on a program whose figures are all kept, and a kept figure or a stored
column then differs from a computation from the tables. Unbroken, none does.

The program (dates relative to today; QE is the last closed fiscal quarter end):
- A: Registered 2024-01-01, Silver 2024-03-01; Associate 2024-02-01 until today + 30: at
  risk today, its certification expiring soon.
- B: Registered 2024-01-01, Silver 2024-02-01; no certification: below threshold.
- C: Registered 2024-01-01, Gold 2025-06-01; Professional 2024-06-01 until today + 200,
  Associate 2024-03-01 (never expires): meets Gold until today + 200.
- D: Registered 2024-01-01; Associate 2024-01-15 until today - 30: lapsed this quarter.
- E: Registered 2024-01-01, Silver 2024-05-01; Associate 2024-04-01 until today + 300.
- F: Registered 2024-01-01, Gold 2024-06-01, Silver 2026-01-15 (a downgrade); Expert.
- H: Registered 2024-01-01, Platinum 2024-02-01; Expert: stagnant in the top tier.
- K: Registered 2024-01-01, Silver 2024-02-15; no certification: below threshold.
- L: Registered 2024-01-01; Associate 2024-01-15 until today - 30: lapsed this quarter.
- M, N: Registered 2024-01-01, Silver 2024-03-01; Associate 2024-02-01 until today + 40
  (M) or + 50 (N): at risk today.
Each write below touches its own partners, so that none hides the effect of another.
"""

import dataclasses
import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db.models import F

from certifications.models import CertificationLevel, PartnerCertification
from partnerprogram import freshness
from partnerprogram.freshness import feeds, kept, stored, writes
from partnerprogram.freshness.stored import refresh_levels
from partnerprogram.models import Partner, PartnerType, Region
from tests import factories as f
from tests.freshness.checks import CLOSED_QUARTER_ENDS, TODAY, disagreements, fill
from tiers.models import Tier, TierTransition

pytestmark = pytest.mark.django_db
D = dt.date
QE = CLOSED_QUARTER_ENDS[-1]
DAY = dt.timedelta(days=1)
# The quarter ends kept here: those the writes below move (2024 Q1 and Q2, 2025 Q2, 2026 Q1)
# and the last closed one.
KEPT_QUARTER_ENDS = sorted({D(2024, 3, 31), D(2024, 6, 30), D(2025, 6, 30), D(2026, 3, 31), QE})


def build():
    with freshness.batch():  # nothing is kept yet: one pass over stored state at the end
        _write_program()
    refresh_levels(TODAY)
    fill(KEPT_QUARTER_ENDS)
    assert disagreements() == []


def _write_program():
    associate, professional, expert = f.standard_levels()
    registered, silver, gold, platinum = f.standard_tiers((associate, professional, expert))

    def partner(name, moves, certifications):
        p = f.partner(name, joined_on=D(2024, 1, 1))
        f.transition(p, registered, D(2024, 1, 1), from_tier=None)
        previous = registered  # stored state follows at the batch's end, not before
        for tier, day in moves:
            f.transition(p, tier, day, from_tier=previous)
            previous = tier
        for level, awarded, expires in certifications:
            f.certification(p, level, awarded, expires_on=expires)
        return p

    partner("A", [(silver, D(2024, 3, 1))], [(associate, D(2024, 2, 1), TODAY + 30 * DAY)])
    partner("B", [(silver, D(2024, 2, 1))], [])
    partner(
        "C",
        [(gold, D(2025, 6, 1))],
        [(professional, D(2024, 6, 1), TODAY + 200 * DAY), (associate, D(2024, 3, 1), None)],
    )
    partner("D", [], [(associate, D(2024, 1, 15), TODAY - 30 * DAY)])
    partner("E", [(silver, D(2024, 5, 1))], [(associate, D(2024, 4, 1), TODAY + 300 * DAY)])
    partner("F", [(gold, D(2024, 6, 1)), (silver, D(2026, 1, 15))], [(expert, D(2024, 5, 1), None)])
    partner("H", [(platinum, D(2024, 2, 1))], [(expert, D(2024, 1, 20), None)])
    partner("K", [(silver, D(2024, 2, 15))], [])
    partner("L", [], [(associate, D(2024, 1, 15), TODAY - 30 * DAY)])
    partner("M", [(silver, D(2024, 3, 1))], [(associate, D(2024, 2, 1), TODAY + 40 * DAY)])
    partner("N", [(silver, D(2024, 3, 1))], [(associate, D(2024, 2, 1), TODAY + 50 * DAY)])


def p(name):
    return Partner.objects.get(name=name)


def certification(name, level=None):
    rows = PartnerCertification.objects.filter(partner__name=name).order_by("awarded_on")
    return rows.get(level__name=level) if level else rows.first()


def transition(name, to_tier):
    return TierTransition.objects.get(partner__name=name, to_tier__name=to_tier)


def level(name):
    return CertificationLevel.objects.get(name=name)


def tier(name):
    return Tier.objects.get(name=name)


def save(obj, **values):
    for field, value in values.items():
        setattr(obj, field, value)
    obj.save()


# Writes that change one field each (so that the rule of that field alone decides what is
# kept true), by model; together they move every figure and column each field feeds.
ROWS = "rows"  # a step that adds or removes a row
STEPS = {
    "partnerprogram.Partner": [
        ("joined_on", lambda: save(p("B"), joined_on=QE + DAY)),
        ("ended_on", lambda: save(p("A"), ended_on=QE - 10 * DAY)),
        ("region", lambda: save(p("E"), region=Region.objects.create(name="Elsewhere"))),
        (
            "partner_type",
            lambda: Partner.objects.filter(name="E").update(partner_type=PartnerType.MSP),
        ),
        (
            "account_manager",
            lambda: save(p("H"), account_manager=get_user_model().objects.create(username="am")),
        ),
        (ROWS, lambda: f.partner("New", joined_on=D(2024, 1, 1))),
    ],
    "certifications.PartnerCertification": [
        ("partner", lambda: save(certification("A"), partner=p("D"))),
        ("level", lambda: save(certification("C", "Professional"), level=level("Associate"))),
        ("awarded_on", lambda: save(certification("L"), awarded_on=TODAY - 60 * DAY)),
        ("awarded_on", lambda: save(certification("E"), awarded_on=TODAY + DAY)),
        ("expires_on", lambda: save(certification("M"), expires_on=TODAY)),
        ("expires_on", lambda: save(certification("H"), expires_on=QE - DAY)),
        (
            "revoked_on",
            lambda: PartnerCertification.objects.filter(partner__name="N").update(revoked_on=TODAY),
        ),
        ("revoked_on", lambda: save(certification("F"), revoked_on=QE - DAY)),
    ],
    "tiers.TierTransition": [
        ("partner", lambda: save(transition("A", "Silver"), partner=p("B"))),
        # L, lapsed, now in Platinum (requiring Expert): below its tier's requirement.
        ("partner", lambda: save(transition("H", "Platinum"), partner=p("L"))),
        ("from_tier", lambda: save(transition("C", "Gold"), from_tier=tier("Platinum"))),
        ("to_tier", lambda: save(transition("E", "Silver"), to_tier=tier("Gold"))),
        ("to_tier", lambda: save(transition("F", "Silver"), to_tier=tier("Platinum"))),
        ("effective_on", lambda: save(transition("K", "Silver"), effective_on=TODAY - 5 * DAY)),
        (
            "effective_on",
            lambda: save(transition("C", "Registered"), effective_on=D(2025, 7, 1)),
        ),
        # B, below Silver's requirement, back in Registered (which requires none) by then.
        ("effective_on", lambda: save(transition("B", "Registered"), effective_on=D(2024, 3, 15))),
    ],
    "certifications.CertificationLevel": [
        ("rank", lambda: save(level("Associate"), rank=4)),
    ],
    "tiers.Tier": [
        ("rank", lambda: Tier.objects.filter(name="Registered").update(rank=10)),
        ("required_level", lambda: save(tier("Silver"), required_level=level("Professional"))),
        (ROWS, lambda: f.tier("Diamond", 20)),  # above Registered, the top tier by then
    ],
}


def wrong_after_steps(label, field=None):
    """Make the model's writes (those of one field, when given), and say what was wrong after
    each: [disagreements]. After each, every figure is asked for (as pages would), so that a
    figure one write dropped is kept again for the next to keep true."""
    found = []
    for written, step in STEPS[label]:
        if field is not None and written != field:
            continue
        step()
        found += disagreements()
        fill(KEPT_QUARTER_ENDS)
    return found


def rule_mutations():
    """(id, label, how to break it): every figure and stored column of every fed field,
    every field's first day, every model's rows."""
    for label, source in feeds.SOURCES.items():
        for field, fed in source.feeds.items():
            for figure in fed.figures:
                yield f"{label}.{field} -/-> {figure}", label, ("figure", field, figure)
            for column in fed.stored:
                yield f"{label}.{field} -/-> {column}", label, ("stored", field, column)
            if fed.since != feeds.EVERY_DAY:
                yield f"{label}.{field} from today only", label, ("since", field, None)
        for figure in source.rows.figures:
            yield f"{label} rows -/-> {figure}", label, ("rows", None, figure)


MUTATIONS = list(rule_mutations())


def break_rule(monkeypatch, label, how):
    kind, field, what = how
    source = feeds.SOURCES[label]
    if kind == "rows":
        rows = dataclasses.replace(
            source.rows, figures=tuple(x for x in source.rows.figures if x != what)
        )
        monkeypatch.setitem(feeds.SOURCES, label, dataclasses.replace(source, rows=rows))
        return
    fed = source.feeds[field]
    if kind == "figure":
        fed = dataclasses.replace(fed, figures=tuple(x for x in fed.figures if x != what))
    elif kind == "stored":
        fed = dataclasses.replace(fed, stored=tuple(x for x in fed.stored if x != what))
    else:
        fed = dataclasses.replace(fed)  # its own object, whose first day is today
        dates = writes._dates
        monkeypatch.setattr(
            writes,
            "_dates",
            lambda row, of, get: (
                [TODAY] if of is fed and dates(row, of, get) else dates(row, of, get)
            ),
        )
    mutated = dataclasses.replace(source, feeds={**source.feeds, field: fed})
    monkeypatch.setitem(feeds.SOURCES, label, mutated)


@pytest.mark.parametrize("label", list(STEPS))
def test_every_write_keeps_every_figure_and_column_true(label):
    build()
    assert wrong_after_steps(label) == []


def test_every_fed_field_and_row_has_its_writes_here():
    for label, source in feeds.SOURCES.items():
        written = {field for field, _ in STEPS.get(label, [])}
        assert set(source.feeds) <= written, label
        assert not source.rows.figures or ROWS in written, label


@pytest.mark.parametrize(
    ("label", "how"), [m[1:] for m in MUTATIONS], ids=[m[0] for m in MUTATIONS]
)
def test_breaking_a_rule_shows_a_wrong_figure(monkeypatch, label, how):
    build()
    break_rule(monkeypatch, label, how)
    field = ROWS if how[0] == "rows" else how[1]  # the writes that change what was broken
    assert wrong_after_steps(label, field), f"nothing noticed that {how} was broken"


@pytest.mark.parametrize(
    "protocol",
    ["add_differences", "recompute", "drop", "refuse"],
)
def test_breaking_the_protocol_shows_a_wrong_figure(monkeypatch, protocol):
    build()
    if protocol == "refuse":
        monkeypatch.setattr(writes, "_refuse_stored", lambda write, source: None)
        Partner.objects.filter(name="B").update(current_tier=tier("Gold"))
        assert disagreements()
        return
    target = {"add_differences": kept, "recompute": stored, "drop": kept}[protocol]
    monkeypatch.setattr(target, protocol, lambda *args, **kwargs: None)
    assert any(wrong_after_steps(label) for label in STEPS)


def test_stored_state_cannot_be_written_around_freshness():
    build()
    with pytest.raises(writes.FreshnessError, match="current_tier of partner is stored state"):
        Partner.objects.filter(name="B").update(current_tier=tier("Gold"))
    b = p("B")
    b.tier_changed_on = TODAY
    with pytest.raises(writes.FreshnessError, match="tier_changed_on"):
        Partner.objects.bulk_update([b], ["tier_changed_on"])
    b.current_tier = tier("Gold")  # a stale or edited copy: save() writes what is stored
    b.save()
    assert p("B").current_tier.name == "Silver"
    assert disagreements() == []


def test_an_update_with_an_expression_is_kept_true():
    build()
    PartnerCertification.objects.filter(partner__name="C").update(
        expires_on=F("awarded_on") + dt.timedelta(days=30)
    )
    assert disagreements() == []
