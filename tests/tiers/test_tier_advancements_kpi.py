"""Partner Program Tier Advancements against a small hand-made program whose answers are
worked out in the comments."""

import datetime as dt
from decimal import Decimal

import pytest

from partnerprogram.models import Partner
from partnerprogram.rules.periods import Period, parse_period
from partnerprogram.segments import Segment
from tests import factories as f
from tiers import kpis

pytestmark = pytest.mark.django_db
D = dt.date
Q4 = Period.quarter(2025, 4, start_month=1)  # 1 Oct - 31 Dec 2025


@pytest.fixture
def tiers():
    return f.standard_tiers()


@pytest.fixture
def program(tiers):
    """Eight partners around FY2025 Q4 (1 Oct - 31 Dec 2025), January fiscal year:

    a  Registered 2024-01-01, Silver 2025-10-01 (first day), Gold 2025-12-31 (last day)
       -> two advancement events in Q4, one advancing partner
    b  Registered 2024-01-01, Silver 2024-06-01, back to Registered 2025-11-01 -> a downgrade
    c  joins 2025-11-10 and enrolls in Registered that day -> an enrollment
    d  Registered 2024-01-01, Silver 2025-09-30 (day before Q4), Gold 2026-01-01 (day after)
       -> nothing in Q4; one advancement in Q3
    e  Silver 2024-01-01, Platinum 2025-11-20 (skips Gold) -> advances into Platinum
    f  joined 2023-01-01, Registered 2023-01-01, ended 2025-05-01 -> not active in Q4
    g  Registered 2024-03-01 and never moved -> stagnant at the end of Q4
    h  Platinum 2024-01-01 -> the top tier, never stagnant

    Q4: advancing partners a e = 2; events a a e = 3; downgrades b = 1; enrollments c = 1;
    net movement 3 - 1 = 2. Active on 1 Oct: a b d e g h = 6 (c joins later, f ended);
    rate 2 / 6 = 33.3%. Into each tier: Silver a, Gold a, Platinum e -> 1, 1, 1.
    Previous (Q3): d -> 1; change (2 - 1) / 1 = +100.0%. A year earlier (2024 Q4): 0 -> no
    change figure. Stagnant on 31 Dec (latest change on or before 31 Dec 2024, not
    Platinum): g -> 1.
    """
    registered, silver, gold, platinum = tiers
    p = {}
    for name in "abdegh":
        p[name] = f.partner(name, joined_on=D(2024, 1, 1))
    p["c"] = f.partner("c", joined_on=D(2025, 11, 10))
    p["f"] = f.partner("f", joined_on=D(2023, 1, 1))
    f.transition(p["a"], registered, D(2024, 1, 1), from_tier=None)
    f.transition(p["a"], silver, D(2025, 10, 1))
    f.transition(p["a"], gold, D(2025, 12, 31))
    f.transition(p["b"], registered, D(2024, 1, 1), from_tier=None)
    f.transition(p["b"], silver, D(2024, 6, 1))
    f.transition(p["b"], registered, D(2025, 11, 1))
    f.transition(p["c"], registered, D(2025, 11, 10), from_tier=None)
    f.transition(p["d"], registered, D(2024, 1, 1), from_tier=None)
    f.transition(p["d"], silver, D(2025, 9, 30))
    f.transition(p["d"], gold, D(2026, 1, 1))
    f.transition(p["e"], silver, D(2024, 1, 1), from_tier=None)
    f.transition(p["e"], platinum, D(2025, 11, 20))
    f.transition(p["f"], registered, D(2023, 1, 1), from_tier=None)
    Partner.objects.filter(pk=p["f"].pk).update(ended_on=D(2025, 5, 1))
    f.transition(p["g"], registered, D(2024, 3, 1), from_tier=None)
    f.transition(p["h"], platinum, D(2024, 1, 1), from_tier=None)
    return p


def test_the_quarters_figures(program):
    figures = kpis.tier_advancements(Q4)
    assert figures.advancing_partners == 2
    assert figures.advancement_events == 3
    assert figures.downgrades == 1
    assert figures.enrollments == 1
    assert figures.net_movement == 2
    assert figures.active_at_start == 6
    assert figures.advancement_rate == Decimal("33.3")
    assert [(t.tier, t.partners) for t in figures.by_tier] == [
        ("Silver", 1),
        ("Gold", 1),
        ("Platinum", 1),
    ]
    assert figures.stagnant_partners == 1
    assert not figures.declined


def test_comparisons_with_the_previous_period_and_a_year_earlier(program):
    figures = kpis.tier_advancements(Q4)
    assert (figures.previous.period.label, figures.previous.advancing_partners) == (
        "FY2025 Q3",
        1,
    )
    assert figures.previous.change_percent == Decimal("100.0")
    assert (figures.year_ago.period.label, figures.year_ago.advancing_partners) == (
        "FY2024 Q4",
        0,
    )
    assert figures.year_ago.change_percent is None  # nothing to compare with
    assert figures.comparisons == (figures.previous, figures.year_ago)


def test_a_fiscal_year_is_compared_once_with_the_year_before(program):
    # A year's previous period is the year before: one comparison, not the same line twice.
    figures = kpis.tier_advancements(Period.fiscal(2025, start_month=1))
    assert figures.previous.window == figures.year_ago.window
    assert figures.comparisons == (figures.previous,)


def test_trend_of_eight_quarters(program):
    # 2024 Q2: b's Silver; 2025 Q3: d's Silver; 2025 Q4: a and e.
    trend = kpis.tier_advancements(Q4).trend
    assert [(c.period.key, c.advancing_partners) for c in trend] == [
        ("2024-Q1", 0),
        ("2024-Q2", 1),
        ("2024-Q3", 0),
        ("2024-Q4", 0),
        ("2025-Q1", 0),
        ("2025-Q2", 0),
        ("2025-Q3", 1),
        ("2025-Q4", 2),
    ]


