"""Partner Certification Levels against small hand-made programs whose answers are worked out
in the comments."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certifications import kpis
from certifications.models import PartnerCertification
from partnerprogram.models import Partner, PartnerType
from partnerprogram.rules.bands import Band
from partnerprogram.segments import Dimension, Segment
from tests import factories as f

pytestmark = pytest.mark.django_db
D = dt.date
AS_OF = D(2025, 11, 15)


@pytest.fixture
def levels():
    return f.standard_levels()


@pytest.fixture
def program(levels):
    """Ten partners around 15 Nov 2025 (AS_OF):

    p1  active, Associate valid                          -> Associate
    p2  active, Associate and Professional valid         -> Professional (counted once)
    p3  active, Expert expiring ON the as-of date        -> not certified (not valid that day)
    p4  active, Professional awarded ON the as-of date   -> Professional (valid that day)
    p5  active, Associate revoked before the date        -> not certified
    p6  active, Expert revoked after the date            -> Expert
    p7  ended ON the as-of date, Associate valid         -> not active
    p8  joins the day after, Associate valid             -> not active
    p9  active, no certification                         -> not certified
    p10 active, Associate expired before the date        -> not certified

    Active: p1 p2 p3 p4 p5 p6 p9 p10 = 8.
    Exact: Associate 1 (12.5%), Professional 2 (25.0%), Expert 1 (12.5%), not certified 4
    (50.0%); 1 + 2 + 1 + 4 = 8.
    Cumulative: Associate+ 4 (50.0%), Professional+ 3 (37.5%), Expert+ 1 (12.5%).
    """
    associate, professional, expert = levels
    emea, apac = f.region("EMEA"), f.region("APAC")
    p = {n: f.partner(f"p{n}", joined_on=D(2024, 1, 1), region=emea) for n in range(1, 11)}
    Partner.objects.filter(name="p7").update(ended_on=AS_OF)
    Partner.objects.filter(name="p8").update(joined_on=AS_OF + dt.timedelta(days=1))
    for name in ("p2", "p4", "p6"):
        Partner.objects.filter(name=name).update(region=apac, partner_type=PartnerType.MSP)
    f.certification(p[1], associate, D(2025, 1, 1))
    f.certification(p[2], associate, D(2024, 6, 1))
    f.certification(p[2], professional, D(2025, 2, 1))
    f.certification(p[3], expert, D(2025, 1, 1), expires_on=AS_OF)
    f.certification(p[4], professional, AS_OF)
    f.certification(p[5], associate, D(2025, 1, 1), revoked_on=D(2025, 10, 1))
    f.certification(p[6], expert, D(2025, 1, 1), revoked_on=D(2025, 12, 1))
    f.certification(p[7], associate, D(2025, 1, 1))
    f.certification(p[8], associate, D(2025, 1, 1))
    f.certification(p[10], associate, D(2023, 6, 1), expires_on=D(2025, 6, 1))
    return p


def as_rows(figures):
    return [
        (s.name, s.partners, s.percent, s.cumulative_partners, s.cumulative_percent, s.band)
        for s in figures.levels
    ]


def test_distribution_and_cumulative_shares(program):
    figures = kpis.certification_levels(AS_OF)
    assert figures.active_partners == 8
    assert as_rows(figures) == [
        ("Associate", 1, Decimal("12.5"), 4, Decimal("50.0"), Band.ACTION_REQUIRED),
        ("Professional", 2, Decimal("25.0"), 3, Decimal("37.5"), Band.ACTION_REQUIRED),
        ("Expert", 1, Decimal("12.5"), 1, Decimal("12.5"), Band.ACTION_REQUIRED),
    ]
    assert (figures.not_certified, figures.not_certified_percent) == (4, Decimal("50.0"))
    # The headline: the target level (default: the lowest) cumulative share.
    assert figures.target.name == "Associate"
    assert figures.target.cumulative_percent == Decimal("50.0")
    assert figures.band == Band.ACTION_REQUIRED


def test_the_day_after_a_certification_expires_and_before_one_is_awarded(program):
    # On 14 Nov: p3's Expert is still valid (-> Expert), p4's Professional is not yet
    # awarded (-> not certified) and p7, ending on the 15th, is still active (-> Associate).
    # Exact: Associate p1 p7 = 2, Professional p2 = 1, Expert p3 p6 = 2; not certified
    # p4 p5 p9 p10 = 4; active 9.
    figures = kpis.certification_levels(AS_OF - dt.timedelta(days=1))
    assert [(s.name, s.partners) for s in figures.levels] == [
        ("Associate", 2),
        ("Professional", 1),
        ("Expert", 2),
    ]
    assert figures.not_certified == 4
    assert figures.active_partners == 9


def test_the_target_level_setting_moves_the_headline(program, settings):
    settings.KPI_TARGET_LEVEL = "professional"
    figures = kpis.certification_levels(AS_OF)
    assert (figures.target.name, figures.target.cumulative_percent) == (
        "Professional",
        Decimal("37.5"),
    )


def test_no_active_partner_is_undefined_not_an_error(levels):
    figures = kpis.certification_levels(AS_OF)
    assert figures.active_partners == 0
    assert not figures.is_defined
    assert figures.target.cumulative_percent is None
    assert figures.band is None
    assert figures.not_certified_percent is None


def test_no_levels_at_all():
    f.partner()
    figures = kpis.certification_levels(AS_OF)
    assert figures.levels == ()
    assert figures.target is None
    assert figures.not_certified == 1


def test_a_segment_counts_only_its_partners(program):
    # APAC (msp): p2 Professional, p4 Professional, p6 Expert -> 3 active, all certified.
    apac = f.region("APAC")
    figures = kpis.certification_levels(AS_OF, Segment(region=apac))
    assert figures.active_partners == 3
    assert [(s.name, s.partners, s.cumulative_partners) for s in figures.levels] == [
        ("Associate", 0, 3),
        ("Professional", 2, 3),
        ("Expert", 1, 1),
    ]
    assert figures.band == Band.EXEMPLARY
    by_type = kpis.certification_levels(AS_OF, Segment(partner_type=PartnerType.MSP))
    assert by_type.active_partners == 3


def test_the_tier_segment_is_the_tier_on_the_date(program, levels):
    registered, silver, *_ = f.standard_tiers()
    # p1 enrolled in Registered in 2024 and moved to Silver after the as-of date.
    f.transition(program[1], registered, D(2024, 1, 1), from_tier=None)
    f.transition(program[1], silver, D(2025, 12, 1))
    f.transition(program[9], silver, D(2024, 3, 1), from_tier=None)
    on_date = kpis.certification_levels(AS_OF, Segment(tier=registered))
    assert on_date.active_partners == 1  # p1 was in Registered on 15 Nov
    assert on_date.target.cumulative_partners == 1
    silver_figures = kpis.certification_levels(AS_OF, Segment(tier=silver))
    assert silver_figures.active_partners == 1  # p9 only
    assert silver_figures.not_certified == 1


def test_breakdown_by_region_has_a_band_per_row(program):
    # EMEA: p1 Associate, p3 p5 p9 p10 not certified -> 5 active, 1 certified: 20.0%.
    # APAC: 3 active, 3 certified: 100.0%.
    rows = kpis.certification_breakdown(AS_OF, Dimension.REGION)
    assert [
        (r.label, r.figures.active_partners, r.figures.target.cumulative_percent, r.band)
        for r in rows
    ] == [
        ("APAC", 3, Decimal("100.0"), Band.EXEMPLARY),
        ("EMEA", 5, Decimal("20.0"), Band.ACTION_REQUIRED),
    ]
    assert rows[0].params == {"region": "APAC"}


def test_breakdown_by_partner_type_tier_and_account_manager(program, manager):
    Partner.objects.filter(name__in=["p1", "p2"]).update(account_manager=manager)
    registered, *_ = f.standard_tiers()
    f.transition(program[1], registered, D(2024, 1, 1), from_tier=None)
    by_type = kpis.certification_breakdown(AS_OF, Dimension.PARTNER_TYPE)
    assert [(r.label, r.figures.active_partners) for r in by_type] == [
        ("Managed service provider", 3),
        ("Reseller", 5),
    ]
    by_tier = kpis.certification_breakdown(AS_OF, Dimension.TIER)
    assert [(r.label, r.figures.active_partners, r.params) for r in by_tier] == [
        ("No tier", 7, {}),
        ("Registered", 1, {"tier": "Registered"}),
    ]
    by_manager = kpis.certification_breakdown(AS_OF, Dimension.ACCOUNT_MANAGER)
    assert [
        (r.label, r.figures.active_partners, r.figures.target.cumulative_partners)
        for r in by_manager
    ] == [("Morgan Manager", 2, 2), ("No account manager", 6, 2)]


def test_trend_at_the_last_eight_quarter_ends(program):
    # p1..p10 joined 2024-01-01, so the quarter ends from 2023-12-31 have no active partner.
    trend = kpis.certification_trend(AS_OF)
    assert [p.as_of for p in trend] == [
        D(2023, 12, 31),
        D(2024, 3, 31),
        D(2024, 6, 30),
        D(2024, 9, 30),
        D(2024, 12, 31),
        D(2025, 3, 31),
        D(2025, 6, 30),
        D(2025, 9, 30),
    ]
    first = trend[0]
    assert (first.active_partners, first.cumulative_percent, first.band) == (0, None, None)
    # 30 Sep 2025: nine active (p8 joins in November). Certified: p1, p2, p3 (Expert until
    # 15 Nov), p5 (revoked 1 Oct), p6, p7 -> 6 of 9 = 66.66%, shown 66.6%: Action required.
    last = trend[-1]
    assert (last.active_partners, last.cumulative_partners) == (9, 6)
    assert (last.cumulative_percent, last.band) == (Decimal("66.6"), Band.ACTION_REQUIRED)
    # 30 Jun 2024: p2's Associate (awarded 1 Jun 2024) and p10's (June 2023 - June 2025):
    # 2 of 9 = 22.2%.
    assert (trend[2].cumulative_partners, trend[2].cumulative_percent) == (2, Decimal("22.2"))


def test_trend_follows_a_non_january_fiscal_year(program, settings):
    settings.FISCAL_YEAR_START_MONTH = 2
    trend = kpis.certification_trend(AS_OF, count=2)
    # Quarters end in January, April, July and October.
    assert [p.as_of for p in trend] == [D(2025, 7, 31), D(2025, 10, 31)]


def test_89_96_percent_reads_89_9_and_good_standing(levels):
    # 2,500 active partners, 2,249 certified: 89.96%, truncated to 89.9, Good standing.
    associate = levels[0]
    region = f.region()
    partners = Partner.objects.bulk_create(
        Partner(name=f"bulk {n}", partner_type="reseller", region=region, joined_on=D(2024, 1, 1))
        for n in range(2500)
    )
    PartnerCertification.objects.bulk_create(
        PartnerCertification(partner=p, level=associate, awarded_on=D(2024, 2, 1))
        for p in partners[:2249]
    )
    figures = kpis.certification_levels(AS_OF)
    assert figures.target.cumulative_percent == Decimal("89.9")
    assert figures.band == Band.GOOD_STANDING


def test_risks_expiring_and_lapsed(levels):
    associate, professional, _ = levels
    a, b, c, d = (f.partner(n, joined_on=D(2024, 1, 1)) for n in "abcd")
    # a: expires in 90 days (counted), b: in 91 days (not), c: lapsed 1 Oct (certified on
    # 15 Aug, not on 15 Nov), d: renewed without a gap (not lapsed).
    f.certification(a, associate, D(2025, 1, 1), expires_on=AS_OF + dt.timedelta(days=90))
    f.certification(b, associate, D(2025, 1, 1), expires_on=AS_OF + dt.timedelta(days=91))
    f.certification(c, professional, D(2024, 1, 1), expires_on=D(2025, 10, 1))
    f.certification(d, associate, D(2024, 1, 1), expires_on=D(2025, 10, 1))
    f.certification(d, associate, D(2025, 9, 20))
    risks = kpis.certification_risks(AS_OF)
    assert (risks.expiring_certifications, risks.expiring_partners) == (1, 1)
    assert (risks.lapsed_partners, risks.lapsed_percent) == (1, Decimal("25.0"))


def test_partners_behind_each_figure(program, levels):
    associate, professional, _ = levels

    def names(**kwargs):
        return sorted(p.name for p in kpis.partners_behind(AS_OF, **kwargs))

    assert names(mode="exact", level=professional) == ["p2", "p4"]
    assert names(mode="cumulative", level=associate) == ["p1", "p2", "p4", "p6"]
    assert names(mode="not_certified") == ["p10", "p3", "p5", "p9"]
    assert names(mode="cumulative", level=associate, segment=Segment(region=f.region("EMEA"))) == [
        "p1"
    ]


def test_each_kpi_function_costs_the_same_queries_for_5_and_50_partners(levels):
    def grow_to(count):
        region = f.region()
        start = Partner.objects.count()
        partners = Partner.objects.bulk_create(
            Partner(name=f"n{n}", partner_type="msp", region=region, joined_on=D(2024, 1, 1))
            for n in range(start, count)
        )
        PartnerCertification.objects.bulk_create(
            PartnerCertification(partner=p, level=levels[n % 3], awarded_on=D(2024, 5, 1))
            for n, p in enumerate(partners)
        )

    calls = {
        # Levels, then the day's cube (one query, live: 15 Nov is no quarter end).
        "levels": (2, lambda: kpis.certification_levels(AS_OF)),
        # Levels, cube, the segments' labels.
        "breakdown": (3, lambda: kpis.certification_breakdown(AS_OF, Dimension.REGION)),
        # Levels, then the eight quarter ends' snapshots in one query.
        "trend": (2, lambda: kpis.certification_trend(AS_OF)),
        "risks": (3, lambda: kpis.certification_risks(AS_OF)),
    }
    grow_to(5)
    kpis.certification_trend(AS_OF)  # the first call keeps the quarter ends' snapshots
    for name, (expected, call) in calls.items():
        with CaptureQueriesContext(connection) as small:
            call()
        assert len(small) == expected, name
    grow_to(50)
    PartnerCertification.objects.first().save()  # a write drops the snapshots...
    kpis.certification_trend(AS_OF)  # ...which the next call keeps again
    for name, (expected, call) in calls.items():
        with CaptureQueriesContext(connection) as large:
            call()
        assert len(large) == expected, name
