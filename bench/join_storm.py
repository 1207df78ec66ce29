"""Benchmark: a training room's tablets, all behind one address, join at once.

Starts a Cordon server (eventlet, SQLite) with the *default* join limits (not the raised ones
the other benchmarks use), optionally behind nginx or a Python forwarding proxy with
CORDON_TRUSTED_PROXIES=1, and has N tablets POST /api/v1/join from 127.0.0.1 with a few
connections at a time. Prints the wall time, joins per second, latency and the status counts
(the target: every tablet joins within 60 s, no 429). Then one client from the same address
guesses codes until refused, to show that the failure limit still holds for that address.

    .venv/bin/python bench/join_storm.py                      # 200 tablets, direct
    .venv/bin/python bench/join_storm.py --through nginx      # behind nginx (needs /usr/sbin/nginx)
    .venv/bin/python bench/join_storm.py --tablets 600 --concurrency 40
"""
import argparse
import http.client
import json
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.config import Config  # noqa: E402
from bench._common import Bench, machine, percentile, workdir  # noqa: E402
from tests.reverse_proxy import NGINX, ForwardingProxy, Nginx  # noqa: E402

DEFAULT_LIMITS = {name: getattr(Config, name) for name in (
    "CORDON_JOIN_RATE_LIMIT", "CORDON_JOIN_FAILURE_LIMIT", "CORDON_JOIN_GLOBAL_FAILURE_LIMIT",
    "CORDON_LOGIN_RATE_LIMIT") if hasattr(Config, name)}  # (older versions have fewer)


def post_join(base_url: str, code: str, name: str) -> tuple[int, float]:
    host, port = base_url.removeprefix("http://").split(":")
    started = time.perf_counter()
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request("POST", "/api/v1/join", body=json.dumps({"code": code, "name": name}),
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        connection.close()


def storm(base_url: str, codes: list[str], tablets: int, concurrency: int) -> dict:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(lambda n: post_join(base_url, codes[n % len(codes)], f"Tablet {n + 1}"),
                                range(tablets)))
    wall = time.perf_counter() - started
    latencies = [latency for _, latency in results]
    return {"wall_s": wall, "statuses": Counter(status for status, _ in results),
            "p50_ms": percentile(latencies, 50) * 1000, "p95_ms": percentile(latencies, 95) * 1000,
            "max_ms": max(latencies) * 1000}


def guesses_until_refused(base_url: str, limit: int = 200) -> tuple[int, int]:
    """(wrong codes answered 404, attempt at which the first 429 came)."""
    for n in range(limit):
        status, _ = post_join(base_url, f"ZZZZ-{n:04d}", "Guesser")
        if status == 429:
            return n, n + 1
    return limit, 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tablets", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20, help="joins in flight at once")
    parser.add_argument("--through", choices=["none", "nginx", "python"], default="none",
                        help="a reverse proxy in front of the server (CORDON_TRUSTED_PROXIES=1)")
    args = parser.parse_args()
    if args.through == "nginx" and not NGINX.exists():
        sys.exit("--through nginx needs /usr/sbin/nginx (apt-get install -y nginx)")

    print(f"machine: {machine()}")
    print(f"limits: {DEFAULT_LIMITS}")
    env = dict(DEFAULT_LIMITS, CORDON_SCHEDULER="0",
               CORDON_TRUSTED_PROXIES="1" if args.through != "none" else "0")
    with workdir() as work:
        bench = Bench(work, extra_env=env, teams=12).start()
        proxy = None
        try:
            bench.create_exercise()
            codes = [team["join_code"] for team in bench.exercise["teams"]]
            base_url = bench.servers[0].url
            if args.through == "nginx":
                proxy = Nginx(work / "nginx", bench.servers[0].port).start()
            elif args.through == "python":
                proxy = ForwardingProxy(bench.servers[0].port).start()
            if proxy:
                base_url = proxy.url
            result = storm(base_url, codes, args.tablets, args.concurrency)
            refused_after, first_429 = guesses_until_refused(base_url)
        finally:
            if proxy:
                proxy.stop()
            bench.stop()

    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(result["statuses"].items()))
    print()
    print("| through | tablets | in flight | wall time | joins/s | p50 | p95 | max | statuses | within 60 s, no 429 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    ok = result["wall_s"] <= 60 and set(result["statuses"]) == {201}
    print(f"| {args.through} | {args.tablets} | {args.concurrency} | {result['wall_s']:.2f} s "
          f"| {args.tablets / result['wall_s']:.0f} | {result['p50_ms']:.0f} ms | {result['p95_ms']:.0f} ms "
          f"| {result['max_ms']:.0f} ms | {statuses} | {'yes' if ok else 'NO'} |")
    print()
    print(f"then a guesser at the same address: {refused_after} wrong codes answered, "
          f"refused (429) from attempt {first_429}")


if __name__ == "__main__":
    main()
