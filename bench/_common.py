"""Shared helpers for the real-time benchmarks: a bench scenario library, a Cordon server in a
subprocess (tests/live_server.py), client worker processes (bench/_client.py), statistics and
machine facts. Everything listens on and talks to 127.0.0.1 only."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.live_server import LiveServer, free_port  # noqa: E402

PYTHON = sys.executable
SCENARIO = "bench-drill"
TEAM = "fire"
STAFF_USER, STAFF_PASSWORD = "bench", "bench-password-1"
FIXTURE_SOP = REPO / "tests" / "fixtures" / "library" / "sop" / "mini-sop.yaml"


AGENCIES = [("ic", "Incident Command", "incident-command"), ("fire", "Fire", "fire"), ("ems", "EMS", "ems")]


def bench_teams(count: int = 3) -> list[dict[str, str]]:
    """Teams ic, fire, ems, then ic2, fire2, ems2, ... (the mini checklist's three agencies in turn)."""
    teams = []
    for n in range(count):
        key, name, agency = AGENCIES[n % 3]
        round_ = n // 3 + 1
        suffix = str(round_) if round_ > 1 else ""
        teams.append({"key": key + suffix, "name": f"{name} {round_}".removesuffix(" 1"), "agency": agency})
    return teams


def write_library(root: Path, timed_at_s: list[float] = (), teams: int = 3) -> Path:
    """A library with the mini checklist and one scenario: teams ic/fire/ems (and more: bench_teams),
    timed injects to all."""
    (root / "sop").mkdir(parents=True, exist_ok=True)
    (root / "injects").mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURE_SOP, root / "sop" / "mini-sop.yaml")
    injects = [{"id": f"B-{n:03d}", "at": f"{at:g}s", "from": "Dispatch", "to": "all", "channel": "radio",
                "title": f"Bench update {n}", "body": f"Bench message {n}: " + "x" * 200}
               for n, at in enumerate(timed_at_s, start=1)]
    injects.append({"id": "R-01", "from": "Media", "to": "all", "channel": "media", "title": "Reserve",
                    "body": "Released by hand only."})
    scenario = {
        "id": SCENARIO, "title": "Benchmark drill", "version": 1, "summary": "Benchmark scenario.",
        "hazard": "Benchmark", "duration": "2h", "sop": "mini-sop",
        "sources": [{"id": "test", "title": "Bench fixture", "confidence": "U"}],
        "objectives": [{"id": "OBJ-1", "text": "Keep every team informed.",
                        "capability": "Operational Communications"}],
        "teams": bench_teams(teams),
        "injects": injects,
    }
    (root / "injects" / f"{SCENARIO}.yaml").write_text(yaml.safe_dump(scenario, sort_keys=False))
    return root


class Bench:
    """One or more Cordon servers on one database, plus the bench's staff account and exercise."""

    def __init__(self, workdir: Path, timed_at_s=(), database_url: str | None = None, processes: int = 1,
                 redis_url: str | None = None, extra_env: dict | None = None, teams: int = 3):
        self.library = write_library(workdir / "library", list(timed_at_s), teams)
        env = {"CORDON_JOIN_RATE_LIMIT": "100000 per minute", "CORDON_LOGIN_RATE_LIMIT": "100000 per minute",
               "CORDON_SCHEDULER_MAX_SLEEP_S": os.environ.get("CORDON_SCHEDULER_MAX_SLEEP_S", "1.0"),
               **(extra_env or {})}
        if database_url:
            env["CORDON_DATABASE_URL"] = database_url
        if redis_url:
            env["CORDON_MESSAGE_QUEUE"] = redis_url
        self.servers = [LiveServer(workdir / f"server{i}", content_root=self.library, env=env)
                        for i in range(processes)]
        self.token = None
        self.exercise = None

    def start(self) -> "Bench":
        first = self.servers[0]
        first.instance_dir.mkdir(parents=True, exist_ok=True)
        first.flask("db", "upgrade")
        first.flask("users", "create", STAFF_USER, "--role", "controller", "--password", STAFF_PASSWORD)
        for server in self.servers:
            server.start()
        self.token = first.staff_token(STAFF_USER, STAFF_PASSWORD)
        return self

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
        keep = os.environ.get("CORDON_BENCH_KEEP_LOGS")  # a folder to copy the server logs into
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            for i, server in enumerate(self.servers):
                if server.log.exists():
                    shutil.copy(server.log, Path(keep) / f"server{i}.log")

    @property
    def pids(self) -> list[int]:
        return [s.process.pid for s in self.servers]

    def api(self, method, path, body=None):
        return self.servers[0].api(method, path, body, token=self.token)

    def create_exercise(self, speed: float = 1) -> dict:
        status, body = self.api("POST", "/exercises", {"name": "bench", "scenario": SCENARIO, "speed": speed})
        assert status == 201, body
        self.exercise = body
        return body

    def join_code(self, team: str = TEAM) -> str:
        return next(t["join_code"] for t in self.exercise["teams"] if t["key"] == team)

    def start_exercise(self) -> None:
        status, body = self.api("POST", f"/exercises/{self.exercise['id']}/start")
        assert status == 200, body


class Clients:
    """Client worker processes (bench/_client.py) driven by line commands on stdin/stdout."""

    def __init__(self, specs: list[dict]):
        self.procs = []
        for spec in specs:
            proc = subprocess.Popen([PYTHON, str(REPO / "bench" / "_client.py"), json.dumps(spec)],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO)
            self.procs.append(proc)

    def expect(self, word: str, timeout: float = 300) -> list[dict]:
        """Wait for every worker to print `WORD {json}`; return the json parts."""
        out = []
        deadline = time.monotonic() + timeout
        for proc in self.procs:
            while True:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"client workers did not say {word}")
                line = proc.stdout.readline()
                if not line:
                    raise RuntimeError(f"a client worker exited before {word} (rc={proc.wait()})")
                if line.startswith(word + " "):
                    out.append(json.loads(line[len(word) + 1:]))
                    break
                if line.startswith("ERROR"):
                    raise RuntimeError(line)
        return out

    def send(self, command: str) -> None:
        for proc in self.procs:
            proc.stdin.write(command + "\n")
            proc.stdin.flush()

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    proc.stdin.write("STOP\n")
                    proc.stdin.flush()
                    proc.wait(timeout=20)
                except Exception:
                    proc.kill()
                    proc.wait()


def split(n: int, parts: int) -> list[int]:
    return [n // parts + (1 if i < n % parts else 0) for i in range(parts)]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds used so far by a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "?")
    mem_kib = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal")))
    return (f"{os.cpu_count()} CPUs ({model}), {mem_kib / 1024 / 1024:.1f} GiB RAM, "
            f"Python {sys.version.split()[0]}; load average before run: {load()}")


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def wait_for_low_load(limit: float, max_wait: float = 60) -> None:
    """Wait (bounded) for the 1-minute load average to fall below `limit`."""
    deadline = time.monotonic() + max_wait
    while float(load().split()[0]) > limit and time.monotonic() < deadline:
        time.sleep(2)


def parse_wall(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


@contextmanager
def workdir():
    path = Path(tempfile.mkdtemp(prefix="cordon-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
