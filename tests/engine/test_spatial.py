"""Zone geometry and spatial rules: a drill on the urban RDD site.

The blast seat is at the site origin, the wind blows from the west (270°), a suspicious van
stands 150 m north of the seat. Distances in metres; x east, y north.
"""

import math

import pytest
from shapely.geometry import Point, Polygon, box

from app.engine.spatial import (
    PROTECTIVE_ACTIONS,
    ZONE_KINDS,
    ContainsIsolineRule,
    CoversRule,
    MinRadiusRule,
    Place,
    PlacementRule,
    RuleMemo,
    SpatialContext,
    SpatialError,
    Zone,
    compare_zones,
    compass_point,
    compass_word,
    contains_region,
    covers,
    downwind_sector,
    evaluate_rule,
    evaluate_rules,
    min_distance,
    min_radius,
    outside_zone,
    parse_angle,
    parse_distance,
    parse_dose_rate,
    parse_fraction,
    parse_rule,
    placement,
    places_from_json,
    protective_action_from_json,
    rule_cache_key,
    upwind,
    zone_from_json,
    zones_by_kind,
)

SEAT = Place("blast-seat", 0.0, 0.0, "Blast seat")
VAN = Place("suspicious-van", 0.0, 150.0, "Suspicious van")
PLACES = {SEAT.id: SEAT, VAN.id: VAN}
SITE = (-3000.0, -3000.0, 3000.0, 3000.0)
WEST = 270.0


def circle(kind, x, y, r, **extra):
    return zone_from_json({"kind": kind, "geometry": {"type": "Circle", "center": [x, y], "radius": r}, **extra})


def polygon(kind, points, **extra):
    return zone_from_json({"kind": kind, "geometry": {"type": "Polygon", "coordinates": [points]}, **extra})


def point(kind, x, y, **extra):
    return zone_from_json({"kind": kind, "geometry": {"type": "Point", "coordinates": [x, y]}, **extra})


def error_of(call, *args, **kwargs) -> SpatialError:
    with pytest.raises(SpatialError) as caught:
        call(*args, **kwargs)
    return caught.value


# -- vocabulary ---------------------------------------------------------------------------------


def test_zone_kinds_are_the_doctrine_vocabulary_with_labels_and_visibility():
    assert list(ZONE_KINDS) == [
        "inner-cordon", "safety-perimeter", "security-perimeter", "command-post", "staging-area",
        "decon-corridor", "monitoring-point", "information-centre", "shelter-area", "evacuation-area",
        "device-exclusion",
    ]
    assert ZONE_KINDS["inner-cordon"].public and ZONE_KINDS["shelter-area"].public
    assert not ZONE_KINDS["staging-area"].public and not ZONE_KINDS["decon-corridor"].public
    assert ZONE_KINDS["command-post"].shape == "place" and ZONE_KINDS["inner-cordon"].shape == "area"
    assert ZONE_KINDS["monitoring-point"].title == "Public monitoring and registration point"


def test_protective_actions_attach_to_fitting_zones_with_a_time():
    zones = {"S1": circle("shelter-area", 1000, 0, 800, id="S1"), "C1": circle("inner-cordon", 0, 0, 400, id="C1")}
    action = protective_action_from_json({"kind": "shelter", "zone": "S1", "at_s": 900}, zones)
    assert (action.kind, action.zone_id, action.at_s, action.label) == ("shelter", "S1", 900.0, "shelter in place")
    assert set(PROTECTIVE_ACTIONS) == {"shelter", "evacuate", "iodine-thyroid-blocking", "food-restrictions"}
    wrong = error_of(protective_action_from_json, {"kind": "evacuate", "zone": "C1", "at_s": 5}, zones)
    assert "evacuate applies to a zone of kind evacuation-area, not to a inner cordon" in wrong.fields["zone"][0]
    many = error_of(protective_action_from_json, {"kind": "sirens", "zone": "X", "at_s": -1, "until_s": "later"}, zones)
    assert set(many.fields) == {"kind", "zone", "at_s", "until_s"}
    ended_early = error_of(protective_action_from_json, {"kind": "shelter", "zone": "S1", "at_s": 60, "until_s": 30}, zones)
    assert ended_early.fields == {"until_s": ["a decision cannot end before it starts"]}


# -- geometry validation ------------------------------------------------------------------------


def test_a_circle_and_an_open_or_closed_polygon_read_the_same_way():
    cordon = circle("inner-cordon", 0, 0, 400, id="Z1", team="ic")
    assert (cordon.id, cordon.kind, cordon.team, cordon.circle) == ("Z1", "inner-cordon", "ic", (0.0, 0.0, 400.0))
    assert cordon.geometry.area == pytest.approx(math.pi * 400**2, rel=1e-3)
    assert cordon.raw == {"type": "Circle", "center": [0, 0], "radius": 400}
    open_ring = polygon("safety-perimeter", [[0, 0], [100, 0], [100, 100], [0, 100]])
    closed_ring = polygon("safety-perimeter", [[0, 0], [100, 0], [100, 100], [0, 100], [0, 0]])
    assert open_ring.geometry.equals(closed_ring.geometry) and open_ring.geometry.area == 10_000
    assert point("command-post", -600, 0).is_point


