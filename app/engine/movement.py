"""Responders' movement on the site (DESIGN.md §10): a track is where a responder is at every exercise time.

Positions are site metres (x east, y north); times are exercise seconds. A responder moves at a
realistic speed, never by teleport: a move requested at time t from the current position to a
target (or along a path of waypoints) walks the straight legs at the move's speed, arriving at
``t + length / speed``. A new move while walking starts from where the responder is at that
moment (interpolated on the current leg); a stop holds the position from then on.

A ``Track`` is a piecewise-linear function of time given by its knots ``(t, x, y)`` with strictly
increasing times: the position is interpolated between knots and held before the first knot and
after the last. Tracks are immutable; ``move`` and ``stop`` return a new track. Building the
track of a responder from its ``responder.moved`` records is ``track_from_records``; the same
fold gives the same track on a live page, on replay and in the report.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

WALKING_SPEED_M_S = 1.2  # a responder on foot in protective equipment
VEHICLE_SPEED_M_S = 8.0  # about 30 km/h: a vehicle on a cordoned site
MAX_SPEED_M_S = 40.0  # nothing on a site moves faster; a larger value is an input error

SPEEDS_M_S: dict[str, float] = {"walk": WALKING_SPEED_M_S, "vehicle": VEHICLE_SPEED_M_S}
RECORD_KINDS = ("place", "move", "stop")

Point = tuple[float, float]


class MoveError(ValueError):
    """A move that cannot be made: bad coordinates, bad speed, or a time before the track's last change."""


@dataclass(frozen=True)
class Knot:
    """The responder is at (x, y) at exercise time t_s."""

    t_s: float
    x: float
    y: float

    @property
    def point(self) -> Point:
        return (self.x, self.y)


def _finite_point(point: Sequence[float], what: str = "position") -> Point:
    try:
        x, y = point
        x, y = float(x), float(y)
    except (TypeError, ValueError):
        raise MoveError(f"{what} must be a pair of numbers [x, y] in site metres") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise MoveError(f"{what} must be finite")
    return (x, y)


def _finite_time(t_s: float) -> float:
    if isinstance(t_s, bool) or not isinstance(t_s, (int, float)) or not math.isfinite(t_s):
        raise MoveError("time must be a finite number of exercise seconds")
    return float(t_s)


def check_speed(speed_m_s: float) -> float:
    """Return the speed as a float, or raise MoveError if it is not in (0, MAX_SPEED_M_S]."""
    if isinstance(speed_m_s, bool) or not isinstance(speed_m_s, (int, float)):
        raise MoveError("speed must be a number of metres per second")
    speed = float(speed_m_s)
    if not (0 < speed <= MAX_SPEED_M_S):  # NaN fails too
        raise MoveError(f"speed must be more than 0 and at most {MAX_SPEED_M_S:g} m/s")
    return speed


