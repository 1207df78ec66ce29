"""Benchmark: what signing the event log costs, and how long auditing and exporting a long log take.

1. Appends, each in its own transaction (a message, as `send_message` writes it), and logged
   actions in groups of 100 (as the group commit writes them), with the head signed and
   checkpoints written (as Cordon runs) and without (the same code with signing switched off),
   alternating rounds so that both see the same machine.
2. A log of --events events (half logged actions with their rows, half messages, a pause and a
   resume every 5,000), written through the real services; then the full audit
   (`services.audit.verify_exercise`: chain, head, checkpoints, tables; run twice, the second
   time with the signature verdicts remembered), the chain check alone
   (`engine.eventlog.verify_chain`, what the audit did before), the JSON report, the evidence
   export and the offline verifier (scripts/verify_evidence.py, in a subprocess).
3. Ed25519 sign and verify, one statement.

    .venv/bin/python bench/audit_bench.py                     # 100,000 events
    .venv/bin/python bench/audit_bench.py --events 20000 --appends 1000
"""
import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat  # noqa: E402
from sqlalchemy import update  # noqa: E402

from app import create_app  # noqa: E402
from app.engine.eventlog import sign_checkpoint, signature_valid, verify_chain  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Exercise, User  # noqa: E402
from app.services import events as events_service  # noqa: E402
from app.services import lifecycle  # noqa: E402
from app.services.audit import verify_exercise, write_evidence  # noqa: E402
from app.services.events import iter_events  # noqa: E402
from app.services.exercises import create_exercise  # noqa: E402
from app.services.participation import ActionRequest, join_team, log_actions, send_message  # noqa: E402
from app.services.report import build_report  # noqa: E402

LIBRARY = REPO / "tests" / "fixtures" / "library"
START = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


class Clock:
    """Wall time that moves 10 ms per read: the log looks like a long exercise, nothing sleeps."""

    def __init__(self):
        self.now = START

    def __call__(self):
        self.now += timedelta(milliseconds=10)
        return self.now


def unsigned_head(exercise, events):
    """Cordon's head update before checkpoints: the last hash only."""
    table = Exercise.__table__
    db.session.connection().execute(update(table).where(table.c.id == exercise.id).values(last_hash=events[-1].hash))


def new_drill(name: str) -> tuple[int, list[int]]:
    controller = db.session.get(User, 1)
    exercise = create_exercise(name=name, scenario_id="mini-drill", created_by=controller)
    db.session.commit()
    people = [join_team(team.join_code, f"{team.key}-{n}").participant.id for team in exercise.teams for n in range(3)]
    lifecycle.start_exercise(exercise.id, "ctl")
    db.session.commit()
    return exercise.id, people


def time_appends(count: int, rounds: int) -> dict[str, list[tuple[float, float]]]:
    """(wall, CPU) seconds per append: single messages and grouped actions, signed and unsigned, alternating."""
    signed_head = events_service._sign_head
    results: dict[str, list[tuple[float, float]]] = {}
    for round_ in range(rounds):
        for label, head in (("signed", signed_head), ("unsigned", unsigned_head)):
            spent = [0.0, 0]  # CPU seconds in the head update, calls

            def timed_head(exercise, events, head=head, spent=spent):
                began_cpu = time.process_time()
                head(exercise, events)
                spent[0] += time.process_time() - began_cpu
                spent[1] += 1

            events_service._sign_head = timed_head
            try:
                exercise_id, people = new_drill(f"appends {label} {round_}")
                controller = db.session.get(User, 1)
                began, cpu = time.perf_counter(), time.process_time()
                for n in range(count):
                    send_message(exercise_id, sender=controller, to="all", text=f"update {n}")
                    db.session.commit()
                results.setdefault(f"message, own transaction ({label})", []).append(
                    ((time.perf_counter() - began) / count, (time.process_time() - cpu) / count))
                began, cpu = time.perf_counter(), time.process_time()
                groups = max(1, count // 100)
                for g in range(groups):
                    log_actions(exercise_id, [ActionRequest(people[n % len(people)], f"r{round_}-{label}-{g}-{n:03d}",
                                                            text="noted") for n in range(100)])
                    db.session.commit()
                results.setdefault(f"action, group of 100 ({label})", []).append(
                    ((time.perf_counter() - began) / (groups * 100), (time.process_time() - cpu) / (groups * 100)))
                results.setdefault(f"head update alone, per call ({label})", []).append(
                    (float("nan"), spent[0] / spent[1]))
            finally:
                events_service._sign_head = signed_head
    return results


def build_log(events: int) -> tuple[int, float]:
    exercise_id, people = new_drill("long log")
    began = time.perf_counter()
    controller = db.session.get(User, 1)
    written = db.session.get(Exercise, exercise_id).last_seq
    batch = 0
    while written < events:
        if batch % 50 == 49:
            lifecycle.pause_exercise(exercise_id, "ctl")
            db.session.commit()
            lifecycle.resume_exercise(exercise_id, "ctl")
            db.session.commit()
        log_actions(exercise_id, [ActionRequest(people[n % len(people)], f"long-{batch}-{n:03d}",
                                                text=f"note {n}: perimeter holds, dose rate steady")
                                  for n in range(50)])
        db.session.commit()
        for n in range(50):
            send_message(exercise_id, sender=controller, to="all", text=f"update {batch}-{n}")
        db.session.commit()
        batch += 1
        written = db.session.get(Exercise, exercise_id).last_seq
    return exercise_id, time.perf_counter() - began


def timed(call):
    began, cpu = time.perf_counter(), time.process_time()
    result = call()
    return time.perf_counter() - began, time.process_time() - cpu, result


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "unknown CPU")
    load = os.getloadavg()[0]
    return (f"{os.cpu_count()} cores (nproc), {model}; Python {platform.python_version()}, {platform.system()}; "
            f"load average {load:.1f} at start")


