import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from partnerprogram import freshness
from partnerprogram.devtools import demo
from partnerprogram.freshness.nightly import analyze
from partnerprogram.models import Partner
from partnerprogram.rules.periods import parse_date


class Command(BaseCommand):
    help = (
        "Fill the database with a realistic, deterministic demo partner program. Refuses to add "
        "to a database that already has partners unless --reset."
    )

    def add_arguments(self, parser):
        parser.add_argument("--partners", type=int, default=300, help="How many partners (300).")
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed; same seed, same data."
        )
        parser.add_argument(
            "--today", help="Pretend today is this date (YYYY-MM-DD); default: today."
        )
        parser.add_argument(
            "--reset", action="store_true", help="Delete every partner record first."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when the database already has partners.",
        )

    def handle(self, *args, partners, seed, today, reset, if_empty, **options):
        if partners < 1:
            raise CommandError("--partners must be at least 1.")
        try:
            today = parse_date(today) if today else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"--today: {error}") from None
        existing = Partner.objects.count()
        if existing and not reset:
            if if_empty:
                self.stdout.write(f"The database already has {existing} partners; not seeding.")
                return
            raise CommandError(
                f"The database already has {existing} partners. Use --reset to replace them "
                "with the demo program."
            )
        started = time.monotonic()
        if reset:
            demo.delete_program()
        program = demo.generate_program(partners=partners, seed=seed, today=today)
        generated = time.monotonic()
        demo.write_program(program, progress=self.progress)
        freshness.refresh(today)  # the stored levels of the demo's today
        analyze()
        if sys.stderr.isatty():
            sys.stderr.write("\n")
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {len(program.partners):,} partners, "
                f"{len(program.certifications):,} certifications, "
                f"{len(program.transitions):,} tier transitions, {len(program.feedback):,} "
                f"feedback entries, {len(program.reviews):,} reviews and "
                f"{len(program.action_items):,} action items in {elapsed:.1f} s "
                f"(generated in {generated - started:.1f} s; "
                f"{len(program.partners) / elapsed:,.0f} partners/s)."
            )
        )

    def progress(self, label, done, total):
        if sys.stderr.isatty():
            sys.stderr.write(f"\r  writing {label}: {done:,}/{total:,}\033[K")
            sys.stderr.flush()
