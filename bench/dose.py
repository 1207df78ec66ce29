"""Benchmark: one scheduler pass of dose accounting for many responders.

Builds N responders (default 500) on a 400 m × 400 m site with a field of 10 point sources
over a 0.1 µSv/h background (numpy, the cost of the field itself kept small so that the
integration's own cost shows), gives each a track that has moved every few minutes since the
start (so tracks grow with exercise time), and times `advance_doses` over one pass: all
accounts from the previous pass's time to now. A pass is `--pass-s` real seconds at the
exercise speed. Measured at exercise times 10 min, 1 h and 4 h, with a share of responders
walking (or driving) through the whole pass, to show the cost stays flat as the exercise goes
on. Wall and CPU time of the pass are printed (the CPU time is what the pass costs on a machine
shared with other work).

    .venv/bin/python bench/dose.py                    # 500 responders; speeds 1 and 60
    .venv/bin/python bench/dose.py --responders 2000 --walking 0.5
    .venv/bin/python bench/dose.py --accuracy         # dose error against the walking step
"""
import argparse
import math
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import machine  # noqa: E402

from app.engine.dose import DoseAccount, IntegrationSettings, advance_doses, dose_along  # noqa: E402
from app.engine.movement import VEHICLE_SPEED_M_S, WALKING_SPEED_M_S, Track  # noqa: E402


class TenSources:
    """Ten point sources (µSv/h at 1 m between 100 and 100,000) over a 0.1 µSv/h background."""

    def __init__(self, seed: int = 7):
        rng = np.random.default_rng(seed)
        self.sx = rng.uniform(-150, 150, 10)
        self.sy = rng.uniform(-150, 150, 10)
        self.k = 10 ** rng.uniform(2, 5, 10)
        self.calls = 0
        self.points = 0

    def rates_at(self, xs, ys, t_s, changes=()):
        self.calls += 1
        self.points += len(xs)
        dx = np.asarray(xs)[:, None] - self.sx
        dy = np.asarray(ys)[:, None] - self.sy
        return 0.1 + (self.k / np.maximum(dx * dx + dy * dy, 0.09)).sum(axis=1)

    def rate_at(self, x, y, t_s, changes=()):
        return float(self.rates_at(np.array([x]), np.array([y]), t_s)[0])

    def contributions_at(self, x, y, t_s, changes=()):
        return {"Cs-137": self.rate_at(x, y, t_s) - 0.1}

    def deposition_at(self, x, y, t_s):
        return {}


def build_tracks(n: int, until_s: float, walking_share: float, walk_from_s: float, seed: int = 11) -> list[Track]:
    """Tracks that moved every 2–8 minutes up to `until_s`; a share walks from `walk_from_s` through `until_s`."""
    rng = random.Random(seed)
    tracks = []
    for i in range(n):
        track = Track.placed((rng.uniform(-200, 200), rng.uniform(-200, 200)), 0.0)
        t = rng.uniform(0, 120)
        while t < walk_from_s - 600:
            speed = VEHICLE_SPEED_M_S if rng.random() < 0.1 else WALKING_SPEED_M_S
            track = track.move(t, [(rng.uniform(-200, 200), rng.uniform(-200, 200))], speed)
            t += rng.uniform(120, 480)
        if i < n * walking_share:
            # Walking through the whole pass: a long walk (or drive) started just before it.
            speed = VEHICLE_SPEED_M_S if rng.random() < 0.1 else WALKING_SPEED_M_S
            far = [(rng.choice((-1, 1)) * 400.0, rng.uniform(-400, 400)), (0.0, 0.0)]
            track = track.move(walk_from_s - 1, far, speed)
        tracks.append(track)
    return tracks


def time_pass(field, tracks, t_before: float, t_after: float, repeats: int):
    accounts = [DoseAccount(responder=f"r{i}", t_s=t_before) for i in range(len(tracks))]
    advance_doses(accounts, tracks, field, t_after)  # warm-up
    times, cpu, calls, points = [], [], 0, 0
    for _ in range(repeats):
        field.calls = field.points = 0
        started, started_cpu = time.perf_counter(), time.process_time()
        advance_doses(accounts, tracks, field, t_after)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        calls, points = field.calls, field.points
    return times, cpu, calls, points


def accuracy(field) -> None:
    """Dose of 60 random walks and drives with each walking step, against 0.5 m steps at 1e-6 tolerance."""
    rng = random.Random(3)
    tracks = [
        Track.placed((rng.uniform(-200, 200), rng.uniform(-200, 200)), 0).move(
            0, [(rng.uniform(-200, 200), rng.uniform(-200, 200)) for _ in range(3)],
            rng.choice([WALKING_SPEED_M_S, VEHICLE_SPEED_M_S]),
        )
        for _ in range(60)
    ]
    reference = IntegrationSettings(rel_tol=1e-6, max_step_m=0.5)
    exact = [dose_along(track, field, 0, 300, settings=reference) for track in tracks]
    print(f"{'max step m':>10} {'max error':>10} {'median error':>12} {'points':>7}")
    for step in (5.0, 10.0, 20.0, 50.0):
        field.points = 0
        settings = IntegrationSettings(max_step_m=step)
        errors = [abs(dose_along(t, field, 0, 300, settings=settings) - e) / e for t, e in zip(tracks, exact)]
        print(f"{step:>10g} {max(errors):>10.1e} {statistics.median(errors):>12.1e} {field.points:>7}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responders", type=int, default=500)
    parser.add_argument("--walking", type=float, default=0.2, help="share of responders walking during the pass")
    parser.add_argument("--pass-s", type=float, default=1.0, help="real seconds between scheduler passes")
    parser.add_argument("--speeds", default="1,60", help="exercise speeds to measure")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--accuracy", action="store_true", help="print the dose error against the walking step instead")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    if args.accuracy:
        accuracy(TenSources())
        return
    print(f"{args.responders} responders, {args.walking:.0%} walking, a pass every {args.pass_s:g} s real time")
    print()
    header = (f"{'exercise time':>13} {'speed':>5} {'knots/track':>11} {'median ms':>9} {'p95 ms':>7} "
              f"{'max ms':>7} {'CPU ms':>6} {'calls':>5} {'points':>7}")
    print(header)
    print("-" * len(header))
    field = TenSources()
    for label, t in (("10 min", 600.0), ("1 h", 3600.0), ("4 h", 14400.0)):
        for speed in (float(s) for s in args.speeds.split(",")):
            step = args.pass_s * speed
            tracks = build_tracks(args.responders, t, args.walking, t - step)
            knots = statistics.fmean(len(track.knots) for track in tracks)
            times, cpu, calls, points = time_pass(field, tracks, t - step, t, args.repeats)
            times.sort()
            p95 = times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]
            print(f"{label:>13} {speed:>5g} {knots:>11.1f} {statistics.median(times):>9.2f} {p95:>7.2f} "
                  f"{times[-1]:>7.2f} {statistics.median(cpu):>6.2f} {calls:>5} {points:>7}")


if __name__ == "__main__":
    main()
