"""Real-time tests: one server subprocess shared by all of them; its log is shown when a test fails."""
import pytest

from ..live_server import LiveServer
from .drill_library import write_library

CONTROLLER, CONTROLLER_PASSWORD = "ctl", "e2e-controller-pass"


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """A real server (eventlet, scheduler on, fresh SQLite) reading the relay-drill library."""
    root = tmp_path_factory.mktemp("realtime-server")
    live = LiveServer(root / "instance", content_root=write_library(root / "library"))
    try:
        live.start()
        live.flask("users", "create", CONTROLLER, "--role", "controller", "--password", CONTROLLER_PASSWORD)
        yield live
    finally:
        live.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    live = getattr(item, "funcargs", {}).get("server")
    if report.failed and isinstance(live, LiveServer) and live.log.exists():
        report.sections.append(("cordon server log", live.log.read_text(errors="replace")[-20000:]))
