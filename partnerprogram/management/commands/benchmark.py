"""`make bench`: build (or reuse) a large program on SQLite and on PostgreSQL, time every
page through Django beside hand-written SQL for the same numbers, and print a table (also
written as JSON). Each database runs in its own process with its own DATABASE_URL."""

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Exists, OuterRef
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certifications.models import CertificationLevel, PartnerCertification
from partnerprogram.devtools.benchmark.pages import pages
from partnerprogram.models import Partner
from tiers.models import Tier

BENCH_DIR = Path(settings.BASE_DIR) / ".bench"


def schema_key():
    """A short hash of every migration: a changed schema builds new databases."""
    digest = hashlib.sha1()
    for path in sorted(Path(settings.BASE_DIR).glob("*/migrations/0*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


class Command(BaseCommand):
    help = (
        "Benchmark the pages at --partners partners on SQLite and PostgreSQL against "
        "hand-written SQL; builds the databases once per set of parameters."
    )

    def add_arguments(self, parser):
        parser.add_argument("--partners", type=int, default=500_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--targets", default="sqlite,postgres")
        parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/")
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument(
            "--import-partners",
            type=int,
            default=None,
            help="Partners in the import throughput test (default: --partners).",
        )
        parser.add_argument("--output", default=str(BENCH_DIR / "results.json"))
        parser.add_argument("--measure", help=argparse.SUPPRESS)

    def handle(self, *args, **options):
        if options["measure"]:
            return self.measure(options["measure"], options["repeat"])
        BENCH_DIR.mkdir(exist_ok=True)
        self.run_manage(["collectstatic", "--noinput", "-v0"], env={})
        results = {"partners": options["partners"], "seed": options["seed"], "targets": {}}
        for target in options["targets"].split(","):
            results["targets"][target] = self.bench_target(target, options)
        Path(options["output"]).write_text(json.dumps(results, indent=2, default=str))
        self.report(results)
        self.stdout.write(f"\nJSON: {options['output']}")

    # --- orchestration (this process) --------------------------------------------------

    def database_url(self, target, options, partners, suffix=""):
        key = f"{partners}_{options['seed']}_{schema_key()}{suffix}"
        if target == "sqlite":
            return f"sqlite:///{BENCH_DIR / f'pp_{key}.sqlite3'}"
        if target == "postgres":
            name = f"pp_bench_{key}"
            self.psql(options["postgres"], f"CREATE DATABASE {name}", ignore_errors=True)
            return options["postgres"].rstrip("/") + "/" + name
        raise CommandError(f"Unknown target {target!r}: use sqlite and/or postgres.")

    def psql(self, base_url, statement, ignore_errors=False):
        import psycopg

        try:
            with psycopg.connect(base_url.rstrip("/") + "/postgres", autocommit=True) as conn:
                conn.execute(statement)
        except psycopg.Error:
            if not ignore_errors:
                raise

    def run_manage(self, arguments, env, capture=False, peak_memory=False):
        """Run manage.py in a child process: (seconds, stdout), and with `peak_memory` the
        child's peak resident memory in MB as well (GNU time's %M)."""
        environment = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": "benchmark-only",
            "ALLOWED_HOSTS": "testserver",
            **env,
        }
        command = [sys.executable, "manage.py", *arguments]
        peak_file = BENCH_DIR / "peak-memory.txt"
        if peak_memory:
            command = ["/usr/bin/time", "-f", "%M", "-o", str(peak_file), *command]
        started = time.monotonic()
        result = subprocess.run(
            command, cwd=settings.BASE_DIR, env=environment, capture_output=capture, text=True
        )
        if result.returncode:
            raise CommandError(
                f"manage.py {' '.join(arguments)} failed:\n{result.stderr if capture else ''}"
            )
        seconds, out = time.monotonic() - started, result.stdout if capture else ""
        if peak_memory:
            kilobytes = int(peak_file.read_text().split()[-1])
            return seconds, out, round(kilobytes / 1024)
        return seconds, out

    def build(self, url, partners, seed):
        """Migrate and seed a database unless it already holds this program; the seed's
        time, from this build or the recorded one."""
        env = {"DATABASE_URL": url}
        record = BENCH_DIR / (hashlib.sha1(url.encode()).hexdigest()[:12] + ".json")
        self.run_manage(["migrate", "--noinput", "-v0"], env)
        if record.exists():
            return json.loads(record.read_text())
        self.stdout.write(f"  seeding {partners:,} partners into {url} ...")
        seconds, _ = self.run_manage(
            ["seed_demo", "--partners", str(partners), "--seed", str(seed), "--reset"], env
        )
        built = {
            "seed_seconds": round(seconds, 1),
            "partners_per_second": round(partners / seconds),
        }
        record.write_text(json.dumps(built))
        return built

    def bench_target(self, target, options):
        self.stdout.write(f"\n== {target}")
        url = self.database_url(target, options, options["partners"])
        built = self.build(url, options["partners"], options["seed"])
        env = {"DATABASE_URL": url}
        refresh, _ = self.run_manage(["refresh_state"], env)
        measured = BENCH_DIR / f"measure-{target}.json"
        self.run_manage(
            ["benchmark", "--measure", str(measured), "--repeat", str(options["repeat"])], env
        )
        measured = json.loads(measured.read_text())
        pages = measured["pages"]
        # The same pages at 50 partners: their query counts must not grow with the program.
        small_url = self.database_url(target, options, 50, suffix="_small")
        self.build(small_url, 50, options["seed"])
        self.run_manage(["refresh_state"], {"DATABASE_URL": small_url})
        small = BENCH_DIR / f"measure-{target}-small.json"
        self.run_manage(
            ["benchmark", "--measure", str(small), "--repeat", "1"], {"DATABASE_URL": small_url}
        )
        small_queries = [page["queries"] for page in json.loads(small.read_text())["pages"]]
        for page, queries in zip(pages, small_queries, strict=True):
            page["queries_at_50"] = queries
        return {
            "seed": built,
            "refresh_state_seconds": round(refresh, 1),
            "import": self.bench_import(target, options, url),
            "pages": pages,
            "writes": measured["writes"],
        }

    def bench_import(self, target, options, url):
        """Export the big program, import it into an empty database: rows per second. Done
        once per program and schema (minutes at 500,000 partners); later runs reuse it."""
        partners = options["import_partners"] or options["partners"]
        record = BENCH_DIR / f"import-{partners}-{options['seed']}-{schema_key()}-{target}.json"
        if record.exists():
            return json.loads(record.read_text())
        source = url
        if partners != options["partners"]:
            source = self.database_url(target, options, partners)
            self.build(source, partners, options["seed"])
        folder = BENCH_DIR / f"export-{partners}-{options['seed']}-{target}"
        export_seconds, _, export_peak = self.run_manage(
            ["export_program", str(folder)], {"DATABASE_URL": source}, peak_memory=True
        )
        rows = sum(
            max(0, sum(1 for _ in path.open(encoding="utf-8")) - 1) for path in folder.glob("*.csv")
        )
        empty = self.database_url(target, options, partners, suffix="_import")
        if target == "sqlite":
            Path(empty.removeprefix("sqlite:///")).unlink(missing_ok=True)
        else:
            name = empty.rsplit("/", 1)[1]
            self.psql(options["postgres"], f"DROP DATABASE IF EXISTS {name}")
            self.psql(options["postgres"], f"CREATE DATABASE {name}")
        env = {"DATABASE_URL": empty}
        self.run_manage(["migrate", "--noinput", "-v0"], env)
        self.run_manage(["seed_demo", "--partners", "1", "--reset"], env)  # the users
        self.run_manage(
            ["shell", "-c", "from partnerprogram.devtools import demo; demo.delete_program()"], env
        )
        seconds, _, peak = self.run_manage(
            ["import_program", str(folder), "--create-users"], env, capture=True, peak_memory=True
        )
        result = {
            "partners": partners,
            "rows": rows,
            "seconds": round(seconds, 1),
            "rows_per_second": round(rows / seconds),
            "peak_mb": peak,
            "export_seconds": round(export_seconds, 1),
            "export_peak_mb": export_peak,
        }
        record.write_text(json.dumps(result))
        return result

    # --- measurement (a child process, on one database) ---------------------------------

    def measure(self, output, repeat):
        user, _ = get_user_model().objects.get_or_create(
            username="benchmark", defaults={"is_staff": True, "is_superuser": True}
        )
        client = Client()
        client.force_login(user)
        self.settle()
        results = []
        for page in pages():
            assert client.get(page.url).status_code == 200, page.url  # warm-up
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                client.get(page.url)
                times.append(time.perf_counter() - started)
            after_write = self.after_write(client, page.url) if page.of_today else None
            with CaptureQueriesContext(connection) as queries:
                response = client.get(page.url)
            sql_times = []
            self.run_sql(page.statements)  # warm-up
            for _ in range(repeat if page.statements else 0):  # a form page has no SQL
                started = time.perf_counter()
                self.run_sql(page.statements)
                sql_times.append(time.perf_counter() - started)
            results.append(
                {
                    "page": page.name,
                    "url": page.url,
                    "median_ms": round(statistics.median(times) * 1000, 1),
                    # Session and user lookups are Django's, not the page's.
                    "queries": len(queries),
                    "kilobytes": round(len(response.content) / 1024, 1),
                    "sql_median_ms": round(statistics.median(sql_times or [0]) * 1000, 1),
                    "after_write_ms": after_write,
                    "sql_statements": len(page.statements),
                }
            )
        measured = {"pages": results, "writes": self.time_writes(repeat)}
        Path(output).write_text(json.dumps(measured, indent=2))

    @staticmethod
    def after_write(client, url, repeat=3):
        """The median time of the request that follows a write dated today: a certification
        awarded today to an active partner, withdrawn after the request (both writes keep
        today's kept figures true)."""
        times = []
        for certification in award_today(repeat):
            started = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - started)
            certification.delete()
        return round(statistics.median(times) * 1000, 1)

    @staticmethod
    def time_writes(repeat):
        """Median milliseconds of the writes a manager makes, with what they keep true:
        saving a tier's description, awarding a certification today, deleting it."""
        tier = Tier.objects.order_by("rank").first()
        description = tier.description
        saving, awarding, deleting = [], [], []
        for n in range(repeat):
            tier.description = f"{description} ({n})"
            started = time.perf_counter()
            tier.save()
            saving.append(time.perf_counter() - started)
        tier.description = description
        tier.save()
        for certification, seconds in award_today(repeat, timed=True):
            awarding.append(seconds)
            started = time.perf_counter()
            certification.delete()
            deleting.append(time.perf_counter() - started)
        return {
            name: round(statistics.median(times) * 1000, 1)
            for name, times in (
                ("tier description saved", saving),
                ("certification awarded today", awarding),
                ("certification deleted", deleting),
            )
        }

    @staticmethod
    def settle():
        """Write out what the seed and refresh_state left in memory now, rather than while
        pages are timed (a checkpoint in the background slowed them by up to half)."""
        if connection.in_atomic_block:
            return  # a test's transaction: nothing to write out
        statement = (
            "CHECKPOINT" if connection.vendor == "postgresql" else "PRAGMA wal_checkpoint(TRUNCATE)"
        )
        with connection.cursor() as cursor:
            cursor.execute(statement)

    @staticmethod
    def run_sql(statements):
        with connection.cursor() as cursor:
            for statement, params in statements:
                cursor.execute(statement, params)
                cursor.fetchall()

    def report(self, results):
        for target, data in results["targets"].items():
            seed, imported = data["seed"], data["import"]
            self.stdout.write(
                f"\n{target}: {results['partners']:,} partners; seed_demo "
                f"{seed['seed_seconds']} s ({seed['partners_per_second']:,} partners/s); "
                f"refresh_state {data['refresh_state_seconds']} s; import_program "
                f"{imported['rows']:,} rows in {imported['seconds']} s "
                f"({imported['rows_per_second']:,} rows/s, peak {imported.get('peak_mb', '?')} "
                f"MB); export_program {imported.get('export_seconds', '?')} s (peak "
                f"{imported.get('export_peak_mb', '?')} MB)"
            )
            self.stdout.write(
                f"{'page':48} {'Django ms':>10} {'queries':>8} {'at 50':>6} "
                f"{'SQL ms':>8} {'ratio':>6} {'after a write':>14} {'KB':>7}"
            )
            for page in data["pages"]:
                ratio = page["median_ms"] / page["sql_median_ms"] if page["sql_median_ms"] else 0
                after_write = page.get("after_write_ms")
                sql_ms = f"{page['sql_median_ms']:.1f}" if page["sql_statements"] else "–"
                self.stdout.write(
                    f"{page['page'][:48]:48} {page['median_ms']:>10.1f} {page['queries']:>8} "
                    f"{page['queries_at_50']:>6} {sql_ms:>8} {ratio:>6.2f} "
                    f"{'' if after_write is None else f'{after_write:.1f}':>14} "
                    f"{page.get('kilobytes', 0):>7.1f}"
                )
            for write, ms in data["writes"].items():
                self.stdout.write(f"{write:48} {ms:>10.1f}")


def award_today(count, *, timed=False):
    """Award `count` certifications today to active partners that hold none awarded today,
    one at a time, yielding each (and how long its write took, when `timed`)."""
    today = timezone.localdate()
    level = CertificationLevel.objects.order_by("rank").first()
    awarded_today = PartnerCertification.objects.filter(partner=OuterRef("pk"), awarded_on=today)
    partners = (
        Partner.objects.active_on(today)
        .exclude(Exists(awarded_today))
        .order_by("pk")
        .values_list("pk", flat=True)[:count]
    )
    for partner_id in list(partners):
        started = time.perf_counter()
        certification = PartnerCertification.objects.create(
            partner_id=partner_id, level=level, awarded_on=today, notes="benchmark"
        )
        seconds = time.perf_counter() - started
        yield (certification, seconds) if timed else certification