def test_a_decline_is_flagged(program):
    # 2026 Q1: d's Gold on 1 Jan -> 1 partner, fewer than the 2 of 2025 Q4.
    figures = kpis.tier_advancements(Period.quarter(2026, 1, start_month=1))
    assert figures.advancing_partners == 1
    assert figures.declined
    assert figures.previous.change_percent == Decimal("-50.0")


def test_a_period_with_no_transitions(program):
    # 2023 Q1: only f enrolled (1 Jan 2023); f was active on the first day.
    figures = kpis.tier_advancements(Period.quarter(2023, 1, start_month=1))
    assert (figures.advancing_partners, figures.advancement_events, figures.downgrades) == (0, 0, 0)
    assert figures.enrollments == 1
    assert figures.by_tier == ()
    assert figures.active_at_start == 1
    assert figures.advancement_rate == Decimal("0.0")
    assert figures.stagnant_partners == 0
    empty = kpis.tier_advancements(Period.quarter(2022, 1, start_month=1))
    assert (empty.active_at_start, empty.advancement_rate, empty.enrollments) == (0, None, 0)


def test_month_year_and_custom_periods(program):
    november = kpis.tier_advancements(parse_period("2025-11", start_month=1))
    # e's Platinum (20 Nov); b's downgrade (1 Nov); c's enrollment (10 Nov).
    assert (november.advancing_partners, november.downgrades, november.enrollments) == (1, 1, 1)
    assert november.previous.period.label == "Oct 2025"
    year = kpis.tier_advancements(parse_period("2025", start_month=1))
    # 2025: a (Oct, Dec), d (Sep), e (Nov) -> 3 partners, 4 events.
    assert (year.advancing_partners, year.advancement_events) == (3, 4)
    custom = kpis.tier_advancements(Period.custom(D(2025, 9, 30), D(2025, 10, 1)))
    assert (custom.advancing_partners, custom.advancement_events) == (2, 2)  # d and a


def test_a_non_january_fiscal_year(program, settings):
    settings.FISCAL_YEAR_START_MONTH = 7
    # FY2026 Q2 is October - December 2025: the same figures as calendar Q4.
    period = parse_period("2026-Q2")
    assert (period.start, period.end) == (D(2025, 10, 1), D(2025, 12, 31))
    figures = kpis.tier_advancements(period)
    assert (figures.period.label, figures.advancing_partners) == ("FY2026 Q2", 2)
    assert figures.previous.period.label == "FY2026 Q1"
    assert figures.year_ago.period.label == "FY2025 Q2"


def test_segments(program, tiers):
    emea, apac = f.region("EMEA"), f.region("APAC")
    Partner.objects.filter(name="e").update(region=apac)
    assert kpis.tier_advancements(Q4, Segment(region=apac)).advancing_partners == 1
    assert kpis.tier_advancements(Q4, Segment(region=emea)).advancing_partners == 1
    # By tier on the last day: a ends Q4 in Gold, e in Platinum.
    gold = tiers[2]
    figures = kpis.tier_advancements(Q4, Segment(tier=gold))
    assert (figures.advancing_partners, figures.advancement_events) == (1, 2)


def test_stagnant_partners_are_listed_with_their_last_change(program):
    stagnant = list(kpis.stagnant_partners(Q4))
    assert [(p.name, p.latest_change_on) for p in stagnant] == [("g", D(2024, 3, 1))]
    assert kpis.stagnant_by_tier(Q4) == {"Registered": 1}


def test_stagnation_counts_exactly_twelve_months(tiers):
    registered = tiers[0]
    partner = f.partner("x", joined_on=D(2024, 12, 31))
    f.transition(partner, registered, D(2024, 12, 31), from_tier=None)
    # The end of Q4 2025 is 31 Dec 2025: the change took effect exactly 12 months before.
    assert [p.name for p in kpis.stagnant_partners(Q4)] == ["x"]
    partner_later = f.partner("y", joined_on=D(2025, 1, 1))
    f.transition(partner_later, registered, D(2025, 1, 1), from_tier=None)
    assert [p.name for p in kpis.stagnant_partners(Q4)] == ["x"]


def test_the_advancing_partners_table_rows(program):
    rows = kpis.advancements(Q4).order_by("effective_on")
    assert [(t.partner.name, t.from_tier.name, t.to_tier.name, t.effective_on) for t in rows] == [
        ("a", "Registered", "Silver", D(2025, 10, 1)),
        ("e", "Silver", "Platinum", D(2025, 11, 20)),
        ("a", "Silver", "Gold", D(2025, 12, 31)),
    ]


def test_the_kpi_costs_the_same_queries_for_5_and_50_partners(tiers, django_assert_num_queries):
    registered, silver, *_ = tiers
    for size in (5, 50):
        while Partner.objects.count() < size:
            partner = f.partner(joined_on=D(2024, 1, 1))
            f.transition(partner, registered, D(2024, 1, 1), from_tier=None)
            f.transition(partner, silver, D(2025, 11, 1))
        kpis.tier_advancements(Q4)  # keeps the snapshots of the closed periods it reads
        # The period's totals (one kept read) and its tiers, the trend and comparisons (one
        # kept read), the stagnant partners by tier (one kept read and the tiers), and the
        # day the first partner joined (where the trend starts).
        with django_assert_num_queries(6):
            figures = kpis.tier_advancements(Q4)
        assert figures.advancing_partners == size
