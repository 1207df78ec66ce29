"""Zone geometry and spatial rules for cordons and protective actions (DESIGN.md §10): pure, no I/O.

Teams draw zones (circles, polygons, points in site metres: x east, y north) on the site map;
these rules check them against doctrine and against the simulated radiation field, whose regions
they receive as shapely geometries (never by importing the field model). Modules:

* ``vocabulary``: zone kinds (public or working area, area or place) and protective actions;
* ``zones``: ``Zone``, ``Place``, reading and validating geometry JSON (``zone_from_json``);
* ``rules``: ``min_radius``, ``contains_region``, ``placement`` (``outside_zone``, ``upwind``,
  ``min_distance``), ``covers``, ``downwind_sector``: verdict, reason, numbers, highlight;
* ``specs``: rules written as data (``parse_rule``) and ``evaluate_rule`` with a ``SpatialContext``;
* ``memo``: ``rule_cache_key`` and ``RuleMemo`` for scheduler passes;
* ``expected``: ``compare_zones``, a drawn zone against the expected one.

Bad input raises ``SpatialError`` (a ``ValueError``) carrying every problem with its field path;
no other exception is meant to escape. See docs/zones.md.
"""

from .expected import ZoneComparison, compare_zones
from .measure import (
    Problem,
    SpatialError,
    angle_between,
    bearing,
    compass_point,
    compass_word,
    parse_angle,
    parse_distance,
    parse_dose_rate,
    parse_fraction,
)
from .memo import RuleMemo, evaluate_rules, rule_cache_key
from .rules import (
    RuleResult,
    combine,
    contains_region,
    covers,
    downwind_sector,
    farthest_outside,
    min_distance,
    min_radius,
    outside_zone,
    placement,
    sector,
    upwind,
)
from .specs import (
    RULES,
    ContainsIsolineRule,
    CoversRule,
    LevelTarget,
    MinRadiusRule,
    PlacementRule,
    Rule,
    SectorTarget,
    SpatialContext,
    evaluate_rule,
    parse_rule,
    zones_by_kind,
)
from .vocabulary import AREA, PLACE, PROTECTIVE_ACTIONS, ZONE_KINDS, ProtectiveActionKind, ZoneKind
from .zones import (
    Place,
    ProtectiveAction,
    SiteBounds,
    Zone,
    geometry_from_json,
    merge_zones,
    places_from_json,
    protective_action_from_json,
    zone_from_json,
)

__all__ = [
    "AREA", "PLACE", "PROTECTIVE_ACTIONS", "RULES", "ZONE_KINDS",
    "ContainsIsolineRule", "CoversRule", "LevelTarget", "MinRadiusRule", "Place", "PlacementRule",
    "Problem", "ProtectiveAction", "ProtectiveActionKind", "Rule", "RuleMemo", "RuleResult",
    "SectorTarget", "SiteBounds", "SpatialContext", "SpatialError", "Zone", "ZoneComparison", "ZoneKind",
    "angle_between", "bearing", "combine", "compare_zones", "compass_point", "compass_word",
    "contains_region", "covers", "downwind_sector", "evaluate_rule", "evaluate_rules",
    "farthest_outside", "geometry_from_json", "merge_zones", "min_distance", "min_radius",
    "outside_zone", "parse_angle", "parse_distance", "parse_dose_rate", "parse_fraction",
    "parse_rule", "places_from_json", "placement", "protective_action_from_json", "rule_cache_key",
    "sector", "upwind", "zone_from_json", "zones_by_kind",
]
