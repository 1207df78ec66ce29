"""Benchmark: instrument readings from many tablets on one server process, the console's field
shared by many consoles, and the memory a running radiological exercise costs.

A synthetic scenario (written to a temporary library): a 2 km × 2 km site, 10 point sources,
50 walled buildings, a Cs-137 plume (a 800-cell deposition raster), and --teams teams of
--per-team responders, each with their own survey meter and dosimeter. One server process
(SQLite, as `make run`). Then:

1. **Readings.** --tablets tablets join (spread over the teams; tablet i speaks for responder i of
   its team), send their responder walking across the site, and then each takes a reading with
   its own survey meter every --interval seconds (random phase) for --seconds, over Socket.IO
   (`take_reading`), as the tablet's Read button does. The scheduler accounts every responder's
   dose each second meanwhile. Printed: readings acknowledged, ack latency p50/p99/max (tap to
   read-out, measured at the client), errors.
2. **The field for 20 consoles.** 20 requests for `/field` at once: the first computes the
   400×400 grid and isolines, the others get the cached one. Printed: each one's time.
3. **Memory per exercise.** The server's RSS before and after --exercises more exercises are
   started, each of a scenario of its own (its own field model and plume raster), each with its
   field computed and its responders accounted.

    .venv/bin/python bench/readings.py                       # 200 tablets, a reading every 10 s each, 60 s
    .venv/bin/python bench/readings.py --tablets 100 --seconds 30
"""
import argparse
import asyncio
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aiohttp
import socketio
import yaml

from _common import REPO, STAFF_PASSWORD, STAFF_USER, cpu_s, load, machine, percentile, rss_kib, workdir

sys.path.insert(0, str(REPO))
from tests.live_server import LiveServer  # noqa: E402

SCENARIO = "bench-readings"
PLAN = ('<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="1000" viewBox="0 0 1000 1000">'
        '<rect width="1000" height="1000" fill="#eee"/></svg>')
NUCLIDES = ["Cs-137", "Co-60", "Ir-192", "Am-241", "Se-75"]


def write_library(root: Path, teams: int, per_team: int, variants: int = 0) -> Path:
    """The bench scenario (2 m per pixel over 1000 px: x, y from -1000 to 1000 m), and `variants`
    copies with other sources (other scenarios: each has a field model of its own)."""
    for n in range(1, variants + 1):
        _write_scenario(root, teams, per_team, f"{SCENARIO}-{n}", random.Random(7 + n))
    return _write_scenario(root, teams, per_team, SCENARIO, random.Random(7))


