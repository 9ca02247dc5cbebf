import importlib

import pytest


@pytest.fixture
def console_errors(page):
    """Console errors and uncaught exceptions of the page (CSP violations show up here)."""
    errors = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")


ROLES = ("Partner managers", "Viewers")


@pytest.fixture(autouse=True)
def roles(transactional_db):
    """The two roles, as their data migration makes them. A transactional test flushes the
    database when it ends, migration data included, so a browser test that runs after another
    one would find no roles; serialized_rollback cannot bring them back here, because
    Playwright's event loop gives the test another database connection than the one the
    serialized copy was stored on."""
    from django.contrib.auth.models import Group

    if Group.objects.filter(name__in=ROLES).count() == len(ROLES):
        return
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    migration = importlib.import_module("partnerprogram.migrations.0003_roles")
    state = MigrationLoader(connection).project_state(("partnerprogram", "0003_roles"))
    migration.create_roles(state.apps, schema_editor=None)