@dataclass(frozen=True)
class Track:
    """Where a responder is over exercise time: knots with strictly increasing times."""

    knots: tuple[Knot, ...]

    def __post_init__(self) -> None:
        if not self.knots:
            raise MoveError("a track needs at least one knot (where the responder was placed)")
        for before, after in zip(self.knots, self.knots[1:]):
            if not after.t_s > before.t_s:
                raise MoveError("track knots must have strictly increasing times")

    @classmethod
    def placed(cls, position: Sequence[float], t_s: float = 0.0) -> Track:
        """A responder standing at ``position`` from ``t_s`` on."""
        x, y = _finite_point(position)
        return cls((Knot(_finite_time(t_s), x, y),))

    # -- reading -----------------------------------------------------------------------------

    @cached_property
    def _times(self) -> list[float]:
        return [k.t_s for k in self.knots]

    @cached_property
    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return (
            np.array(self._times, dtype=float),
            np.array([k.x for k in self.knots], dtype=float),
            np.array([k.y for k in self.knots], dtype=float),
        )

    @property
    def start_s(self) -> float:
        """When the responder was placed."""
        return self.knots[0].t_s

    @property
    def settled_s(self) -> float:
        """Time of the last knot: the responder stands still from then on."""
        return self.knots[-1].t_s

    def position_at(self, t_s: float) -> Point:
        """Position at exercise time ``t_s`` (held before the first and after the last knot)."""
        return self._at(t_s, bisect.bisect_right(self._times, t_s))

    def positions_at(self, ts) -> tuple[np.ndarray, np.ndarray]:
        """Positions at many times at once (numpy arrays of x and y)."""
        times, xs, ys = self._arrays
        ts = np.asarray(ts, dtype=float)
        return np.interp(ts, times, xs), np.interp(ts, times, ys)

    def is_moving(self, t_s: float) -> bool:
        """Whether the responder is on a leg (not standing) at ``t_s``."""
        times = self._times
        i = bisect.bisect_right(times, t_s)
        if i == 0 or i == len(times):
            return False
        a, b = self.knots[i - 1], self.knots[i]
        return (a.x, a.y) != (b.x, b.y)

    def knots_between(self, t0_s: float, t1_s: float) -> list[Knot]:
        """The piecewise-linear path from ``t0_s`` to ``t1_s``: a knot at each end and every knot between."""
        if t1_s < t0_s:
            raise MoveError("the end of an interval must not be before its start")
        times = self._times
        lo = bisect.bisect_right(times, t0_s)
        hi = bisect.bisect_left(times, t1_s)
        path = [Knot(t0_s, *self.position_at(t0_s))]
        path.extend(self.knots[lo:hi])
        if t1_s > t0_s:
            path.append(Knot(t1_s, *self.position_at(t1_s)))
        return path

    def span(self, t0_s: float, t1_s: float) -> tuple[Point, Point, list[float]]:
        """Positions at ``t0_s`` and ``t1_s`` and the knot times strictly between, with two bisections."""
        times = self._times
        lo = bisect.bisect_right(times, t0_s)
        hi = bisect.bisect_left(times, t1_s, lo)
        return self._at(t0_s, lo), self._at(t1_s, bisect.bisect_right(times, t1_s, hi)), times[lo:hi]

    def _at(self, t_s: float, i: int) -> Point:
        """Position at ``t_s`` given ``i = bisect_right(times, t_s)``."""
        knots = self.knots
        if i == 0:
            return knots[0].x, knots[0].y
        if i == len(knots):
            return knots[-1].x, knots[-1].y
        a, b = knots[i - 1], knots[i]
        f = (t_s - a.t_s) / (b.t_s - a.t_s)
        return (a.x + (b.x - a.x) * f, a.y + (b.y - a.y) * f)

    def knot_times_between(self, t0_s: float, t1_s: float) -> list[float]:
        """Times of the knots strictly inside (t0_s, t1_s): where the velocity may change."""
        times = self._times
        return times[bisect.bisect_right(times, t0_s): bisect.bisect_left(times, t1_s)]

    # -- changing --------------------------------------------------------------------------

    def _cut_at(self, t_s: float) -> list[Knot]:
        """The knots up to ``t_s``, ending with one at ``t_s``: what is known once a new order is given."""
        t_s = _finite_time(t_s)
        if t_s < self.start_s:
            raise MoveError("a responder cannot move before it was placed")
        times = self._times
        i = bisect.bisect_right(times, t_s)
        kept = list(self.knots[:i])
        if kept[-1].t_s < t_s:
            kept.append(Knot(t_s, *self.position_at(t_s)))
        return kept

    def move(self, t_s: float, path: Iterable[Sequence[float]], speed_m_s: float = WALKING_SPEED_M_S) -> Track:
        """Walk (or drive) from where the responder is at ``t_s`` through ``path`` at ``speed_m_s``."""
        speed = check_speed(speed_m_s)
        points = [_finite_point(p, "waypoint") for p in path]
        if not points:
            raise MoveError("a move needs a target")
        knots = self._cut_at(t_s)
        here = knots[-1]
        for x, y in points:
            arrive = here.t_s + math.hypot(x - here.x, y - here.y) / speed
            if arrive <= here.t_s:  # no distance, or less than the clock can tell apart
                continue
            here = Knot(arrive, x, y)
            knots.append(here)
        return Track(tuple(knots))

    def stop(self, t_s: float) -> Track:
        """Hold the position the responder has at ``t_s`` from then on."""
        return Track(tuple(self._cut_at(t_s)))

    def since(self, t_s: float) -> Track:
        """The same track from ``t_s`` on (knots before it dropped): keeps a long exercise's tracks short."""
        t_s = _finite_time(t_s)
        if t_s <= self.start_s:
            return self
        times = self._times
        i = bisect.bisect_right(times, t_s)
        rest = self.knots[i:]
        first = Knot(t_s, *self.position_at(t_s))
        return Track((first, *rest))