def test_version_changes_with_the_shape_only():
    a = circle("inner-cordon", 0, 0, 400, id="Z1", team="ic")
    same_shape = circle("inner-cordon", 0, 0, 400, id="Z2", team="police")
    moved = circle("inner-cordon", 0, 1, 400, id="Z1", team="ic")
    assert a.version == same_shape.version != moved.version
    by_hand = [Zone(None, "inner-cordon", box(0, 0, 100, 100)), Zone(None, "inner-cordon", box(0, 0, 100, 101))]
    assert by_hand[0].version and by_hand[0].version != by_hand[1].version


@pytest.mark.parametrize("radius, reason", [
    (0, "must be above 0 m, got 0"),
    (-50, "must be above 0 m, got -50"),
    (float("nan"), "must be a finite number, got nan"),
    (float("inf"), "must be a finite number, got inf"),
    (True, "expected a number, got True"),
    ("wide", "cannot read 'wide' as a distance; write e.g. 400 m or 2 km"),
    (1e9, "at most 100 km, got 1e+09 m"),
])
def test_a_bad_radius_is_refused_with_its_field(radius, reason):
    error = error_of(zone_from_json, {"kind": "inner-cordon", "geometry": {"type": "Circle", "center": [0, 0], "radius": radius}})
    assert error.fields == {"geometry.radius": [reason]}


def test_a_self_intersecting_polygon_is_refused_where_it_crosses():
    bow_tie = [[0, 0], [100, 100], [100, 0], [0, 100]]
    error = error_of(polygon, "inner-cordon", bow_tie)
    assert error.fields == {"geometry.coordinates.0": [
        "the outline crosses or touches itself at (50.0, 50.0); draw it without crossing lines"]}


@pytest.mark.parametrize("ring, path, reason", [
    ([[0, 0], [100, 0]], "geometry.coordinates.0", "a polygon needs at least 3 distinct points, got 2"),
    ([[0, 0], [100, 0], [100, 0], [0, 0]], "geometry.coordinates.0", "a polygon needs at least 3 distinct points, got 2"),
    ([[0, 0], [100, 0], [200, 0]], "geometry.coordinates.0", "the outline crosses or touches itself at (100.0, 0.0); draw it without crossing lines"),
    ([[0, 0], [0.1, 0], [0.1, 0.1]], "geometry.coordinates.0", "the outline encloses 0.005 m²; a zone covers at least 1 m²"),
    ([[0, 0], [100, float("nan")], [0, 100]], "geometry.coordinates.0.1.1", "must be a finite number, got nan"),
    ([[0, 0], [100, float("-inf")], [0, 100]], "geometry.coordinates.0.1.1", "must be a finite number, got -inf"),
    ([[0, 0], [100, 0, 5], [0, 100]], "geometry.coordinates.0.1", "expected [x, y] in site metres, got [100, 0, 5]"),
    ([[0, 0], ["100", 0], [0, 100]], "geometry.coordinates.0.1.0", "expected a number, got '100'"),
    ([[0, 0], [2e6, 0], [0, 100]], "geometry.coordinates.0.1.0", "2e+06 m is more than 1000 km from the site origin"),
    ([[i, (i * 7) % 13] for i in range(1200)], "geometry.coordinates.0", "too many points (1200); a zone has at most 1000"),
])
def test_degenerate_polygons_are_refused_with_their_field(ring, path, reason):
    assert error_of(polygon, "inner-cordon", ring).fields == {path: [reason]}


def test_polygon_shapes_that_are_not_one_ring_are_explained():
    flat = {"kind": "inner-cordon", "geometry": {"type": "Polygon", "coordinates": [[0, 0], [1, 0], [1, 1]]}}
    assert "wrap the points in one more list" in error_of(zone_from_json, flat).fields["geometry.coordinates"][0]
    holed = {"kind": "inner-cordon", "geometry": {"type": "Polygon", "coordinates": [
        [[0, 0], [100, 0], [100, 100], [0, 100]], [[10, 10], [20, 10], [20, 20]]]}}
    assert "holes are not supported" in error_of(zone_from_json, holed).fields["geometry.coordinates"][0]


def test_zone_level_mistakes_are_reported_together():
    error = error_of(zone_from_json, {"kind": "hot-zone", "team": 7})
    assert set(error.fields) == {"kind", "team", "geometry"}
    assert error.fields["kind"][0].startswith("unknown zone kind 'hot-zone'; one of inner-cordon, safety-perimeter")
    assert "geometry" in str(error) and "hot-zone" in error.message
    assert error_of(zone_from_json, ["not", "a", "zone"]).fields == {"_": ["expected an object with kind and geometry"]}
    typo = {"kind": "inner-cordon", "geometry": {"type": "Circle", "center": [0, 0], "raduis": 400}}
    assert error_of(zone_from_json, typo).fields == {"geometry.raduis": ["unknown key for a Circle; expected center, radius, type"]}
    assert "unknown geometry type 'LineString'" in str(error_of(zone_from_json, {"kind": "inner-cordon", "geometry": {"type": "LineString"}}))


