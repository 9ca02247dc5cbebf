import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from certifications.cube import level_cubes
from certifications.kpis import certification_risks
from partnerprogram.devtools.bulk import analyze
from partnerprogram.kpis import standing_counts
from partnerprogram.models import Partner
from partnerprogram.rules.periods import Period, PeriodKind, quarter_ends
from partnerprogram.state import forget_past_days, refresh_levels
from tiers.kpis import TREND_LENGTH, advancing_counts, stagnant_count


class Command(BaseCommand):
    help = (
        "Make the stored state true for today (every partner's current certification level: "
        "certifications expire with time), then fill the KPI snapshots of today and of closed "
        "periods. Run it every night, after midnight in TIME_ZONE."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--quarters",
            type=int,
            default=12,
            help="How many closed fiscal quarter ends to snapshot (12).",
        )

    def handle(self, *args, quarters, **options):
        started = time.monotonic()
        today = refresh_levels()
        self.stdout.write(f"Current levels as of {today}: {time.monotonic() - started:.1f} s")
        # Fresh planner statistics (SQLite has no autovacuum), and on PostgreSQL the
        # visibility map that lets today's figures come from index-only scans of the
        # partners' covering indexes right after their stored state was rewritten.
        step = time.monotonic()
        analyze(Partner._meta.db_table)
        self.stdout.write(f"Statistics for the planner: {time.monotonic() - step:.1f} s")
        step = time.monotonic()
        forget_past_days(today)
        days = quarter_ends(today - timezone.timedelta(days=1), quarters)
        level_cubes([*days, today])
        certification_risks(today)
        standing_counts(today)
        periods = []
        for kind in (PeriodKind.QUARTER, PeriodKind.MONTH, PeriodKind.YEAR):
            current = Period.containing(kind, today)
            stagnant_count(current)
            periods += current.previous().trailing(max(TREND_LENGTH, quarters) + 4)
        advancing_counts(periods)
        for day in days:
            stagnant_count(Period.quarter_containing(day))
        self.stdout.write(
            f"Snapshots of today, {len(days)} quarter ends and {len(periods)} closed periods: "
            f"{time.monotonic() - step:.1f} s"
        )
