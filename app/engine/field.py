"""The simulated radiation field: ambient dose equivalent rate H*(10) at any point and exercise time.

    Ḣ(p, t) = background + Σ_sources Γ_H · A(t) · 2^(−Σ x_i / HVL_i) / max(r, r_min)² + deposition(p, t)

- A source is a point at `height` above the ground; readings are taken 1 m above the ground, so r
  is the 3-D distance. r_min (0.3 m) caps the rate near the source: contact readings are not modelled.
- A(t) decays from the moment its activity was given (STARTEX, or a change that set it).
- Attenuation uses broad-beam half-value layers with buildup 1 (±20–50 %):
  * a source's own container (`shield` on the source, or a change that shields it) attenuates
    every direction by its thickness;
  * a site shield is a polygon (an enclosure: a building, a van, a container) or a line (a wall);
    every crossing of its outline by the straight line source → point adds one wall of its
    thickness. Walls are infinitely tall and the nominal thickness is used whatever the angle of
    the ray (no obliquity: oblique rays are attenuated less than in reality, which errs high).
- Deposition (ground contamination, Bq/m² per nuclide) adds Σ k_ground · deposit(p) · decay; it
  is not shielded by site shields.

Everything here is a pure function of (site, radiation block, live source changes, point, time):
the same inputs give the same numbers, bit for bit, so replay shows what a team saw. Point
readings and grids use the same half-plane tests; they agree to floating-point rounding.
"""
import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import contourpy
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

from .nuclides import get_nuclide
from .plume import plume_deposition

__all__ = [
    "DEFAULT_LEVELS_USV_H", "R_MIN_M", "READING_HEIGHT_M", "FieldModel", "SourceState", "UnknownSource",
    "cache_key", "grid_axes", "isolines", "region_above", "source_states",
]

R_MIN_M = 0.3
READING_HEIGHT_M = 1.0
DEFAULT_LEVELS_USV_H = (0.3, 100.0, 100_000.0)  # 0.3 µSv/h, 100 µSv/h, 100 mSv/h
DEPOSITION_RASTER_CELLS = 800  # along the longer side of the site
DEPOSITION_MIN_CELL_M = 0.5
_POINT_CHUNK = 4096


class UnknownSource(ValueError):
    """A live change names a source the scenario does not have."""


@dataclass(frozen=True)
class SourceState:
    """A source as it is at one exercise time."""

    id: str
    nuclide: str
    x: float
    y: float
    height_m: float
    activity_bq: float       # at `activity_ref_s`
    activity_ref_s: float
    shield: tuple[str, float] | None  # (material, thickness in m) of its container
    active: bool

    def activity_at(self, t_s: float) -> float:
        half_life = get_nuclide(self.nuclide).half_life_s
        return self.activity_bq * 2.0 ** (-(t_s - self.activity_ref_s) / half_life)


def _as_shield(value) -> tuple[str, float] | None:
    if value is None:
        return None
    return (value["material"], float(value["thickness_m"]))


def _apply(state: SourceState, change: Mapping, at_s: float) -> SourceState:
    updates = {}
    if "moved_to" in change:
        updates["x"], updates["y"] = (float(v) for v in change["moved_to"])
    if "height_m" in change:
        updates["height_m"] = float(change["height_m"])
    if "shield" in change:
        updates["shield"] = _as_shield(change["shield"])
    if "activity_bq" in change:
        updates["activity_bq"], updates["activity_ref_s"] = float(change["activity_bq"]), at_s
    if "removed" in change:
        updates["active"] = not change["removed"]
    return replace(state, **updates)


