"""Scale and fault tests: real server processes (several, sharing PostgreSQL and a private Redis),
crashes, a Redis restart, concurrent SQLite writers and a reconnect storm.

Fixtures start every subprocess with a finalizer; when a test fails, the logs of every server
(and Redis) it started are attached to the report.
"""
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis as redis_lib

from ..conftest import TEST_AUDIT_KEY
from ..live_server import LiveServer, free_port
from ..realtime.drill_library import write_library

CONTROLLER, CONTROLLER_PASSWORD = "scale-ctl", "scale-controller-pass"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class PrivateRedis:
    """A redis-server of this test alone (its own port, no persistence), that can be killed and
    restarted on the same port: no cross-talk with other test runs or benchmarks."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = self.directory / "redis.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> "PrivateRedis":
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", str(self.directory)], stdout=log, stderr=subprocess.STDOUT)
        client = redis_lib.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"redis-server exited:\n{self.log.read_text()}")
                try:
                    if client.ping():
                        return self
                except redis_lib.ConnectionError:
                    time.sleep(0.05)
        finally:
            client.close()
        raise RuntimeError(f"redis-server did not answer PING:\n{self.log.read_text()}")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def private_redis(tmp_path, started):
    if not Path(REDIS_SERVER).exists():
        pytest.skip("needs redis-server (apt install redis-server)")
    redis = PrivateRedis(tmp_path / "redis")
    started.append(redis)
    return redis.start()


@pytest.fixture
def library(tmp_path) -> Path:
    return write_library(tmp_path / "library")


@pytest.fixture
def started(request):
    """Everything a test starts (servers, Redis): stopped afterwards, logs shown on failure."""
    things: list = []
    request.node.cordon_started = things
    yield things
    for thing in reversed(things):
        if isinstance(thing, LiveServer):
            thing.stop()
        else:
            thing.kill()


@pytest.fixture
def make_server(tmp_path, library, started):
    """make_server(name, env=..., migrate=...) -> a started LiveServer reading the relay-drill library."""
    def make(name: str, env: dict | None = None, migrate: bool = True, start: bool = True) -> LiveServer:
        # One secret key for every process of a test: sessions and tokens work on all of them; and
        # one audit key, as in a deployment, so each process verifies what the others signed.
        live = LiveServer(tmp_path / name, content_root=library,
                          env={"CORDON_SECRET_KEY": "scale-secret", "CORDON_AUDIT_KEY": TEST_AUDIT_KEY, **(env or {})})
        started.append(live)
        return live.start(migrate=migrate) if start else live
    return make


def together(*calls):
    """Run the calls in parallel threads (server start-ups are mostly imports); their results."""
    with ThreadPoolExecutor(len(calls)) as pool:
        return [future.result() for future in [pool.submit(call) for call in calls]]


def create_controller(live: LiveServer) -> None:
    """A controller account in the server's database (the server need not run)."""
    live.flask("users", "create", CONTROLLER, "--role", "controller", "--password", CONTROLLER_PASSWORD)


def controller_token(live: LiveServer) -> str:
    return live.staff_token(CONTROLLER, CONTROLLER_PASSWORD)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    for thing in getattr(item, "cordon_started", []):
        if thing.log.exists():
            name = f"server log {thing.url}" if isinstance(thing, LiveServer) else f"redis log :{thing.port}"
            report.sections.append((name, thing.log.read_text(errors="replace")[-15000:]))
