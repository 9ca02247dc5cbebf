"""Every page (pages.py), as the server sends it to each user who may open it, is valid HTML
for the Nu HTML Checker (vnu.jar, the W3C validator's engine): no error. The pages are
collected first and checked in one run, since Java takes seconds to start.

The checker is not in the repository (30 MB): it is fetched with `npm pack vnu-jar@VERSION`
into .cache/ (ignored by git) the first time. Like the browser tests, the test is skipped
when Java or the jar is missing, and fails then when REQUIRE_BROWSER is set (CI).

On a page whose markup is a third party's (pages.py: `own`, the admin and Swagger UI), the
errors that markup is known to have are listed below and do not fail; any other does."""

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest

from tests.browser.pages import ANONYMOUS, seed_program, slug_of, visits

pytestmark = pytest.mark.django_db(transaction=True)

VNU_VERSION = "26.9.27"
VNU_JAR = Path(__file__).resolve().parents[2] / ".cache" / f"vnu-jar-{VNU_VERSION}" / "vnu.jar"

# Django's admin autocomplete widget (AutocompleteSelect, used for our autocomplete_fields):
# a required one renders only the selected option, a blank one an empty <option>.
THIRD_PARTY_ERRORS = (
    "The first “option” element in a “select” element with a “required” attribute",
    "Element “option” without attribute “label” must not be empty.",
)


def fetch_vnu_jar():
    """The checker's jar from the npm registry into .cache/, unless it is there or npm is
    missing. Written under another name and renamed, so a run cut short leaves no half jar."""
    if VNU_JAR.exists() or not shutil.which("npm"):
        return
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            ["npm", "pack", "--silent", f"vnu-jar@{VNU_VERSION}"],
            cwd=folder,
            check=True,
            capture_output=True,
            timeout=600,
        )
        with tarfile.open(Path(folder) / f"vnu-jar-{VNU_VERSION}.tgz") as archive:
            jar = archive.extractfile("package/build/dist/vnu.jar").read()
    VNU_JAR.parent.mkdir(parents=True, exist_ok=True)
    partial = VNU_JAR.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(jar)
    partial.replace(VNU_JAR)


@pytest.fixture(scope="session")
def nu_checker():
    """The command that runs the checker; skips (fails under REQUIRE_BROWSER) without it."""
    try:
        fetch_vnu_jar()
    except (subprocess.SubprocessError, OSError, KeyError) as error:
        print(f"Could not fetch vnu-jar@{VNU_VERSION}: {error}")
    java = shutil.which("java")
    missing = [
        *([] if java else ["Java (Debian package default-jre-headless)"]),
        *([] if VNU_JAR.exists() else [f"{VNU_JAR} (npm pack vnu-jar@{VNU_VERSION})"]),
    ]
    if missing:
        reason = f"The Nu HTML Checker needs {' and '.join(missing)}."
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"{reason} REQUIRE_BROWSER is set: a skipped check is a failure.")
        pytest.skip(reason)
    return [java, "-jar", str(VNU_JAR)]


def test_every_page_is_valid_html(nu_checker, client, make_user, django_user_model, tmp_path):
    program = seed_program(make_user, django_user_model)
    files, third_party = [], set()
    for user, page in visits():
        if user == ANONYMOUS:
            client.logout()
        else:
            client.force_login(django_user_model.objects.get(username=user))
        response = client.get(page.url(program))
        assert response.status_code == page.status, slug_of(user, page)
        files.append(tmp_path / f"{slug_of(user, page)}.html")
        files[-1].write_bytes(response.content)
        if page.own is not None:
            third_party.add(files[-1].stem)

    result = subprocess.run(
        [*nu_checker, "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.stderr.startswith("{"), result.stderr  # it writes its JSON report there
    messages = json.loads(result.stderr)["messages"]
    errors = [
        f"{Path(message.get('url', '?')).stem}:{message.get('lastLine', '?')}: "
        f"{message['message']} [{message.get('extract', '').strip()}]"
        for message in messages
        if message["type"] != "info"
        and not (
            Path(message.get("url", "")).stem in third_party
            and message["message"].startswith(THIRD_PARTY_ERRORS)
        )
    ]
    assert errors == [], "\n".join(errors)