def source_states(radiation: Mapping, changes: Iterable[Mapping] = (), t_s: float = 0.0) -> tuple[SourceState, ...]:
    """Every source of the radiation block as it is at `t_s`: scheduled changes from the block and
    live changes (`source.changed` payloads: `{source, at_s, moved_to?, height_m?, shield?,
    activity_bq?, removed?}`) applied in time order, scheduled before live at the same moment."""
    sources = {source["id"]: source for source in radiation.get("sources", ())}
    timeline = []
    for source in sources.values():
        for index, change in enumerate(source.get("changes", ())):
            timeline.append((float(change["at_s"]), 0, index, source["id"], change))
    for index, change in enumerate(changes):
        if change["source"] not in sources:
            raise UnknownSource(f"no source '{change['source']}' in this scenario; known: {', '.join(sources)}")
        timeline.append((float(change["at_s"]), 1, index, change["source"], change))
    timeline.sort(key=lambda item: item[:3])

    states = {
        ident: SourceState(
            id=ident, nuclide=source["nuclide"], x=float(source["at"][0]), y=float(source["at"][1]),
            height_m=float(source.get("height_m", READING_HEIGHT_M)), activity_bq=float(source["activity_bq"]),
            activity_ref_s=0.0, shield=_as_shield(source.get("shield")), active=True,
        )
        for ident, source in sources.items()
    }
    for at_s, _, _, ident, change in timeline:
        if at_s > t_s:
            break
        states[ident] = _apply(states[ident], change, at_s)
    placed = {
        ident: source.get("from_s", 0.0) <= t_s and (source.get("until_s") is None or t_s < source["until_s"])
        for ident, source in sources.items()
    }
    return tuple(replace(state, active=state.active and placed[state.id]) for state in states.values())


# --- shields: the half-plane test for "the ray source → point crosses this wall" -------------

@dataclass(frozen=True)
class _Walls:
    """Every wall segment of every site shield, with its thickness and material."""

    ax: np.ndarray
    ay: np.ndarray
    bx: np.ndarray
    by: np.ndarray
    thickness_m: np.ndarray
    material: tuple[str, ...]

    @classmethod
    def from_shields(cls, shields: Sequence[Mapping]) -> "_Walls":
        ax, ay, bx, by, thickness, material = [], [], [], [], [], []
        for shield in shields:
            points = [tuple(map(float, p)) for p in shield["points"]]
            if shield["kind"] == "enclosure" and points[0] != points[-1]:
                points.append(points[0])
            for (x0, y0), (x1, y1) in zip(points, points[1:]):
                if (x0, y0) == (x1, y1):
                    continue
                ax.append(x0), ay.append(y0), bx.append(x1), by.append(y1)
                thickness.append(float(shield["thickness_m"]))
                material.append(shield["material"])
        as_array = lambda values: np.array(values, dtype=float)  # noqa: E731
        return cls(as_array(ax), as_array(ay), as_array(bx), as_array(by), as_array(thickness), tuple(material))

    def __len__(self) -> int:
        return len(self.ax)

    def weights(self, nuclide: str) -> np.ndarray:
        """thickness / HVL of each wall for `nuclide`'s photons."""
        data = get_nuclide(nuclide)
        hvl = {material: data.hvl_m(material) for material in set(self.material)}
        return self.thickness_m / np.array([hvl[m] for m in self.material], dtype=float)

    def planes(self, sx: float, sy: float):
        """For each wall seen from (sx, sy): three half-planes A·x + B·y + C ≥ 0 (or > 0) whose
        intersection is the set of points p such that the segment source → p crosses the wall.

        The wall (a, b) is oriented so that b lies counter-clockwise of a seen from the source:
        p is in the wedge (inclusive at the ray through a, exclusive at the ray through b, so a ray
        through a shared corner counts once) and strictly beyond the wall's line. Walls in line
        with the source cast no shadow and are dropped. Returns (keep, A, B, C, strict) with A, B,
        C of shape (3, n_kept) and strict of shape (3,).
        """
        ax, ay, bx, by = self.ax, self.ay, self.bx, self.by
        cross = (ax - sx) * (by - sy) - (ay - sy) * (bx - sx)
        swap = cross < 0
        ax, bx = np.where(swap, bx, ax), np.where(swap, ax, bx)
        ay, by = np.where(swap, by, ay), np.where(swap, ay, by)
        keep = cross != 0
        ax, ay, bx, by = ax[keep], ay[keep], bx[keep], by[keep]
        side = np.sign((bx - ax) * (sy - ay) - (by - ay) * (sx - ax))
        a = np.stack([-(ay - sy), by - sy, side * (by - ay)])
        b = np.stack([ax - sx, -(bx - sx), -side * (bx - ax)])
        c = np.stack([
            -(ax - sx) * sy + (ay - sy) * sx,
            -sx * (by - sy) + sy * (bx - sx),
            side * ((bx - ax) * ay - (by - ay) * ax),
        ])
        strict = np.array([False, True, True])
        return keep, a, b, c, strict


