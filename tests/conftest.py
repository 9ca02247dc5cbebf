import importlib
import os
import shutil

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Sync Playwright keeps an event loop running in the main thread once a browser test has
# started; Django's ORM refuses to run beside one unless told that this is safe, as it is here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


ROLES = ("Partner managers", "Viewers")
# The data migrations that make the roles and give them the permissions of later models.
ROLE_MIGRATIONS = [("0003_roles", "create_roles"), ("0019_review_action_roles", "grant")]


def ensure_roles():
    """The two roles, as their data migration makes them. A transactional test (the browser
    tests) flushes the database when it ends, migration data included; serialized_rollback
    cannot bring them back, because Playwright's event loop gives the test another database
    connection than the one the serialized copy was stored on."""
    if Group.objects.filter(name__in=ROLES).count() == len(ROLES):
        return
    loader = MigrationLoader(connection)
    for name, function in ROLE_MIGRATIONS:
        migration = importlib.import_module(f"partnerprogram.migrations.{name}")
        state = loader.project_state(("partnerprogram", name))
        getattr(migration, function)(state.apps, schema_editor=None)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Users made here have passwords; the real hasher's half second each was most of the
    suite's time. Logging in with them (browser tests) works the same."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_cache():
    """The API's throttle counts requests in the cache; user ids come back from one test to
    the next, so each test starts with none counted."""
    cache.clear()


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings):
    """Background tasks run when queued; one test runs a real worker on the database
    backend (tests/reminders/test_worker.py)."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def today(monkeypatch):
    """Set today: `today(D(2025, 11, 27))` (timezone.localdate, which the day rules read)."""

    def set_today(day):
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
        return day

    return set_today


@pytest.fixture
def make_user(django_user_model):
    ensure_roles()

    def make(username, *groups, **fields):
        user = django_user_model.objects.create_user(username=username, password="pw", **fields)
        for name in groups:
            user.groups.add(Group.objects.get(name=name))
        return user

    return make


@pytest.fixture
def manager(make_user):
    """A partner manager: reads and writes partner records."""
    return make_user("manager", "Partner managers", first_name="Morgan", last_name="Manager")


@pytest.fixture
def viewer(make_user):
    """A viewer: reads everything, changes nothing."""
    return make_user("viewer", "Viewers")


@pytest.fixture
def outsider(make_user):
    """Logged in, but in no group: may not even read."""
    return make_user("outsider")


@pytest.fixture
def staff(make_user):
    """A staff partner manager who works in the admin."""
    return make_user("staff", "Partner managers", is_staff=True)


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.com", "pw")


def client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def manager_client(client, manager):
    return client_for(client, manager)


@pytest.fixture
def viewer_client(client, viewer):
    return client_for(client, viewer)


# --- Browser tests (Playwright with the Debian Chromium) -----------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def pytest_collection_modifyitems(config, items):
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if not browser_items or os.path.exists(CHROMIUM):
        return
    if os.environ.get("REQUIRE_BROWSER"):
        raise pytest.UsageError(
            f"Browser tests are required (REQUIRE_BROWSER is set) but Chromium is not at "
            f"{CHROMIUM}: install the Debian package 'chromium'."
        )
    skip = pytest.mark.skip(reason="Chromium is not installed (Debian package 'chromium').")
    for item in browser_items:
        item.add_marker(skip)