def test_an_area_kind_cannot_be_a_point_but_a_facility_can():
    error = error_of(point, "inner-cordon", 0, 0)
    assert error.fields == {"geometry.type": ["this zone must be an area: draw a Circle or a Polygon"]}
    assert point("monitoring-point", -800, 0).kind == "monitoring-point"


def test_a_zone_wholly_outside_the_site_is_refused_and_one_partly_outside_is_kept_whole():
    outside = {"kind": "staging-area", "geometry": {"type": "Circle", "center": [5000, 0], "radius": 100}}
    assert "wholly outside the site (x -3000 to 3000 m" in error_of(zone_from_json, outside, site_bounds=SITE).fields["geometry"][0]
    across = zone_from_json({"kind": "inner-cordon", "geometry": {"type": "Circle", "center": [2900, 0], "radius": 400}},
                            site_bounds=SITE)
    assert across.geometry.area == pytest.approx(math.pi * 400**2, rel=1e-3)  # not clipped


def test_expected_zones_may_name_a_place_and_write_units():
    expected = zone_from_json({"kind": "inner-cordon", "geometry": {"type": "Circle", "center": "suspicious-van", "radius": "0.4 km"}},
                              places=PLACES)
    assert expected.circle == (0.0, 150.0, 400.0)
    unknown = {"kind": "inner-cordon", "geometry": {"type": "Circle", "center": "market", "radius": 400}}
    assert error_of(zone_from_json, unknown, places=PLACES).fields == {
        "geometry.center": ["unknown place 'market'; the site's places: blast-seat, suspicious-van"]}
    assert "expected [x, y]" in str(error_of(zone_from_json, unknown))


def test_places_read_from_the_site_list():
    places = places_from_json([{"id": "blast-seat", "name": "Blast seat", "at": [0, 0]}, {"id": "gate", "at": [10, 5]}])
    assert places["gate"].xy == (10.0, 5.0) and places["blast-seat"].phrase == "the blast seat"
    error = error_of(places_from_json, [{"id": "a", "at": [0, 0]}, {"id": "a", "at": [1, 1]}, {"id": "b", "at": "here"}])
    assert set(error.fields) == {"places.1.id", "places.2.at"}


def test_place_names_read_well_inside_sentences():
    assert Place("x", 0, 0, "Suspicious van").phrase == "the suspicious van"
    assert Place("x", 0, 0, "Grain Street corner").phrase == "Grain Street corner"
    assert Place("school-3", 0, 0).phrase == "school 3"
    assert Place("main-gate", 0, 0).phrase == "the main gate"
    assert Place.at(10, -5).phrase == "the point (10, -5)"


# -- quantities ---------------------------------------------------------------------------------


def test_quantities_read_as_authors_write_them():
    assert parse_distance("400 m", "r") == 400 and parse_distance("2 km", "r") == 2000 and parse_distance(250, "r") == 250
    assert parse_distance("2 mi", "r") == pytest.approx(3218.688)
    assert parse_dose_rate("100 µSv/h", "l") == 100 and parse_dose_rate("100 uSv/h", "l") == 100
    assert parse_dose_rate("100 \u03bcSv/h", "l") == 100 and parse_dose_rate("0.1 mSv/h", "l") == pytest.approx(100)
    assert parse_dose_rate("100 mSv/h", "l") == 100_000 and parse_dose_rate("300 nSv/h", "l") == pytest.approx(0.3)
    assert parse_angle("22.5°", "a") == 22.5 and parse_angle(45, "a") == 45
    assert parse_fraction("90 %", "f") == pytest.approx(0.9) and parse_fraction(0.75, "f") == 0.75
    assert error_of(parse_dose_rate, 100, "level").fields == {"level": ["write a dose rate with its unit, e.g. 100 µSv/h; got 100"]}
    assert "above 1" in str(error_of(parse_fraction, 90, "fraction"))
    assert "cannot read" in str(error_of(parse_distance, "400 yards", "radius"))


def test_compass_points():
    assert [compass_point(b, 8) for b in (0, 44, 46, 90, 180, 270, 337.6)] == ["N", "NE", "NE", "E", "S", "W", "N"]
    assert compass_point(22.5, 16) == "NNE" and compass_point(-90, 16) == "W"
    assert compass_word(135) == "south-east" and compass_word(0) == "north"


# -- min_radius ---------------------------------------------------------------------------------


def test_a_450_m_cordon_passes_a_400_m_rule_and_a_300_m_one_fails_with_the_reason():
    passing = min_radius(circle("inner-cordon", 0, 0, 450), SEAT, 400)
    assert passing.ok and passing.numbers["reach_m"] == 450
    assert passing.reason == "the inner cordon reaches at least 450 m from the blast seat in every direction (400 m required)"
    failing = min_radius(circle("inner-cordon", 0, 0, 300), SEAT, 400)
    assert not failing.ok and failing.numbers["shortfall_m"] == 100
    assert failing.reason == "the inner cordon reaches only 300 m from the blast seat in every direction (400 m required)"
    assert failing.highlight.area == pytest.approx(math.pi * (400**2 - 300**2), rel=0.01)


