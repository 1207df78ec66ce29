"""Benchmark: server memory per connected team client.

For each N, a fresh Cordon server (SQLite, one process) and one running exercise; N
participants join one team through the API first (no connection yet), then the server's RSS
is read from /proc/<pid>/status (VmRSS), the N clients connect over websocket (in one or two
client processes), and after --settle seconds RSS is read again.
    KiB per client = (RSS after - RSS before) / N

    .venv/bin/python bench/memory.py                   # N = 100, 500, 1000
    .venv/bin/python bench/memory.py --clients 2000
"""
import argparse
import sys
import time

from _common import Bench, Clients, load, machine, rss_kib, split, workdir


def measure(n: int, args) -> dict:
    with workdir() as tmp:
        bench = Bench(tmp)
        clients = None
        try:
            bench.start()
            bench.create_exercise(speed=1)
            bench.start_exercise()
            clients = Clients([{"mode": "idle", "count": k, "urls": [bench.servers[0].url],
                                "code": bench.join_code(), "prefix": f"m{i}"}
                               for i, k in enumerate(split(n, args.client_procs)) if k])
            clients.expect("JOINED", timeout=600)
            time.sleep(args.settle)
            pid = bench.pids[0]
            before = rss_kib(pid)
            start_load = load()
            clients.send("CONNECT")
            clients.expect("READY", timeout=600)
            time.sleep(args.settle)
            after = rss_kib(pid)
            return {"n": n, "before": before, "after": after, "load": start_load}
        finally:
            if clients:
                clients.close()
            bench.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, nargs="+", default=[100, 500, 1000])
    parser.add_argument("--settle", type=float, default=3.0, help="seconds to wait before each RSS reading")
    parser.add_argument("--client-procs", type=int, default=2, choices=(1, 2))
    args = parser.parse_args()
    print(f"machine: {machine()}")
    rows = [measure(n, args) for n in args.clients]
    print("\n| clients | RSS before MiB | RSS after MiB | KiB per client | load at start |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['n']} | {r['before'] / 1024:.1f} | {r['after'] / 1024:.1f} | "
              f"{(r['after'] - r['before']) / r['n']:.1f} | {r['load']} |")


if __name__ == "__main__":
    sys.exit(main())
