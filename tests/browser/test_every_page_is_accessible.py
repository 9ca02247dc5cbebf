"""Every page (pages.py), opened in Chromium by each user who may open it, at a laptop's size
(1366×900) and a phone's (390×844), passes axe-core without a serious or critical violation
and is no wider than the screen (wide tables scroll inside their own box);
a screenshot of each is written to .screenshots/ (ignored by git), with axe's full report.

The admin rule: an admin page is Django's markup with parts our templates render in it (the
Partners list's import and export buttons, the import page, the change history table). Axe
checks the whole page, and the test fails only on nodes inside those parts, which the page's
entry in pages.py names by CSS selector (`own`). Django's own violations are left to Django
and listed in the report (.screenshots/axe-report.json) without failing. The same rule
covers drf-spectacular's Swagger UI page (api-docs), which is its markup, not ours."""

import itertools
import json
from pathlib import Path

import pytest

from tests.browser.conftest import log_in
from tests.browser.pages import ANONYMOUS, seed_program, slug_of, visits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_SOURCE = (Path(__file__).parent / "vendor/axe-core-4.14.1/axe.min.js").read_text()
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".screenshots"
SIZES = [(1366, 900), (390, 844)]
FAILING = {"serious", "critical"}

# Each node of each violation, marked whether it lies in a part of the page that is ours
# (`own` null: all of it).
RUN_AXE = """async own => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    const ours = node => {
        if (own === null) return true;
        const element = document.querySelector(node.target[0]);
        return Boolean(element) && own.some(selector => element.closest(selector));
    };
    return result.violations.flatMap(violation => violation.nodes.map(node => ({
        rule: violation.id,
        impact: node.impact || violation.impact,
        help: violation.help,
        target: node.target.join(' '),
        html: node.html.slice(0, 300),
        summary: node.failureSummary,
        ours: ours(node),
    })));
}"""

# The page's own scripts have finished: every chart drawn, Swagger UI rendered.
READY = """() => [...document.querySelectorAll('canvas')].every(c => c.dataset.drawn === 'true')
    && (!document.getElementById('swagger-ui')
        || document.querySelector('#swagger-ui .information-container') !== null)"""


def test_every_page_passes_axe_at_both_sizes(browser, live_server, make_user, django_user_model):
    program = seed_program(make_user, django_user_model)
    SCREENSHOTS.mkdir(exist_ok=True)
    report, failures = {}, []
    for user, pages in itertools.groupby(visits(), key=lambda visit: visit[0]):
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()
        if user != ANONYMOUS:
            log_in(page, live_server, user, "pw")
        for _, checked in pages:
            for size in SIZES:
                name = slug_of(user, checked, size)
                page.set_viewport_size({"width": size[0], "height": size[1]})
                response = page.goto(live_server.url + checked.url(program))
                assert response.status == checked.status, name
                page.wait_for_function(READY)
                page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > size[0] and checked.own is None:  # ours: none scrolls sideways
                    failures.append(f"{name}: the page is {width} pixels wide")
                page.evaluate(AXE_SOURCE + ";0")
                nodes = page.evaluate(RUN_AXE, checked.own)
                report[name] = nodes
                failures += [
                    f"{name}: {node['impact']} {node['rule']} ({node['help']}) at {node['target']}"
                    for node in nodes
                    if node["ours"] and node["impact"] in FAILING
                ]
        context.close()
    (SCREENSHOTS / "axe-report.json").write_text(json.dumps(report, indent=1))
    assert failures == [], "\n".join(failures)
