"""Benchmark: every spatial rule of an exercise in one scheduler pass (target: ≤ 50 ms).

An exercise of 10 teams, each with its own drawn zones (50 zones in all: an inner cordon, a
command post, a staging area, a shelter area and an exclusion around a suspected device), and
7 rules per team (70 evaluations a pass): a 400 m cordon, the 100 µSv/h line inside the cordon,
the command post and the staging area placed outside the cordon, upwind and away from the
device, the device exclusion, and the shelter area covering the downwind sector and the
10 µSv/h area. The field is synthetic (a point source and a plume-shaped deposit, rippled so
that the isolines are irregular) on a 400 × 400 grid over 4 km × 4 km, contoured with
contourpy into the regions at 100 µSv/h and 10 µSv/h, as the field model's `region_above`
does. Prints a table of pass times:

    .venv/bin/python bench/spatial.py                  # 10 teams, 400 × 400 grid, 30 passes per case
    .venv/bin/python bench/spatial.py --teams 20 --passes 50
"""
import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import contourpy  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402
from shapely.geometry import Polygon  # noqa: E402

from app.engine.spatial import (  # noqa: E402
    Place,
    RuleMemo,
    SpatialContext,
    evaluate_rules,
    parse_rule,
    zone_from_json,
    zones_by_kind,
)

HALF_WIDTH_M = 2000.0
WIND_FROM = 270.0
SEAT = Place("blast-seat", 0.0, 0.0, "Blast seat")
VAN = Place("suspicious-van", 0.0, 150.0, "Suspicious van")
PLACES = {SEAT.id: SEAT, VAN.id: VAN}
SPECS = [
    {"rule": "min_radius", "zone": "inner-cordon", "around": "blast-seat", "radius": "400 m"},
    {"rule": "contains_isoline", "zone": "inner-cordon", "level": "100 µSv/h", "around": "blast-seat"},
    {"rule": "placement", "zone": "command-post", "outside": "inner-cordon", "upwind_of": "blast-seat",
     "min_distance": {"from": "suspicious-van", "distance": "400 m"}},
    {"rule": "placement", "zone": "staging-area", "outside": ["inner-cordon", "device-exclusion"],
     "upwind_of": "blast-seat"},
    {"rule": "min_radius", "zone": "device-exclusion", "around": "suspicious-van", "radius": "400 m"},
    {"rule": "covers", "zone": "shelter-area", "fraction": "90 %",
     "target": {"downwind_sector": {"from": "blast-seat", "half_angle": "22.5°", "range": "2 km"}}},
    {"rule": "covers", "zone": "shelter-area", "fraction": "90 %", "target": {"level": "10 µSv/h"}},
]


