import sys

from django.core.management.base import BaseCommand, CommandError

from partnerprogram.transfer.importer import import_program
from partnerprogram.transfer.sources import SourceError, from_path


class Command(BaseCommand):
    help = (
        "Import a partner program from a folder of CSV files (or a .zip of it, or one CSV file "
        "named after its file), all or nothing: every problem is listed as file:line: column: "
        "message and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The folder (or .zip, or single .csv) to import.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report; write nothing."
        )
        parser.add_argument(
            "--create-users",
            action="store_true",
            help=(
                "Create the users the files name by username that do not exist, inactive and "
                "without a password (without it, each is a problem)."
            ),
        )

    def handle(self, *args, path, dry_run, create_users, **options):
        try:
            source = from_path(path)
        except SourceError as error:
            raise CommandError(str(error)) from None
        self.progress_shown = False
        try:
            result = import_program(
                source, dry_run=dry_run, create_users=create_users, progress=self.progress
            )
        except SourceError as error:  # a damaged zip member, found while reading it
            raise CommandError(str(error)) from None
        if self.progress_shown:
            sys.stderr.write("\r\033[K")
        if result.problems:
            for problem in result.problems:
                self.stderr.write(str(problem))
            count = len(result.problems)
            raise CommandError(
                f"{count:,} problem{'s' if count != 1 else ''}; nothing was written.",
                returncode=1,
            )
        for line in result.summary_lines():
            self.stdout.write(line)
        if result.written:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Imported {result.rows:,} rows in {result.seconds:.1f} s "
                    f"({result.rows / max(result.seconds, 0.001):,.0f} rows/s)."
                )
            )

    def progress(self, label, done, total):
        """A one-line progress bar on a terminal: "checking partners.csv: 35%"."""
        if sys.stderr.isatty() and total:
            self.progress_shown = True
            sys.stderr.write(f"\r  {label}: {done * 100 // total}%\033[K")
            sys.stderr.flush()