def test_an_exact_400_m_circle_passes_because_circles_are_measured_as_circles():
    assert min_radius(circle("inner-cordon", 0, 0, 400), SEAT, 400).ok
    short = min_radius(circle("inner-cordon", 0, 0, 399.6), SEAT, 400)
    assert not short.ok and "only 399.6 m" in short.reason


def test_a_cordon_drawn_off_centre_is_short_on_one_side():
    result = min_radius(circle("inner-cordon", 0, -150, 450), SEAT, 400)
    assert not result.ok and result.numbers["reach_m"] == pytest.approx(300)
    assert result.numbers["direction"] == "N"
    assert result.reason == "the inner cordon reaches only 300 m from the blast seat to the north (400 m required)"


def test_a_polygon_cordon_is_short_where_its_nearest_edge_is():
    street_block = polygon("inner-cordon", [[-500, -450], [520, -450], [520, 300], [-500, 300]])
    result = min_radius(street_block, SEAT, 400)
    assert not result.ok and result.numbers["reach_m"] == pytest.approx(300, abs=1)
    assert result.reason == "the inner cordon reaches only 300 m from the blast seat to the north (400 m required)"
    assert min_radius(street_block, Place.at(0, -50), 340).ok


def test_a_cordon_that_leaves_out_the_seat_says_so():
    result = min_radius(circle("inner-cordon", 1000, 0, 450), SEAT, 400)
    assert not result.ok and result.numbers["reach_m"] == pytest.approx(-550)
    assert result.reason == ("the blast seat is outside the inner cordon: its nearest edge is 550 m away to the east "
                             "(400 m required around the blast seat)")
    on_edge = min_radius(polygon("inner-cordon", [[0, -500], [900, -500], [900, 500], [0, 500]]), SEAT, 400)
    assert not on_edge.ok and on_edge.reason == "the blast seat is on the edge of the inner cordon (400 m required around the blast seat)"


# -- contains_region (the 100 µSv/h line) ---------------------------------------------------------


def plume_footprint(reach_east: float) -> Polygon:
    """A footprint elongated downwind (east) reaching ``reach_east`` from the seat, 120 m wide."""
    return Polygon([(-60, 0), (-40, 60), (reach_east * 0.6, 120), (reach_east, 0), (reach_east * 0.6, -120), (-40, -60)])


def test_a_circular_cordon_10_m_short_of_the_isoline_fails_with_distance_and_direction():
    result = contains_region(circle("inner-cordon", 0, 0, 500), plume_footprint(510),
                             region_label="the 100 µSv/h line", centre=SEAT)
    assert not result.ok
    assert result.numbers["excursion_m"] == pytest.approx(10, abs=1)
    assert result.numbers["direction"] == "E"
    assert result.reason == "the 100 µSv/h line extends 10 m beyond the inner cordon to the east"
    assert result.highlight.area > 0 and result.numbers["outside_area_m2"] == pytest.approx(result.highlight.area)


def test_a_polygon_cordon_10_m_short_of_the_isoline_to_the_north_east():
    cordon = polygon("inner-cordon", [[-300, -300], [300, -300], [300, 300], [-300, 300]])
    region = Polygon([(0, 0), (200, 0), (307.07, 307.07), (0, 200)])  # a corner 10 m past (300, 300)
    result = contains_region(cordon, region, region_label="the 100 µSv/h line", centre=SEAT)
    assert result.numbers["excursion_m"] == pytest.approx(10, abs=1)
    assert result.reason == "the 100 µSv/h line extends 10 m beyond the inner cordon to the north-east"


def test_a_cordon_that_contains_the_isoline_passes_and_a_tolerance_can_forgive_the_grid():
    inside = contains_region(circle("inner-cordon", 0, 0, 600), plume_footprint(510), region_label="the 100 µSv/h line")
    assert inside.ok and inside.numbers["excursion_m"] == 0 and inside.highlight is None
    assert inside.reason == "the inner cordon contains the 100 µSv/h line"
    forgiven = contains_region(circle("inner-cordon", 0, 0, 500), plume_footprint(510),
                               region_label="the 100 µSv/h line", tolerance_m=15)
    assert forgiven.ok and forgiven.reason == "the inner cordon contains the 100 µSv/h line (within the 15 m allowed)"


def test_nothing_above_the_level_is_trivially_contained():
    result = contains_region(circle("inner-cordon", 0, 0, 400), Polygon(), region_label="the 100 µSv/h line")
    assert result.ok and result.reason == "the 100 µSv/h line encloses nothing: nothing to contain"


def test_a_concave_cordon_is_measured_deep_inside_its_notch():
    # A cordon shaped like a C around a yard, open by a 20 m gate to the north; the hot yard
    # itself is outside it. The farthest point of the yard from the cordon is its middle, 200 m
    # from every wall, not on the yard's edge.
    c_shape = polygon("inner-cordon", [[-500, -500], [500, -500], [500, 500], [10, 500], [10, 200], [200, 200],
                                       [200, -200], [-200, -200], [-200, 200], [-10, 200], [-10, 500], [-500, 500]])
    yard = box(-200, -200, 200, 200)
    result = contains_region(c_shape, yard, region_label="the 100 µSv/h line")
    assert not result.ok and result.numbers["excursion_m"] == pytest.approx(200, abs=1)
    far_x, far_y = result.numbers["far_point"]
    assert c_shape.geometry.distance(Point(far_x, far_y)) == pytest.approx(200, abs=1.5)


