import pytest

from tests.conftest import ensure_roles


@pytest.fixture(autouse=True)
def roles(transactional_db):
    """A browser test runs in real transactions; an earlier one's flush removed the groups."""
    ensure_roles()


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
