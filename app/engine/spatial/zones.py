"""Zones and places as values: reading them from JSON with every mistake reported by field path.

Geometry JSON (site metres, x east, y north; GeoJSON's shapes plus a circle, which GeoJSON lacks):

    {"type": "Circle", "center": [x, y], "radius": 400}
    {"type": "Polygon", "coordinates": [[[x, y], [x, y], [x, y], ...]]}   # one ring; closed or not
    {"type": "Point", "coordinates": [x, y]}                               # place kinds only

Authored geometry (expected zones in content) may also name a place as a circle's centre and
write the radius with a unit (`radius: 400 m`); drawn geometry uses numbers.

**Site bounds.** A zone wholly outside the site is refused. A zone partly outside is kept as
drawn, *not clipped*: a cordon that runs past the edge of the site plan still exists on the
ground, and clipping it would make a correct 400 m cordon near the edge fail ``min_radius``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from numbers import Real

import shapely
from shapely.geometry import MultiPoint, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from .measure import Problem, SpatialError, join_path, parse_distance, real_number
from .vocabulary import AREA, PROTECTIVE_ACTIONS, ZONE_KINDS

__all__ = [
    "Place",
    "Zone",
    "ProtectiveAction",
    "SiteBounds",
    "geometry_from_json",
    "zone_from_json",
    "places_from_json",
    "merge_zones",
    "protective_action_from_json",
    "MAX_VERTICES",
    "MAX_COORDINATE_M",
    "MAX_RADIUS_M",
    "MIN_AREA_M2",
    "CIRCLE_QUAD_SEGS",
]

MAX_VERTICES = 1000  # a hand-drawn outline; more is a pasted data set, not a zone
MAX_COORDINATE_M = 1_000_000.0  # 1000 km from the site origin
MAX_RADIUS_M = 100_000.0  # beyond the largest planning zone (UPZ 30 km, US 10-mile EPZ)
MIN_AREA_M2 = 1.0
CIRCLE_QUAD_SEGS = 32  # 128 vertices: the polygon is inside the circle by at most 0.03 % of r

SiteBounds = tuple[float, float, float, float]  # min x, min y, max x, max y in site metres


@dataclass(frozen=True)
class Place:
    """A named point of the site (the blast seat, a suspicious van)."""

    id: str
    x: float
    y: float
    name: str | None = None

    @classmethod
    def at(cls, x: float, y: float) -> Place:
        """An unnamed point, as a rule may give `[x, y]` instead of a place id."""
        return cls(id=f"{x:g},{y:g}", x=float(x), y=float(y), name=f"({x:g}, {y:g})")

    @property
    def xy(self) -> tuple[float, float]:
        return (self.x, self.y)

    @property
    def point(self) -> Point:
        return Point(self.x, self.y)

    @property
    def phrase(self) -> str:
        """The place inside a sentence: `the blast seat` for "Blast seat", `Grain Street corner` as is."""
        name = (self.name or self.id.replace("-", " ").replace("_", " ")).strip()
        if name.startswith("("):
            return f"the point {name}"
        words = name.split()
        # Sentence case ("Blast seat", "suspicious van") reads as a common noun; Title Case,
        # capitals or digits read as a proper name and stay as written.
        common = words and all(w.islower() for w in words[1:]) and (words[0].islower() or words[0][1:].islower())
        if common and not any(ch.isdigit() for ch in name):
            return "the " + name[:1].lower() + name[1:]
        return name


@dataclass(frozen=True)
class Zone:
    """A drawn (or expected) zone: its kind, shapely geometry, the JSON it came from, its owner team.

    ``version`` is a digest of the kind and the geometry: it changes exactly when the zone's shape
    changes, so rule results can be cached on it. ``circle`` keeps (x, y, r) for circles, so rules
    measure them exactly instead of on the polygon that approximates them.
    """

    id: str | None
    kind: str
    geometry: BaseGeometry
    raw: Mapping | None = None
    team: str | None = None
    circle: tuple[float, float, float] | None = None
    version: str = field(default="", compare=False)

    def __post_init__(self):
        if not self.version:  # made by hand rather than read from JSON: digest the shape itself
            object.__setattr__(self, "version", _digest({"kind": self.kind, "wkb": self.geometry.wkb_hex}))

    @property
    def label(self) -> str:
        return ZONE_KINDS[self.kind].label

    @property
    def is_point(self) -> bool:
        return self.geometry.geom_type in ("Point", "MultiPoint")

    @property
    def centre(self) -> tuple[float, float]:
        """The circle's centre, or the geometry's centroid."""
        if self.circle is not None:
            return self.circle[:2]
        point = self.geometry.centroid
        return (point.x, point.y)


@dataclass(frozen=True)
class ProtectiveAction:
    """A protective-action decision (shelter, evacuate...) for the public in a zone, from an exercise time."""

    kind: str
    zone_id: str
    at_s: float
    until_s: float | None = None
    team: str | None = None

    @property
    def label(self) -> str:
        return PROTECTIVE_ACTIONS[self.kind].label


# -- geometry ----------------------------------------------------------------------------------

_VALIDITY = re.compile(r"^(?P<what>[^\[]+)\[(?P<x>\S+) (?P<y>\S+)\]$")
_GEOMETRY_KEYS = {"Circle": {"type", "center", "radius"}, "Polygon": {"type", "coordinates"},
                  "Point": {"type", "coordinates"}}


def geometry_from_json(
    geometry,
    path: str = "geometry",
    *,
    allow_point: bool = True,
    site_bounds: SiteBounds | None = None,
    places: Mapping[str, Place] | None = None,
) -> tuple[BaseGeometry, tuple[float, float, float] | None]:
    """Validate a JSON geometry; return the shapely geometry and, for a circle, (x, y, r).

    Raise ``SpatialError`` naming the field and the reason for anything wrong.
    """
    if not isinstance(geometry, Mapping):
        raise SpatialError.at(path, 'expected an object such as {"type": "Circle", "center": [x, y], "radius": 400}')
    kind = geometry.get("type")
    if not isinstance(kind, str) or kind not in _GEOMETRY_KEYS:
        raise SpatialError.at(join_path(path, "type"),
                              f"unknown geometry type {kind!r}; one of Circle, Polygon, Point")
    unknown = sorted(str(k) for k in geometry if k not in _GEOMETRY_KEYS[kind])
    if unknown:
        raise SpatialError.at(join_path(path, unknown[0]),
                              f"unknown key for a {kind}; expected {', '.join(sorted(_GEOMETRY_KEYS[kind]))}")
    circle = None
    if kind == "Point":
        if not allow_point:
            raise SpatialError.at(join_path(path, "type"), "this zone must be an area: draw a Circle or a Polygon")
        x, y = _coordinate(geometry.get("coordinates"), join_path(path, "coordinates"))
        shape: BaseGeometry = Point(x, y)
    elif kind == "Circle":
        x, y = _centre(geometry.get("center"), join_path(path, "center"), places)
        radius = parse_distance(geometry.get("radius"), join_path(path, "radius"))
        if radius <= 0:
            raise SpatialError.at(join_path(path, "radius"), f"must be above 0 m, got {radius:g}")
        if radius > MAX_RADIUS_M:
            raise SpatialError.at(join_path(path, "radius"), f"at most {MAX_RADIUS_M / 1000:g} km, got {radius:g} m")
        circle = (x, y, radius)
        shape = Point(x, y).buffer(radius, quad_segs=CIRCLE_QUAD_SEGS)
    else:
        shape = _polygon(geometry.get("coordinates"), join_path(path, "coordinates"))
    if site_bounds is not None:
        _check_inside_site(shape, site_bounds, path)
    shapely.prepare(shape)
    return shape, circle


def _coordinate(value, path: str) -> tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise SpatialError.at(path, f"expected [x, y] in site metres, got {_short(value)}")
    x, y = (real_number(v, join_path(path, i)) for i, v in enumerate(value))
    for i, v in enumerate((x, y)):
        if abs(v) > MAX_COORDINATE_M:
            raise SpatialError.at(join_path(path, i), f"{v:g} m is more than {MAX_COORDINATE_M / 1000:g} km from the site origin")
    return x, y


def _centre(value, path: str, places: Mapping[str, Place] | None) -> tuple[float, float]:
    if isinstance(value, str):
        if places is None:
            raise SpatialError.at(path, f"expected [x, y] in site metres, got {value!r}")
        if value not in places:
            raise SpatialError.at(path, _unknown_place(value, places))
        return places[value].xy
    return _coordinate(value, path)


def _polygon(value, path: str) -> Polygon:
    if not isinstance(value, (list, tuple)) or not value:
        raise SpatialError.at(path, "expected a list of rings: [[[x, y], [x, y], [x, y], ...]]")
    if isinstance(value[0], (list, tuple)) and value[0] and not isinstance(value[0][0], (list, tuple)):
        raise SpatialError.at(path, "expected a list of rings, [[[x, y], ...]]: wrap the points in one more list")
    if len(value) > 1:
        raise SpatialError.at(path, f"a zone has one outline; holes are not supported (got {len(value)} rings)")
    ring = value[0]
    ring_path = join_path(path, 0)
    if not isinstance(ring, (list, tuple)):
        raise SpatialError.at(ring_path, f"expected a list of [x, y] points, got {_short(ring)}")
    if len(ring) > MAX_VERTICES + 1:
        raise SpatialError.at(ring_path, f"too many points ({len(ring)}); a zone has at most {MAX_VERTICES}")
    points = [_coordinate(point, join_path(ring_path, i)) for i, point in enumerate(ring)]
    distinct = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
    if len(distinct) > 1 and distinct[0] == distinct[-1]:
        distinct.pop()  # closed ring
    if len(set(distinct)) < 3:
        raise SpatialError.at(ring_path, f"a polygon needs at least 3 distinct points, got {len(set(distinct))}")
    polygon = Polygon(distinct)
    reason = shapely.is_valid_reason(polygon)
    if reason != "Valid Geometry":
        raise SpatialError.at(ring_path, _validity_reason(reason))
    if polygon.area < MIN_AREA_M2:
        raise SpatialError.at(ring_path, f"the outline encloses {polygon.area:.2g} m²; a zone covers at least {MIN_AREA_M2:g} m²")
    return polygon


def _validity_reason(reason: str) -> str:
    match = _VALIDITY.match(reason)
    if not match:
        return f"not a valid outline ({reason})"
    what, x, y = match["what"].strip().lower(), match["x"], match["y"]
    try:
        where = f"({float(x):.1f}, {float(y):.1f})"
    except ValueError:
        where = f"({x}, {y})"
    if "self-intersection" in what:
        return f"the outline crosses or touches itself at {where}; draw it without crossing lines"
    return f"not a valid outline: {what} at {where}"


def _check_inside_site(shape: BaseGeometry, bounds: SiteBounds, path: str) -> None:
    site = box(*bounds)
    if not shape.intersects(site):
        min_x, min_y, max_x, max_y = bounds
        raise SpatialError.at(path, f"the zone lies wholly outside the site "
                                    f"(x {min_x:g} to {max_x:g} m, y {min_y:g} to {max_y:g} m)")


def _short(value) -> str:
    text = json.dumps(value, default=repr) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _unknown_place(name: str, places: Mapping[str, Place]) -> str:
    known = ", ".join(sorted(places)) or "none"
    return f"unknown place {name!r}; the site's places: {known}"


# -- zones and places --------------------------------------------------------------------------


def zone_from_json(
    data,
    *,
    site_bounds: SiteBounds | None = None,
    places: Mapping[str, Place] | None = None,
    path: str = "",
) -> Zone:
    """A validated ``Zone`` from `{id?, kind, geometry, team?}`; ``SpatialError`` names what is wrong."""
    if not isinstance(data, Mapping):
        raise SpatialError.at(path, "expected an object with kind and geometry")
    problems = []
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in ZONE_KINDS:
        problems.append(Problem(join_path(path, "kind"),
                                f"unknown zone kind {kind!r}; one of {', '.join(ZONE_KINDS)}"))
    for key in ("id", "team"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            problems.append(Problem(join_path(path, key), f"expected text, got {_short(value)}"))
    if "geometry" not in data:
        problems.append(Problem(join_path(path, "geometry"), "missing"))
    if problems:
        raise SpatialError(problems)
    shape, circle = geometry_from_json(
        data["geometry"], join_path(path, "geometry"), allow_point=ZONE_KINDS[kind].shape != AREA,
        site_bounds=site_bounds, places=places,
    )
    return Zone(id=data.get("id"), kind=kind, geometry=shape, raw=data["geometry"], team=data.get("team"),
                circle=circle, version=_digest({"kind": kind, "geometry": data["geometry"]}))


def places_from_json(items, path: str = "places") -> dict[str, Place]:
    """Places from the site's list `[{id, name?, at: [x, y]}]`, keyed by id."""
    if not isinstance(items, (list, tuple)):
        raise SpatialError.at(path, "expected a list of places")
    places: dict[str, Place] = {}
    problems = []
    for i, item in enumerate(items):
        item_path = join_path(path, i)
        try:
            if not isinstance(item, Mapping):
                raise SpatialError.at(item_path, "expected {id, name, at: [x, y]}")
            place_id, name = item.get("id"), item.get("name")
            if not isinstance(place_id, str) or not place_id:
                raise SpatialError.at(join_path(item_path, "id"), "expected a place id")
            if name is not None and not isinstance(name, str):
                raise SpatialError.at(join_path(item_path, "name"), "expected text")
            if place_id in places:
                raise SpatialError.at(join_path(item_path, "id"), f"duplicate place id {place_id!r}")
            x, y = _coordinate(item.get("at"), join_path(item_path, "at"))
            places[place_id] = Place(place_id, x, y, name)
        except SpatialError as error:
            problems.extend(error.problems)
    if problems:
        raise SpatialError(problems)
    return places


