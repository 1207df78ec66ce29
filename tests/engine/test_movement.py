"""Responders walk and drive at realistic speeds; a redirect starts from where they are."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.movement import (
    VEHICLE_SPEED_M_S,
    WALKING_SPEED_M_S,
    MoveError,
    MoveRecord,
    Track,
    position_at,
    track_between,
    track_from_records,
)


def close(p, q, tol=1e-9):
    return math.hypot(p[0] - q[0], p[1] - q[1]) <= tol


def test_a_placed_responder_stands_still():
    track = Track.placed((5, 7), t_s=100)
    assert position_at(track, 0) == (5, 7)  # held before placement too
    assert position_at(track, 100) == (5, 7)
    assert position_at(track, 10_000) == (5, 7)
    assert not track.is_moving(500)


def test_a_walk_takes_distance_over_walking_speed():
    track = Track.placed((0, 0)).move(10, [(12, 0)])
    arrive = 10 + 12 / WALKING_SPEED_M_S
    assert track.settled_s == pytest.approx(arrive)
    assert position_at(track, 10) == (0, 0)
    assert close(position_at(track, 15), (6, 0))
    assert close(position_at(track, arrive), (12, 0))
    assert position_at(track, arrive + 100) == (12, 0)
    assert track.is_moving(12) and not track.is_moving(arrive + 1)


def test_a_vehicle_drives_at_vehicle_speed():
    track = Track.placed((0, 0)).move(0, [(0, 400)], speed_m_s=VEHICLE_SPEED_M_S)
    assert track.settled_s == pytest.approx(50)
    assert close(position_at(track, 25), (0, 200))


def test_a_redirect_mid_walk_starts_from_the_interpolated_position():
    track = Track.placed((0, 0)).move(0, [(120, 0)])
    here = position_at(track, 10)
    assert close(here, (12, 0))
    redirected = track.move(10, [(12, 50)])
    assert close(position_at(redirected, 10), (12, 0))
    assert redirected.settled_s == pytest.approx(10 + 50 / WALKING_SPEED_M_S)
    # The old target is forgotten: the responder never reaches x = 120.
    assert close(position_at(redirected, 1000), (12, 50))
    assert max(k.x for k in redirected.knots) == pytest.approx(12)


def test_a_stop_holds_the_position_reached():
    track = Track.placed((0, 0)).move(0, [(100, 0)]).stop(5)
    assert close(position_at(track, 5), (6, 0))
    assert close(position_at(track, 500), (6, 0))


def test_waypoints_are_walked_in_order():
    track = Track.placed((0, 0)).move(0, [(10, 0), (10, 10), (0, 10)])
    assert track.settled_s == pytest.approx(30 / WALKING_SPEED_M_S)
    assert close(position_at(track, 15 / WALKING_SPEED_M_S), (10, 5))


def test_track_between_gives_the_piecewise_linear_path_with_both_ends():
    track = Track.placed((0, 0)).move(0, [(12, 0), (12, 12)])
    path = track_between(track, 5, 15)
    assert [round(k.t_s, 6) for k in path] == [5, 10, 15]
    assert close(path[0].point, (6, 0)) and close(path[1].point, (12, 0)) and close(path[2].point, (12, 6))
    assert track.knot_times_between(5, 15) == [10.0]


def test_positions_at_many_times_match_one_at_a_time():
    track = Track.placed((3, -4)).move(2, [(20, 5), (-7, 9)]).move(20, [(0, 0)], speed_m_s=3)
    ts = np.linspace(-5, 60, 131)
    xs, ys = track.positions_at(ts)
    for t, x, y in zip(ts, xs, ys):
        assert close((x, y), position_at(track, t), 1e-9)


def test_since_drops_old_knots_and_keeps_positions():
    track = Track.placed((0, 0)).move(0, [(10, 0)]).move(20, [(10, 10), (0, 10)])
    later = track.since(15)
    assert later.start_s == 15 and len(later.knots) < len(track.knots)
    for t in (15, 20, 25, 30, 40):
        assert close(position_at(later, t), position_at(track, t))


def test_records_fold_into_the_same_track_as_the_calls():
    records = [
        MoveRecord.from_event(0, {"kind": "place", "to": [0, 0]}),
        MoveRecord.from_event(5, {"kind": "move", "to": [60, 0]}),
        MoveRecord.from_event(20, {"kind": "move", "path": [[18, 30], [0, 30]], "mode": "vehicle"}),
        MoveRecord.from_event(25, {"kind": "stop"}),
    ]
    expected = (
        Track.placed((0, 0), 0).move(5, [(60, 0)]).move(20, [(18, 30), (0, 30)], VEHICLE_SPEED_M_S).stop(25)
    )
    assert track_from_records(records) == expected
    assert track_from_records([]) is None


@pytest.mark.parametrize(
    "records, message",
    [
        ([MoveRecord(0, "move", ((1, 1),))], "placed before"),
        ([MoveRecord(0, "place", ((0, 0),)), MoveRecord(5, "place", ((9, 9),))], "placed once"),
        ([MoveRecord(9, "place", ((0, 0),)), MoveRecord(5, "move", ((9, 9),))], "time order"),
    ],
)
def test_records_that_would_teleport_are_refused(records, message):
    with pytest.raises(MoveError, match=message):
        track_from_records(records)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"kind": "jump", "to": [0, 0]}, "not one of"),
        ({"kind": "move"}, "needs 'to'"),
        ({"kind": "move", "to": [0, "north"]}, "pair of numbers"),
        ({"kind": "move", "to": [float("nan"), 0]}, "finite"),
        ({"kind": "move", "to": [1, 1], "mode": "helicopter"}, "not one of"),
        ({"kind": "move", "to": [1, 1], "speed_m_s": 0}, "more than 0"),
        ({"kind": "move", "to": [1, 1], "speed_m_s": 300}, "at most"),
        ({"kind": "move", "path": []}, "non-empty"),
        ({"kind": "place", "path": [[0, 0], [1, 1]]}, "one position"),
    ],
)
def test_bad_move_records_say_what_is_wrong(data, message):
    with pytest.raises(MoveError, match=message):
        MoveRecord.from_event(10, data)


def test_a_move_before_placement_is_refused():
    with pytest.raises(MoveError, match="before it was placed"):
        Track.placed((0, 0), t_s=50).move(10, [(1, 1)])


# -- properties ------------------------------------------------------------------------------

coordinate = st.floats(min_value=-500, max_value=500, allow_nan=False)
point = st.tuples(coordinate, coordinate)
order = st.tuples(
    st.floats(min_value=0, max_value=120, allow_nan=False),  # time after the previous order
    st.lists(point, min_size=0, max_size=3),  # [] = stop
    st.sampled_from([WALKING_SPEED_M_S, VEHICLE_SPEED_M_S, 3.0]),
)


def build(start, orders):
    track = Track.placed(start, 0.0)
    t = 0.0
    for dt, path, speed in orders:
        t += dt
        track = track.move(t, path, speed) if path else track.stop(t)
    return track


@settings(max_examples=150, deadline=None)
@given(point, st.lists(order, max_size=8), st.floats(min_value=-10, max_value=2000), st.floats(min_value=0, max_value=30))
def test_position_is_continuous_and_never_faster_than_the_fastest_move(start, orders, t, dt):
    track = build(start, orders)
    p, q = position_at(track, t), position_at(track, t + dt)
    fastest = max([WALKING_SPEED_M_S] + [speed for _, path, speed in orders if path])
    assert math.hypot(q[0] - p[0], q[1] - p[1]) <= fastest * dt + 1e-6 * (1 + dt)


@settings(max_examples=100, deadline=None)
@given(point, st.lists(order, min_size=1, max_size=8))
def test_every_order_starts_where_the_responder_was(start, orders):
    track = Track.placed(start, 0.0)
    t = 0.0
    for dt, path, speed in orders:
        t += dt
        before = position_at(track, t)
        track = track.move(t, path, speed) if path else track.stop(t)
        assert close(position_at(track, t), before, 1e-6)
