"""axe-core over every page in the states a drill reaches: no serious or critical violation of the
WCAG 2.1 A and AA rules it checks (sign-in, join, exercise list, console and its site map, tablet tabs
and map, evaluator, library and editor, report, replay)."""
import re

import pytest

from ..helpers import ZONES_LIBRARY
from ..live_server import LiveServer
from .conftest import DESKTOP, TABLET, accessibility_problems
from .test_drill import join, login


@pytest.fixture(scope="module")
def a11y_server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("a11y-server"), content_root=ZONES_LIBRARY)
    live.start()
    live.flask("users", "create", "ctl", "--role", "controller", "--password", "controller-pass")
    live.flask("users", "create", "eva", "--role", "evaluator", "--password", "evaluator-pass")
    yield live
    live.stop()


def check(page, server, where, problems):
    found = accessibility_problems(page, server.url)
    problems.extend(f"{where}: {p}" for p in found)


SMALL_TARGETS = """() => [...document.querySelectorAll('button, a[href], input, select, textarea, [role=button], [role=tab]')]
    .filter(e => e.offsetParent !== null && !e.closest('.leaflet-control, .leaflet-marker-pane, .leaflet-tooltip-pane'))
    .map(e => [e, ((e.type === 'checkbox' || e.type === 'radio') && e.closest('label') || e).getBoundingClientRect()])
    .filter(([e, r]) => r.width > 0 && (r.height < 44 || r.width < 44))
    .map(([e, r]) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${e.className} ${Math.round(r.width)}x${Math.round(r.height)}`)"""


def small_targets(page, where, problems):
    """Tablet: every control a finger uses is at least 44 × 44 px (WCAG 2.5.5; a tick box: with its label)."""
    problems.extend(f"{where}: touch target under 44 px: {t}" for t in page.evaluate(SMALL_TARGETS))


def test_no_page_has_a_serious_or_critical_accessibility_violation(browser, a11y_server):
    server = a11y_server
    problems: list[str] = []
    token = server.staff_token("ctl", "controller-pass")
    status, exercise = server.api("POST", "/exercises", {"name": "Access drill", "scenario": "cordon-drill"}, token)
    ex = exercise["id"]
    code = next(t["join_code"] for t in exercise["teams"] if t["key"] == "rad")

    anonymous = browser.new_context(viewport=DESKTOP).new_page()
    anonymous.goto(server.url + "/login")
    check(anonymous, server, "sign-in", problems)
    anonymous.goto(server.url + "/join")
    check(anonymous, server, "join", problems)

    staff = browser.new_context(viewport=DESKTOP).new_page()
    login(staff, server, "ctl", "controller-pass")
    staff.goto(server.url + "/exercises")
    staff.wait_for_selector("#new-scenario option[value='cordon-drill']", state="attached")
    check(staff, server, "exercise list", problems)
    staff.goto(f"{server.url}/exercises/{ex}/console")
    staff.wait_for_selector('#clock-panel[data-status="draft"]')
    check(staff, server, "console (draft)", problems)
    assert server.api("POST", f"/exercises/{ex}/start", token=token)[0] == 200

    tablet = browser.new_context(viewport=TABLET, has_touch=True).new_page()
    join(tablet, server, code, "Dr Weiss")
    tablet.wait_for_selector("[data-inject='I-01']", timeout=20000)
    check(tablet, server, "tablet messages", problems)
    small_targets(tablet, "tablet messages", problems)
    for tab in ("checklist", "log", "control"):
        tablet.click(f"#tab-{tab}")
        check(tablet, server, f"tablet {tab}", problems)
        small_targets(tablet, f"tablet {tab}", problems)
    tablet.click("#tab-map")
    tablet.wait_for_selector("#responder-list .responder")
    tablet.select_option("#instrument", "rad/survey-meter-1")
    tablet.click("#take-reading")
    tablet.wait_for_selector("#readout .readout-value")
    check(tablet, server, "tablet map", problems)
    small_targets(tablet, "tablet map", problems)

    staff.goto(f"{server.url}/exercises/{ex}/console")
    staff.wait_for_selector('#clock-panel[data-status="running"]')
    check(staff, server, "console (running)", problems)
    staff.click("#btn-map")
    staff.wait_for_selector("#rad-console:not([hidden])")
    staff.wait_for_selector("#dose-board tbody tr")
    check(staff, server, "console site map", problems)
    staff.keyboard.press("Escape")

    evaluator = browser.new_context(viewport=DESKTOP).new_page()
    login(evaluator, server, "eva", "evaluator-pass")
    evaluator.goto(f"{server.url}/exercises/{ex}/evaluate")
    evaluator.wait_for_load_state("networkidle")
    check(evaluator, server, "evaluator", problems)
    for path, name in ((f"/exercises/{ex}/report", "report"), (f"/exercises/{ex}/replay", "replay"),
                       ("/library", "library"), ("/library/scenarios/cordon-drill/edit", "scenario editor")):
        evaluator.goto(server.url + path)
        evaluator.wait_for_load_state("networkidle")
        check(evaluator, server, name, problems)
    assert problems == [], "\n".join(problems)


def test_the_console_is_used_with_the_keyboard(browser, a11y_server):
    """Start the exercise, release a reserve inject... with Tab and Enter only: every control is
    reachable, the confirmation dialog takes the focus and gives it back."""
    server = a11y_server
    token = server.staff_token("ctl", "controller-pass")
    status, exercise = server.api("POST", "/exercises", {"name": "Keyboard", "scenario": "cordon-drill"}, token)
    page = browser.new_context(viewport=DESKTOP).new_page()
    login(page, server, "ctl", "controller-pass")
    page.goto(f"{server.url}/exercises/{exercise['id']}/console")
    page.wait_for_selector('#clock-panel[data-status="draft"]')

    def tab_to(selector: str, limit: int = 80):
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("(s) => document.activeElement?.matches(s)", selector):
                return
        raise AssertionError(f"{selector} cannot be reached with Tab")

    tab_to("#btn-start")
    visible = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle !== 'none' "
                            "|| getComputedStyle(document.activeElement).boxShadow !== 'none'")
    assert visible, "the focused control shows its focus"
    page.keyboard.press("Enter")
    page.wait_for_selector("#confirm-dialog[open]")
    assert page.evaluate("() => document.activeElement.id") == "confirm-cancel"  # the safe choice first
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "confirm-ok"
    page.keyboard.press("Enter")
    page.wait_for_selector('#clock-panel[data-status="running"]')
    tab_to("#btn-map")
    page.keyboard.press("Enter")
    page.wait_for_selector("#map-dialog[open]")
    page.keyboard.press("Escape")
    page.wait_for_selector("#map-dialog:not([open])", state="attached")
