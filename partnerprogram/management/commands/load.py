"""`make load`: requests per second that the pages sustain under concurrent users.

On the `make bench` database of each target, it starts gunicorn (3 sync workers, DEBUG=0) on
127.0.0.1, logs a user in, and runs wrk against each page at 4, 16 and 64 connections; then a
mixed run: the same pages at 16 connections while one client writes (a feedback entry and a
certification, one after the other, as fast as the server answers). It prints requests per
second, p50, p99 and errors per page, writes them as JSON, and stops its server.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from partnerprogram.management.commands.benchmark import BENCH_DIR
from partnerprogram.management.commands.benchmark import Command as Benchmark

PAGES = [
    ("dashboard", "/"),
    ("certification levels", "/kpi/certification-levels/"),
    ("tier advancements", "/kpi/tier-advancements/"),
    ("partner list", "/partners/"),
    ("remediation", "/remediation/"),
    ("API certification levels", "/api/kpi/certification-levels/"),
]
SECRET_KEY = "load-test-only"  # the server's and the session's: a session is signed with it
WRK_INSTALL = "wrk is needed: `apt-get install wrk` (Debian, Ubuntu) or `brew install wrk`."
# Who the load logs in as, and what the writer writes with: printed as JSON by a child
# process on the target database.
SETUP = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from certifications.models import CertificationLevel
from partnerprogram.models import Partner
user, _ = get_user_model().objects.get_or_create(
    username="load", defaults={"is_staff": True, "is_superuser": True})
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
from django.utils import timezone
today = timezone.localdate()
level = CertificationLevel.objects.order_by("-rank").values_list("pk", flat=True).first()
awarded_today = {"certifications__level": level, "certifications__awarded_on": today}
partners = list(Partner.objects.active_on(today).exclude(**awarded_today)
    .order_by("-pk").values_list("pk", "name")[:2000])
print(json.dumps({"session": session.session_key, "partners": partners, "level": level}))
"""


