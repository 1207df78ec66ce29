"""Benchmark: 200 tablets keep logging actions while a PDF report is laid out and while a hostile
workbook is uploaded; how long their acks and /healthz take meanwhile.

Starts one Cordon server (eventlet, SQLite), a running exercise, and T tablets (client worker
processes, bench/_client.py) that together offer R actions per second. A prober times /healthz
every 50 ms. Three phases of S seconds each:
  * quiet: nothing heavy (the baseline);
  * pdf: a staff client downloads the report PDF of a 100,000-event exercise again and again
    (built in a worker thread, laid out in a process of its own: app/offload.py);
  * xlsx: a controller uploads the worst workbook of the hostile corpus (tests/hostile_workbooks.py)
    again and again (refused from its zip directory, 422).
For each phase: ack p50/p99/max, /healthz p50/p99/max, and the heavy requests' count and times.
Targets (docs/performance.md): ack p99 <= 250 ms and /healthz p99 <= 100 ms during both.

    .venv/bin/python bench/heavy_requests.py                       # 200 tablets, 100 actions/s, 20 s phases
    .venv/bin/python bench/heavy_requests.py --tablets 50 --seconds 10
"""
import argparse
import threading
import time

import requests

from _common import REPO, Bench, Clients, load, machine, percentile, split, workdir

from tests.hostile_workbooks import CORPUS


def prober(url: str, stop: threading.Event, out: list[float]) -> None:
    while not stop.is_set():
        began = time.perf_counter()
        try:
            requests.get(url + "/healthz", timeout=30)
            out.append(time.perf_counter() - began)
        except requests.RequestException:
            out.append(30.0)
        stop.wait(0.05)


def heavy_loop(work, stop: threading.Event, out: list[tuple[int, float]]) -> None:
    while not stop.is_set():
        began = time.perf_counter()
        status = work()
        out.append((status, time.perf_counter() - began))


def big_exercise(server, events: int) -> tuple[int, float]:
    """bench/report_bench.py's played urban RDD exercise, written into the running server's database."""
    from app import create_app
    from app.extensions import db
    from report_bench import build_exercise

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "CORDON_ASYNC_MODE": "threading",
                      "CORDON_SCHEDULER": False, "CORDON_CONTENT_ROOT": str(REPO), "RATELIMIT_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{server.instance_dir / 'cordon.db'}"})
    with app.app_context():
        exercise_id, took = build_exercise(events)
        db.session.remove()
    return exercise_id, took


def ms(values, p) -> str:
    return f"{percentile(values, p) * 1000:.0f}" if values else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tablets", type=int, default=200)
    parser.add_argument("--rate", type=float, default=100, help="actions per second from all tablets together")
    parser.add_argument("--seconds", type=float, default=20, help="length of each phase")
    parser.add_argument("--workers", type=int, default=4, help="client worker processes")
    parser.add_argument("--warmup-actions", type=int, default=500)
    parser.add_argument("--report-events", type=int, default=100_000,
                        help="the PDF is of an exercise of this many events (bench/report_bench.py builds it in the "
                             "server's database); 0: of the bench exercise itself")
    args = parser.parse_args()
    print(f"machine: {machine()}; load before: {load()}")

    with workdir() as work:
        bench = Bench(work, extra_env={"CORDON_SCHEDULER_MAX_SLEEP_S": "1.0"}).start()
        try:
            bench.create_exercise(speed=10)
            bench.start_exercise()
            url = bench.servers[0].url
            code = bench.join_code()
            report_id = bench.exercise["id"]
            if args.report_events:  # before the tablets write: its rows bring their own ids
                report_id, built_s = big_exercise(bench.servers[0], args.report_events)
                print(f"exercise {report_id}: {args.report_events} events, built in {built_s:.0f} s")
            counts = split(args.tablets, args.workers)
            clients = Clients([{"mode": "actions", "count": n, "urls": [url], "code": code, "prefix": f"w{i}"}
                               for i, n in enumerate(counts)])
            clients.expect("JOINED")
            clients.send("CONNECT")
            clients.expect("READY")
            warm_s = args.warmup_actions / args.rate
            print(f"warm-up: {args.warmup_actions} actions over {warm_s:.0f} s")
            for proc, n in zip(clients.procs, counts):
                proc.stdin.write(f"GO {warm_s} {args.rate * n / args.tablets}\n")
                proc.stdin.flush()
            clients.expect("RESULT", timeout=warm_s + 120)

            auth = {"Authorization": f"Bearer {bench.token}"}
            pdf_url = f"{url}/api/v1/exercises/{report_id}/report.pdf"
            worst = CORPUS["one huge row"]()

            def pdf():
                return requests.get(pdf_url, headers=auth, timeout=300).status_code

            def xlsx():
                return requests.post(f"{url}/api/v1/scenarios/import", headers=auth, timeout=300,
                                     files={"file": ("msel.xlsx", worst)}, data={"sop": "mini-sop"}).status_code

            rows = []
            for phase, work_fn in (("quiet", None), ("pdf", pdf), ("xlsx", xlsx)):
                stop, health, heavy = threading.Event(), [], []
                threads = [threading.Thread(target=prober, args=(url, stop, health))]
                if work_fn:
                    threads.append(threading.Thread(target=heavy_loop, args=(work_fn, stop, heavy)))
                for t in threads:
                    t.start()
                for proc, n in zip(clients.procs, counts):
                    proc.stdin.write(f"GO {args.seconds} {args.rate * n / args.tablets}\n")
                    proc.stdin.flush()
                results = clients.expect("RESULT", timeout=args.seconds + 120)
                stop.set()
                for t in threads:
                    t.join()
                acks = [x for r in results for x in r["latencies"]]
                errors = sum(r["errors"] for r in results)
                statuses = sorted({s for s, _ in heavy})
                rows.append((phase, acks, errors, health, heavy, statuses))
            clients.close()
        finally:
            bench.stop()

    print()
    print(f"{args.tablets} tablets offering {args.rate:g} actions/s; phases of {args.seconds:g} s")
    print("| phase | acks | errors | ack p50 | ack p99 | ack max | /healthz p50 | p99 | max | heavy requests | their time |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for phase, acks, errors, health, heavy, statuses in rows:
        times = [t for _, t in heavy]
        what = f"{len(heavy)} ({', '.join(map(str, statuses))})" if heavy else "-"
        took = f"{min(times):.2f}–{max(times):.2f} s" if times else "-"
        print(f"| {phase} | {len(acks)} | {errors} | {ms(acks, 50)} ms | {ms(acks, 99)} ms | {ms(acks, 100)} ms "
              f"| {ms(health, 50)} ms | {ms(health, 99)} ms | {ms(health, 100)} ms | {what} | {took} |")


if __name__ == "__main__":
    main()
