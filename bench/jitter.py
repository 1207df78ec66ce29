"""Benchmark: release jitter of the scheduler at speed 1.

One Cordon server (SQLite), one exercise whose scenario has K timed injects one second apart
(from --first s), started at speed 1 and never paused. After the last one is due, the event
log is read through GET /api/v1/exercises/<id>/events and for each `inject.released`:
    jitter = its wall_time - (wall_time of exercise.started + at_s / speed)
Both times are server wall times in the log (millisecond precision). Optionally N team
clients stay connected meanwhile (--clients), so every release also fans out.

    .venv/bin/python bench/jitter.py                    # 40 injects, 1 s apart, no clients
    .venv/bin/python bench/jitter.py --injects 60 --clients 200
"""
import argparse
import sys
import time

from _common import Bench, Clients, load, machine, parse_wall, percentile, split, workdir


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--injects", type=int, default=40)
    parser.add_argument("--first", type=float, default=3.0, help="exercise time of the first inject (s)")
    parser.add_argument("--spacing", type=float, default=1.0, help="seconds between injects")
    parser.add_argument("--clients", type=int, default=0, help="connected team clients meanwhile")
    parser.add_argument("--max-sleep", type=float, default=1.0, help="CORDON_SCHEDULER_MAX_SLEEP_S")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    at = [round(args.first + k * args.spacing, 3) for k in range(args.injects)]
    with workdir() as tmp:
        bench = Bench(tmp, timed_at_s=at, extra_env={"CORDON_SCHEDULER_MAX_SLEEP_S": str(args.max_sleep)})
        clients = None
        try:
            bench.start()
            exercise = bench.create_exercise(speed=1)
            if args.clients:
                clients = Clients([{"mode": "listen", "count": k, "urls": [bench.servers[0].url],
                                    "code": bench.join_code(), "prefix": f"j{i}", "event_type": "inject.released"}
                                   for i, k in enumerate(split(args.clients, 2)) if k])
                clients.expect("JOINED")
                clients.send("CONNECT")
                clients.expect("READY")
            start_load = load()
            bench.start_exercise()
            time.sleep(at[-1] + 2)
            status, events = bench.api("GET", f"/exercises/{exercise['id']}/events?since=0")
            assert status == 200, events
        finally:
            if clients:
                clients.close()
            bench.stop()
    started = next(parse_wall(e["wall_time"]) for e in events if e["type"] == "exercise.started")
    speed = 1.0
    jitter = []
    for e in events:
        if e["type"] == "inject.released" and e["data"].get("at_s") is not None:
            jitter.append(parse_wall(e["wall_time"]) - (started + e["data"]["at_s"] / speed))
    ms = [j * 1000 for j in jitter]
    print(f"\n| injects released | expected | clients | p50 ms | p99 ms | max ms | min ms | load at start |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {len(ms)} | {args.injects} | {args.clients} | {percentile(ms, 50):.1f} | {percentile(ms, 99):.1f} | "
          f"{max(ms):.1f} | {min(ms):.1f} | {start_load} |")


if __name__ == "__main__":
    sys.exit(main())