def _write_scenario(root: Path, teams: int, per_team: int, ident: str, rng: random.Random) -> Path:
    (root / "sop").mkdir(parents=True, exist_ok=True)
    (root / "injects" / "plans").mkdir(parents=True, exist_ok=True)
    (root / "injects" / "plans" / "bench.svg").write_text(PLAN)
    (root / "sop" / "mini-sop.yaml").write_text((REPO / "tests" / "fixtures" / "library" / "sop" / "mini-sop.yaml")
                                                .read_text())
    team_list = [{"key": f"t{n}", "name": f"Team {n}", "agency": "fire"} for n in range(1, teams + 1)]
    sources = [{"id": f"S{n}", "nuclide": NUCLIDES[n % 5], "activity": f"{rng.uniform(0.5, 20):.1f} TBq",
                "at": [round(rng.uniform(-800, 800)), round(rng.uniform(-800, 800))], "height": "1 m"}
               for n in range(1, 11)]
    shields = []
    for n in range(1, 51):
        x, y = rng.uniform(-900, 850), rng.uniform(-900, 850)
        w, h = rng.uniform(15, 50), rng.uniform(15, 50)
        shields.append({"id": f"B{n}", "polygon": [[round(x), round(y)], [round(x + w), round(y)],
                                                    [round(x + w), round(y + h)], [round(x), round(y + h)]],
                        "material": rng.choice(["concrete", "brick", "steel"]), "thickness": "20 cm"})
    scenario = {
        "id": ident, "title": "Readings benchmark", "version": 1, "summary": "Benchmark scenario.",
        "hazard": "Benchmark", "duration": "4h", "sop": "mini-sop",
        "sources": [{"id": "test", "title": "Bench fixture", "confidence": "U"}],
        "objectives": [{"id": "OBJ-1", "text": "Measure.", "capability": "Situational Assessment"}],
        "teams": team_list,
        "injects": [{"id": "I-01", "at": "0m", "to": "all", "title": "Start", "from": "Dispatch", "channel": "radio"}],
        "site": {"plan": "plans/bench.svg", "metres_per_pixel": 2.0, "origin_px": [500, 500],
                 "places": [{"id": "command-post", "name": "Command post", "at": [-950, -950]}]},
        "radiation": {"background": "0.1 µSv/h", "sources": sources, "shields": shields,
                      "deposition": [{"id": "plume", "plume": {"release": [0, 0], "nuclide": "Cs-137",
                                                               "activity": "2 TBq", "wind_from": 270,
                                                               "wind_speed": "3 m/s", "stability": "D"}}]},
        "responders": {t["key"]: {"start": "command-post", "count": per_team} for t in team_list},
        "instruments": {t["key"]: [{"kind": "personal-dosimeter", "count": per_team},
                                   {"kind": "survey-meter", "count": per_team}] for t in team_list},
    }
    (root / "injects" / f"{ident}.yaml").write_text(yaml.safe_dump(scenario, sort_keys=False, allow_unicode=True))
    return root


