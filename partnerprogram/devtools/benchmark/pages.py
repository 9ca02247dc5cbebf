"""The benchmarked requests, each with the hand-written SQL that computes its numbers; and
the pages with a form or a filter, which show no figures, timed with their size (a picker
that sent every partner made such a page 25 MB)."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from certifications.kpis import levels_by_rank
from partnerprogram.devtools.benchmark import sql
from partnerprogram.models import Partner, Region
from partnerprogram.rules.periods import Period, quarter_ends


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    statements: list  # [(sql, params)] of the hand-written equivalent; none: no figures
    # Shows figures of today, which a write drops: also timed on the request after a write.
    of_today: bool = False


def pages():
    today = timezone.localdate()
    _, target = levels_by_rank()
    target_rank = target.rank if target else 1
    quarter_end = quarter_ends(today - dt.timedelta(days=1), 1)[0]
    # A day that is no quarter end, and no snapshot: computed live.
    arbitrary = quarter_end - dt.timedelta(days=47)
    quarter = Period.quarter_containing(today)
    past = quarter.previous().previous()
    region = Region.objects.order_by("name").first()
    partner = Partner.objects.order_by("name")[Partner.objects.count() // 2]
    deep_page = max(1, Partner.objects.count() // 25 // 2)
    return [
        Page("dashboard", "/", sql.dashboard(today, target_rank), of_today=True),
        Page(
            "certification levels, today",
            "/kpi/certification-levels/",
            sql.certification_page(today, target_rank, stored=True),
            of_today=True,
        ),
        Page(
            f"certification levels, quarter end {quarter_end}",
            f"/kpi/certification-levels/?as_of={quarter_end}",
            sql.certification_page(quarter_end, target_rank, stored=False),
        ),
        Page(
            f"certification levels, past day {arbitrary}",
            f"/kpi/certification-levels/?as_of={arbitrary}",
            sql.certification_page(arbitrary, target_rank, stored=False),
        ),
        Page(
            f"tier advancements, this quarter {quarter.key}",
            "/kpi/tier-advancements/",
            sql.tier_page(quarter, today),
            of_today=True,
        ),
        Page(
            f"tier advancements, past quarter {past.key}",
            f"/kpi/tier-advancements/?period={past.key}",
            sql.tier_page(past, today),
        ),
        Page("partner list, first page", "/partners/", sql.partner_list(today), of_today=True),
        Page(
            f"partner list, region {region.name}",
            f"/partners/?region={region.name.replace(' ', '+').replace('&', '%26')}",
            sql.partner_list(today, region_id=region.pk),
        ),
        Page(
            f"partner list, page {deep_page}",
            f"/partners/?page={deep_page}",
            sql.partner_list(today, page=deep_page),
        ),
        Page("partner page", f"/partners/{partner.pk}/", sql.partner_page(partner.pk, today)),
        Page("remediation", "/remediation/", sql.remediation_page(today), of_today=True),
        Page(
            "API certification levels",
            "/api/kpi/certification-levels/",
            sql.labels() + sql.cube_stored(today) + sql.certification_trend(today, target_rank),
        ),
        Page(
            "API tier advancements",
            "/api/kpi/tier-advancements/",
            sql.tier_page(quarter, today, tables=False),
        ),
        Page(
            "API below threshold",
            "/api/partners/below-threshold/",
            sql.remediation_page(today, rows="LIMIT 500"),  # its first page
        ),
        *FORM_PAGES,
        Page("partner search", f"/partners/search/?q={partner.name[:3]}", []),
        Page("certification form", f"/partners/{partner.pk}/certifications/new/", []),
        Page("tier transition form", f"/partners/{partner.pk}/transitions/new/", []),
    ]


FORM_PAGES = (
    Page("feedback list", "/feedback/", []),
    Page("feedback form", "/feedback/new/", []),
    Page("reviews list", "/remediation/reviews/", []),
    Page("review form", "/remediation/reviews/new/", []),
)
