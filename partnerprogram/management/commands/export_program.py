import sys

from django.core.management.base import BaseCommand

from partnerprogram.transfer.exporter import export_program


class Command(BaseCommand):
    help = (
        "Export the whole partner program as a folder of CSV files, the format import_program "
        "reads. A table with no rows gets no file."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="The folder to write (created if missing).")

    def handle(self, *args, directory, **options):
        counts = export_program(directory, progress=self.progress)
        if sys.stderr.isatty():
            sys.stderr.write("\r\033[K")
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count:,} rows" if count else f"{name}: no rows, no file")

    def progress(self, label, done, total):
        if sys.stderr.isatty():
            sys.stderr.write(f"\r  writing {label}: {done:,} rows\033[K")
            sys.stderr.flush()