async def tablets(url: str, codes: dict, count: int, per_team: int, seconds: float, interval: float) -> dict:
    teams = list(codes)
    latencies, errors, samples = [], {}, []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        plan = []  # (team, n, token)
        for i in range(count):
            team, n = teams[i % len(teams)], i // len(teams) + 1
            async with http.post(url + "/api/v1/join", json={"code": codes[team], "name": f"tablet {i}"}) as r:
                plan.append((team, n, (await r.json())["token"]))
        clients = []
        for team, n, token in plan:
            sio = socketio.AsyncClient(reconnection=False, http_session=http)
            await sio.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=60)
            clients.append((sio, team, n))
        rng = random.Random(3)
        for sio, team, n in clients:  # everyone walks somewhere across the site
            ack = await sio.call("move_responder", {"responder": f"{team}/{n}",
                                                    "to": [rng.uniform(-900, 900), rng.uniform(-900, 900)]})
            assert ack.get("ok"), ack
        start = time.monotonic()
        stop_at = start + seconds

        async def one(sio, team, n):
            await asyncio.sleep(rng.uniform(0, interval))
            while time.monotonic() < stop_at:
                began = time.monotonic()
                ack = await sio.call("take_reading", {"responder": f"{team}/{n}",
                                                      "instrument": f"{team}/survey-meter-{n}"}, timeout=30)
                took = time.monotonic() - began
                if ack.get("ok"):
                    latencies.append(took)
                    if len(samples) < 3:
                        samples.append(ack["reading"]["display"])
                else:
                    code = ack["error"]["code"]
                    errors[code] = errors.get(code, 0) + 1
                await asyncio.sleep(max(0.0, interval - took))

        await asyncio.gather(*(one(*c) for c in clients))
        elapsed = time.monotonic() - start
        await asyncio.gather(*(sio.disconnect() for sio, _, _ in clients), return_exceptions=True)
    return {"latencies": latencies, "errors": errors, "elapsed": elapsed, "samples": samples}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tablets", type=int, default=200)
    parser.add_argument("--teams", type=int, default=4)
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between one tablet's readings")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--consoles", type=int, default=20)
    parser.add_argument("--exercises", type=int, default=3, help="more exercises for the memory figure")
    args = parser.parse_args()
    per_team = -(-args.tablets // args.teams)
    print(f"machine: {machine()}; load before: {load()}")
    with workdir() as work:
        library = write_library(work / "library", args.teams, per_team, args.exercises)
        env = {"CORDON_JOIN_RATE_LIMIT": "100000 per minute", "CORDON_LOGIN_RATE_LIMIT": "100000 per minute"}
        server = LiveServer(work / "server", content_root=library, env=env)
        server.instance_dir.mkdir(parents=True, exist_ok=True)
        server.flask("db", "upgrade")
        server.flask("users", "create", STAFF_USER, "--role", "controller", "--password", STAFF_PASSWORD)
        server.start()
        try:
            token = server.staff_token(STAFF_USER, STAFF_PASSWORD)
            pid = server.process.pid
            rss_empty = rss_kib(pid)
            status, exercise = server.api("POST", "/exercises", {"name": "bench", "scenario": SCENARIO}, token)
            assert status == 201, exercise
            ex = exercise["id"]
            assert server.api("POST", f"/exercises/{ex}/start", token=token)[0] == 200
            codes = {t["key"]: t["join_code"] for t in exercise["teams"]}

            # 1. readings
            cpu0 = cpu_s(pid)
            result = asyncio.run(tablets(server.url, codes, args.tablets, per_team, args.seconds, args.interval))
            cpu = cpu_s(pid) - cpu0
            lat = sorted(result["latencies"])
            print(f"\n1. readings: {args.tablets} tablets, one reading every {args.interval:g} s each, "
                  f"{result['elapsed']:.0f} s, {len(lat)} acknowledged ({len(lat) / result['elapsed']:.1f}/s), "
                  f"errors {result['errors'] or 'none'}")
            print(f"   ack latency ms: p50 {percentile(lat, 50) * 1000:.1f}  p99 {percentile(lat, 99) * 1000:.1f}  "
                  f"max {lat[-1] * 1000:.1f}   (server CPU {cpu:.1f} s over the run; "
                  f"{args.tablets} responders' doses accounted every second meanwhile)")
            print(f"   e.g. {', '.join(result['samples'])}")

            # 2. the field for many consoles at once
            def field(_):
                began = time.monotonic()
                status, body = server.api("GET", f"/exercises/{ex}/field", token=token)
                assert status == 200, body
                return time.monotonic() - began

            with ThreadPoolExecutor(args.consoles) as pool:
                times = sorted(pool.map(field, range(args.consoles)))
            print(f"\n2. /field for {args.consoles} consoles at once (400×400 grid + isolines, computed once): "
                  f"fastest {times[0] * 1000:.0f} ms, median {percentile(times, 50) * 1000:.0f} ms, "
                  f"slowest {times[-1] * 1000:.0f} ms; again later: {field(0) * 1000:.0f} ms")

            # 3. memory per running exercise
            rss_one = rss_kib(pid)
            for n in range(args.exercises):
                status, more = server.api("POST", "/exercises", {"name": f"more {n}",
                                                                 "scenario": f"{SCENARIO}-{n + 1}"}, token)
                assert server.api("POST", f"/exercises/{more['id']}/start", token=token)[0] == 200
                assert server.api("GET", f"/exercises/{more['id']}/field", token=token)[0] == 200
            time.sleep(3)  # a few scheduler passes: every responder of every exercise accounted
            rss_more = rss_kib(pid)
            print(f"\n3. server RSS: {rss_empty / 1024:.0f} MB before the first exercise, {rss_one / 1024:.0f} MB "
                  f"with it running (field computed, {args.tablets} tablets connected), "
                  f"{rss_more / 1024:.0f} MB with {args.exercises} more: "
                  f"{(rss_more - rss_one) / 1024 / max(args.exercises, 1):.1f} MB per further exercise")
            print(f"load after: {load()}")
        except Exception:
            print("server log (last lines):\n" + "\n".join(server.log.read_text().splitlines()[-30:]))
            raise
        finally:
            server.stop()


if __name__ == "__main__":
    main()
