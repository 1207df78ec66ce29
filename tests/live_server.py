"""A real Cordon server in a subprocess (eventlet, its own port and instance folder), for
end-to-end and browser tests."""
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable

import requests
import socketio

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
UNSAFE_FOR_CHROMIUM = {5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6697, 10080}


def free_port() -> int:
    """A free local port that Chromium will also agree to load pages from."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in UNSAFE_FOR_CHROMIUM:
            return port


class LiveServer:
    def __init__(self, instance_dir: Path, content_root: Path | None = None, env: dict | None = None):
        self.instance_dir = Path(instance_dir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        base = {k: v for k, v in os.environ.items() if k not in ("CORDON_DATABASE_URL", "CORDON_MESSAGE_QUEUE")}
        self.env = {**base, "CORDON_INSTANCE_DIR": str(self.instance_dir), "CORDON_SECRET_KEY": "e2e-secret",
                    "CORDON_CONTENT_ROOT": str(content_root or REPO_ROOT), "CORDON_SCHEDULER_MAX_SLEEP_S": "0.5",
                    **(env or {})}
        self.process: subprocess.Popen | None = None
        self.log = self.instance_dir / "server.log"

    def flask(self, *args: str, input: str | None = None) -> str:
        result = subprocess.run([PYTHON, "-m", "flask", "--app", "wsgi", *args], cwd=REPO_ROOT, env=self.env,
                                capture_output=True, text=True, input=input, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self, migrate: bool = True) -> "LiveServer":
        """Start (or, after stop/kill, restart on the same port); `migrate=False` when the database
        is already migrated (a second process on a shared database, or a restart)."""
        self.instance_dir.mkdir(parents=True, exist_ok=True)
        if migrate:
            self.flask("db", "upgrade")
        with open(self.log, "a") as log:  # a restart appends to the same log
            self.process = subprocess.Popen([PYTHON, "wsgi.py", "--port", str(self.port)], cwd=REPO_ROOT,
                                            env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):
                    return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        raise RuntimeError(f"server did not answer /healthz:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """kill -9: no shutdown code runs, as in a crash or a power cut."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def api(self, method: str, path: str, body=None, token: str | None = None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.url + "/api/v1" + path, method=method, headers=headers,
                                         data=None if body is None else json.dumps(body).encode())
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")

    def staff_token(self, username: str, password: str) -> str:
        status, body = self.api("POST", "/auth/token", {"username": username, "password": password})
        assert status == 200, body
        return body["token"]


# -- clients of a live server: the REST API, a Socket.IO tablet, and waiting without sleeping blind --

WAIT_S = 20


def wait_until(condition: Callable[[], Any], what: str, timeout_s: float = WAIT_S) -> Any:
    """Poll `condition` until it is truthy (and return it), or fail saying what never happened."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout_s} s waiting until {what}")


class Api:
    def __init__(self, url: str, token: str | None = None):
        self.url, self.http = url, requests.Session()
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, expect: int = 200, **kwargs) -> Any:
        response = self.http.request(method, f"{self.url}/api/v1{path}", timeout=10, **kwargs)
        assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text}"
        return response.json()


class Tablet:
    """A Socket.IO client that records every `event` and `state` it receives.

    python-socketio runs each incoming message's handler in its own thread, so arrival order is
    not observable here: what was received is kept, and read back in seq order."""

    def __init__(self, url: str, token: str, name: str):
        self.url, self.token, self.name = url, token, name
        self.events: list[dict] = []
        self.states: list[dict] = []
        self._lock = threading.Lock()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("event", self._on_event)
        self.sio.on("state", self._on_state)

    def _on_event(self, envelope):
        with self._lock:
            self.events.append(envelope)

    def _on_state(self, state):
        with self._lock:
            self.states.append(state)

    def connect(self) -> "Tablet":
        self.sio.connect(self.url, auth={"token": self.token}, transports=["websocket"], wait_timeout=10)
        return self

    def call(self, event: str, data: dict) -> dict:
        return self.sio.call(event, data, timeout=10)

    def received(self) -> list[dict]:
        """Every event received, duplicates included, in seq order."""
        with self._lock:
            return sorted(self.events, key=lambda e: e["seq"])

    def seqs(self) -> set[int]:
        return {e["seq"] for e in self.received()}

    def released(self) -> list[str]:
        return [e["data"]["id"] for e in self.received() if e["type"] == "inject.released"]