# -- placement ----------------------------------------------------------------------------------


def test_a_command_post_upwind_outside_the_cordon_and_far_from_the_van_passes():
    cordon = circle("inner-cordon", 0, 0, 400)
    post = point("command-post", -600, 0)
    result = placement(post, outside=[cordon], upwind_of=SEAT, wind_from_deg=WEST, away_from=[(VAN, 400)])
    assert result.ok and [p.rule for p in result.parts] == ["outside", "upwind", "min_distance"]
    assert result.parts[1].reason == "the command post is 600 m to the west of the blast seat, upwind (wind from the west, 270°)"


def test_a_command_post_downwind_inside_the_cordon_and_near_the_van_fails_each_part():
    cordon = circle("inner-cordon", 0, 0, 400)
    post = point("command-post", 250, 100)
    result = placement(post, outside=[cordon], upwind_of=SEAT, wind_from_deg=WEST, away_from=[(VAN, 400)])
    assert not result.ok and result.numbers == {"checks": 3, "failed": 3}
    inside, downwind, too_near = (p.reason for p in result.parts)
    assert inside == "the command post is inside the inner cordon, 131 m from its edge"
    assert downwind.startswith("the command post is 269 m to the east of the blast seat: downwind, 158° off")
    assert "(at most 90° allowed; wind from the west, 270°)" in downwind
    assert too_near == "the command post is only 255 m from the suspicious van, to the east of it (400 m required)"
    assert result.reason == "; ".join([inside, downwind, too_near])


@pytest.mark.parametrize("x, y, half_angle, ok, side", [
    (-500, 0, 90, True, None),        # straight upwind
    (-300, 400, 90, True, None),      # upwind, 53° off
    (0, 500, 90, True, None),         # exactly crosswind: on the boundary of the upwind half
    (100, 500, 90, False, "crosswind"),
    (500, 0, 90, False, "downwind"),
    (-300, 400, 45, False, "crosswind"),
    (-500, 100, 45, True, None),
])
def test_upwind_with_the_wind_from_the_west(x, y, half_angle, ok, side):
    result = upwind(point("staging-area", x, y), SEAT, WEST, half_angle)
    assert result.ok is ok
    if side:
        assert f": {side}," in result.reason


def test_an_area_reaching_into_the_downwind_half_fails_and_shades_that_part():
    staging = polygon("staging-area", [[-400, 200], [100, 200], [100, 300], [-400, 300]])
    result = upwind(staging, SEAT, WEST)
    assert not result.ok and result.highlight.area == pytest.approx(100 * 100)
    # The corner (100, 200) is the farthest round from the wind's origin: 26.6° east of north.
    assert result.numbers["off_wind_deg"] == pytest.approx(90 + math.degrees(math.atan2(100, 200)), abs=0.1)
    assert "crosswind, 117° off the upwind direction" in result.reason


def test_an_area_that_takes_in_the_release_is_not_upwind():
    result = upwind(circle("staging-area", 0, 0, 50), SEAT, WEST)
    assert not result.ok and "takes in the blast seat" in result.reason


def test_exclusion_distance_from_a_suspected_device():
    far = min_distance(circle("staging-area", -400, 500, 50), VAN, 400)
    assert far.ok and far.numbers["distance_m"] == pytest.approx(math.hypot(400, 350) - 50)
    near = min_distance(polygon("staging-area", [[100, 100], [300, 100], [300, 300], [100, 300]]), VAN, 400)
    assert not near.ok and near.numbers["distance_m"] == pytest.approx(100)
    assert near.reason == "the staging area is only 100 m from the suspicious van, to the east of it (400 m required)"
    over = min_distance(circle("staging-area", 0, 150, 30), VAN, 400)
    assert not over.ok and over.reason == "the staging area takes in the suspicious van (400 m required)"


def test_outside_a_zone_allows_touching_and_refuses_overlap():
    cordon = polygon("inner-cordon", [[-400, -400], [400, -400], [400, 400], [-400, 400]])
    touching = polygon("staging-area", [[400, 0], [500, 0], [500, 100], [400, 100]])
    assert outside_zone(touching, cordon).ok
    overlapping = polygon("staging-area", [[350, 0], [500, 0], [500, 100], [350, 100]])
    result = outside_zone(overlapping, cordon)
    assert not result.ok and result.numbers["overlap_area_m2"] == pytest.approx(5000)
    assert result.reason == "the staging area overlaps the inner cordon by 5,000 m²"


def test_placement_without_a_wind_cannot_judge_upwind():
    error = error_of(placement, point("command-post", -600, 0), upwind_of=SEAT)
    assert error.fields == {"upwind_of": ["no wind direction is known, so upwind cannot be judged"]}


# -- covers and downwind sectors ------------------------------------------------------------------


