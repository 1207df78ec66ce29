"""Spatial rules over zones, places and regions of the field: pure functions returning a verdict,
a reason in the exercise's words (distance and compass direction) and the numbers behind it.

Every rule takes ``Zone`` values (several zones of one kind are merged first: see
``merge_zones``) and ``Place`` values; regions are shapely geometries, such as the area where
the field is at or above a level (``region_above`` of the field model), so the rules are
tested with hand-made shapes. Distances are metres, areas m², bearings degrees from north.

A circle is measured as a circle (its centre and radius), not as the polygon that draws it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from .measure import (
    SpatialError,
    angle_between,
    bearing,
    compass_point,
    compass_word,
    format_area,
    format_distance,
    format_percent,
)
from .zones import Place, Zone

__all__ = [
    "RuleResult",
    "min_radius",
    "contains_region",
    "covers",
    "placement",
    "outside_zone",
    "upwind",
    "min_distance",
    "combine",
    "missing_zone",
    "sector",
    "downwind_sector",
    "polygonal",
]

EPS_M = 1e-6  # float noise; doctrine distances are met or not, without a hidden tolerance
ARC_STEP_DEG = 1.0


@dataclass(frozen=True)
class RuleResult:
    """A rule's verdict: ``ok``, a human ``reason``, the ``numbers`` behind it, and what to shade.

    ``missing`` is True when the zone the rule judges has not been drawn yet. ``parts`` holds the
    separate checks of a placement rule. ``highlight`` is the part at fault (the region beyond the
    cordon, the uncovered part of a sector...) for a map; None when the rule passes.
    """

    rule: str
    ok: bool
    reason: str
    zone: str
    numbers: Mapping[str, object] = field(default_factory=dict)
    missing: bool = False
    parts: tuple[RuleResult, ...] = ()
    highlight: BaseGeometry | None = field(default=None, compare=False)

    def to_json(self, with_highlight: bool = True) -> dict:
        """A JSON-able dict (the highlight as GeoJSON, coordinates to the centimetre)."""
        data = {"rule": self.rule, "ok": self.ok, "reason": self.reason, "zone": self.zone,
                "missing": self.missing, "numbers": dict(self.numbers)}
        if self.parts:
            data["parts"] = [part.to_json(with_highlight) for part in self.parts]
        if with_highlight:
            data["highlight"] = _geojson(self.highlight)
        return data


def _geojson(geometry: BaseGeometry | None) -> dict | None:
    if geometry is None or geometry.is_empty:
        return None
    rounded = shapely.transform(geometry, lambda xy: np.round(xy, 2))
    return shapely.geometry.mapping(rounded)


def _direction(bearing_deg: float | None) -> dict:
    if bearing_deg is None:
        return {"bearing_deg": None, "direction": None}
    return {"bearing_deg": round(bearing_deg, 1), "direction": compass_point(bearing_deg, 16)}


def _towards(bearing_deg: float | None) -> str:
    return "in every direction" if bearing_deg is None else f"to the {compass_word(bearing_deg)}"


def _require_area(zone: Zone, rule: str) -> None:
    if zone.is_point:
        raise SpatialError.at("zone", f"{rule} judges an area; the {zone.label} was drawn as a point")


def polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """The polygons of a geometry (lines and points of a geometry collection dropped)."""
    if geometry.is_empty or geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [g for g in shapely.get_parts(geometry) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else Polygon()


def _clipped(geometry: BaseGeometry, bounds) -> BaseGeometry:
    """The geometry cut to a rectangle (a fast first cut before an overlay); the whole geometry when
    GEOS cannot cut a degenerate sliver of it (the overlay that follows is then just slower)."""
    try:
        return shapely.clip_by_rect(geometry, *bounds)
    except shapely.errors.GEOSException:
        return geometry


def missing_zone(rule: str, kind_label: str, kind: str) -> RuleResult:
    """The verdict when the zone a rule judges has not been drawn."""
    return RuleResult(rule, False, f"no {kind_label} has been drawn", kind, missing=True)


# -- min_radius ---------------------------------------------------------------------------------


def min_radius(zone: Zone, around: Place, radius_m: float) -> RuleResult:
    """The zone contains the disc of ``radius_m`` around a place (e.g. a 400 m cordon around a blast seat)."""
    _require_area(zone, "min_radius")
    required = float(radius_m)
    if zone.circle is not None:
        cx, cy, r = zone.circle
        offset = math.hypot(around.x - cx, around.y - cy)
        reach = r - offset  # the shortest reach is on the line from the centre through the place
        inside = offset < r
        # Inside, the nearest edge lies beyond the place as seen from the centre; outside, towards the centre.
        towards = bearing((cx, cy), around.xy) if inside else bearing(around.xy, (cx, cy))
    else:
        shape = zone.geometry
        inside = shape.covers(around.point)
        nearest = nearest_points(shape.boundary if inside else shape, around.point)[0]
        reach = around.point.distance(nearest) * (1 if inside else -1)
        towards = bearing(around.xy, (nearest.x, nearest.y))
    numbers = {"reach_m": reach, "required_m": required, "shortfall_m": max(0.0, required - reach),
               "around": around.id, **_direction(towards)}
    where = around.phrase
    if not inside or reach <= 0:
        if reach < 0:
            position = (f"{where} is outside the {zone.label}: its nearest edge is {format_distance(-reach)} "
                        f"away {_towards(towards)}")
        else:
            position = f"{where} is on the edge of the {zone.label}"
        return RuleResult("min_radius", False, f"{position} ({format_distance(required)} required around {where})",
                          zone.kind, numbers, highlight=around.point.buffer(required, quad_segs=16))
    if reach >= required - EPS_M:
        return RuleResult("min_radius", True,
                          f"the {zone.label} reaches at least {_metres(reach, required)} from {where} "
                          f"in every direction ({format_distance(required)} required)", zone.kind, numbers)
    short_of = around.point.buffer(required, quad_segs=16).difference(zone.geometry)
    return RuleResult("min_radius", False,
                      f"the {zone.label} reaches only {_metres(reach, required)} from {where} "
                      f"{_towards(towards)} ({format_distance(required)} required)",
                      zone.kind, numbers, highlight=short_of)


def _metres(value: float, required: float) -> str:
    """A distance that never reads as the required value when it falls short of it."""
    text = format_distance(value)
    if text == format_distance(required) and value < required:
        text = f"{value:.1f} m"
    return text


# -- contains_region ----------------------------------------------------------------------------


def contains_region(
    zone: Zone,
    region: BaseGeometry,
    *,
    region_label: str = "the region",
    centre: Place | None = None,
    tolerance_m: float = 0.0,
) -> RuleResult:
    """The zone contains the region (e.g. every point at or above 100 µSv/h); when it does not,
    how far the region reaches beyond it at most, and in which direction."""
    _require_area(zone, "contains_region")
    region = polygonal(region)
    numbers: dict[str, object] = {"region_area_m2": region.area, "tolerance_m": tolerance_m}
    if region.is_empty or region.area <= 0:
        return RuleResult("contains_region", True, f"{region_label} encloses nothing: nothing to contain",
                          zone.kind, {**numbers, "excursion_m": 0.0, "outside_area_m2": 0.0,
                                      **_direction(None)})
    excursion, far = farthest_outside(region, zone)
    origin = centre.xy if centre is not None else zone.centre
    towards = bearing(origin, far) if excursion > EPS_M else None
    outside = region.difference(zone.geometry) if excursion > EPS_M else Polygon()
    numbers.update({"excursion_m": excursion, "outside_area_m2": outside.area,
                    "far_point": [round(far[0], 2), round(far[1], 2)], **_direction(towards)})
    if excursion <= tolerance_m + EPS_M:
        margin = f" (within the {format_distance(tolerance_m)} allowed)" if excursion > EPS_M else ""
        return RuleResult("contains_region", True, f"the {zone.label} contains {region_label}{margin}",
                          zone.kind, numbers)
    return RuleResult("contains_region", False,
                      f"{region_label} extends {format_distance(excursion)} beyond the {zone.label} "
                      f"{_towards(towards)}", zone.kind, numbers, highlight=outside)


def farthest_outside(region: BaseGeometry, zone: Zone) -> tuple[float, tuple[float, float]]:
    """The largest distance from a point of ``region`` to ``zone`` (0 inside it), and that point.

    This is the width of the smallest band around the zone that would contain the region. The
    distance to a circle or a convex polygon is a convex function, so its maximum over a polygon
    is at a vertex: exact. For a concave zone the maximum can lie along an edge of the region
    (found by splitting the edges that could hold a larger value, to ``EXCURSION_TOLERANCE_M``)
    or inside it, deep in a notch of the zone (caught by checking the answer with a buffer, and
    then found by bisection).
    """
    rings = [shapely.get_coordinates(ring) for ring in shapely.get_rings(shapely.get_parts(region))]
    coords = np.concatenate(rings)
    if zone.circle is not None:
        cx, cy, r = zone.circle
        distances = np.hypot(coords[:, 0] - cx, coords[:, 1] - cy) - r
        i = int(np.argmax(distances))
        return max(0.0, float(distances[i])), (float(coords[i, 0]), float(coords[i, 1]))
    shape = zone.geometry
    distances = _distances(shape, coords)
    i = int(np.argmax(distances))
    best, far = float(distances[i]), (float(coords[i, 0]), float(coords[i, 1]))
    if shape.convex_hull.area - shape.area <= 1e-9 * max(shape.area, 1.0):
        return best, far
    best, far = _farthest_along_edges(rings, distances, shape, best, far)
    slack = EXCURSION_TOLERANCE_M + 0.002 * best  # the buffer's arcs lie inside the true band
    if _band_covers(shape, best + slack, region):
        return best, far
    low, high = best, best + math.hypot(*np.ptp(coords, axis=0)) + slack
    while high - low > EXCURSION_TOLERANCE_M:
        middle = (low + high) / 2
        if _band_covers(shape, middle, region):
            high = middle
        else:
            low = middle
    beyond = region.difference(shape.buffer(low, quad_segs=16))
    point = beyond.representative_point() if not beyond.is_empty else Point(far)
    return high, (point.x, point.y)


def _distances(shape: BaseGeometry, xy: np.ndarray) -> np.ndarray:
    """Distance from each point to the (prepared) shape; points on or in it are tested without
    making a geometry of each (``intersects_xy``), which is most of them for a good cordon."""
    distances = np.zeros(len(xy))
    outside = ~shapely.intersects_xy(shape, xy[:, 0], xy[:, 1])
    if outside.any():
        distances[outside] = shapely.distance(shapely.points(xy[outside]), shape)
    return distances


EXCURSION_TOLERANCE_M = 0.5


def _farthest_along_edges(rings: list[np.ndarray], distances: np.ndarray, shape: BaseGeometry, best: float,
                          far: tuple[float, float]) -> tuple[float, tuple[float, float]]:
    """Refine a vertex maximum of the distance to ``shape`` along the region's edges.

    Distance is 1-Lipschitz, so on an edge of length L whose ends are at d1 and d2 it never
    exceeds (d1 + d2 + L) / 2: only edges whose bound beats the best value so far are halved.
    ``distances`` are those of the rings' vertices, in order.
    """
    starts, ends, d_starts, d_ends = [], [], [], []
    offset = 0
    for ring in rings:
        starts.append(ring[:-1])
        ends.append(ring[1:])
        d_starts.append(distances[offset:offset + len(ring) - 1])
        d_ends.append(distances[offset + 1:offset + len(ring)])
        offset += len(ring)
    a, b = np.concatenate(starts), np.concatenate(ends)
    da, db = np.concatenate(d_starts), np.concatenate(d_ends)
    for _ in range(60):
        length = np.hypot(*(b - a).T)
        open_ = (da + db + length) / 2 > best + EXCURSION_TOLERANCE_M / 2
        if not open_.any():
            break
        a, b, da, db = a[open_], b[open_], da[open_], db[open_]
        middle = (a + b) / 2
        dm = _distances(shape, middle)
        i = int(np.argmax(dm))
        if dm[i] > best:
            best, far = float(dm[i]), (float(middle[i, 0]), float(middle[i, 1]))
        a, b = np.concatenate([a, middle]), np.concatenate([middle, b])
        da, db = np.concatenate([da, dm]), np.concatenate([dm, db])
    return best, far


def _band_covers(shape: BaseGeometry, width: float, region: BaseGeometry) -> bool:
    # The buffer's arcs are polygons inside the true band, so a point exactly at `width` may
    # test as outside: callers add some slack.
    return shape.buffer(width, quad_segs=16).covers(region)


# -- covers -------------------------------------------------------------------------------------


def covers(
    zone: Zone,
    target: BaseGeometry,
    *,
    target_label: str = "the target area",
    fraction: float = 0.9,
    centre: Place | None = None,
) -> RuleResult:
    """The zone covers at least ``fraction`` of the target's area (e.g. the downwind sector);
    otherwise where the largest part left out lies."""
    _require_area(zone, "covers")
    target = polygonal(target)
    target_area = target.area
    numbers: dict[str, object] = {"required_fraction": fraction, "target_area_m2": target_area}
    if target.is_empty or target_area <= 0:
        return RuleResult("covers", True, f"{target_label} is empty: nothing to cover", zone.kind,
                          {**numbers, "covered_fraction": 1.0, "uncovered_area_m2": 0.0, **_direction(None)})
    # Clipping to the zone's bounding box first spares the overlay most of a large region.
    covered = zone.geometry.intersection(_clipped(target, zone.geometry.bounds)).area
    share = min(1.0, covered / target_area)
    numbers.update({"covered_fraction": share, "uncovered_area_m2": max(0.0, target_area - covered)})
    required = f"({format_percent(fraction)} required)"
    if share >= fraction - 1e-9:
        numbers.update(_direction(None))
        return RuleResult("covers", True, f"the {zone.label} covers {format_percent(share)} of {target_label} {required}",
                          zone.kind, numbers)
    uncovered = target.difference(zone.geometry)
    pieces = [g for g in shapely.get_parts(polygonal(uncovered)) if g.area > 0]
    largest = max(pieces, key=lambda g: g.area)
    spot = largest.centroid  # its direction, even when it falls outside a crescent-shaped piece
    origin = centre.xy if centre is not None else zone.centre
    towards = bearing(origin, (spot.x, spot.y))
    distance = math.dist(origin, (spot.x, spot.y))
    numbers.update({"largest_gap_m2": largest.area, "largest_gap_distance_m": distance, **_direction(towards)})
    from_what = centre.phrase if centre is not None else f"the {zone.label}'s centre"
    return RuleResult("covers", False,
                      f"the {zone.label} covers only {format_percent(share)} of {target_label} {required}; "
                      f"the largest part left out ({format_area(largest.area)}) lies "
                      f"{format_distance(distance)} {_towards(towards)} of {from_what}",
                      zone.kind, numbers, highlight=uncovered)


# -- sectors ------------------------------------------------------------------------------------


def sector(origin: tuple[float, float], direction_deg: float, half_angle_deg: float, range_m: float) -> Polygon:
    """The circular sector from ``origin`` centred on a compass direction, out to ``range_m``."""
    if not (0 < half_angle_deg <= 180) or not math.isfinite(direction_deg):
        raise SpatialError.at("half_angle", f"a sector's half-angle is above 0° and at most 180°, got {half_angle_deg!r}")
    if not (0 < range_m < math.inf):
        raise SpatialError.at("range", f"a sector's range must be above 0 m, got {range_m!r}")
    x0, y0 = origin
    if half_angle_deg >= 180:
        return Point(x0, y0).buffer(range_m, quad_segs=90)
    steps = max(2, math.ceil(2 * half_angle_deg / ARC_STEP_DEG))
    angles = np.radians(np.linspace(direction_deg - half_angle_deg, direction_deg + half_angle_deg, steps + 1))
    ring = np.empty((len(angles) + 1, 2))
    ring[0] = (x0, y0)
    ring[1:, 0] = x0 + range_m * np.sin(angles)
    ring[1:, 1] = y0 + range_m * np.cos(angles)
    return shapely.polygons(ring)


def downwind_sector(origin: Place | tuple[float, float], wind_from_deg: float, half_angle_deg: float,
                    range_m: float) -> Polygon:
    """The downwind sector of a release: centred on the direction the wind blows to (from + 180°)."""
    xy = origin.xy if isinstance(origin, Place) else origin
    return sector(xy, (wind_from_deg + 180.0) % 360.0, half_angle_deg, range_m)


# -- placement ----------------------------------------------------------------------------------


def outside_zone(zone: Zone, other: Zone) -> RuleResult:
    """The zone lies outside another (touching its edge is outside): e.g. the command post outside the cordon."""
    rule, what = "outside", f"the {zone.label}"
    if zone.is_point:
        points = list(shapely.get_parts(zone.geometry))
        inside = [p for p in points if other.geometry.contains(p)]
        if inside:
            depth = max(other.geometry.boundary.distance(p) for p in inside)
            return RuleResult(rule, False, f"{what} is inside the {other.label}, {format_distance(depth)} from its edge",
                              zone.kind, {"other": other.kind, "depth_m": depth, "overlap_area_m2": 0.0},
                              highlight=shapely.union_all(inside))
    else:
        overlap = polygonal(zone.geometry.intersection(other.geometry))
        if overlap.area > 1e-6:
            return RuleResult(rule, False, f"{what} overlaps the {other.label} by {format_area(overlap.area)}",
                              zone.kind, {"other": other.kind, "depth_m": None, "overlap_area_m2": overlap.area},
                              highlight=overlap)
    gap = zone.geometry.distance(other.geometry)
    return RuleResult(rule, True, f"{what} is outside the {other.label}, {format_distance(gap)} from its edge",
                      zone.kind, {"other": other.kind, "gap_m": gap, "overlap_area_m2": 0.0})


def upwind(zone: Zone, of: Place, wind_from_deg: float, half_angle_deg: float = 90.0) -> RuleResult:
    """The whole zone lies within ``half_angle_deg`` of the direction the wind comes from, seen from a
    place (a release). 90° means "not on the downwind side"; equivalently, the zone stays out of the
    downwind sector of half-angle 180° − ``half_angle_deg``."""
    rule, what, where = "upwind", f"the {zone.label}", of.phrase
    wind_from = wind_from_deg % 360.0
    wind = f"wind from the {compass_word(wind_from)}, {wind_from:g}°"
    shape = zone.geometry
    coords = shapely.get_coordinates(shape)
    distance = shape.distance(of.point)
    towards = bearing(of.xy, zone.centre)
    numbers: dict[str, object] = {"wind_from_deg": wind_from, "half_angle_deg": half_angle_deg,
                                  "distance_m": distance, "place": of.id, "off_wind_deg": None,
                                  **_direction(towards)}
    if distance < EPS_M:
        return RuleResult(rule, False, f"{what} takes in {where}, so it is not upwind of it ({wind})",
                          zone.kind, numbers, highlight=shape)
    # The widest angle between the wind's origin and the zone as seen from the place: at a
    # vertex, since the place is outside the zone.
    worst = max(angle_between(b, wind_from) for b in (bearing(of.xy, tuple(c)) for c in coords) if b is not None)
    numbers["off_wind_deg"] = worst
    if zone.is_point:
        fits, beyond = worst <= half_angle_deg + 1e-9, shape
    else:
        reach = 2 * max(math.dist(of.xy, tuple(c)) for c in coords) + 10.0
        beyond = shape.difference(sector(of.xy, wind_from, half_angle_deg, reach))
        fits = beyond.area <= 1e-6 * max(shape.area, 1.0)
    placed = f"{what} is {format_distance(distance)} {_towards(towards)} of {where}"
    if fits:
        return RuleResult(rule, True, f"{placed}, upwind ({wind})", zone.kind, numbers)
    middle = angle_between(_bearing_or(towards, wind_from), wind_from)
    side = "upwind" if middle <= 45 else "downwind" if middle >= 135 else "crosswind"
    return RuleResult(rule, False,
                      f"{placed}: {side}, {worst:.0f}° off the upwind direction "
                      f"(at most {half_angle_deg:g}° allowed; {wind})",
                      zone.kind, numbers, highlight=beyond)


def _bearing_or(value: float | None, default: float) -> float:
    return default if value is None else value


def min_distance(zone: Zone, of: Place, required_m: float) -> RuleResult:
    """Every point of the zone is at least ``required_m`` from a place (e.g. 400 m from a suspected device)."""
    rule, what, where = "min_distance", f"the {zone.label}", of.phrase
    if zone.circle is not None:
        cx, cy, r = zone.circle
        distance = max(0.0, math.hypot(of.x - cx, of.y - cy) - r)
        towards = bearing(of.xy, (cx, cy))
    else:
        nearest = nearest_points(zone.geometry, of.point)[0]
        distance = of.point.distance(nearest)
        towards = bearing(of.xy, (nearest.x, nearest.y))
    numbers = {"distance_m": distance, "required_m": float(required_m), "place": of.id, **_direction(towards)}
    required = f"({format_distance(required_m)} required)"
    if distance >= required_m - EPS_M:
        return RuleResult(rule, True, f"{what} is {_metres(distance, required_m)} from {where} {required}",
                          zone.kind, numbers)
    too_close = polygonal(of.point.buffer(required_m, quad_segs=16).intersection(zone.geometry)) \
        if not zone.is_point else zone.geometry
    if distance <= EPS_M and not zone.is_point:
        reason = f"{what} takes in {where} {required}"
    else:
        reason = f"{what} is only {_metres(distance, required_m)} from {where}, {_towards(towards)} of it {required}"
    return RuleResult(rule, False, reason, zone.kind, numbers, highlight=too_close)


def combine(rule: str, zone_kind: str, parts: Sequence[RuleResult]) -> RuleResult:
    """Several checks of one zone as one verdict: ok when every part is; the reason lists the failing parts."""
    failing = [p for p in parts if not p.ok]
    shown = failing or parts
    reason = "; ".join(p.reason for p in shown) if shown else "nothing to check"
    highlight = shapely.union_all([p.highlight for p in failing if p.highlight is not None]) if failing else None
    return RuleResult(rule, not failing, reason, zone_kind, {"checks": len(parts), "failed": len(failing)},
                      missing=any(p.missing for p in parts), parts=tuple(parts),
                      highlight=highlight if highlight is not None and not highlight.is_empty else None)


def placement(
    zone: Zone,
    *,
    outside: Sequence[Zone] = (),
    upwind_of: Place | None = None,
    wind_from_deg: float | None = None,
    upwind_half_angle_deg: float = 90.0,
    away_from: Sequence[tuple[Place, float]] = (),
) -> RuleResult:
    """Where a facility or area stands: outside other zones, upwind of a release, far enough from places."""
    parts = [outside_zone(zone, other) for other in outside]
    if upwind_of is not None:
        if wind_from_deg is None:
            raise SpatialError.at("upwind_of", "no wind direction is known, so upwind cannot be judged")
        parts.append(upwind(zone, upwind_of, wind_from_deg, upwind_half_angle_deg))
    parts.extend(min_distance(zone, place, distance) for place, distance in away_from)
    return combine("placement", zone.kind, parts)