class Command(BaseCommand):
    help = __doc__.strip().splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument("--partners", type=int, default=500_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--targets", default="postgres,sqlite")
        parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/")
        parser.add_argument("--connections", default="4,16,64")
        parser.add_argument("--mixed-connections", type=int, default=16)
        parser.add_argument("--duration", type=int, default=15, help="Seconds per wrk run.")
        parser.add_argument("--workers", type=int, default=3)
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--output", default=str(BENCH_DIR / "load.json"))

    def handle(self, *args, **options):
        wrk = shutil.which("wrk")
        if wrk is None:
            raise CommandError(WRK_INSTALL)
        self.wrk = wrk
        bench = Benchmark()
        bench.stdout, bench.stderr = self.stdout, self.stderr
        bench.run_manage(["collectstatic", "--noinput", "-v0"], env={})
        results = {"partners": options["partners"], "targets": {}}
        for target in options["targets"].split(","):
            url = bench.database_url(target, options, options["partners"])
            if target == "sqlite" and not Path(url.removeprefix("sqlite:///")).exists():
                raise CommandError(f"No benchmark database at {url}: run `make bench` first.")
            results["targets"][target] = self.load_target(target, url, options, bench)
            Path(options["output"]).write_text(json.dumps(results, indent=2))
        self.report(results)
        self.stdout.write(f"\nJSON: {options['output']}")

    def load_target(self, target, url, options, bench):
        self.stdout.write(f"\n== {target}: {url}")
        env = self.environment(url)
        _, out = bench.run_manage(
            ["shell", "-c", SETUP], {"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY}, capture=True
        )
        setup = json.loads(out.strip().splitlines()[-1])
        if not setup["partners"]:
            raise CommandError(f"The database at {url} has no partner: run `make bench` first.")
        base = f"http://127.0.0.1:{options['port']}"
        cookie = f"sessionid={setup['session']}"
        with Server(env, options["workers"], options["port"]):
            pages = {}
            for name, path in PAGES:
                self.warm_up(base + path, cookie, options["workers"])
                runs = {}
                for connections in [int(c) for c in options["connections"].split(",")]:
                    runs[str(connections)] = self.run_wrk(
                        base + path, cookie, connections, options["duration"]
                    )
                    self.stdout.write(f"  {name} at {connections}: {runs[str(connections)]}")
                pages[name] = runs
            mixed, written = {}, 0
            for name, path in PAGES:
                writer = Writer(base, cookie, setup, start=written)
                writer.start()
                try:
                    run = self.run_wrk(
                        base + path, cookie, options["mixed_connections"], options["duration"]
                    )
                finally:
                    writer.stop()
                written = writer.index  # the next run writes to partners not written to yet
                run["writes"], run["write_errors"] = writer.done, writer.errors
                mixed[name] = run
                self.stdout.write(f"  {name} while writing: {run}")
        return {"pages": pages, "mixed": mixed, "mixed_connections": options["mixed_connections"]}

    def environment(self, url):
        return {
            **os.environ,
            "DATABASE_URL": url,
            "DEBUG": "0",
            "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            # What is measured is serving the API, not refusing one user's many requests.
            "API_THROTTLE_RATE": "1000000/minute",
        }

    def warm_up(self, url, cookie, workers):
        """Each worker's first requests of a page (templates, URL patterns, connections)
        are not measured: as many at once as there are workers, twice over."""
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(lambda _: self.request(url, cookie), range(2 * workers)))

    def request(self, url, cookie):
        """A GET that must answer 200 itself: a redirect (to the login page, say) would be
        counted by wrk as a success."""
        request = urllib.request.Request(url, headers={"Cookie": cookie})
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=120) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        if status != 200:
            raise CommandError(f"{url} answered {status}, not 200, to the logged-in user.")

    def run_wrk(self, url, cookie, connections, duration):
        threads = min(2, connections)
        result = subprocess.run(
            [
                self.wrk,
                f"-t{threads}",
                f"-c{connections}",
                f"-d{duration}s",
                "--timeout",
                "10s",
                "--latency",
                "-H",
                f"Cookie: {cookie}",
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        try:
            return parse_wrk(result.stdout)
        except (AttributeError, KeyError):
            raise CommandError(f"wrk's report could not be read:\n{result.stdout}") from None

    def report(self, results):
        for target, data in results["targets"].items():
            connections = list(next(iter(data["pages"].values())))
            self.stdout.write(f"\n{target}: {results['partners']:,} partners")
            header = " | ".join(f"{c} conn req/s (p50, p99)" for c in connections)
            self.stdout.write(
                f"| page | {header} | errors | mixed {data['mixed_connections']} conn req/s |"
            )
            self.stdout.write("|---" + "|---:" * (len(connections) + 2) + "|")
            for name, runs in data["pages"].items():
                cells = " | ".join(
                    f"{run['rps']:.1f} ({ms(run['p50_ms'])}, {ms(run['p99_ms'])})"
                    for run in runs.values()
                )
                errors = sum(run["errors"] for run in runs.values())
                mixed = data["mixed"][name]
                self.stdout.write(
                    f"| {name} | {cells} | {errors} | {mixed['rps']:.1f} "
                    f"({ms(mixed['p50_ms'])}, {ms(mixed['p99_ms'])}; {mixed['writes']} writes) |"
                )


def ms(value):
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _milliseconds(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return round(float(number) * UNITS[unit], 3)


def parse_wrk(output):
    """{rps, p50_ms, p99_ms, requests, errors} from wrk's --latency output. Errors are
    non-2xx/3xx answers and socket errors (connect, read, write, timeout)."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(match.group(1))
    if match := re.search(r"Socket errors: (.*)", output):
        errors += sum(int(n) for n in re.findall(r"\d+", match.group(1)))
    return {
        "rps": rps,
        "p50_ms": _milliseconds(latency["50"]),
        "p99_ms": _milliseconds(latency["99"]),
        "requests": requests,
        "errors": errors,
    }


class Server:
    """gunicorn on 127.0.0.1 for the length of a `with` block."""

    def __init__(self, env, workers, port):
        self.env, self.workers, self.port = env, workers, port

    def __enter__(self):
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.process = subprocess.Popen(
            [
                gunicorn,
                "partnerprogram.config.wsgi",
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ],
            cwd=settings.BASE_DIR,
            env=self.env,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if self.process.poll() is not None:
                    raise CommandError("gunicorn stopped at its start.") from None
                time.sleep(0.3)
        self.__exit__()
        raise CommandError(f"gunicorn did not answer on 127.0.0.1:{self.port} within 60 s.")

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class Writer(threading.Thread):
    """One client that writes while wrk reads: a feedback entry, then a certification
    award, each to the next partner of the list, as fast as the server answers."""

    def __init__(self, base, cookie, setup, start=0):
        super().__init__(daemon=True)
        self.base, self.setup, self.index = base, setup, start
        self.stopping = threading.Event()
        self.done = self.errors = 0
        self.csrf = "x" * 32  # the CSRF secret, sent as cookie and as field
        self.cookie = f"{cookie}; csrftoken={self.csrf}"

    def run(self):
        today = time.strftime("%Y-%m-%d")
        partners = self.setup["partners"]
        while not self.stopping.is_set():
            pk, name = partners[self.index % len(partners)]
            self.index += 1
            self.post(
                "/feedback/new/",
                {
                    "partner": name,
                    "received_on": today,
                    "channel": "call",
                    "topic": "training",
                    "rating": "4",
                    "comment": "Load test",
                },
            )
            self.post(
                f"/partners/{pk}/certifications/new/",
                {"level": str(self.setup["level"]), "awarded_on": today},
            )

    def post(self, path, fields):
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": self.csrf}).encode()
        request = urllib.request.Request(
            self.base + path,
            data=data,
            headers={"Cookie": self.cookie, "Referer": self.base + path},
        )
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=60) as response:
                ok = response.status in (302, 303)
        except urllib.error.HTTPError as error:
            ok = error.code in (302, 303)
        except OSError:
            ok = False
        if ok:
            self.done += 1
        else:
            self.errors += 1

    def stop(self):
        self.stopping.set()
        self.join(timeout=120)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