def test_the_downwind_sector_points_where_the_wind_blows_to():
    sector = downwind_sector(SEAT, WEST, 22.5, 2000)
    assert sector.contains(Point(1500, 0)) and not sector.contains(Point(-1500, 0))
    assert not sector.contains(Point(1000, 600)) and sector.contains(Point(1000, 400))
    assert sector.area == pytest.approx(math.radians(45) / 2 * 2000**2, rel=1e-3)
    assert downwind_sector(SEAT, 0, 180, 1000).area == pytest.approx(math.pi * 1000**2, rel=1e-3)


def test_a_shelter_area_covering_the_downwind_sector_passes():
    sector = downwind_sector(SEAT, WEST, 22.5, 2000)
    shelter = polygon("shelter-area", [[0, -900], [2100, -900], [2100, 900], [0, 900]])
    result = covers(shelter, sector, target_label="the downwind sector", fraction=0.9, centre=SEAT)
    assert result.ok and result.numbers["covered_fraction"] == pytest.approx(1.0)
    assert result.reason == "the shelter area covers 100 % of the downwind sector (90 % required)"


def test_a_shelter_area_covering_half_the_sector_fails_and_points_at_the_gap():
    sector = downwind_sector(SEAT, WEST, 22.5, 2000)
    south_half = polygon("shelter-area", [[0, -900], [2100, -900], [2100, 0], [0, 0]])
    result = covers(south_half, sector, target_label="the downwind sector", fraction=0.9, centre=SEAT)
    assert not result.ok and result.numbers["covered_fraction"] == pytest.approx(0.5, abs=0.01)
    assert result.numbers["direction"] in ("E", "ENE")
    assert result.reason.startswith("the shelter area covers only 50 % of the downwind sector (90 % required); "
                                    "the largest part left out (")
    assert "to the east of the blast seat" in result.reason
    assert result.highlight.area == pytest.approx(sector.area / 2, rel=0.01)


# -- rule specs ---------------------------------------------------------------------------------

IC02 = {"rule": "min_radius", "zone": "inner-cordon", "around": "blast-seat", "radius": "400 m"}
RA02 = {"rule": "contains_isoline", "zone": "inner-cordon", "level": "100 µSv/h"}
IC04 = {"rule": "placement", "zone": "command-post", "outside": "inner-cordon", "upwind_of": "blast-seat",
        "min_distance": {"from": "suspicious-van", "distance": "400 m"}}
PIO01 = {"rule": "covers", "zone": "shelter-area", "fraction": "90 %",
         "target": {"downwind_sector": {"from": "blast-seat", "half_angle": "22.5°", "range": "2 km"}}}


def test_rule_specs_parse_into_rule_values():
    assert parse_rule(IC02, places=PLACES) == MinRadiusRule("inner-cordon", "blast-seat", 400.0)
    assert parse_rule(RA02) == ContainsIsolineRule("inner-cordon", 100.0)
    assert parse_rule(IC04, places=PLACES) == PlacementRule("command-post", ("inner-cordon",), "blast-seat", 90.0,
                                                           (("suspicious-van", 400.0),))
    covers_rule = parse_rule(PIO01, places=PLACES)
    assert isinstance(covers_rule, CoversRule) and covers_rule.fraction == pytest.approx(0.9)
    assert covers_rule.target.half_angle_deg == 22.5 and covers_rule.target.range_m == 2000
    assert parse_rule({**IC02, "around": [10, 20]}).around == (10.0, 20.0)
    hash(parse_rule(IC04))  # rule values are cache keys


@pytest.mark.parametrize("spec, fields", [
    ({"rule": "min_area"}, {"rule": ["unknown rule 'min_area'; one of min_radius, contains_isoline, placement, covers"]}),
    ({"rule": "min_radius", "zone": "inner-cordon"}, {"around": ["missing"], "radius": ["missing"]}),
    ({**IC02, "radious": 5}, {"radious": ["unknown key for min_radius; expected around, radius, zone"]}),
    ({**IC02, "zone": "hot-zone"}, {"zone": ["unknown zone kind 'hot-zone'; one of inner-cordon, safety-perimeter, "
                                             "security-perimeter, command-post, staging-area, decon-corridor, "
                                             "monitoring-point, information-centre, shelter-area, evacuation-area, "
                                             "device-exclusion"]}),
    ({**IC02, "zone": "command-post"}, {"zone": ["command-post is a place (it may be drawn as a point); this rule judges an area"]}),
    ({**IC02, "radius": "-5 m", "around": "market"}, {
        "radius": ["must be above 0 m, got '-5 m'"],
        "around": ["unknown place 'market'; the site's places: blast-seat, suspicious-van"]}),
    ({**RA02, "level": 100}, {"level": ["write a dose rate with its unit, e.g. 100 µSv/h; got 100"]}),
    ({"rule": "placement", "zone": "command-post"}, {"_": ["a placement names at least one of outside, upwind_of, min_distance"]}),
    ({**IC04, "min_distance": {"from": "suspicious-van"}}, {"min_distance": ["expected {from: place, distance: 400 m}"]}),
    ({**IC04, "outside": ["inner-cordon", "staging-area"]}, {"outside": ["staging-area is a place, not an area to stand outside of"]}),
    ({**IC04, "upwind_half_angle": "200°"}, {"upwind_half_angle": ["a half-angle is above 0° and at most 180°, got '200°'"]}),
    ({**PIO01, "fraction": 150}, {"fraction": ["150 is above 1; write a share as 90 % or 0.9"]}),
    ({**PIO01, "target": {"sector": 1}}, {"target": ["expected {downwind_sector: {from, half_angle, range}} or {level: 100 µSv/h}"]}),
    ("min_radius 400 m", {"_": ["expected a rule such as {rule: min_radius, zone: inner-cordon, ...}"]}),
])
def test_bad_rule_specs_are_refused_with_every_field(spec, fields):
    assert error_of(parse_rule, spec, places=PLACES).fields == fields