def time_long_log(events: int, tmp: str) -> None:
    exercise_id, build_s = build_log(events)
    exercise = db.session.get(Exercise, exercise_id)
    print(f"\n2. a log of {exercise.last_seq} events (built in {build_s:.0f} s)\n")
    print("| step | wall s | CPU s | notes |")
    print("|---|---|---|---|")
    for run in ("first", "again"):
        wall, cpu, result = timed(lambda: verify_exercise(exercise_id))
        assert result["ok"], result["problems"][:3]
        print(f"| full audit (verify_exercise), {run} | {wall:.2f} | {cpu:.2f} | "
              f"{result['checkpoints']['count']} checkpoints, {result['records']['actions']} action rows |")
    wall, cpu, chain = timed(lambda: verify_chain(iter_events(exercise_id)))
    assert chain.ok
    print(f"| chain check alone (verify_chain) | {wall:.2f} | {cpu:.2f} | what the audit was before |")
    wall, cpu, report = timed(lambda: build_report(exercise_id))
    assert report["audit"]["ok"], report["audit"]["problems"][:3]
    print(f"| JSON report (build_report) | {wall:.2f} | {cpu:.2f} | includes the audit of chain, head and "
          "checkpoints |")
    bundle = Path(tmp) / "evidence.zip"

    def export():
        with open(bundle, "wb") as out:
            return write_evidence(exercise_id, out)

    wall, cpu, _ = timed(export)
    print(f"| evidence export | {wall:.2f} | {cpu:.2f} | {bundle.stat().st_size / 1e6:.1f} MB zip |")
    began = time.perf_counter()
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "verify_evidence.py"), str(bundle)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    print(f"| offline verifier (subprocess) | {time.perf_counter() - began:.2f} | | includes start-up |")


def time_signatures(key: Ed25519PrivateKey, n: int = 5000) -> None:
    statement = (1, 1, "0" * 64, START.isoformat())
    began = time.perf_counter()
    for _ in range(n):
        checkpoint = sign_checkpoint(key, *statement)
    sign_us = (time.perf_counter() - began) / n * 1e6
    public, signature, signed = key.public_key(), bytes.fromhex(checkpoint.signature), checkpoint.statement()
    began = time.perf_counter()
    for _ in range(n):
        public.verify(signature, signed)  # signature_valid remembers verdicts: time the verification itself
    verify_us = (time.perf_counter() - began) / n * 1e6
    assert signature_valid(checkpoint, public)
    print(f"\n3. Ed25519 (cryptography): sign {sign_us:.0f} µs, verify {verify_us:.0f} µs per checkpoint")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--appends", type=int, default=2000, help="appends per round in part 1")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--appends-only", action="store_true", help="parts 1 and 3 only (no long log)")
    args = parser.parse_args()
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "CORDON_ASYNC_MODE": "threading",
                          "CORDON_SCHEDULER": False, "CORDON_CONTENT_ROOT": str(LIBRARY), "RATELIMIT_ENABLED": False,
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db", "CORDON_AUDIT_KEY": pem,
                          "CORDON_AUDIT_KEYS_DIR": f"{tmp}/keys", "CORDON_WALL_CLOCK": Clock()})
        with app.app_context():
            db.create_all()
            user = User(username="ctl", role="controller")
            user.set_password("bench-password-1")
            db.session.add(user)
            db.session.commit()
            print(f"machine: {machine()}")
            print(f"\n1. appends ({args.rounds} alternating rounds of {args.appends}; SQLite, WAL)\n")
            print("| append | wall µs each, median | CPU µs each, median | CPU µs, each round |")
            print("|---|---|---|---|")
            for label, values in time_appends(args.appends, args.rounds).items():
                walls, cpus = [w for w, _ in values], [c for _, c in values]
                wall = statistics.median(walls) * 1e6
                print(f"| {label} | {'' if wall != wall else f'{wall:.0f}'} | {statistics.median(cpus) * 1e6:.0f} | "
                      f"{', '.join(f'{c * 1e6:.0f}' for c in cpus)} |")
            if not args.appends_only:
                time_long_log(args.events, tmp)
        time_signatures(key)


if __name__ == "__main__":
    main()
