"""Properties of the spatial engine over random input: bad input only ever raises SpatialError,
and the distances the rules report are the true ones (checked with shapely buffers)."""

import math

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon

from app.engine.spatial import (
    RULES,
    ZONE_KINDS,
    Place,
    SpatialContext,
    SpatialError,
    compare_zones,
    contains_region,
    covers,
    downwind_sector,
    evaluate_rule,
    min_radius,
    placement,
    zone_from_json,
)

SITE = (-5000.0, -5000.0, 5000.0, 5000.0)
PROPERTIES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

any_float = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 1e-300, 1e300, 5e5, -1e6])
junk = st.recursive(
    st.none() | st.booleans() | st.integers() | any_float | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
pair = st.lists(any_float | st.integers(-10**7, 10**7), min_size=0, max_size=3) | junk
geometry = st.fixed_dictionaries(
    {"type": st.sampled_from(["Circle", "Polygon", "Point", "LineString"]) | junk},
    optional={
        "center": pair,
        "radius": any_float | st.integers(-10, 10**7) | st.text(max_size=6) | junk,
        "coordinates": st.lists(st.lists(pair, max_size=12), max_size=2) | pair | junk,
    },
)
zone_json = st.fixed_dictionaries(
    {"kind": st.sampled_from(list(ZONE_KINDS)) | junk, "geometry": geometry | junk},
    optional={"id": st.text(max_size=4) | junk, "team": st.text(max_size=4) | junk},
)


@PROPERTIES
@given(data=zone_json | junk, bounded=st.booleans())
def test_any_json_is_a_zone_or_a_spatial_error(data, bounded):
    try:
        zone = zone_from_json(data, site_bounds=SITE if bounded else None)
    except SpatialError as error:
        assert error.problems and all(isinstance(p.reason, str) and p.reason for p in error.problems)
        return
    assert zone.geometry.is_valid and not zone.geometry.is_empty
    assert zone.is_point or zone.geometry.area >= 1.0


# -- valid random shapes ------------------------------------------------------------------------

coordinate = st.floats(-3000, 3000, allow_nan=False)


@st.composite
def star_polygons(draw, kind="inner-cordon"):
    """A simple polygon: points around a centre at increasing angles (concave shapes included)."""
    cx, cy = draw(coordinate), draw(coordinate)
    count = draw(st.integers(3, 14))
    angles = sorted(draw(st.lists(st.floats(0, 2 * math.pi, exclude_max=True), min_size=count, max_size=count,
                                  unique=True)))
    radii = draw(st.lists(st.floats(0.5, 1500), min_size=count, max_size=count))
    ring = [[cx + r * math.sin(a), cy + r * math.cos(a)] for a, r in zip(angles, radii)]
    try:
        return zone_from_json({"kind": kind, "geometry": {"type": "Polygon", "coordinates": [ring]}})
    except SpatialError:
        assume(False)


@st.composite
def circles(draw, kind="inner-cordon"):
    return zone_from_json({"kind": kind, "geometry": {"type": "Circle", "center": [draw(coordinate), draw(coordinate)],
                                                      "radius": draw(st.floats(0.5, 2500))}})


def areas(kind="inner-cordon"):
    return star_polygons(kind) | circles(kind)


places = st.builds(lambda x, y: Place("p", x, y, "Release point"), coordinate, coordinate)


def slack(*sizes: float) -> float:
    # Buffers and circles are polygons inscribed in the true curves (0.12 % of the radius at most).
    return 1.0 + 0.003 * sum(sizes)


def size_of(zone) -> float:
    minx, miny, maxx, maxy = zone.geometry.bounds
    return max(maxx - minx, maxy - miny)


@PROPERTIES
@given(zone=areas(), region=star_polygons("shelter-area"))
def test_the_excursion_is_the_width_of_the_smallest_band_containing_the_region(zone, region):
    result = contains_region(zone, region.geometry, region_label="the region")
    excursion = result.numbers["excursion_m"]
    margin = slack(excursion, size_of(zone))
    assert zone.geometry.buffer(excursion + margin).covers(region.geometry)
    if excursion > margin:
        assert not zone.geometry.buffer(excursion - margin).covers(region.geometry)
    assert result.ok == (excursion <= 1e-6)


@PROPERTIES
@given(zone=areas(), around=places, radius=st.floats(1, 3000))
def test_min_radius_reach_is_the_distance_to_the_nearest_edge(zone, around, radius):
    result = min_radius(zone, around, radius)
    reach = result.numbers["reach_m"]
    margin = slack(size_of(zone))
    if reach > margin:
        assert zone.geometry.buffer(margin).covers(around.point.buffer(reach - margin, quad_segs=32))
        assert not zone.geometry.covers(around.point.buffer(reach + margin, quad_segs=32))
    assert result.ok == (reach >= radius - 1e-6)


@PROPERTIES
@given(zone=areas("staging-area") | circles("command-post"), other=areas(), of=places,
       wind=st.floats(-720, 720), half=st.floats(1, 180), distance=st.floats(1, 5000),
       target_range=st.floats(1, 8000))
def test_rules_on_valid_shapes_never_raise(zone, other, of, wind, half, distance, target_range):
    placement(zone, outside=[other], upwind_of=of, wind_from_deg=wind, upwind_half_angle_deg=half,
              away_from=[(of, distance)])
    covers(other, downwind_sector(of, wind, half, target_range), fraction=0.9, centre=of)
    compare_zones(other, zone_from_json({"kind": "inner-cordon", "geometry": {"type": "Circle",
                                         "center": [of.x, of.y], "radius": distance}}))


spec_values = junk | st.sampled_from(["400 m", "100 µSv/h", "blast-seat", "inner-cordon", "command-post", "90 %",
                                      "22.5°", [0, 0], {"from": "blast-seat", "distance": "400 m"},
                                      {"downwind_sector": {"from": "blast-seat", "half_angle": 30, "range": "1 km"}},
                                      {"level": "100 µSv/h"}])
specs = st.fixed_dictionaries(
    {"rule": st.sampled_from(RULES) | junk},
    optional={key: spec_values for key in ("zone", "around", "radius", "level", "tolerance", "outside", "upwind_of",
                                           "upwind_half_angle", "min_distance", "target", "fraction")},
)


@PROPERTIES
@given(spec=specs | junk, zone=areas(), post=circles("command-post"), wind=st.none() | st.floats(0, 360),
       region=st.none() | star_polygons("shelter-area"))
def test_any_rule_spec_is_judged_or_refused_with_a_spatial_error(spec, zone, post, wind, region):
    context = SpatialContext(wind_from_deg=wind, field_version=1,
                             region_above=None if region is None else (lambda level: region.geometry))
    try:
        result = evaluate_rule(spec, [zone, post], {"blast-seat": Place("blast-seat", 0, 0, "Blast seat")}, context)
    except SpatialError as error:
        assert error.problems
        return
    assert isinstance(result.ok, bool) and result.reason
    result.to_json()


def test_a_thin_sliver_and_a_huge_circle_are_still_handled():
    sliver = zone_from_json({"kind": "inner-cordon", "geometry": {"type": "Polygon",
                             "coordinates": [[[0, 0], [1000, 0], [1000, 0.002]]]}})
    huge = zone_from_json({"kind": "inner-cordon", "geometry": {"type": "Circle", "center": [9e5, -9e5], "radius": 1e5}})
    region = Polygon([(0, 0), (10, 0), (0, 10)])
    assert not contains_region(sliver, region).ok
    assert contains_region(huge, Point(9e5, -9e5).buffer(10)).ok
