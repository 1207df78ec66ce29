"""Benchmark: playing the replay at 60x on the 100,000-event exercise, in headless Chromium.

Copies the exercise of bench/replay.py (built there, or here, with --db) into a temporary
instance folder, serves it with a real Cordon server (`python wsgi.py`, eventlet), signs in as
a controller in Debian's Chromium (Playwright, headless), opens the replay page at a moment, and
plays at 60x for --seconds of real time: the page folds the events as the moment passes them
and redraws the console's panels. Frames are counted with the Performance API: the page marks
each animation frame of the playback (`performance.mark("replay-frame")`) and a
PerformanceObserver counts long tasks (over 50 ms). Staff view, then a team's lens.

    .venv/bin/python bench/replay_playback.py --db /tmp/replay.db            # 20 s per run
    .venv/bin/python bench/replay_playback.py --db /tmp/replay.db --seconds 60 --start 1:00:00
"""
import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from report_bench import build_exercise, machine  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1600, "height": 900}


def ensure_database(path: Path, events: int) -> None:
    if path.exists():
        return
    from app import create_app
    from app.extensions import db

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "CORDON_ASYNC_MODE": "threading",
                      "CORDON_SCHEDULER": False, "CORDON_CONTENT_ROOT": str(REPO),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        db.create_all()
        build_exercise(events)
        db.session.remove()


def play(page, url: str, start: str, speed: int, seconds: float, lens: str | None, screenshot: str | None = None) -> dict:
    page.goto(f"{url}?t={start}" + (f"&team={lens}" if lens else ""))
    page.wait_for_selector('#replay-bar[data-ready="true"]', timeout=120_000)
    page.select_option("#replay-speed", str(speed))
    page.evaluate("""() => {
        window.benchLongTasks = [];
        new PerformanceObserver((list) => { for (const e of list.getEntries()) window.benchLongTasks.push(e.duration); })
            .observe({ type: "longtask" });
    }""")
    seq_before = int(page.get_attribute("#replay-bar", "data-seq"))
    moment_before = float(page.get_attribute("#replay-bar", "data-moment"))
    page.click("#btn-play")
    time.sleep(seconds)
    page.click("#btn-play")
    page.wait_for_selector('#replay-bar[data-playing="false"]')
    if screenshot:
        page.wait_for_timeout(500)
        page.screenshot(path=screenshot)
    marks = page.evaluate("() => performance.getEntriesByName('replay-frame').map((m) => m.startTime)")
    draws = page.evaluate("""() => {
        const by = {};
        for (const m of performance.getEntriesByType("measure")) {
            if (!m.name.startsWith("replay-draw-")) continue;
            const part = m.name.slice(12);
            (by[part] ||= []).push(m.duration);
        }
        return by;
    }""")
    long_tasks = page.evaluate("() => window.benchLongTasks")
    gaps = [b - a for a, b in zip(marks, marks[1:])]
    span_s = (marks[-1] - marks[0]) / 1000
    return {
        "lens": lens or "staff", "frames": len(marks), "seconds": span_s, "fps": (len(marks) - 1) / span_s,
        "median_ms": statistics.median(gaps), "p95_ms": sorted(gaps)[int(0.95 * (len(gaps) - 1))],
        "longest_ms": max(gaps), "over_33ms": sum(g > 1000 / 30 for g in gaps),
        "long_tasks": len(long_tasks), "longest_task_ms": max(long_tasks, default=0.0),
        "events": int(page.get_attribute("#replay-bar", "data-seq")) - seq_before,
        "exercise_s": float(page.get_attribute("#replay-bar", "data-moment")) - moment_before,
        "draws": {part: (len(d), statistics.median(d), max(d)) for part, d in draws.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="the benchmark database (built there if it does not exist)")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=20.0, help="real seconds of playback per run")
    parser.add_argument("--speed", type=int, default=60)
    parser.add_argument("--start", default="0:30:00", help="the moment playback starts from")
    parser.add_argument("--lens", default="fire", help="the team of the lens run ('' to skip it)")
    parser.add_argument("--screenshot", help="save the staff view, paused after playing, to this PNG file")
    args = parser.parse_args()

    source = Path(args.db).resolve()
    ensure_database(source, args.events)
    sys.path.insert(0, str(REPO / "tests"))
    from live_server import LiveServer
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp) / "instance"
        instance.mkdir()
        shutil.copy(source, instance / "cordon.db")
        server = LiveServer(instance, content_root=REPO, env={"CORDON_SCHEDULER": "0"})
        server.flask("users", "create", "bench-ctl", "--role", "controller", "--password", "bench-password")
        server.start(migrate=False)  # made by create_all, not migrated
        try:
            load = os.getloadavg()
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
                    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"])
                page = browser.new_page(viewport=VIEWPORT)
                page.goto(server.url + "/login")
                page.fill("#username", "bench-ctl")
                page.fill("#password", "bench-password")
                page.click("button[type=submit]")
                page.wait_for_url(re.compile(r".*/exercises.*"))
                url = f"{server.url}/exercises/1/replay"
                runs = [play(page, url, args.start, args.speed, args.seconds, None, args.screenshot)]
                if args.lens:
                    runs.append(play(page, url, args.start, args.speed, args.seconds, args.lens))
                browser.close()
        finally:
            server.stop()
    print(f"machine: {machine()}; Chromium {CHROMIUM} headless, viewport {VIEWPORT['width']}x{VIEWPORT['height']}")
    print(f"load average before: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; playback at {args.speed}x from {args.start}")
    print("\n| view | fps | frame median ms | p95 ms | longest ms | frames over 33 ms | long tasks (longest ms) "
          "| log read on (seqs) | exercise time played |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        print(f"| {r['lens']} | {r['fps']:.1f} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['longest_ms']:.0f} "
              f"| {r['over_33ms']} of {r['frames']} | {r['long_tasks']} ({r['longest_task_ms']:.0f}) "
              f"| {r['events']} | {r['exercise_s'] / 60:.1f} min in {r['seconds']:.1f} s |")
    print("\nDrawing the panels while playing (times drawn, median ms, longest ms):")
    for r in runs:
        print(f"  {r['lens']}: " + ", ".join(f"{part} {n}x {median:.1f}/{longest:.0f}"
                                             for part, (n, median, longest) in sorted(r["draws"].items())))
    print("\ntarget: at least 30 frames per second at 60x")


if __name__ == "__main__":
    main()