def merge_zones(zones: Iterable[Zone]) -> Zone:
    """Several zones of one kind taken together (e.g. a cordon drawn in two parts) as one zone."""
    zones = list(zones)
    if not zones:
        raise ValueError("merge_zones needs at least one zone")
    if len(zones) == 1:
        return zones[0]
    kinds = {z.kind for z in zones}
    if len(kinds) != 1:
        raise ValueError(f"cannot merge zones of different kinds: {sorted(kinds)}")
    points = [z.geometry for z in zones if z.is_point]
    areas = [z.geometry for z in zones if not z.is_point]
    if areas:
        shape = shapely.union_all(areas)
        if points:  # a place kind drawn both ways: keep the points that stand outside the areas
            outside = [p for p in points if not shape.covers(p)]
            shape = shapely.union_all([shape, *outside]) if outside else shape
    else:
        shape = MultiPoint([(p.x, p.y) for p in points]) if len(points) > 1 else points[0]
    shapely.prepare(shape)
    teams = {z.team for z in zones}
    return Zone(id="+".join(str(z.id) for z in zones), kind=zones[0].kind, geometry=shape,
                team=teams.pop() if len(teams) == 1 else None,
                version=_digest(sorted(z.version for z in zones)))


# -- protective actions ------------------------------------------------------------------------


