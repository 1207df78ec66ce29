"""Benchmark of the radiation field model (app/engine/field.py): the console grid, isolines, a
single reading, a region above a threshold, and the memory of a raster.

    python bench/field.py [--repeat 7] [--sources 10] [--shields 50] [--size 400]

A synthetic urban site of 2 km × 2 km: `--sources` point sources of mixed nuclides, `--shields`
buildings (rectangles and L-shapes with concrete, brick or steel walls), a plume deposition and
an area deposition. Prints a table of median and worst wall times over `--repeat` runs, and the
median CPU time of the process (which other programs on a busy machine disturb less), with the
load average when the benchmark started and ended.
"""
import argparse
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.engine.field import FieldModel, isolines, region_above  # noqa: E402

NUCLIDES = ("Cs-137", "Co-60", "Ir-192", "Se-75", "Am-241")
MATERIALS = (("concrete", 0.25), ("brick", 0.3), ("steel", 0.003), ("concrete", 0.15))


def synthetic_radiation(n_sources: int, n_shields: int, seed: int = 7) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed)
    site = {"bounds": [-1000.0, -1000.0, 1000.0, 1000.0]}
    sources = []
    for i in range(n_sources):
        x, y = rng.uniform(-600, 600, 2)
        sources.append({
            "id": f"S{i + 1}", "nuclide": NUCLIDES[i % len(NUCLIDES)], "activity_bq": float(rng.uniform(1e11, 4e13)),
            "at": [float(x), float(y)], "height_m": 1.0, "from_s": 0.0, "until_s": None,
            "shield": None, "changes": [],
        })
    shields = []
    for i in range(n_shields):
        cx, cy = rng.uniform(-800, 800, 2)
        w, h = rng.uniform(10, 60, 2)
        if i % 3 == 0:  # an L-shaped building
            points = [[cx, cy], [cx + w, cy], [cx + w, cy + h / 2], [cx + w / 2, cy + h / 2],
                      [cx + w / 2, cy + h], [cx, cy + h]]
        else:
            points = [[cx, cy], [cx + w, cy], [cx + w, cy + h], [cx, cy + h]]
        material, thickness = MATERIALS[i % len(MATERIALS)]
        shields.append({"id": f"B{i + 1}", "kind": "enclosure", "points": [[float(a), float(b)] for a, b in points],
                        "material": material, "thickness_m": thickness})
    deposition = [
        {"kind": "plume", "release": sources[0]["at"], "nuclide": "Cs-137", "activity_bq": 2e12,
         "wind_from_deg": 250.0, "wind_speed_m_s": 3.0, "stability": "D", "release_height_m": 0.0,
         "deposition_velocity_m_s": 0.003, "initial_sigma_m": 3.0, "at_s": 0.0},
        {"kind": "area", "polygon": [[100.0, 100.0], [300.0, 120.0], [250.0, 300.0]], "nuclide": "Cs-137",
         "activity_bq_m2": 5e5, "at_s": 0.0},
    ]
    radiation = {"background_usv_h": 0.1, "sources": sources, "shields": shields, "deposition": deposition}
    return site, radiation


def timed(fn, repeat: int) -> tuple[float, float, float, object]:
    """(median wall s, worst wall s, median CPU s, last result) over `repeat` calls."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), max(walls), statistics.median(cpus), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--sources", type=int, default=10)
    parser.add_argument("--shields", type=int, default=50)
    parser.add_argument("--size", type=int, default=400)
    args = parser.parse_args()

    site, radiation = synthetic_radiation(args.sources, args.shields)
    shape = (args.size, args.size)
    walls = sum(len(s["points"]) for s in radiation["shields"])
    load_before = os.getloadavg()[0]
    rows = []

    wall, _, cpu, model = timed(lambda: FieldModel.from_content(site, radiation), 1)
    rows.append(("build model (deposition rasters)", wall, None, cpu))
    median, worst, cpu, grid = timed(lambda: model.grid(None, shape, 600.0), args.repeat)
    rows.append((f"grid {args.size}×{args.size}", median, worst, cpu))
    median, worst, cpu, _ = timed(lambda: isolines(grid, model.bounds), args.repeat)
    rows.append(("isolines (3 levels)", median, worst, cpu))
    median, worst, cpu, _ = timed(lambda: region_above(model, 100.0, 600.0), args.repeat)
    rows.append(("region ≥ 100 µSv/h (grid + contour)", median, worst, cpu))

    rng = np.random.default_rng(1)
    points = rng.uniform(-900, 900, (200, 2))
    wall, _, cpu, _ = timed(lambda: [model.rate_at(float(x), float(y), 600.0) for x, y in points], 1)
    rows.append(("one reading (rate_at, mean of 200)", wall / len(points), None, cpu / len(points)))
    xs, ys = rng.uniform(-900, 900, (2, 10_000))
    median, worst, cpu, _ = timed(lambda: model.rates_at(xs, ys, 600.0), args.repeat)
    rows.append(("10,000 readings, scattered (rates_at)", median, worst, cpu))
    along = np.linspace(0.0, 1.0, 10_000)
    track_x, track_y = -500.0 + 1000.0 * along, -200.0 + 300.0 * along  # a 1 km walk, in order
    median, worst, cpu, _ = timed(lambda: model.rates_at(track_x, track_y, 600.0), args.repeat)
    rows.append(("10,000 readings along a 1 km track", median, worst, cpu))

    tracemalloc.start()
    model.grid(None, shape, 600.0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(f"field benchmark: {args.sources} sources, {args.shields} shields ({walls} walls), "
          f"plume + area deposition, grid {args.size}×{args.size}, {args.repeat} runs; "
          f"{os.cpu_count()} CPUs, load average {load_before:.1f} → {os.getloadavg()[0]:.1f}")
    print(f"{'what':42} {'median ms':>10} {'worst ms':>10} {'CPU ms':>10}")
    for name, median, worst, cpu in rows:
        worst_text = f"{worst * 1000:10.2f}" if worst is not None else f"{'':>10}"
        print(f"{name:42} {median * 1000:10.2f} {worst_text} {cpu * 1000:10.2f}")
    print(f"{'raster ' + str(args.size) + '×' + str(args.size) + ' float64':42} {grid.nbytes / 1e6:9.2f} MB")
    print(f"{'peak memory while computing the grid':42} {peak / 1e6:9.2f} MB")


if __name__ == "__main__":
    main()
