"""Benchmark: the team tablet's first load and reload on poor Wi-Fi (Chromium, Playwright).

A server (SQLite, one process) with the zones fixture's cordon drill running; one team's tablet
joins, then the /team page is loaded under Chromium's network emulation (default: 1.6 Mbit/s down,
750 kbit/s up, 150 ms latency, a poor training-room Wi-Fi):

* cold: a new browser context (empty HTTP cache, no service worker) opens /team;
* warm: the same context reloads it (HTTP cache and the service worker's shell).

Printed for each: the bytes transferred (compressed, as on the wire, before the site plan: the
Map tab is not opened), the number of requests, and the time to interactive: from the start of
the navigation until the tablet shows the team's first inject and its Online badge.

    .venv/bin/python bench/tablet_load.py                     # 5 runs each
    .venv/bin/python bench/tablet_load.py --runs 3 --down-kbps 800 --latency-ms 300
"""
import argparse
import statistics
import sys
import time

from _common import REPO, STAFF_PASSWORD, STAFF_USER, load, machine, workdir

sys.path.insert(0, str(REPO))
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, TABLET  # noqa: E402
from tests.helpers import ZONES_LIBRARY  # noqa: E402
from tests.live_server import LiveServer  # noqa: E402


def emulate(page, down_kbps: float, up_kbps: float, latency_ms: float):
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": latency_ms,
        "downloadThroughput": down_kbps * 1000 / 8, "uploadThroughput": up_kbps * 1000 / 8})
    transferred = {"bytes": 0, "requests": 0}

    def finished(params):
        transferred["bytes"] += params.get("encodedDataLength", 0)
        transferred["requests"] += 1

    cdp.on("Network.loadingFinished", finished)
    return transferred


def interactive(page, url: str) -> float:
    began = time.monotonic()
    page.goto(url, wait_until="commit")
    page.wait_for_selector("[data-inject]", timeout=60000)
    page.wait_for_selector("#conn.conn-online", timeout=60000)
    return time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--down-kbps", type=float, default=1600)
    parser.add_argument("--up-kbps", type=float, default=750)
    parser.add_argument("--latency-ms", type=float, default=150)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"machine: {machine()}; load before: {load()}")
    print(f"network: {args.down_kbps:g} kbit/s down, {args.up_kbps:g} kbit/s up, {args.latency_ms:g} ms latency")
    with workdir() as work:
        server = LiveServer(work / "server", content_root=ZONES_LIBRARY)
        server.instance_dir.mkdir(parents=True, exist_ok=True)
        server.flask("db", "upgrade")
        server.flask("users", "create", STAFF_USER, "--role", "controller", "--password", STAFF_PASSWORD)
        server.start()
        try:
            token = server.staff_token(STAFF_USER, STAFF_PASSWORD)
            status, exercise = server.api("POST", "/exercises", {"name": "Load", "scenario": "cordon-drill"}, token)
            assert status == 201, exercise
            assert server.api("POST", f"/exercises/{exercise['id']}/start", token=token)[0] == 200
            code = next(t["join_code"] for t in exercise["teams"] if t["key"] == "rad")
            results = {"cold": [], "warm": []}
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
                for _ in range(args.runs):
                    context = browser.new_context(viewport=TABLET, has_touch=True)
                    joiner = context.new_page()  # join without emulation: the join page is not measured
                    joiner.goto(f"{server.url}/join?code={code}")
                    joiner.fill("#name", "Bench")
                    joiner.click("button[type=submit]")
                    joiner.wait_for_url("**/team")
                    joiner.close()
                    context.clear_cookies()
                    page = context.new_page()
                    # a new context's HTTP cache is empty; the service worker registered by the join
                    # redirect is removed so that the first load is truly cold
                    page.goto(server.url + "/healthz")
                    page.evaluate("() => navigator.serviceWorker.getRegistrations()"
                                  ".then(rs => Promise.all(rs.map(r => r.unregister())))")
                    page.evaluate("() => caches.keys().then(ks => Promise.all(ks.map(k => caches.delete(k))))")
                    cdp = context.new_cdp_session(page)
                    cdp.send("Network.clearBrowserCache")
                    counted = emulate(page, args.down_kbps, args.up_kbps, args.latency_ms)
                    seconds = interactive(page, server.url + "/team")
                    page.wait_for_timeout(1500)  # the service worker's precache finishes in the background
                    results["cold"].append((seconds, counted["bytes"], counted["requests"]))
                    counted["bytes"] = counted["requests"] = 0
                    seconds = interactive(page, server.url + "/team")
                    results["warm"].append((seconds, counted["bytes"], counted["requests"]))
                    context.close()
                browser.close()
        finally:
            server.stop()
    for kind, runs in results.items():
        times = sorted(r[0] for r in runs)
        print(f"{kind}: time to interactive median {statistics.median(times):.2f} s (min {times[0]:.2f}, "
              f"max {times[-1]:.2f}); transferred median {statistics.median(r[1] for r in runs) / 1024:.0f} KB "
              f"in {statistics.median(r[2] for r in runs):.0f} requests")
    print(f"load after: {load()}")


if __name__ == "__main__":
    main()