def protective_action_from_json(data, zones: Mapping[str, Zone], path: str = "") -> ProtectiveAction:
    """A validated decision `{kind, zone, at_s, until_s?, team?}` attached to an existing zone of a fitting kind."""
    if not isinstance(data, Mapping):
        raise SpatialError.at(path, "expected an object with kind, zone and at_s")
    problems = []
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in PROTECTIVE_ACTIONS:
        problems.append(Problem(join_path(path, "kind"),
                                f"unknown protective action {kind!r}; one of {', '.join(PROTECTIVE_ACTIONS)}"))
    zone_id = data.get("zone")
    zone = zones.get(zone_id) if isinstance(zone_id, str) else None
    if zone is None:
        problems.append(Problem(join_path(path, "zone"), f"no zone {zone_id!r} has been drawn"))
    elif isinstance(kind, str) and kind in PROTECTIVE_ACTIONS and zone.kind not in PROTECTIVE_ACTIONS[kind].zone_kinds:
        allowed = ", ".join(PROTECTIVE_ACTIONS[kind].zone_kinds)
        problems.append(Problem(join_path(path, "zone"),
                                f"{PROTECTIVE_ACTIONS[kind].label} applies to a zone of kind {allowed}, "
                                f"not to a {zone.label}"))
    at_s = until_s = None
    try:
        at_s = real_number(data.get("at_s"), join_path(path, "at_s"))
        if at_s < 0:
            raise SpatialError.at(join_path(path, "at_s"), "exercise times start at 0")
    except SpatialError as error:
        problems.extend(error.problems)
    if data.get("until_s") is not None:
        try:
            until_s = real_number(data["until_s"], join_path(path, "until_s"))
            if at_s is not None and until_s < at_s:
                raise SpatialError.at(join_path(path, "until_s"), "a decision cannot end before it starts")
        except SpatialError as error:
            problems.extend(error.problems)
    team = data.get("team")
    if team is not None and not isinstance(team, str):
        problems.append(Problem(join_path(path, "team"), "expected text"))
    if problems:
        raise SpatialError(problems)
    return ProtectiveAction(kind=kind, zone_id=zone_id, at_s=at_s, until_s=until_s, team=team)


def _digest(value) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=_json_default)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _json_default(value):
    if isinstance(value, Real):
        return float(value)
    return repr(value)
