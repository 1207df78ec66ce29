"""Benchmark: replay of an exercise with 100,000 events — jump to any moment, checkpoint costs.

Builds the exercise of bench/report_bench.py (the urban RDD scenario played for four hours by
eight teams of ten people, hash-chained events inserted in bulk) in a temporary SQLite database,
or reuses one with --db. Then, for each checkpoint spacing N (--every):

- the first request: the timeline is read from the log and folded once (cold, once per process);
- the memory the timeline keeps (tracemalloc, in a separate build) and the checkpoints' bytes;
- jumps to random moments, `GET /api/v1/exercises/<id>/state?at_s=...` through the Flask test
  client with a bearer token (routing, authorization, the log's head checked, the events after
  the checkpoint read and folded, the JSON written): server time per request;
- the worst jump (a seq just before a checkpoint: N - 1 events to fold), and team-lens jumps.

    .venv/bin/python bench/replay.py                            # 100,000 events, N = 500 1000 2000 5000
    .venv/bin/python bench/replay.py --db /tmp/replay.db --every 1000 --jumps 300
"""
import argparse
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from report_bench import build_exercise, machine  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Exercise, User  # noqa: E402
from app.services import replay  # noqa: E402
from app.services.accounts import issue_api_token  # noqa: E402


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def cpu_and_wall(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--every", type=int, nargs="+", default=[500, 1000, 2000, 5000])
    parser.add_argument("--jumps", type=int, default=200, help="random moments per spacing")
    parser.add_argument("--db", help="keep the database in this file and reuse it on the next run")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.db).resolve() if args.db else Path(tmp) / "bench.db"
        reuse = path.exists()
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "CORDON_ASYNC_MODE": "threading",
                          "CORDON_SCHEDULER": False, "CORDON_CONTENT_ROOT": str(REPO),
                          "RATELIMIT_ENABLED": False, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
        with app.app_context():
            if reuse:
                exercise_id, setup_s = 1, 0.0
            else:
                db.create_all()
                exercise_id, setup_s = build_exercise(args.events)
            exercise = db.session.get(Exercise, exercise_id)
            events, end_s = exercise.last_seq, exercise.elapsed_base_s
            token = issue_api_token(db.session.get(User, 1))
            db.session.commit()
            db.session.remove()
        print(f"machine: {machine()}")
        print(f"exercise {exercise_id}: {events} events, {end_s / 3600:.1f} h of exercise time, "
              + (f"reused from {path}" if reuse else f"built in {setup_s:.1f} s"))
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        url = f"/api/v1/exercises/{exercise_id}/state"
        rng = random.Random(7)
        rows = []

        def get(query):
            began, cpu = time.perf_counter(), time.process_time()
            response = client.get(url, headers=headers, query_string=query)
            elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
            assert response.status_code == 200, response.get_data(as_text=True)[:300]
            return elapsed, cpu, len(response.data)

        for every in args.every:
            app.config["CORDON_REPLAY_CHECKPOINT_EVERY"] = every
            app.extensions.pop("cordon_replay", None)  # a new process, as far as the cache knows
            cold_wall, cold_cpu, _ = cpu_and_wall(lambda: get({"at_s": end_s / 2}))
            with app.app_context():
                line = replay.timeline(db.session.get(Exercise, exercise_id))
                checkpoints, packed = len(line.checkpoints), line.checkpoint_bytes()
                # Memory kept by a timeline: built again under tracemalloc (which slows it down).
                app.extensions.pop("cordon_replay", None)
                tracemalloc.start()
                before = tracemalloc.get_traced_memory()[0]
                line = replay.timeline(db.session.get(Exercise, exercise_id))
                kept = tracemalloc.get_traced_memory()[0] - before
                tracemalloc.stop()
                db.session.remove()
            moments = [rng.uniform(0, end_s) for _ in range(args.jumps)]
            jumps = [get({"at_s": at_s}) for at_s in moments]
            worst_seqs = [c.read_seq - 1 for c in line.checkpoints[1:]][:20] or [events]
            worst = [get({"seq": seq}) for seq in worst_seqs]
            get({"team": "fire"})  # the lens's first request reads the log once, like the staff one
            lens = [get({"at_s": at_s, "team": "fire"}) for at_s in moments[:50]]
            rows.append((every, cold_wall, cold_cpu, checkpoints, packed, kept, jumps, worst, lens))

    def ms(values, share=None):
        return f"{(statistics.median(values) if share is None else percentile(values, share)) * 1e3:.0f}"

    print("\nServer time per request, wall ms (CPU ms of this process); the machine is shared, CPU shows the work.")
    print(f"\n| N (events per checkpoint) | first request s | checkpoints | checkpoint bytes | memory kept "
          f"| jump median | p95 | max | worst jump (N-1 events to fold) | team lens median | response |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for every, cold_wall, cold_cpu, count, packed, kept, jumps, worst, lens in rows:
        wall, cpu = [j[0] for j in jumps], [j[1] for j in jumps]
        print(f"| {every} | {cold_wall:.2f} ({cold_cpu:.2f}) | {count} | {packed / 1e6:.2f} MB "
              f"({packed / count / 1e3:.0f} kB each) | {kept / 1e6:.0f} MB | {ms(wall)} ({ms(cpu)}) "
              f"| {ms(wall, 0.95)} ({ms(cpu, 0.95)}) | {max(wall) * 1e3:.0f} ({max(cpu) * 1e3:.0f}) "
              f"| {max(w[0] for w in worst) * 1e3:.0f} ({max(w[1] for w in worst) * 1e3:.0f}) "
              f"| {ms([j[0] for j in lens])} ({ms([j[1] for j in lens])}) "
              f"| {statistics.median(j[2] for j in jumps) / 1e3:.0f} kB |")
    print("\nDisk: nothing (checkpoints live in each process's memory); target: a jump in at most 300 ms.")


if __name__ == "__main__":
    main()