def synthetic_field(cells: int, strength: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """µSv/h on a cells × cells grid: background, a point source at the seat, a rippled plume deposit east."""
    xs = np.linspace(-HALF_WIDTH_M, HALF_WIDTH_M, cells)
    x, y = np.meshgrid(xs, xs)
    point = 6.25e6 / np.maximum(x**2 + y**2, 1.0)  # 100 µSv/h at 250 m
    downwind = np.clip(x, 1.0, None)
    sigma_y = 0.08 * downwind / np.sqrt(1 + 0.0001 * downwind)
    plume = np.where(x > 0, 2.5e4 / sigma_y * np.exp(-(y**2) / (2 * sigma_y**2)), 0.0)
    ripple = 1 + 0.35 * np.sin(x / 37.0) * np.cos(y / 23.0)
    return xs, xs, 0.1 + strength * (point + plume) * ripple


def region_above(xs, ys, rates, level: float):
    """The area at or above a level, as shapely polygons from contourpy's filled contours."""
    generator = contourpy.contour_generator(xs, ys, rates, fill_type="OuterOffset")
    points, offsets = generator.filled(level, float(rates.max()) + 1.0)
    polygons = []
    for pts, offs in zip(points, offsets):
        rings = [pts[offs[i]:offs[i + 1]] for i in range(len(offs) - 1)]
        polygons.append(Polygon(rings[0], rings[1:]))
    return shapely.make_valid(shapely.union_all(polygons))


def blob(cx, cy, radius, vertices, wobble, phase):
    ring = []
    for k in range(vertices):
        a = 2 * math.pi * k / vertices
        r = radius * (1 + wobble * math.sin(3 * a + phase))
        ring.append([cx + r * math.sin(a), cy + r * math.cos(a)])
    return {"type": "Polygon", "coordinates": [ring]}


def team_zones(team: int, cordon_radius: float | None = None) -> list:
    """Five zones of one team: shapes vary from team to team (circles and polygons, good and bad)."""
    radius = cordon_radius or 350 + 60 * team
    cordon = ({"type": "Circle", "center": [20 * team, 0], "radius": radius} if team % 2
              else blob(30 * team, 0, radius, 40 + 4 * team, 0.12, team))
    data = [
        ("inner-cordon", cordon),
        ("command-post", {"type": "Point", "coordinates": [-900 + 40 * team, 120 - 30 * team]}),
        ("staging-area", blob(-1100 + 50 * team, -300, 120, 12, 0.2, team)),
        ("shelter-area", {"type": "Polygon", "coordinates": [[[200, -700 - 20 * team], [2100, -900], [2100, 900],
                                                              [200, 700 + 10 * team]]]}),
        ("device-exclusion", {"type": "Circle", "center": [0, 150], "radius": 380 + 5 * team}),
    ]
    return [zone_from_json({"id": f"t{team}-{kind}", "kind": kind, "team": f"team{team}", "geometry": geometry})
            for kind, geometry in data]


class Timings:
    """Wall and CPU milliseconds of repeated passes (the machine may be shared: CPU shows the work)."""

    def __init__(self):
        self.wall, self.cpu = [], []

    def measure(self, function):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        self.wall.append((time.perf_counter() - wall) * 1000)
        self.cpu.append((time.process_time() - cpu) * 1000)


def timed(function, passes: int) -> Timings:
    timings = Timings()
    for _ in range(passes):
        timings.measure(function)
    return timings


def row(name: str, timings: Timings, note: str = "") -> str:
    wall = sorted(timings.wall)
    p95 = wall[min(len(wall) - 1, math.ceil(0.95 * len(wall)) - 1)]
    return (f"| {name} | {statistics.median(wall):.2f} | {p95:.2f} | {statistics.median(timings.cpu):.2f} | "
            f"{note} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("--grid", type=int, default=400, help="field grid cells per side")
    parser.add_argument("--passes", type=int, default=30)
    args = parser.parse_args()

    xs, ys, rates = synthetic_field(args.grid)
    start = time.perf_counter()
    regions = {level: region_above(xs, ys, rates, level) for level in (100.0, 10.0)}
    contour_ms = (time.perf_counter() - start) * 1000
    stronger = synthetic_field(args.grid, strength=1.3)[2]
    regions_later = {level: region_above(xs, ys, stronger, level) for level in (100.0, 10.0)}

    rules = [parse_rule(spec, places=PLACES) for spec in SPECS]
    teams = [zones_by_kind(team_zones(team)) for team in range(args.teams)]
    zone_count = sum(len(zones) for zones in teams)
    evaluations = len(rules) * len(teams)

    def context(version: str, source=regions) -> SpatialContext:
        return SpatialContext(wind_from_deg=WIND_FROM, region_above=source.__getitem__, field_version=version,
                              site_bounds=(-HALF_WIDTH_M, -HALF_WIDTH_M, HALF_WIDTH_M, HALF_WIDTH_M))

    def a_pass(memo, ctx, zone_sets=teams):
        return [evaluate_rules(rules, zones, PLACES, ctx, memo) for zones in zone_sets]

    results = a_pass(None, context("v1"))
    failing = sum(not r.ok for team in results for r in team)

    cold = timed(lambda: a_pass(RuleMemo(), context("v1")), args.passes)
    memo = RuleMemo()
    a_pass(memo, context("v1"))
    warm = timed(lambda: a_pass(memo, context("v1")), args.passes)

    redrawn = Timings()
    for n in range(args.passes):
        memo = RuleMemo()
        a_pass(memo, context("v1"))
        changed = list(teams)
        changed[n % len(teams)] = zones_by_kind(team_zones(n % len(teams), cordon_radius=500 + n))
        redrawn.measure(lambda: a_pass(memo, context("v1"), changed))

    field_changed = Timings()
    for n in range(args.passes):
        memo = RuleMemo()
        a_pass(memo, context("v1"))
        field_changed.measure(lambda: a_pass(memo, context(f"v2-{n}", regions_later)))

    def describe(geometry) -> str:
        return f"{len(shapely.get_parts(geometry))} polygons, {len(shapely.get_coordinates(geometry))} vertices"

    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "?")
    print(f"Machine: {os.cpu_count()} CPUs ({model}); Python {sys.version.split()[0]}; shapely {shapely.__version__} "
          f"(GEOS {shapely.geos_version_string}); load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    print(f"Exercise: {len(teams)} teams, {zone_count} zones, {len(rules)} rules per team = {evaluations} evaluations "
          f"a pass ({failing} failing); grid {args.grid} × {args.grid} over 4 km × 4 km")
    print(f"Regions: 100 µSv/h: {describe(regions[100.0])}; 10 µSv/h: {describe(regions[10.0])}; "
          f"contouring both: {contour_ms:.1f} ms (the field model's cost, once per field version)")
    print()
    print(f"| pass ({args.passes} runs each) | wall median ms | wall p95 ms | CPU median ms | evaluated |")
    print("|---|---|---|---|---|")
    print(row("cold: empty memo", cold, f"all {evaluations}"))
    print(row("nothing changed", warm, "none: every result from the memo"))
    print(row("one team redrew its cordon", redrawn, "the rules on that team's cordon"))
    print(row("field changed (new version)", field_changed, f"the {2 * len(teams)} rules that use the field"))


if __name__ == "__main__":
    main()
