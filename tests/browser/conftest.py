"""Browser tests: Debian's Chromium driven headless by Playwright, against a real server."""
import os
from pathlib import Path

import pytest

from ..helpers import FIXTURE_LIBRARY
from ..live_server import LiveServer

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run"]
TABLET = {"width": 768, "height": 1024}
DESKTOP = {"width": 1280, "height": 800}
SCREENSHOTS = Path(os.environ.get("CORDON_TEST_OUTPUT", Path(__file__).resolve().parents[2] / "test-output")) / "screenshots"


# Reported by every page: a blocked script, style, connection or frame is a failed test.
_REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


class PolicyWatchingBrowser:
    """The Playwright browser, whose every context records Content-Security-Policy violations
    (the page's securitypolicyviolation events and Chromium's own console errors)."""

    def __init__(self, browser):
        self._browser = browser
        self.violations: list[str] = []

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        context.add_init_script(_REPORT_CSP_VIOLATIONS)
        context.on("page", self._watch)
        return context

    def _watch(self, page):
        def on_console(message):
            text = message.text
            if message.type == "error" and ("Content Security Policy" in text or "CSP violation" in text):
                self.violations.append(f"{page.url}: {text}")
        page.on("console", on_console)

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module: Playwright's sync API keeps an asyncio loop running in
    the main thread while open, which later tests using asyncio.run() must not inherit."""
    if not Path(CHROMIUM).exists():
        pytest.skip("browser tests need Debian's Chromium: apt-get install -y chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield PolicyWatchingBrowser(browser)
        browser.close()


@pytest.fixture(autouse=True)
def no_policy_violations(request):
    """Every browser test fails on a Content-Security-Policy violation on any page it opened."""
    if "browser" not in request.fixturenames:
        yield
        return
    watcher = request.getfixturevalue("browser")
    watcher.violations.clear()
    yield
    assert watcher.violations == [], "Content-Security-Policy violations:\n" + "\n".join(watcher.violations)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("browser-server"), content_root=FIXTURE_LIBRARY)
    live.start()
    live.flask("users", "create", "ctl", "--role", "controller", "--password", "controller-pass")
    live.flask("users", "create", "eva", "--role", "evaluator", "--password", "evaluator-pass")
    yield live
    live.stop()


@pytest.fixture
def shots(request):
    """Save a screenshot under test-output/screenshots/<test name>-<label>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    prefix = request.node.name.replace("[", "-").replace("]", "")

    def take(page, label: str):
        path = SCREENSHOTS / f"{prefix}-{label}.png"
        page.screenshot(path=str(path), full_page=False)
        return path

    return take


def wait_for(page, predicate_js: str, timeout: float = 15000):
    """Wait until the JavaScript predicate holds. An expression is passed as a function: Playwright
    would evaluate a bare expression with eval(), which the pages' policy refuses."""
    if not predicate_js.lstrip().startswith(("()", "function")):
        predicate_js = f"() => ({predicate_js})"
    page.wait_for_function(predicate_js, timeout=timeout)




AXE = "/static/vendor/axe-core/axe.min.js"
AXE_IMPACTS = ("serious", "critical")


def accessibility_problems(page, base_url: str) -> list[str]:
    """axe-core's serious and critical violations on the page as it stands (WCAG 2.1 A and AA rules),
    each as "rule: help (where)". axe is loaded from the vendored file, as a script of the page's
    own origin, so the page's Content-Security-Policy lets it run."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.add_script_tag(url=base_url + AXE)
    result = page.evaluate("""async () => {
        const r = await window.axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
                                                   resultTypes: ["violations"]});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       where: v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | ")}));
    }""")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {v['where']}" for v in result if v["impact"] in AXE_IMPACTS]
