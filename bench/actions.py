"""Benchmark: action logging throughput and ack latency under many concurrent tablets.

C clients (participants of one running exercise, spread over its teams: --teams, default 3) send
`log_action` with a fresh client_id for S seconds, once per entry of --rates:
  * rate 0, closed loop: each client sends its next action as soon as the previous one is
    acknowledged. This measures capacity; the ack latency is then clients / throughput.
  * rate R, open loop: each client sends on its own fixed schedule (random phase), acknowledged
    or not, so that the clients together offer R actions per second, as tablets do in a drill.
    This measures the ack latency at that load.
Reports logged actions per second (acks with ok and not duplicate) and the ack round-trip
latency p50/p99/max. Some actions tick a checklist step (every --step-every'th action of a
client), the rest are free text. Every action is also delivered live to the other tablets of
its team.

Databases:
  * SQLite (default): one server process, its own instance folder.
  * PostgreSQL: --database-url postgresql://postgres@127.0.0.1:5432/cordon_bench_actions
    The bench creates that database and drops it at the end. With --processes 2 it starts
    two server processes on that database and a private Redis (redis-server on a free port,
    no persistence) as their Socket.IO message queue; clients are split across them.

    .venv/bin/python bench/actions.py                                   # SQLite, 200 clients, 10 s
    .venv/bin/python bench/actions.py --database-url postgresql://postgres@127.0.0.1:5432/cordon_bench_actions --processes 2
"""
import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from _common import Bench, bench_teams, Clients, cpu_s, free_port, load, machine, percentile, split, workdir

STEPS = {"incident-command": ["IC-01", "IC-02"], "fire": ["FB-01", "J-01"], "ems": ["EMS-01", "J-01"]}


def admin_url(database_url: str) -> tuple[str, str]:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name.startswith("cordon_bench"):
        sys.exit("refusing: the bench database name must start with cordon_bench (it is dropped afterwards)")
    return urlunsplit(parts._replace(path="/postgres")), name


def pg(database_url: str, sql: str) -> None:
    import psycopg2

    admin, _ = admin_url(database_url)
    conn = psycopg2.connect(admin)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def start_redis(tmp) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind",
                             "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    return proc, f"redis://127.0.0.1:{port}/0"


def run(args) -> dict:
    with workdir() as tmp:
        redis_proc = None
        db_url = args.database_url
        if db_url:
            _, name = admin_url(db_url)
            pg(db_url, f'DROP DATABASE IF EXISTS "{name}"')
            pg(db_url, f'CREATE DATABASE "{name}"')
        redis_url = None
        if args.processes > 1:
            if not db_url:
                sys.exit("--processes 2 needs --database-url (PostgreSQL)")
            redis_proc, redis_url = start_redis(tmp)
        bench = Bench(tmp, database_url=db_url, processes=args.processes, redis_url=redis_url, teams=args.teams)
        clients = None
        try:
            bench.start()
            bench.create_exercise(speed=1)
            bench.start_exercise()
            urls = [s.url for s in bench.servers]
            teams = {team["key"]: STEPS[team["agency"]] for team in bench_teams(args.teams)}
            specs = []
            # Each client process joins its share of every team (clients spread over the teams).
            for p, count in enumerate(split(args.clients, args.client_procs)):
                groups = [{"code": bench.join_code(team), "count": share, "prefix": f"a{p}{team}",
                           "steps": teams[team]} for team, share in zip(teams, split(count, len(teams))) if share]
                specs.append({"mode": "actions", "count": count, "urls": urls, "groups": groups,
                              "step_every": args.step_every})
            clients = Clients(specs)
            clients.expect("JOINED", timeout=300)
            clients.send("CONNECT")
            clients.expect("READY", timeout=300)
            results = []
            for n, rate in enumerate(args.rates):
                time.sleep(1)
                results.append(measure(args, bench, clients, rate, py_spy=args.py_spy if n == 0 else None))
            return results
        finally:
            if clients:
                clients.close()
            bench.stop()
            if redis_proc:
                redis_proc.terminate()
                redis_proc.wait(timeout=10)
            if db_url:
                pg(db_url, f'DROP DATABASE IF EXISTS "{admin_url(db_url)[1]}" WITH (FORCE)')