def position_at(track: Track, t_s: float) -> Point:
    """Position of a responder on ``track`` at exercise time ``t_s``."""
    return track.position_at(t_s)


def track_between(track: Track, t0_s: float, t1_s: float) -> list[Knot]:
    """The piecewise-linear path of ``track`` from ``t0_s`` to ``t1_s`` (knots at both ends)."""
    return track.knots_between(t0_s, t1_s)


# -- records ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MoveRecord:
    """One ``responder.moved`` record: place (the first), move along a path, or stop."""

    t_s: float
    kind: str
    path: tuple[Point, ...] = ()
    speed_m_s: float = WALKING_SPEED_M_S

    @classmethod
    def from_event(cls, exercise_time_s: float, data: Mapping) -> MoveRecord:
        """Read a ``responder.moved`` event: ``{kind, to | path, mode?, speed_m_s?}``.

        ``kind`` is ``place`` (``to`` is where the responder starts), ``move`` (``to`` or a
        ``path`` of waypoints; ``mode`` walk/vehicle or an explicit ``speed_m_s``) or ``stop``.
        """
        kind = data.get("kind", "move")
        if kind not in RECORD_KINDS:
            raise MoveError(f"kind {kind!r} is not one of: {', '.join(RECORD_KINDS)}")
        if kind == "stop":
            return cls(_finite_time(exercise_time_s), "stop")
        if "path" in data and data["path"] is not None:
            raw_path = data["path"]
            if not isinstance(raw_path, (list, tuple)) or not raw_path:
                raise MoveError("path must be a non-empty list of [x, y] points")
        elif "to" in data and data["to"] is not None:
            raw_path = [data["to"]]
        else:
            raise MoveError(f"a {kind} record needs 'to' (or a 'path')")
        path = tuple(_finite_point(p, "waypoint") for p in raw_path)
        if kind == "place" and len(path) != 1:
            raise MoveError("a place record gives one position in 'to'")
        speed = speed_for(data.get("mode"), data.get("speed_m_s"))
        return cls(_finite_time(exercise_time_s), kind, path, speed)


def speed_for(mode: str | None = None, speed_m_s: float | None = None) -> float:
    """The speed of a move: an explicit ``speed_m_s``, else the mode's (walk by default)."""
    if speed_m_s is not None:
        return check_speed(speed_m_s)
    if mode is None:
        return WALKING_SPEED_M_S
    if mode not in SPEEDS_M_S:
        raise MoveError(f"mode {mode!r} is not one of: {', '.join(SPEEDS_M_S)}")
    return SPEEDS_M_S[mode]


def track_from_records(records: Iterable[MoveRecord]) -> Track | None:
    """Fold a responder's records (in log order) into its track; None before it is placed.

    The first record must place the responder; a later ``place`` is refused (a responder walks
    or drives; it never jumps), and so is a record stamped before the previous one.
    """
    track: Track | None = None
    last_t = -math.inf
    for record in records:
        if record.t_s < last_t:
            raise MoveError("records must be in time order")
        last_t = record.t_s
        if track is None:
            if record.kind != "place":
                raise MoveError("a responder must be placed before it moves")
            track = Track.placed(record.path[0], record.t_s)
        elif record.kind == "place":
            raise MoveError("a responder is placed once; later it walks or drives")
        elif record.kind == "stop":
            track = track.stop(record.t_s)
        else:
            track = track.move(record.t_s, record.path, record.speed_m_s)
    return track
