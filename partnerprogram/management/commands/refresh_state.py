import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from certifications.cube import level_cubes, level_segments, level_totals
from certifications.kpis import certification_risks
from partnerprogram import freshness
from partnerprogram.kpis import partner_count, standing_counts
from partnerprogram.rules.periods import Period, PeriodKind, quarter_ends
from tiers.kpis import TREND_LENGTH, advancing_counts, stagnant_count


class Command(BaseCommand):
    help = (
        "Make the stored state true for today (every partner's current certification level: "
        "certifications expire with time), tidy the kept figures, then fill the kept figures "
        "of today and of closed periods. Run it every night, after midnight in TIME_ZONE."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--quarters",
            type=int,
            default=12,
            help="How many closed fiscal quarter ends to fill (12).",
        )

    def handle(self, *args, quarters, **options):
        started = time.monotonic()
        today = freshness.refresh()
        self.stdout.write(
            f"Stored levels as of {today}, statistics, kept figures tidied: "
            f"{time.monotonic() - started:.1f} s"
        )
        step = time.monotonic()
        days = quarter_ends(today - timezone.timedelta(days=1), quarters)
        level_cubes([*days, today])
        level_totals([*days, today])
        level_segments(today)  # the segments in Action required, on the pages about today
        certification_risks(today)
        standing_counts(today)
        partner_count()
        periods, current_periods = [], []
        for kind in (PeriodKind.QUARTER, PeriodKind.MONTH, PeriodKind.YEAR):
            current = Period.containing(kind, today)
            stagnant_count(current)  # judged on today
            current_periods += [current, current.previous()]
            periods += current.trailing(max(TREND_LENGTH, quarters) + 5)
            # The current period is to date: compared with as many days at the start of the
            # previous period and of the one a year earlier.
            so_far = current.days_to(today)
            periods += [current.previous().first_days(so_far)]
            periods += [current.year_earlier().first_days(so_far)]
        advancing_counts(periods)
        freshness.counts(freshness.PERIOD_TOTALS, current_periods)
        for day in days:
            stagnant_count(Period.quarter_containing(day))
        self.stdout.write(
            f"Kept figures of today, {len(days)} quarter ends and {len(periods)} periods: "
            f"{time.monotonic() - step:.1f} s"
        )