def _satisfied(a, beta, strict, x):
    """Whether x satisfies a·x + beta ≥ 0 (> 0 when strict), written as a bound on x so that a
    point test and a grid row (searchsorted on the same bound) decide ties identically."""
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = -beta / a
    above = (x > bound) if strict else (x >= bound)
    below = (x < bound) if strict else (x <= bound)
    flat = (beta > 0) if strict else (beta >= 0)
    return np.where(a > 0, above, np.where(a < 0, below, flat))


def _wall_exponent_points(walls: _Walls, weights, sx, sy, xs, ys) -> np.ndarray:
    """Σ thickness/HVL of the walls crossed by source → each point (xs, ys 1-D).

    Points are taken in chunks; a wall outside the bounding box of the source and a chunk's
    points cannot be crossed and is skipped (readings along a track are close together). The
    sum runs over walls in their fixed order, so skipping walls never changes a bit."""
    out = np.zeros(len(xs))
    if len(walls) == 0:
        return out
    keep, a, b, c, strict = walls.planes(sx, sy)
    w = weights[keep]
    lo_x = np.minimum(walls.ax, walls.bx)[keep]
    hi_x = np.maximum(walls.ax, walls.bx)[keep]
    lo_y = np.minimum(walls.ay, walls.by)[keep]
    hi_y = np.maximum(walls.ay, walls.by)[keep]
    for start in range(0, len(xs), _POINT_CHUNK):
        x = xs[start:start + _POINT_CHUNK]
        y = ys[start:start + _POINT_CHUNK]
        near = ((hi_x >= min(sx, x.min())) & (lo_x <= max(sx, x.max()))
                & (hi_y >= min(sy, y.min())) & (lo_y <= max(sy, y.max())))
        if not near.any():
            continue
        inside = np.ones((len(x), int(near.sum())), dtype=bool)
        for k in range(3):
            inside &= _satisfied(a[k][near][None, :], b[k][near][None, :] * y[:, None] + c[k][near][None, :],
                                 strict[k], x[:, None])
        out[start:start + len(x)] = np.cumsum(np.where(inside, w[near][None, :], 0.0), axis=1)[:, -1]
    return out


def _column_range(a, beta, strict: bool, xc: np.ndarray):
    """Columns [lo, hi) of the grid row whose centres satisfy one half-plane (see `_satisfied`)."""
    n = len(xc)
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = -beta / a
    bound = np.where(np.isnan(bound), 0.0, bound)
    lo = np.where(a > 0, np.searchsorted(xc, bound, side="right" if strict else "left"), 0)
    hi = np.where(a < 0, np.searchsorted(xc, bound, side="left" if strict else "right"), n)
    flat_ok = (beta > 0) if strict else (beta >= 0)
    hi = np.where((a == 0) & ~flat_ok, 0, hi)
    return lo, hi


def _wall_exponent_grid(walls: _Walls, weights, sx, sy, xc, yc) -> np.ndarray:
    """Like `_wall_exponent_points` for every cell centre of a grid, in O(walls × rows): each wall's
    shadow is an interval of columns on each row, summed with a difference array."""
    ny, nx = len(yc), len(xc)
    if len(walls) == 0:
        return np.zeros((ny, nx))
    keep, a, b, c, strict = walls.planes(sx, sy)
    w = weights[keep]
    lo = np.zeros((len(w), ny), dtype=np.int64)
    hi = np.full((len(w), ny), nx, dtype=np.int64)
    for k in range(3):
        beta = b[k][:, None] * yc[None, :] + c[k][:, None]
        lo_k, hi_k = _column_range(a[k][:, None], beta, bool(strict[k]), xc)
        lo, hi = np.maximum(lo, lo_k), np.minimum(hi, hi_k)
    wall, row = np.nonzero(lo < hi)
    stride = nx + 1
    weight = w[wall]
    diff = (np.bincount(row * stride + lo[wall, row], weights=weight, minlength=ny * stride)
            - np.bincount(row * stride + hi[wall, row], weights=weight, minlength=ny * stride))
    return np.cumsum(diff.reshape(ny, stride), axis=1)[:, :nx]


