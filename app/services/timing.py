"""Wall-clock time for services; tests may inject their own clock via CORDON_WALL_CLOCK."""
from datetime import datetime

from flask import current_app

from ..engine.clock import ExerciseClock
from ..models import Exercise
from ..models.types import utcnow


def wall_now() -> datetime:
    clock = current_app.config.get("CORDON_WALL_CLOCK")
    return clock() if clock else utcnow()


def clock_of(exercise: Exercise) -> ExerciseClock:
    return ExerciseClock(status=exercise.status, elapsed_base_s=exercise.elapsed_base_s,
                         anchor=exercise.anchor, speed=exercise.speed)


def store_clock(exercise: Exercise, clock: ExerciseClock) -> None:
    exercise.status = clock.status
    exercise.elapsed_base_s = clock.elapsed_base_s
    exercise.anchor = clock.anchor
    exercise.speed = clock.speed


def elapsed(exercise: Exercise, now: datetime | None = None) -> float:
    return clock_of(exercise).elapsed(now or wall_now())