def test_field_paths_carry_the_callers_prefix():
    error = error_of(parse_rule, {**IC02, "radius": 0}, path="steps.3.rule")
    assert error.fields == {"steps.3.rule.radius": ["must be above 0 m, got 0"]}


def test_a_rule_naming_an_unknown_place_fails_at_evaluation_too():
    rule = parse_rule({**IC02, "around": "market"})  # parsed without the site's places
    error = error_of(evaluate_rule, rule, [circle("inner-cordon", 0, 0, 450)], PLACES)
    assert error.fields == {"around": ["unknown place 'market'; the site's places: blast-seat, suspicious-van"]}


class FieldRegions:
    """A stand-in for the field model's region_above at one moment: hand-made regions per level."""

    def __init__(self, regions):
        self.regions, self.asked = regions, []

    def __call__(self, level_usv_h):
        self.asked.append(level_usv_h)
        return self.regions.get(level_usv_h, Polygon())


def test_evaluate_every_rule_kind_from_specs():
    regions = FieldRegions({100.0: plume_footprint(510)})
    context = SpatialContext(wind_from_deg=WEST, region_above=regions, field_version="f1", site_bounds=SITE)
    zones = [circle("inner-cordon", 0, 0, 500, id="Z1"), point("command-post", -700, 0, id="Z2"),
             polygon("shelter-area", [[0, -900], [2100, -900], [2100, 900], [0, 900]], id="Z3")]
    results = {spec["rule"]: evaluate_rule(spec, zones, PLACES, context) for spec in (IC02, RA02, IC04, PIO01)}
    assert results["min_radius"].ok
    assert not results["contains_isoline"].ok and results["contains_isoline"].rule == "contains_isoline"
    assert results["contains_isoline"].reason == "the 100 µSv/h line extends 10 m beyond the inner cordon to the east"
    assert results["contains_isoline"].numbers["level_usv_h"] == 100
    assert results["placement"].ok and results["covers"].ok
    assert regions.asked == [100.0]
    json_result = results["contains_isoline"].to_json()
    assert json_result["highlight"]["type"] == "Polygon" and json_result["numbers"]["direction"] == "E"


def test_a_rule_whose_zone_is_not_drawn_fails_as_missing():
    context = SpatialContext(wind_from_deg=WEST, region_above=FieldRegions({}), field_version="f1")
    result = evaluate_rule(IC02, [], PLACES, context)
    assert not result.ok and result.missing and result.reason == "no inner cordon has been drawn"
    no_cordon = evaluate_rule(IC04, [point("command-post", -700, 0)], PLACES, context)
    assert not no_cordon.ok and no_cordon.missing
    assert no_cordon.parts[0].reason == "no inner cordon has been drawn, so the command post cannot be judged outside it"


def test_rules_needing_the_field_or_the_wind_say_when_the_exercise_has_none():
    zones = [circle("inner-cordon", 0, 0, 500), point("command-post", -700, 0), circle("shelter-area", 500, 0, 600)]
    assert error_of(evaluate_rule, RA02, zones, PLACES, SpatialContext()).fields == {
        "level": ["this exercise has no radiation field to draw the level from"]}
    assert error_of(evaluate_rule, IC04, zones, PLACES, SpatialContext()).fields == {
        "upwind_of": ["no wind direction is known, so upwind cannot be judged"]}
    assert "no downwind sector" in str(error_of(evaluate_rule, PIO01, zones, PLACES, SpatialContext()))
    wrong = SpatialContext(region_above=lambda level: "a grid", field_version=1)
    assert "not a geometry" in str(error_of(evaluate_rule, RA02, zones, PLACES, wrong))


def test_several_zones_of_one_kind_are_judged_together():
    # A cordon drawn as two overlapping circles reaches 400 m around the seat; either alone does not.
    west, east = circle("inner-cordon", -150, 0, 400, id="W"), circle("inner-cordon", 150, 0, 400, id="E")
    assert not min_radius(west, SEAT, 300).ok
    merged = zones_by_kind([west, east])["inner-cordon"]
    assert merged.id == "W+E" and merged.circle is None
    result = evaluate_rule({**IC02, "radius": "300 m"}, [west, east], PLACES)
    assert result.ok and result.numbers["reach_m"] == pytest.approx(math.sqrt(400**2 - 150**2), abs=0.5)


