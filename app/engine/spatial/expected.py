"""Expected zones: how a drawn zone differs from the one staff expected, for shading and a summary.

An expected zone is authored like a drawn one (`{kind, geometry}`; a circle's centre may name a
place and its radius carry a unit) and read with ``zone_from_json(..., places=...)``. For areas
the comparison is the symmetric difference: what was drawn but not expected, and what was
expected but not drawn, each as a geometry with its area, and where the larger part of each lies
as seen from the expected zone's centre. For a facility drawn as a point the comparison is the
distance from the expected spot or area.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from .measure import SpatialError, bearing, compass_point, compass_word, format_area, format_distance, format_percent
from .rules import _geojson, polygonal
from .zones import Zone

__all__ = ["ZoneComparison", "compare_zones", "NEGLIGIBLE_M2"]

NEGLIGIBLE_M2 = 1.0  # differences smaller than this are drawing noise


@dataclass(frozen=True)
class ZoneComparison:
    kind: str
    summary: str
    drawn_m2: float
    expected_m2: float
    overlap_m2: float
    agreement: float  # overlap / union of the two areas (1 = identical); for points 1 inside, else 0
    drawn_only: BaseGeometry = field(default_factory=Polygon, compare=False)
    drawn_only_m2: float = 0.0
    expected_only: BaseGeometry = field(default_factory=Polygon, compare=False)
    expected_only_m2: float = 0.0
    distance_m: float | None = None  # points: how far the drawn facility is from the expected spot

    def to_json(self) -> dict:
        return {
            "kind": self.kind, "summary": self.summary, "agreement": self.agreement,
            "drawn_m2": self.drawn_m2, "expected_m2": self.expected_m2, "overlap_m2": self.overlap_m2,
            "drawn_only_m2": self.drawn_only_m2, "expected_only_m2": self.expected_only_m2,
            "distance_m": self.distance_m,
            "drawn_only": _geojson(self.drawn_only), "expected_only": _geojson(self.expected_only),
        }


def compare_zones(drawn: Zone | None, expected: Zone) -> ZoneComparison:
    """Compare what a team drew (None: nothing yet) with the expected zone of the same kind."""
    if drawn is not None and drawn.kind != expected.kind:
        raise SpatialError.at("kind", f"cannot compare a {drawn.label} with an expected {expected.label}")
    label = expected.label
    expected_area = expected.geometry.area
    if drawn is None:
        return ZoneComparison(expected.kind, f"No {label} has been drawn" + (
            f"; the expected one covers {format_area(expected_area)}." if expected_area else "."),
            0.0, expected_area, 0.0, 0.0, expected_only=expected.geometry, expected_only_m2=expected_area)
    if drawn.is_point or expected.is_point:
        return _compare_places(drawn, expected)

    overlap = drawn.geometry.intersection(expected.geometry).area
    union = drawn.geometry.union(expected.geometry).area
    drawn_only = polygonal(drawn.geometry.difference(expected.geometry))
    expected_only = polygonal(expected.geometry.difference(drawn.geometry))
    clauses = []
    if expected_only.area >= NEGLIGIBLE_M2:
        clauses.append(f"{format_area(expected_only.area)} expected but not drawn, {_where(expected_only, expected)}")
    if drawn_only.area >= NEGLIGIBLE_M2:
        clauses.append(f"{format_area(drawn_only.area)} drawn but not expected, {_where(drawn_only, expected)}")
    if not clauses:
        summary = f"The drawn {label} matches the expected one."
    else:
        summary = (f"The drawn {label} covers {format_percent(overlap / expected_area)} of the expected one: "
                   + "; ".join(clauses) + ".")
    return ZoneComparison(expected.kind, summary, drawn.geometry.area, expected_area, overlap,
                          overlap / union if union else 1.0, drawn_only, drawn_only.area,
                          expected_only, expected_only.area)


def _where(difference: BaseGeometry, expected: Zone) -> str:
    """`mostly to the east`: the direction of the largest piece from the expected zone's centre."""
    # The centroid gives the direction even when it falls outside the piece (a crescent).
    spot = max(shapely.get_parts(difference), key=lambda part: part.area).centroid
    towards = bearing(expected.centre, (spot.x, spot.y))
    return "all around" if towards is None else f"mostly to the {compass_word(towards)}"


def _compare_places(drawn: Zone, expected: Zone) -> ZoneComparison:
    distance = drawn.geometry.distance(expected.geometry)
    label = drawn.label
    if distance < 1e-6:
        summary = f"The {label} stands where it was expected."
    else:
        a, b = nearest_points(expected.geometry, drawn.geometry)
        towards = bearing((a.x, a.y), (b.x, b.y))
        direction = f"to the {compass_word(towards)} ({compass_point(towards, 16)})" if towards is not None else ""
        summary = f"The {label} stands {format_distance(distance)} {direction} of where it was expected."
    return ZoneComparison(expected.kind, summary.replace("  ", " "), drawn.geometry.area, expected.geometry.area,
                          0.0, 1.0 if distance < 1e-6 else 0.0, distance_m=distance)
