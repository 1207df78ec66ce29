"""Rule specs: spatial rules written as plain data (in a checklist step or a scenario), checked,
and evaluated against the zones drawn, the site's places and the exercise's context.

    {rule: min_radius, zone: inner-cordon, around: blast-seat, radius: 400 m}
    {rule: contains_isoline, zone: inner-cordon, level: 100 µSv/h}            # + around?, tolerance?
    {rule: placement, zone: command-post, outside: inner-cordon, upwind_of: blast-seat,
     min_distance: {from: suspicious-van, distance: 400 m}}                   # + upwind_half_angle?
    {rule: covers, zone: shelter-area, fraction: 90 %,
     target: {downwind_sector: {from: blast-seat, half_angle: 22.5°, range: 2 km}}}   # or {level: ...}

A place is a place id of the site or `[x, y]` in site metres. ``parse_rule`` checks a spec and
returns a frozen rule value (hashable: it is part of the cache key); every mistake is reported
with its field path. Several zones of the kind a rule judges are taken together (a cordon drawn
in two parts is one cordon); callers choose which zones count (a team's own and the public ones).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Union

import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from .measure import (
    Problem,
    SpatialError,
    format_distance,
    format_dose_rate,
    join_path,
    parse_angle,
    parse_distance,
    parse_dose_rate,
    parse_fraction,
    real_number,
)
from .rules import (
    RuleResult,
    combine,
    contains_region,
    covers,
    downwind_sector,
    min_distance,
    min_radius,
    missing_zone,
    outside_zone,
    polygonal,
    upwind,
)
from .vocabulary import AREA, ZONE_KINDS
from .zones import MAX_COORDINATE_M, MAX_RADIUS_M, Place, SiteBounds, Zone, merge_zones

__all__ = [
    "RULES",
    "PlaceRef",
    "MinRadiusRule",
    "ContainsIsolineRule",
    "PlacementRule",
    "CoversRule",
    "SectorTarget",
    "LevelTarget",
    "Rule",
    "SpatialContext",
    "parse_rule",
    "evaluate_rule",
    "zones_by_kind",
]

PlaceRef = Union[str, tuple[float, float]]


@dataclass(frozen=True)
class MinRadiusRule:
    zone: str
    around: PlaceRef
    radius_m: float
    rule: ClassVar[str] = "min_radius"

    @property
    def kinds(self) -> tuple[str, ...]:
        return (self.zone,)

    @property
    def places(self) -> tuple[PlaceRef, ...]:
        return (self.around,)


@dataclass(frozen=True)
class ContainsIsolineRule:
    zone: str
    level_usv_h: float
    around: PlaceRef | None = None
    tolerance_m: float = 0.0
    rule: ClassVar[str] = "contains_isoline"

    @property
    def kinds(self) -> tuple[str, ...]:
        return (self.zone,)

    @property
    def places(self) -> tuple[PlaceRef, ...]:
        return () if self.around is None else (self.around,)


@dataclass(frozen=True)
class PlacementRule:
    zone: str
    outside: tuple[str, ...] = ()
    upwind_of: PlaceRef | None = None
    upwind_half_angle_deg: float = 90.0
    min_distance: tuple[tuple[PlaceRef, float], ...] = ()
    rule: ClassVar[str] = "placement"

    @property
    def kinds(self) -> tuple[str, ...]:
        return (self.zone, *self.outside)

    @property
    def places(self) -> tuple[PlaceRef, ...]:
        upwind_of = () if self.upwind_of is None else (self.upwind_of,)
        return (*upwind_of, *(place for place, _ in self.min_distance))


@dataclass(frozen=True)
class SectorTarget:
    origin: PlaceRef
    half_angle_deg: float
    range_m: float


@dataclass(frozen=True)
class LevelTarget:
    level_usv_h: float


@dataclass(frozen=True)
class CoversRule:
    zone: str
    target: SectorTarget | LevelTarget
    fraction: float = 0.9
    rule: ClassVar[str] = "covers"

    @property
    def kinds(self) -> tuple[str, ...]:
        return (self.zone,)

    @property
    def places(self) -> tuple[PlaceRef, ...]:
        return (self.target.origin,) if isinstance(self.target, SectorTarget) else ()


Rule = Union[MinRadiusRule, ContainsIsolineRule, PlacementRule, CoversRule]


def needs_field(rule: Rule) -> bool:
    return isinstance(rule, ContainsIsolineRule) or (
        isinstance(rule, CoversRule) and isinstance(rule.target, LevelTarget))


def needs_wind(rule: Rule) -> bool:
    return (isinstance(rule, PlacementRule) and rule.upwind_of is not None) or (
        isinstance(rule, CoversRule) and isinstance(rule.target, SectorTarget))


@dataclass(frozen=True, eq=False)
class SpatialContext:
    """What rules need besides zones and places, at one moment of the exercise.

    ``region_above(level_usv_h)`` gives the area where H*(10) is at or above a level (the field
    model's ``region_above`` with the exercise time and source changes bound in); each level is
    asked for once per context. ``field_version`` must change whenever those regions can change
    (scenario, source changes, time): results that depend on the field are cached on it, and are
    not cached at all when it is None.
    """

    wind_from_deg: float | None = None
    region_above: Callable[[float], BaseGeometry] | None = None
    field_version: object = None
    site_bounds: SiteBounds | None = None
    _regions: dict = field(default_factory=dict, repr=False)

    def region(self, level_usv_h: float, path: str = "level", *, on_site: bool = False) -> BaseGeometry:
        """The region at or above a level (asked of the field once per level); ``on_site``: its part
        within the site bounds."""
        key = (level_usv_h, on_site)
        if key not in self._regions:
            if on_site:
                region = self.region(level_usv_h, path)
                if self.site_bounds is not None:
                    region = polygonal(region.intersection(box(*self.site_bounds)))
            else:
                if self.region_above is None:
                    raise SpatialError.at(path, "this exercise has no radiation field to draw the level from")
                region = self.region_above(level_usv_h)
                if not isinstance(region, BaseGeometry):
                    raise SpatialError.at(path, f"the field gave {type(region).__name__}, not a geometry")
                region = polygonal(region)
            shapely.prepare(region)
            self._regions[key] = region
        return self._regions[key]


# -- parsing ------------------------------------------------------------------------------------

_KEYS = {
    "min_radius": ({"zone", "around", "radius"}, set()),
    "contains_isoline": ({"zone", "level"}, {"around", "tolerance"}),
    "placement": ({"zone"}, {"outside", "upwind_of", "upwind_half_angle", "min_distance"}),
    "covers": ({"zone", "target"}, {"fraction"}),
}
RULES = tuple(_KEYS)


class _Problems:
    """Collects problems so that one look at a spec reports all of them."""

    def __init__(self):
        self.items: list[Problem] = []

    def check(self, function, *args):
        try:
            return function(*args)
        except SpatialError as error:
            self.items.extend(error.problems)
            return None

    def add(self, path: str, reason: str) -> None:
        self.items.append(Problem(path, reason))


def parse_rule(spec, *, places: Mapping[str, Place] | Iterable[str] | None = None, path: str = "") -> Rule:
    """Check a rule spec and return it as a rule value; ``SpatialError`` lists every problem by field path.

    With ``places`` (the site's places, or their ids) place ids are checked too.
    """
    if not isinstance(spec, Mapping):
        raise SpatialError.at(path, "expected a rule such as {rule: min_radius, zone: inner-cordon, ...}")
    name = spec.get("rule")
    if not isinstance(name, str) or name not in _KEYS:
        raise SpatialError.at(join_path(path, "rule"), f"unknown rule {name!r}; one of {', '.join(RULES)}")
    required, optional = _KEYS[name]
    problems = _Problems()
    for key in sorted(str(k) for k in spec if k not in required | optional | {"rule"}):
        problems.add(join_path(path, key), f"unknown key for {name}; expected {', '.join(sorted(required | optional))}")
    for key in sorted(required - set(spec)):
        problems.add(join_path(path, key), "missing")
    if problems.items:
        raise SpatialError(problems.items)
    known = None if places is None else set(places)
    at = lambda key: join_path(path, key)  # noqa: E731
    zone = problems.check(_zone_kind, spec["zone"], at("zone"), name != "placement")

    if name == "min_radius":
        around = problems.check(_place_ref, spec["around"], at("around"), known)
        radius = problems.check(_positive_distance, spec["radius"], at("radius"), MAX_RADIUS_M)
        rule = lambda: MinRadiusRule(zone, around, radius)  # noqa: E731
    elif name == "contains_isoline":
        level = problems.check(parse_dose_rate, spec["level"], at("level"))
        around = problems.check(_place_ref, spec["around"], at("around"), known) if "around" in spec else None
        tolerance = problems.check(_distance_at_least_zero, spec.get("tolerance", 0), at("tolerance"))
        rule = lambda: ContainsIsolineRule(zone, level, around, tolerance)  # noqa: E731
    elif name == "placement":
        if not {"outside", "upwind_of", "min_distance"} & set(spec):
            problems.add(path, "a placement names at least one of outside, upwind_of, min_distance")
        outside = problems.check(_zone_kinds, spec.get("outside", []), at("outside"))
        upwind_of = problems.check(_place_ref, spec["upwind_of"], at("upwind_of"), known) if "upwind_of" in spec else None
        half_angle = problems.check(_half_angle, spec.get("upwind_half_angle", 90), at("upwind_half_angle"))
        if "upwind_half_angle" in spec and "upwind_of" not in spec:
            problems.add(at("upwind_half_angle"), "only means something with upwind_of")
        distances = problems.check(_min_distances, spec.get("min_distance", []), at("min_distance"), known)
        rule = lambda: PlacementRule(zone, tuple(outside), upwind_of, half_angle, tuple(distances))  # noqa: E731
    else:
        target = problems.check(_target, spec["target"], at("target"), known)
        fraction = problems.check(parse_fraction, spec.get("fraction", 0.9), at("fraction"))
        rule = lambda: CoversRule(zone, target, fraction)  # noqa: E731
    if problems.items:
        raise SpatialError(problems.items)
    return rule()


def _zone_kind(value, path: str, area_only: bool = False) -> str:
    if not isinstance(value, str) or value not in ZONE_KINDS:
        raise SpatialError.at(path, f"unknown zone kind {value!r}; one of {', '.join(ZONE_KINDS)}")
    if area_only and ZONE_KINDS[value].shape != AREA:
        raise SpatialError.at(path, f"{value} is a place (it may be drawn as a point); this rule judges an area")
    return value


def _zone_kinds(value, path: str) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, (list, tuple)):
        raise SpatialError.at(path, "expected a zone kind or a list of them")
    kinds = []
    for i, item in enumerate(values):
        kind = _zone_kind(item, join_path(path, i) if not isinstance(value, str) else path)
        if ZONE_KINDS[kind].shape != AREA:
            raise SpatialError.at(path, f"{kind} is a place, not an area to stand outside of")
        kinds.append(kind)
    return tuple(kinds)


def _place_ref(value, path: str, known: set[str] | None) -> PlaceRef:
    if isinstance(value, str):
        if known is not None and value not in known:
            raise SpatialError.at(path, f"unknown place {value!r}; the site's places: {', '.join(sorted(known)) or 'none'}")
        return value
    if isinstance(value, (list, tuple)) and len(value) == 2:
        xy = tuple(real_number(v, join_path(path, i)) for i, v in enumerate(value))
        if any(abs(v) > MAX_COORDINATE_M for v in xy):
            raise SpatialError.at(path, f"more than {MAX_COORDINATE_M / 1000:g} km from the site origin")
        return xy
    raise SpatialError.at(path, "expected a place id or [x, y] in site metres")


def _positive_distance(value, path: str, limit: float) -> float:
    metres = parse_distance(value, path)
    if metres <= 0:
        raise SpatialError.at(path, f"must be above 0 m, got {value!r}")
    if metres > limit:
        raise SpatialError.at(path, f"at most {format_distance(limit)}, got {value!r}")
    return metres


def _distance_at_least_zero(value, path: str) -> float:
    metres = parse_distance(value, path)
    if metres < 0:
        raise SpatialError.at(path, f"must not be negative, got {value!r}")
    return metres


def _half_angle(value, path: str) -> float:
    degrees = parse_angle(value, path)
    if not 0 < degrees <= 180:
        raise SpatialError.at(path, f"a half-angle is above 0° and at most 180°, got {value!r}")
    return degrees


def _min_distances(value, path: str, known: set[str] | None) -> tuple[tuple[PlaceRef, float], ...]:
    items = [value] if isinstance(value, Mapping) else value
    if not isinstance(items, (list, tuple)):
        raise SpatialError.at(path, "expected {from: place, distance: 400 m} or a list of them")
    result = []
    for i, item in enumerate(items):
        item_path = path if isinstance(value, Mapping) else join_path(path, i)
        if not isinstance(item, Mapping) or set(item) != {"from", "distance"}:
            raise SpatialError.at(item_path, "expected {from: place, distance: 400 m}")
        result.append((_place_ref(item["from"], join_path(item_path, "from"), known),
                       _positive_distance(item["distance"], join_path(item_path, "distance"), MAX_RADIUS_M)))
    return tuple(result)


def _target(value, path: str, known: set[str] | None) -> SectorTarget | LevelTarget:
    if not isinstance(value, Mapping) or len(value) != 1 or not {"downwind_sector", "level"} & set(value):
        raise SpatialError.at(path, "expected {downwind_sector: {from, half_angle, range}} or {level: 100 µSv/h}")
    if "level" in value:
        return LevelTarget(parse_dose_rate(value["level"], join_path(path, "level")))
    sector_path = join_path(path, "downwind_sector")
    sector = value["downwind_sector"]
    if not isinstance(sector, Mapping) or set(sector) != {"from", "half_angle", "range"}:
        raise SpatialError.at(sector_path, "expected {from: place, half_angle: 22.5°, range: 2 km}")
    return SectorTarget(
        _place_ref(sector["from"], join_path(sector_path, "from"), known),
        _half_angle(sector["half_angle"], join_path(sector_path, "half_angle")),
        _positive_distance(sector["range"], join_path(sector_path, "range"), MAX_RADIUS_M),
    )


# -- evaluation ---------------------------------------------------------------------------------


def zones_by_kind(zones: Iterable[Zone] | Mapping[str, Zone]) -> dict[str, Zone]:
    """The zones of each kind, merged into one zone per kind. Given a mapping that is already
    kind -> zone (this function's result), return it as it is; any other mapping is read as its zones."""
    if isinstance(zones, Mapping):
        if all(isinstance(zone, Zone) and zone.kind == kind for kind, zone in zones.items()):
            return dict(zones)
        zones = zones.values()
    grouped: dict[str, list[Zone]] = {}
    for zone in zones:
        grouped.setdefault(zone.kind, []).append(zone)
    return {kind: merge_zones(members) for kind, members in grouped.items()}


def evaluate_rule(
    spec: Mapping | Rule,
    zones: Iterable[Zone] | Mapping[str, Zone],
    places: Mapping[str, Place],
    context: SpatialContext | None = None,
    *,
    path: str = "",
) -> RuleResult:
    """Judge one rule (a spec or a parsed rule) against the zones drawn, the places and the context.

    ``zones`` is the zones that count (several of one kind are merged), or the result of
    ``zones_by_kind``. A rule whose zone is not drawn yet fails with ``missing`` set. Bad specs,
    unknown places and a missing wind or field raise ``SpatialError`` with the field path.
    """
    rule = spec if isinstance(spec, (MinRadiusRule, ContainsIsolineRule, PlacementRule, CoversRule)) \
        else parse_rule(spec, places=places, path=path)
    context = context or SpatialContext()
    merged = zones_by_kind(zones)
    at = lambda key: join_path(path, key)  # noqa: E731
    zone = merged.get(rule.zone)
    label = ZONE_KINDS[rule.zone].label

    if isinstance(rule, MinRadiusRule):
        around = _resolve(rule.around, places, at("around"))
        return min_radius(zone, around, rule.radius_m) if zone else missing_zone(rule.rule, label, rule.zone)

    if isinstance(rule, ContainsIsolineRule):
        centre = _resolve(rule.around, places, at("around")) if rule.around is not None else None
        region = context.region(rule.level_usv_h, at("level"))
        if zone is None:
            return missing_zone(rule.rule, label, rule.zone)
        result = contains_region(zone, region, region_label=f"the {format_dose_rate(rule.level_usv_h)} line",
                                 centre=centre, tolerance_m=rule.tolerance_m)
        return _renamed(result, rule.rule, level_usv_h=rule.level_usv_h)

    if isinstance(rule, PlacementRule):
        upwind_of = _resolve(rule.upwind_of, places, at("upwind_of")) if rule.upwind_of is not None else None
        away = [(_resolve(ref, places, at("min_distance")), metres) for ref, metres in rule.min_distance]
        if upwind_of is not None and context.wind_from_deg is None:
            raise SpatialError.at(at("upwind_of"), "no wind direction is known, so upwind cannot be judged")
        if zone is None:
            return missing_zone(rule.rule, label, rule.zone)
        parts = []
        for kind in rule.outside:
            other = merged.get(kind)
            if other is None:
                parts.append(RuleResult("outside", False, f"no {ZONE_KINDS[kind].label} has been drawn, so the "
                                        f"{label} cannot be judged outside it", rule.zone, {"other": kind},
                                        missing=True))
            else:
                parts.append(outside_zone(zone, other))
        if upwind_of is not None:
            parts.append(upwind(zone, upwind_of, context.wind_from_deg, rule.upwind_half_angle_deg))
        parts.extend(min_distance(zone, place, metres) for place, metres in away)
        return combine(rule.rule, rule.zone, parts)

    # Nobody can shelter beyond the site: the target is judged on the site only.
    target_path = at("target")
    if isinstance(rule.target, SectorTarget):
        origin = _resolve(rule.target.origin, places, join_path(target_path, "downwind_sector.from"))
        if context.wind_from_deg is None:
            raise SpatialError.at(target_path, "no wind direction is known, so there is no downwind sector")
        target = downwind_sector(origin, context.wind_from_deg, rule.target.half_angle_deg, rule.target.range_m)
        if context.site_bounds is not None:
            target = target.intersection(box(*context.site_bounds))
        target_label = "the downwind sector"
    else:
        origin = None
        target = context.region(rule.target.level_usv_h, join_path(target_path, "level"), on_site=True)
        target_label = f"the area at or above {format_dose_rate(rule.target.level_usv_h)}"
    if zone is None:
        return missing_zone(rule.rule, label, rule.zone)
    return covers(zone, target, target_label=target_label, fraction=rule.fraction, centre=origin)


def _resolve(ref: PlaceRef, places: Mapping[str, Place], path: str) -> Place:
    if isinstance(ref, str):
        if ref not in places:
            raise SpatialError.at(path, f"unknown place {ref!r}; the site's places: {', '.join(sorted(places)) or 'none'}")
        return places[ref]
    return Place.at(*ref)


def _renamed(result: RuleResult, rule: str, **numbers) -> RuleResult:
    return RuleResult(rule, result.ok, result.reason, result.zone, {**result.numbers, **numbers},
                      result.missing, result.parts, result.highlight)
