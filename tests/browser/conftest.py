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


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module: Playwright's sync API keeps an asyncio loop running in
    the main thread while open, which later tests using asyncio.run() must not inherit."""
    if not Path(CHROMIUM).exists():
        pytest.skip("browser tests need Debian's Chromium: apt-get install -y chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


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
    page.wait_for_function(predicate_js, timeout=timeout)


