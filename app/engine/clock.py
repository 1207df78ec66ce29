"""The exercise clock (DESIGN.md §3).

Exercise time runs at ``speed`` x real time. The clock is stored as two values, the elapsed
exercise seconds banked so far (``elapsed_base_s``) and the wall time it last started running
at the current speed (``anchor``), so a server restart loses nothing:

    elapsed = elapsed_base_s + (now - anchor) * speed     while running
    elapsed = elapsed_base_s                              otherwise

``ExerciseClock`` is immutable: every transition takes the current wall time and returns a new
clock, which the service layer stores. ``is_due`` is the one rule that decides whether a
pending inject is due.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Literal

from ..vocabulary import MAX_SPEED, MIN_SPEED, ExerciseStatus

ClockStatus = Literal["draft", "running", "paused", "ended"]

STATUSES: tuple[str, ...] = tuple(ExerciseStatus)

_ONE_MICROSECOND = timedelta(microseconds=1)


class ClockTransitionError(Exception):
    """A clock operation that the exercise's current state does not allow."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidSpeed(ClockTransitionError):
    """A speed outside the allowed range (or not a number): bad input, not a wrong state."""


def is_due(offset_s: float | None, elapsed_s: float) -> bool:
    """Whether a pending inject scheduled at ``offset_s`` is due at ``elapsed_s``.

    Reserve injects (offset None) are released only by hand, so they are never due.
    """
    return offset_s is not None and elapsed_s >= offset_s


def check_speed(speed: float) -> float:
    """Return ``speed`` as a float, or raise ClockTransitionError if it is out of range."""
    if isinstance(speed, bool) or not isinstance(speed, (int, float)):
        raise InvalidSpeed("speed must be a number")
    speed = float(speed)
    # NaN fails both comparisons, so it is rejected here too.
    if not (MIN_SPEED <= speed <= MAX_SPEED):
        raise InvalidSpeed(f"speed must be between {MIN_SPEED:g} and {MAX_SPEED:g}")
    return speed


def _check_now(now: datetime) -> datetime:
    # Naive datetimes would silently mix local and UTC time; refuse them.
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now.astimezone(timezone.utc)


@dataclass(frozen=True)
class ExerciseClock:
    """Immutable exercise clock; transitions return a new clock."""

    status: ClockStatus = "draft"
    elapsed_base_s: float = 0.0
    anchor: datetime | None = None  # aware UTC; set only while running
    speed: float = 1.0

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown clock status {self.status!r}")
        if not math.isfinite(self.elapsed_base_s) or self.elapsed_base_s < 0:
            raise ValueError("elapsed_base_s must be a finite number >= 0")
        check_speed(self.speed)
        if self.status == "running":
            if self.anchor is None:
                raise ValueError("a running clock needs an anchor")
            _check_now(self.anchor)
        elif self.anchor is not None:
            raise ValueError(f"a {self.status} clock has no anchor")

    # -- reading ---------------------------------------------------------------------------

    def elapsed(self, now: datetime) -> float:
        """Exercise seconds elapsed at wall time ``now``."""
        now = _check_now(now)
        if self.status != "running":
            return self.elapsed_base_s
        # Clamp: with several processes, `now` may read a hair before the anchor another
        # process wrote; exercise time must never run backwards because of that.
        real_s = max(0.0, (now - self.anchor).total_seconds())
        return self.elapsed_base_s + real_s * self.speed

    def wall_time_at(self, offset_s: float, now: datetime) -> datetime | None:
        """Wall time at which elapsed reaches ``offset_s``: ``now`` if already reached, None unless running.

        Exact to the microsecond: elapsed(result) >= offset_s and, unless the result is ``now``,
        elapsed(result - 1 µs) < offset_s, so a scheduler that sleeps until it never wakes early.
        """
        now = _check_now(now)
        if self.status != "running":
            return None
        if self.elapsed(now) >= offset_s:
            return now
        real_s = (offset_s - self.elapsed_base_s) / self.speed
        at = self.anchor + timedelta(microseconds=math.ceil(real_s * 1_000_000))
        # Float rounding can leave the estimate a microsecond off either way; settle it.
        while self.elapsed(at) < offset_s:
            at += _ONE_MICROSECOND
        while at - _ONE_MICROSECOND > now and self.elapsed(at - _ONE_MICROSECOND) >= offset_s:
            at -= _ONE_MICROSECOND
        return max(at, now)

    def reached_at(self, offset_s: float) -> datetime | None:
        """Wall time at which the current run reached ``offset_s``; None if not running or reached before it.

        Used to tell how late a release is: an offset passed before the last start/resume was
        reached in an earlier run, which this clock no longer knows the wall time of.
        """
        if self.status != "running" or offset_s < self.elapsed_base_s:
            return None
        return self.anchor + timedelta(seconds=(offset_s - self.elapsed_base_s) / self.speed)

    def snapshot(self, now: datetime) -> dict:
        """The clock as the API shows it: ``{status, elapsed_s, speed}``."""
        return {"status": self.status, "elapsed_s": self.elapsed(now), "speed": self.speed}

    # -- transitions -----------------------------------------------------------------------

    def start(self, now: datetime) -> ExerciseClock:
        """Start a draft exercise at elapsed 0 (or whatever was banked)."""
        now = _check_now(now)
        self._refuse_if("ended", "the exercise has ended")
        self._refuse_if("running", "the exercise is already running")
        self._refuse_if("paused", "the exercise has already started; resume it instead")
        return replace(self, status="running", anchor=now)

    def pause(self, now: datetime) -> ExerciseClock:
        """Freeze exercise time."""
        now = _check_now(now)
        self._refuse_if("ended", "the exercise has ended")
        self._refuse_if("draft", "the exercise has not started")
        self._refuse_if("paused", "the exercise is already paused")
        return replace(self, status="paused", elapsed_base_s=self.elapsed(now), anchor=None)

    def resume(self, now: datetime) -> ExerciseClock:
        """Let exercise time run again from where it was paused."""
        now = _check_now(now)
        self._refuse_if("ended", "the exercise has ended")
        self._refuse_if("draft", "the exercise has not started; start it instead")
        self._refuse_if("running", "the exercise is already running")
        return replace(self, status="running", anchor=now)

    def with_speed(self, speed: float, now: datetime) -> ExerciseClock:
        """Change speed; elapsed time is continuous across the change."""
        now = _check_now(now)
        self._refuse_if("ended", "the exercise has ended")
        speed = check_speed(speed)
        if self.status != "running":
            return replace(self, speed=speed)
        # Bank the time run at the old speed, then run at the new speed from now.
        return replace(self, elapsed_base_s=self.elapsed(now), anchor=now, speed=speed)

    def end(self, now: datetime) -> ExerciseClock:
        """End the exercise; elapsed time is frozen for good."""
        now = _check_now(now)
        self._refuse_if("ended", "the exercise has already ended")
        self._refuse_if("draft", "the exercise has not started")
        return replace(self, status="ended", elapsed_base_s=self.elapsed(now), anchor=None)

    def _refuse_if(self, status: str, reason: str) -> None:
        if self.status == status:
            raise ClockTransitionError(reason)