def test_zones_keyed_by_id_are_read_as_zones():
    cordon = circle("inner-cordon", 0, 0, 450, id="Z7")
    assert evaluate_rule(IC02, {"Z7": cordon}, PLACES).ok
    assert evaluate_rule(IC02, zones_by_kind([cordon]), PLACES).ok


def test_the_covers_target_is_judged_on_the_site_only():
    site = (-3000.0, -3000.0, 1000.0, 3000.0)  # the plan ends 1 km east of the seat
    shelter = polygon("shelter-area", [[0, -900], [1000, -900], [1000, 900], [0, 900]])
    context = SpatialContext(wind_from_deg=WEST, site_bounds=site)
    assert evaluate_rule(PIO01, [shelter], PLACES, context).ok
    assert not evaluate_rule(PIO01, [shelter], PLACES, SpatialContext(wind_from_deg=WEST)).ok


# -- caching ------------------------------------------------------------------------------------


def test_results_are_cached_on_shapes_field_version_and_wind():
    regions = FieldRegions({100.0: plume_footprint(510)})
    rules = [parse_rule(spec, places=PLACES) for spec in (IC02, RA02, IC04)]
    zones = [circle("inner-cordon", 0, 0, 500), point("command-post", -700, 0)]
    memo = RuleMemo()
    first = evaluate_rules(rules, zones, PLACES, SpatialContext(WEST, regions, "f1"), memo)
    again = evaluate_rules(rules, zones, PLACES, SpatialContext(WEST, regions, "f1"), memo)
    assert again == first and (memo.hits, memo.misses) == (3, 3)

    # The field moved on: only the isoline rule is judged again.
    evaluate_rules(rules, zones, PLACES, SpatialContext(WEST, regions, "f2"), memo)
    assert (memo.hits, memo.misses) == (5, 4)
    # The cordon was redrawn: the two rules on it are judged again, and the placement (outside it).
    redrawn = [circle("inner-cordon", 0, 0, 520), zones[1]]
    results = evaluate_rules(rules, redrawn, PLACES, SpatialContext(WEST, regions, "f2"), memo)
    assert (memo.hits, memo.misses) == (5, 7) and results[1].ok
    # The wind turned: only the placement depends on it.
    evaluate_rules(rules, redrawn, PLACES, SpatialContext(90.0, regions, "f2"), memo)
    assert (memo.hits, memo.misses) == (7, 8)


def test_field_rules_are_not_cached_without_a_field_version():
    rule = parse_rule(RA02)
    zones = zones_by_kind([circle("inner-cordon", 0, 0, 500)])
    context = SpatialContext(region_above=FieldRegions({100.0: plume_footprint(510)}))
    assert rule_cache_key(rule, zones, PLACES, context) is None
    memo = RuleMemo()
    memo.evaluate(rule, zones, PLACES, context)
    memo.evaluate(rule, zones, PLACES, context)
    assert memo.misses == 2 and len(memo) == 0


def test_the_memo_is_bounded():
    memo = RuleMemo(maxsize=2)
    zones = zones_by_kind([circle("inner-cordon", 0, 0, 500)])
    for radius in (100, 200, 300):
        memo.evaluate(parse_rule({**IC02, "radius": radius}), zones, PLACES, SpatialContext())
    assert len(memo) == 2


# -- expected zones -----------------------------------------------------------------------------


def test_a_drawn_cordon_shifted_south_shows_what_is_missing_north_and_extra_south():
    expected = circle("inner-cordon", 0, 0, 400)
    drawn = circle("inner-cordon", 0, -100, 400)
    comparison = compare_zones(drawn, expected)
    assert comparison.expected_only_m2 == pytest.approx(comparison.drawn_only_m2, rel=1e-3)
    assert comparison.expected_only_m2 > 50_000
    assert comparison.expected_only.centroid.y > 0 > comparison.drawn_only.centroid.y
    assert comparison.summary == ("The drawn inner cordon covers 84 % of the expected one: "
                                  "8.0 ha expected but not drawn, mostly to the north; "
                                  "8.0 ha drawn but not expected, mostly to the south.")
    assert 0.7 < comparison.agreement < 0.75
    assert comparison.to_json()["expected_only"]["type"] == "Polygon"


def test_identical_and_missing_zones():
    expected = circle("inner-cordon", 0, 0, 400)
    same = compare_zones(circle("inner-cordon", 0, 0, 400), expected)
    assert same.summary == "The drawn inner cordon matches the expected one." and same.agreement == pytest.approx(1)
    none = compare_zones(None, expected)
    assert none.summary == "No inner cordon has been drawn; the expected one covers 50.2 ha."
    assert none.expected_only_m2 == pytest.approx(expected.geometry.area)
    with pytest.raises(SpatialError):
        compare_zones(point("command-post", 0, 0), expected)


def test_a_facility_is_compared_by_distance_to_the_expected_spot_or_area():
    expected_area = circle("command-post", -700, 0, 100)
    assert compare_zones(point("command-post", -650, 20), expected_area).summary == \
        "The command post stands where it was expected."
    away = compare_zones(point("command-post", -500, 0), expected_area)
    assert away.distance_m == pytest.approx(100, abs=0.1)
    assert away.summary == "The command post stands 100 m to the east (E) of where it was expected."
