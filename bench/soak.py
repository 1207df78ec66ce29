"""Benchmark: a long exercise under everything at once; nothing lost, nothing slow, the audit OK.

One Cordon server (eventlet, SQLite) runs an exercise at speed 10 for M minutes while:
  * T tablets (client worker processes) log actions, together R per second (acknowledged each);
  * 3 staff consoles read the exercise and its compliance every 2 s (GET, as a console's page does
    on load and after a reconnect);
  * 2 evaluators download the report PDF, one after the other, again and again;
  * a controller imports the scenario's MSEL (CSV) into the library every 30 s.
At the end: every acknowledged action is in the log (action.logged events), the audit is OK, and
the slowest request that is not a PDF or an import.

    .venv/bin/python bench/soak.py                      # 200 tablets, 10 minutes
    .venv/bin/python bench/soak.py --minutes 2
"""
import argparse
import threading
import time

import requests

from _common import Bench, Clients, load, machine, percentile, split, workdir


def loop(stop: threading.Event, every_s: float, call, out: list, kind: str) -> None:
    while not stop.is_set():
        began = time.perf_counter()
        try:
            status = call()
        except requests.RequestException as exc:
            status = repr(exc)[:80]
        out.append((kind, status, time.perf_counter() - began))
        stop.wait(every_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tablets", type=int, default=200)
    parser.add_argument("--rate", type=float, default=100, help="actions per second from all tablets together")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    print(f"machine: {machine()}; load before: {load()}")
    seconds = args.minutes * 60
    with workdir() as work:
        bench = Bench(work).start()
        try:
            bench.create_exercise(speed=10)
            bench.start_exercise()
            url, ex_id = bench.servers[0].url, bench.exercise["id"]
            auth = {"Authorization": f"Bearer {bench.token}"}
            counts = split(args.tablets, args.workers)
            clients = Clients([{"mode": "actions", "count": n, "urls": [url], "code": bench.join_code(),
                                "prefix": f"w{i}"} for i, n in enumerate(counts)])
            clients.expect("JOINED")
            clients.send("CONNECT")
            clients.expect("READY")
            msel = requests.get(f"{url}/api/v1/scenarios/bench-drill/msel.csv", headers=auth, timeout=30).content

            def console():
                a = requests.get(f"{url}/api/v1/exercises/{ex_id}", headers=auth, timeout=60).status_code
                b = requests.get(f"{url}/api/v1/exercises/{ex_id}/compliance", headers=auth, timeout=60).status_code
                return max(a, b)

            def pdf():
                return requests.get(f"{url}/api/v1/exercises/{ex_id}/report.pdf", headers=auth, timeout=300).status_code

            def import_msel():
                return requests.post(f"{url}/api/v1/scenarios/import", headers=auth, timeout=300,
                                     files={"file": ("bench-msel.csv", msel)},
                                     data={"base": "bench-drill", "id": "bench-import", "save": "true",
                                           "overwrite": "true"}).status_code

            stop, calls = threading.Event(), []
            threads = [threading.Thread(target=loop, args=(stop, 2.0, console, calls, "console")) for _ in range(3)]
            threads += [threading.Thread(target=loop, args=(stop, 0.0, pdf, calls, "pdf")) for _ in range(2)]
            threads += [threading.Thread(target=loop, args=(stop, 30.0, import_msel, calls, "import"))]
            threads += [threading.Thread(target=loop, args=(stop, 0.5, lambda: requests.get(
                url + "/healthz", timeout=60).status_code, calls, "healthz"))]
            for t in threads:
                t.start()
            for proc, n in zip(clients.procs, counts):
                proc.stdin.write(f"GO {seconds} {args.rate * n / args.tablets}\n")
                proc.stdin.flush()
            results = clients.expect("RESULT", timeout=seconds + 300)
            stop.set()
            for t in threads:
                t.join()
            clients.close()
            acked = sum(len(r["latencies"]) for r in results)
            errors = sum(r["errors"] for r in results)
            logged, since = 0, 0
            while True:
                page = requests.get(f"{url}/api/v1/exercises/{ex_id}/events", headers=auth, timeout=60,
                                    params={"since": since, "limit": 10000, "type": "action.logged"}).json()
                if not page:
                    break
                logged += len(page)
                since = page[-1]["seq"]
            audit = requests.get(f"{url}/api/v1/exercises/{ex_id}/audit", headers=auth, timeout=300).json()
        finally:
            bench.stop()

    acks = [x for r in results for x in r["latencies"]]
    print()
    print(f"{args.minutes:g} min at speed 10: {args.tablets} tablets offering {args.rate:g} actions/s, "
          "3 consoles, 2 PDF readers, an MSEL import every 30 s")
    print("| requests | count | statuses | p50 | p99 | max |")
    print("|---|---|---|---|---|---|")
    print(f"| log_action (acks) | {len(acks)} | {errors} errors | {percentile(acks, 50) * 1000:.0f} ms "
          f"| {percentile(acks, 99) * 1000:.0f} ms | {max(acks) * 1000:.0f} ms |")
    for kind in ("healthz", "console", "pdf", "import"):
        times = [t for k, _, t in calls if k == kind]
        statuses = sorted({str(s) for k, s, _ in calls if k == kind})
        if times:
            print(f"| {kind} | {len(times)} | {', '.join(statuses)} | {percentile(times, 50) * 1000:.0f} ms "
                  f"| {percentile(times, 99) * 1000:.0f} ms | {max(times) * 1000:.0f} ms |")
    slowest = max([t for k, _, t in calls if k in ("healthz", "console")] + acks)
    print()
    print(f"acknowledged actions: {acked}; in the log: {logged}; lost: {acked - logged if acked > logged else 0}")
    print(f"slowest request but PDFs and imports: {slowest * 1000:.0f} ms (target: none over 1 s)")
    print(f"audit: {'OK' if audit.get('ok') else 'FAILED ' + str(audit.get('reason'))} ({audit.get('events')} events)")


if __name__ == "__main__":
    main()
