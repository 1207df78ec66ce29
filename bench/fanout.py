"""Benchmark: inject fan-out latency, release to receipt, Cordon vs a bare python-socketio server.

For each client count, in the same run:
  * Cordon: one `python wsgi.py` process (SQLite), one running exercise, N participants all on
    one team (joined through POST /api/v1/join, then connected over the websocket transport),
    and R ad-hoc injects to all (POST .../injects) released one after another. Latency =
    client receipt time (time.time()) - the `inject.released` envelope's wall_time (the server
    wall time of the event append, millisecond precision).
  * Baseline: bench/baseline_server.py (python-socketio + eventlet, no app) with N clients in
    one room, R broadcasts of a message of the same JSON size, latency measured the same way.
Clients run as asyncio python-socketio AsyncClients in one or two separate processes; all
processes share the machine's CPUs. Traffic goes to 127.0.0.1 only.

    .venv/bin/python bench/fanout.py                         # 100, 500, 1000 clients, 20 injects
    .venv/bin/python bench/fanout.py --clients 1000 --injects 30 --client-procs 2
"""
import argparse
import json
import subprocess
import sys
import time
import urllib.request

from _common import (PYTHON, REPO, Bench, Clients, free_port, load, machine, percentile, split,
                     wait_for_low_load, workdir)


def collect(clients: Clients, expected_events: int, n: int, timeout: float) -> tuple[list, list]:
    """Ask the workers for what they got until every client has every event (or timeout)."""
    latencies, sizes = [], []
    deadline = time.monotonic() + timeout
    while True:
        clients.send("REPORT")
        for part in clients.expect("RESULT"):
            latencies += part["latencies"]
            sizes += part["sizes"]
        if len(latencies) >= expected_events * n or time.monotonic() > deadline:
            return latencies, sizes
        time.sleep(0.5)


def run_cordon(n: int, args) -> dict:
    with workdir() as tmp:
        bench = Bench(tmp).start()
        clients = None
        try:
            exercise = bench.create_exercise(speed=1)
            bench.start_exercise()
            specs = [{"mode": "listen", "count": k, "urls": [bench.servers[0].url], "code": bench.join_code(),
                      "prefix": f"p{i}", "event_type": "inject.released"}
                     for i, k in enumerate(split(n, args.client_procs)) if k]
            clients = Clients(specs)
            clients.expect("JOINED", timeout=600)
            clients.send("CONNECT")
            ready = clients.expect("READY", timeout=600)
            time.sleep(1)
            clients.send("REPORT")
            clients.expect("RESULT")  # drop anything before the measurement
            start_load = load()
            for k in range(args.injects):
                status, body = bench.api("POST", f"/exercises/{exercise['id']}/injects",
                                         {"title": f"Fan-out {k}", "body": "y" * args.body, "to": "all",
                                          "channel": "radio", "requires_ack": False})
                assert status == 201, body
                time.sleep(args.interval)
            latencies, sizes = collect(clients, args.injects, n, timeout=60)
            return {"latencies": latencies, "size": int(sum(sizes) / len(sizes)) if sizes else 0,
                    "expected": args.injects * n, "connect_s": max(r["connect_s"] for r in ready),
                    "load": start_load}
        finally:
            if clients:
                clients.close()
            bench.stop()


def run_baseline(n: int, size: int, args) -> dict:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([PYTHON, str(REPO / "bench" / "baseline_server.py"), "--port", str(port)],
                              cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    clients = None
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        specs = [{"mode": "listen", "count": k, "urls": [url]} for k in split(n, args.client_procs) if k]
        clients = Clients(specs)
        clients.expect("JOINED")
        clients.send("CONNECT")
        ready = clients.expect("READY", timeout=600)
        time.sleep(1)
        start_load = load()
        for _ in range(args.injects):
            urllib.request.urlopen(urllib.request.Request(f"{url}/trigger?size={size}", method="POST"),
                                   timeout=10).read()
            time.sleep(args.interval)
        latencies, _ = collect(clients, args.injects, n, timeout=60)
        return {"latencies": latencies, "expected": args.injects * n,
                "connect_s": max(r["connect_s"] for r in ready), "load": start_load}
    finally:
        if clients:
            clients.close()
        server.terminate()
        server.wait(timeout=10)


def ms(x: float) -> str:
    return f"{x * 1000:.1f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, nargs="+", default=[100, 500, 1000], help="client counts")
    parser.add_argument("--injects", type=int, default=20, help="injects (broadcasts) per client count")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between releases")
    parser.add_argument("--body", type=int, default=400, help="inject body length (characters)")
    parser.add_argument("--client-procs", type=int, default=2, choices=(1, 2), help="client worker processes")
    parser.add_argument("--max-load", type=float, default=1.5,
                        help="wait (up to 60 s) for the 1-min load average to drop below this before each run")
    parser.add_argument("--json", help="also write the raw figures to this file")
    args = parser.parse_args()

    print(f"machine: {machine()}")
    print("clients and servers share the machine's CPUs; all traffic on 127.0.0.1\n")
    rows = []
    for n in args.clients:
        wait_for_low_load(args.max_load)
        cordon = run_cordon(n, args)
        wait_for_low_load(args.max_load)
        base = run_baseline(n, cordon["size"] or 1500, args)
        rows.append((n, cordon, base))
        c, b = cordon["latencies"], base["latencies"]
        print(f"  N={n}: cordon {len(c)}/{cordon['expected']} received (load {cordon['load']}), "
              f"baseline {len(b)}/{base['expected']} (load {base['load']}), message {cordon['size']} B",
              flush=True)

    print()
    header = ("clients", "msg B", "cordon p50", "cordon p99", "cordon max", "base p50", "base p99", "base max",
              "p99 ratio", "recv c/b")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    out = []
    for n, cordon, base in rows:
        c, b = cordon["latencies"], base["latencies"]
        cp99, bp99 = percentile(c, 99), percentile(b, 99)
        print(f"| {n} | {cordon['size']} | {ms(percentile(c, 50))} | {ms(cp99)} | {ms(max(c))} | "
              f"{ms(percentile(b, 50))} | {ms(bp99)} | {ms(max(b))} | {cp99 / bp99:.2f} | "
              f"{len(c) / cordon['expected']:.0%}/{len(b) / base['expected']:.0%} |")
        out.append({"clients": n, "size": cordon["size"], "cordon_p50_ms": percentile(c, 50) * 1000,
                    "cordon_p99_ms": cp99 * 1000, "base_p50_ms": percentile(b, 50) * 1000,
                    "base_p99_ms": bp99 * 1000, "ratio_p99": cp99 / bp99})
    print("(latencies in ms: receipt time - server wall_time of the release/broadcast)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