def measure(args, bench, clients, rate, py_spy=None) -> dict:
    start_load = load()
    spy = None
    if py_spy:  # sample the (first) server while the clients log actions
        spy = subprocess.Popen([shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy"),
                                "record", "-o", py_spy, "-f", {".json": "speedscope", ".txt": "raw"}.get(
                                    Path(py_spy).suffix, "flamegraph"), "-d", str(int(args.seconds)),
                                "-p", str(bench.pids[0])],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cpu0 = [cpu_s(pid) for pid in bench.pids]
    client_cpu0 = [cpu_s(proc.pid) for proc in clients.procs]
    shares = split(args.clients, args.client_procs)
    for proc, share in zip(clients.procs, shares):  # each worker offers its clients' share of the rate
        proc.stdin.write(f"GO {args.seconds} {rate * share / args.clients}\n")
        proc.stdin.flush()
    parts = clients.expect("RESULT", timeout=args.seconds + 120)
    cpu = sum(cpu_s(pid) for pid in bench.pids) - sum(cpu0)
    client_cpu = sum(cpu_s(proc.pid) for proc in clients.procs) - sum(client_cpu0)
    if spy:
        spy.wait(timeout=60)
    latencies = [x for part in parts for x in part["latencies"]]
    elapsed = max(part["elapsed"] for part in parts)
    return {"rate": rate, "latencies": latencies, "elapsed": elapsed, "errors": sum(p["errors"] for p in parts),
            "duplicates": sum(p["duplicates"] for p in parts), "load": start_load,
            "server_cpu_s": cpu, "client_cpu_s": client_cpu, "error_samples": [e for p in parts for e in p["error_samples"]][:3]}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10, help="per entry of --rates")
    parser.add_argument("--teams", type=int, default=3, help="teams in the exercise; clients are spread over them")
    parser.add_argument("--rates", type=lambda text: [float(x) for x in text.split(",")], default=[0, 500],
                        help="comma-separated offered actions/s; 0 is the closed loop (default: 0,500)")
    parser.add_argument("--database-url", help="postgresql://.../cordon_bench_<name> (created and dropped)")
    parser.add_argument("--processes", type=int, default=1, choices=(1, 2), help="server processes")
    parser.add_argument("--client-procs", type=int, default=2, choices=(1, 2), help="client worker processes")
    parser.add_argument("--step-every", type=int, default=5,
                        help="every Nth action of a client ticks a checklist step (0: text only)")
    parser.add_argument("--py-spy", metavar="FILE", help="profile the first server with py-spy into FILE "
                        "(.svg flame graph, .json speedscope, .txt collapsed stacks); needs py-spy in the virtualenv")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print("clients and servers share the machine's CPUs; all traffic on 127.0.0.1\n")
    results = run(args)
    db = "PostgreSQL" if args.database_url else "SQLite"
    print("| database | server procs | clients | teams | offered/s | seconds | actions | actions/s | ack p50 ms | "
          "ack p99 ms | ack max ms | errors | server CPU ms/action | server CPU % | client CPU % | load at start |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        lat = r["latencies"]
        offered = f"{r['rate']:g}" if r["rate"] else "closed loop"
        print(f"| {db} | {args.processes} | {args.clients} | {args.teams} | {offered} | {r['elapsed']:.1f} | {len(lat)} | "
              f"{len(lat) / r['elapsed']:.0f} | {percentile(lat, 50) * 1000:.1f} | "
              f"{percentile(lat, 99) * 1000:.1f} | {max(lat) * 1000 if lat else float('nan'):.1f} | {r['errors']} | "
              f"{1000 * r['server_cpu_s'] / max(1, len(lat)):.1f} | {100 * r['server_cpu_s'] / r['elapsed']:.0f} | "
              f"{100 * r['client_cpu_s'] / r['elapsed']:.0f} | {r['load']} |")
        if r["errors"]:
            print("errors, e.g.:", *r["error_samples"], sep="\n  ")


if __name__ == "__main__":
    sys.exit(main())