# --- deposition -----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Deposit:
    nuclide: str
    at_s: float
    area: object | None          # shapely polygon with a uniform deposit, prepared
    bq_m2: float                 # for an area
    raster: np.ndarray | None    # for a plume: Bq/m² at raster cell centres (rows south → north)


class _Raster:
    """Cell centres of the deposition raster over the site; bilinear reading between them."""

    def __init__(self, bounds):
        xmin, ymin, xmax, ymax = bounds
        cell = max(max(xmax - xmin, ymax - ymin) / DEPOSITION_RASTER_CELLS, DEPOSITION_MIN_CELL_M)
        nx = max(2, int(math.ceil((xmax - xmin) / cell)))
        ny = max(2, int(math.ceil((ymax - ymin) / cell)))
        self.xc, self.yc = grid_axes(bounds, (ny, nx))

    def sample(self, values: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """Bilinear interpolation of `values` (on the centres) at points; zero outside the raster."""
        fx = np.interp(xs, self.xc, np.arange(len(self.xc)), left=np.nan, right=np.nan)
        fy = np.interp(ys, self.yc, np.arange(len(self.yc)), left=np.nan, right=np.nan)
        outside = np.isnan(fx) | np.isnan(fy)
        fx, fy = np.nan_to_num(fx), np.nan_to_num(fy)
        i0 = np.minimum(fx.astype(np.int64), len(self.xc) - 2)
        j0 = np.minimum(fy.astype(np.int64), len(self.yc) - 2)
        tx, ty = fx - i0, fy - j0
        value = ((1 - tx) * (1 - ty) * values[j0, i0] + tx * (1 - ty) * values[j0, i0 + 1]
                 + (1 - tx) * ty * values[j0 + 1, i0] + tx * ty * values[j0 + 1, i0 + 1])
        return np.where(outside, 0.0, value)


# --- the model ------------------------------------------------------------------------------

def _canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _applied_changes(changes: Iterable[Mapping], t_s: float) -> list:
    return [dict(change) for change in changes if float(change["at_s"]) <= t_s]


def cache_key(version: str, t_s: float, changes: Iterable[Mapping] = (), bounds=None, shape=None) -> str:
    """A key for a computed grid: the scenario (its hash or a model's `version`), the time, the live
    changes that have happened by then, and the grid's bounds and shape. Consoles that ask for the
    same key share one grid."""
    key = {"version": version, "t_s": float(t_s), "changes": _applied_changes(changes, t_s),
           "bounds": list(bounds) if bounds is not None else None, "shape": list(shape) if shape else None}
    return hashlib.sha256(_canonical(key).encode("utf-8")).hexdigest()


def grid_axes(bounds, shape) -> tuple[np.ndarray, np.ndarray]:
    """Cell-centre coordinates (xc west → east, yc south → north) of a grid of `shape` (rows, cols)."""
    xmin, ymin, xmax, ymax = (float(v) for v in bounds)
    ny, nx = shape
    xc = xmin + (np.arange(nx) + 0.5) * ((xmax - xmin) / nx)
    yc = ymin + (np.arange(ny) + 0.5) * ((ymax - ymin) / ny)
    return xc, yc


def _content_bounds(site: Mapping | None, radiation: Mapping) -> tuple[float, float, float, float]:
    if site and site.get("bounds"):
        return tuple(float(v) for v in site["bounds"])
    points = [source["at"] for source in radiation.get("sources", ())]
    points += [p for shield in radiation.get("shields", ()) for p in shield["points"]]
    points += [p for item in radiation.get("deposition", ()) for p in item.get("polygon", ())]
    points += [item["release"] for item in radiation.get("deposition", ()) if "release" in item]
    if not points:
        return (-100.0, -100.0, 100.0, 100.0)
    xs, ys = zip(*points)
    return (min(xs) - 100.0, min(ys) - 100.0, max(xs) + 100.0, max(ys) + 100.0)


class FieldModel:
    """The H*(10) field of one scenario. Build it once per scenario (deposition rasters are
    computed here); every reading is then a pure function of point, time and live changes."""

    def __init__(self, site: Mapping | None, radiation: Mapping):
        self.site = site
        self.radiation = radiation
        self.version = hashlib.sha256(_canonical({"site": site, "radiation": radiation}).encode()).hexdigest()
        self.bounds = _content_bounds(site, radiation)
        self.background_usv_h = float(radiation.get("background_usv_h", 0.0))
        self._walls = _Walls.from_shields(radiation.get("shields", ()))
        self._weights: dict[str, np.ndarray] = {}
        self._raster = _Raster(self.bounds)
        self._deposits = tuple(self._deposit(item) for item in radiation.get("deposition", ()))

    @classmethod
    def from_content(cls, site: Mapping | None, radiation: Mapping) -> "FieldModel":
        """The model of a scenario's normalized `site` and `radiation` blocks (docs/radiation.md)."""
        return cls(site, radiation)

    def _deposit(self, item: Mapping) -> _Deposit:
        at_s = float(item.get("at_s", 0.0))
        if item["kind"] == "area":
            area = Polygon(item["polygon"])
            shapely.prepare(area)
            return _Deposit(item["nuclide"], at_s, area, float(item["activity_bq_m2"]), None)
        xx, yy = np.meshgrid(self._raster.xc, self._raster.yc)
        raster = plume_deposition(
            xx, yy, release=tuple(item["release"]), activity_bq=float(item["activity_bq"]),
            wind_from_deg=float(item["wind_from_deg"]), wind_speed_m_s=float(item["wind_speed_m_s"]),
            stability=item["stability"], release_height_m=float(item.get("release_height_m", 0.0)),
            deposition_velocity_m_s=float(item["deposition_velocity_m_s"]),
            initial_sigma_m=float(item.get("initial_sigma_m", 0.0)),
        )
        return _Deposit(item["nuclide"], at_s, None, 0.0, raster)

    def _wall_weights(self, nuclide: str) -> np.ndarray:
        if nuclide not in self._weights:
            self._weights[nuclide] = self._walls.weights(nuclide)
        return self._weights[nuclide]

    # -- sources ---------------------------------------------------------------------------

    def states(self, t_s: float, changes: Iterable[Mapping] = ()) -> tuple[SourceState, ...]:
        """The sources as they are at `t_s` (see `source_states`)."""
        return source_states(self.radiation, changes, t_s)

    def breakpoints(self, changes: Iterable[Mapping] = ()) -> tuple[float, ...]:
        """The exercise times (sorted) at which the field changes stepwise: a source arrives or
        leaves, a scheduled or live change, deposition appears. Between them it only decays, so
        dose integration must not hold the field across one."""
        times = set()
        for source in self.radiation.get("sources", ()):
            times.add(float(source.get("from_s", 0.0)))
            if source.get("until_s") is not None:
                times.add(float(source["until_s"]))
            times.update(float(change["at_s"]) for change in source.get("changes", ()))
        times.update(float(change["at_s"]) for change in changes)
        times.update(deposit.at_s for deposit in self._deposits)
        return tuple(sorted(t for t in times if t > 0))

    def _gamma_sources(self, t_s, changes):
        """(state, nuclide data, µSv/h at 1 m before walls) of each active gamma-emitting source."""
        for state in self.states(t_s, changes):
            data = get_nuclide(state.nuclide)
            if not state.active or not data.emits_gamma:
                continue
            strength = data.gamma_usv_m2_per_h_bq * state.activity_at(t_s)
            if state.shield is not None:
                material, thickness = state.shield
                strength *= 2.0 ** (-thickness / data.hvl_m(material))
            yield state, strength

    def _source_rates(self, state: SourceState, strength: float, xs, ys) -> np.ndarray:
        dz = state.height_m - READING_HEIGHT_M
        r2 = np.maximum((xs - state.x) ** 2 + (ys - state.y) ** 2 + dz * dz, R_MIN_M ** 2)
        walls = _wall_exponent_points(self._walls, self._wall_weights(state.nuclide), state.x, state.y, xs, ys)
        return strength * np.exp2(-walls) / r2

    # -- deposition ------------------------------------------------------------------------

    def _deposition_points(self, xs, ys, t_s) -> dict[str, np.ndarray]:
        """Decayed deposit (Bq/m²) per nuclide at the points."""
        out: dict[str, np.ndarray] = {}
        for deposit in self._deposits:
            if deposit.at_s > t_s:
                continue
            if deposit.area is not None:
                values = np.where(shapely.contains_xy(deposit.area, xs, ys), deposit.bq_m2, 0.0)
            else:
                values = self._raster.sample(deposit.raster, xs, ys)
            decay = 2.0 ** (-(t_s - deposit.at_s) / get_nuclide(deposit.nuclide).half_life_s)
            out[deposit.nuclide] = out.get(deposit.nuclide, 0.0) + values * decay
        return out

    # -- readings --------------------------------------------------------------------------

    def rates_at(self, xs, ys, t_s: float, changes: Iterable[Mapping] = ()) -> np.ndarray:
        """H*(10) rate (µSv/h) at many points (site metres), 1 m above the ground, at `t_s`."""
        xs, ys = _points(xs, ys)
        total = np.full(xs.shape, self.background_usv_h)
        for nuclide, rates in self._contributions(xs, ys, t_s, changes).items():
            total = total + rates
        return total

    def rate_at(self, x: float, y: float, t_s: float, changes: Iterable[Mapping] = ()) -> float:
        """H*(10) rate (µSv/h) at one point (site metres), 1 m above the ground, at `t_s`."""
        return float(self.rates_at([x], [y], t_s, changes)[0])

    def _contributions(self, xs, ys, t_s, changes) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for state, strength in self._gamma_sources(t_s, changes):
            out[state.nuclide] = out.get(state.nuclide, 0.0) + self._source_rates(state, strength, xs, ys)
        for nuclide, deposit in self._deposition_points(xs, ys, t_s).items():
            out[nuclide] = out.get(nuclide, 0.0) + deposit * get_nuclide(nuclide).ground.value
        return out

    def contributions_at(self, x: float, y: float, t_s: float, changes: Iterable[Mapping] = ()) -> dict[str, float]:
        """The gamma rate (µSv/h) at one point split by nuclide, from sources and deposition
        (background not included; `rate_at` = background + the sum of these)."""
        xs, ys = _points([x], [y])
        return {nuclide: float(np.asarray(rates).reshape(-1)[0])
                for nuclide, rates in sorted(self._contributions(xs, ys, t_s, changes).items())}

    def deposition_at(self, x: float, y: float, t_s: float, changes: Iterable[Mapping] = ()) -> dict[str, float]:
        """Decayed ground contamination (Bq/m²) per nuclide at one point; `changes` do not affect it."""
        xs, ys = _points([x], [y])
        return {nuclide: float(np.asarray(values).reshape(-1)[0])
                for nuclide, values in sorted(self._deposition_points(xs, ys, t_s).items())}

    def grid(self, bounds=None, shape=(400, 400), t_s: float = 0.0, changes: Iterable[Mapping] = ()) -> np.ndarray:
        """H*(10) rate (µSv/h) at the cell centres of `shape` (rows, cols) over `bounds`
        (xmin, ymin, xmax, ymax; the site by default). Row 0 is the southern edge."""
        bounds = tuple(bounds) if bounds is not None else self.bounds
        xc, yc = grid_axes(bounds, shape)
        total = np.full((len(yc), len(xc)), self.background_usv_h)
        for state, strength in self._gamma_sources(t_s, changes):
            dz = state.height_m - READING_HEIGHT_M
            r2 = np.maximum((xc[None, :] - state.x) ** 2 + (yc[:, None] - state.y) ** 2 + dz * dz, R_MIN_M ** 2)
            walls = _wall_exponent_grid(self._walls, self._wall_weights(state.nuclide), state.x, state.y, xc, yc)
            total += strength * np.exp2(-walls) / r2
        if self._deposits:
            xx, yy = np.meshgrid(xc, yc)
            for nuclide, deposit in self._deposition_points(xx.ravel(), yy.ravel(), t_s).items():
                total += (deposit * get_nuclide(nuclide).ground.value).reshape(total.shape)
        return total

    def cache_key(self, t_s: float, changes: Iterable[Mapping] = (), bounds=None, shape=(400, 400)) -> str:
        """`cache_key` of this model's grid."""
        return cache_key(self.version, t_s, changes, bounds if bounds is not None else self.bounds, shape)


def _points(xs, ys) -> tuple[np.ndarray, np.ndarray]:
    xs = np.asarray(xs, dtype=float).reshape(-1)
    ys = np.asarray(ys, dtype=float).reshape(-1)
    if xs.shape != ys.shape:
        raise ValueError(f"xs and ys differ in length ({len(xs)} and {len(ys)})")
    return xs, ys


# --- isolines and regions -------------------------------------------------------------------

def _log_field(grid: np.ndarray) -> np.ndarray:
    # Contours are interpolated in log space, where a 1/r² field is nearly linear between cells.
    return np.log10(np.maximum(grid, 1e-12))


def _format_rate(level_usv_h: float) -> str:
    if level_usv_h >= 1000:
        return f"{level_usv_h / 1000:g} mSv/h"
    return f"{level_usv_h:g} µSv/h"


def isolines(grid: np.ndarray, bounds, levels: Sequence[float] = DEFAULT_LEVELS_USV_H) -> dict:
    """Lines of equal rate through a grid from `FieldModel.grid`, as a GeoJSON-like
    FeatureCollection in site metres: one MultiLineString feature per level (µSv/h)."""
    xc, yc = grid_axes(bounds, grid.shape)
    generator = contourpy.contour_generator(xc, yc, _log_field(grid), line_type=contourpy.LineType.Separate)
    features = []
    for level in levels:
        lines = generator.lines(math.log10(level))
        features.append({
            "type": "Feature",
            "properties": {"level_usv_h": float(level), "label": _format_rate(level)},
            "geometry": {"type": "MultiLineString",
                         "coordinates": [np.round(line, 2).tolist() for line in lines]},
        })
    return {"type": "FeatureCollection", "features": features}


def region_above(model: FieldModel, threshold_usv_h: float, t_s: float, changes: Iterable[Mapping] = (),
                 bounds=None, shape=(400, 400)):
    """The area (a shapely geometry in site metres) where H*(10) ≥ `threshold_usv_h` at `t_s`.

    Traced on a grid (accurate to about one cell). Around a source whose region is smaller than
    two cells the grid cannot see it, so a disc is added with the radius at which that source alone,
    unshielded by walls, reaches the threshold: the region errs on the large side, never drops a
    hot spot."""
    changes = tuple(changes)
    bounds = tuple(bounds) if bounds is not None else model.bounds
    box = shapely.box(*bounds)
    if threshold_usv_h <= model.background_usv_h:
        return box
    grid = model.grid(bounds, shape, t_s, changes)
    xc, yc = grid_axes(bounds, shape)
    generator = contourpy.contour_generator(xc, yc, _log_field(grid), fill_type=contourpy.FillType.OuterOffset)
    points_list, offsets_list = generator.filled(math.log10(threshold_usv_h), np.inf)
    parts = []
    for points, offsets in zip(points_list, offsets_list):
        rings = [points[offsets[i]:offsets[i + 1]] for i in range(len(offsets) - 1)]
        polygon = Polygon(rings[0], rings[1:])
        parts.append(polygon if polygon.is_valid else shapely.make_valid(polygon))
    cell = max((bounds[2] - bounds[0]) / shape[1], (bounds[3] - bounds[1]) / shape[0])
    excess = threshold_usv_h - model.background_usv_h
    for state, strength in model._gamma_sources(t_s, changes):
        dz = state.height_m - READING_HEIGHT_M
        radius = math.sqrt(max(strength / excess - dz * dz, 0.0))
        if 0 < radius < 2 * cell:
            parts.append(Point(state.x, state.y).buffer(max(radius, R_MIN_M)))
    if not parts:
        return MultiPolygon()
    return shapely.intersection(shapely.unary_union(parts), box)
