"""Running the exercise clock: start, pause, resume, speed, end."""
from ..engine.clock import ClockTransitionError, InvalidSpeed
from ..models import Exercise
from .compliance import refresh_compliance
from ..errors import Conflict, InvalidInput
from .events import append_event
from .exercises import get_exercise
from .timing import clock_of, store_clock, wall_now


def _transition(exercise_id: int, kind: str, actor: str, speed: float | None = None) -> Exercise:
    exercise = get_exercise(exercise_id, lock=True)
    now = wall_now()
    before = clock_of(exercise)
    try:
        if kind == "speed":
            after = before.with_speed(speed, now)
        else:
            after = getattr(before, kind)(now)
    except InvalidSpeed as exc:
        raise InvalidInput(exc.message, fields={"speed": [exc.message]}) from None
    except ClockTransitionError as exc:
        raise Conflict(exc.message) from None
    store_clock(exercise, after)
    if kind == "start":
        exercise.started_at = now
    if kind == "end":
        exercise.ended_at = now
    data = {"clock": after.snapshot(now)}
    if kind == "speed":
        data["previous_speed"] = before.speed
    event_type = {"start": "exercise.started", "pause": "exercise.paused", "resume": "exercise.resumed",
                  "speed": "exercise.speed", "end": "exercise.ended"}[kind]
    append_event(exercise, event_type, data, actor=actor, exercise_time_s=after.elapsed(now), now=now)
    if kind == "end":
        refresh_compliance(exercise, now)  # overdue steps become missed
    return exercise


def start_exercise(exercise_id: int, actor: str) -> Exercise:
    return _transition(exercise_id, "start", actor)


def pause_exercise(exercise_id: int, actor: str) -> Exercise:
    return _transition(exercise_id, "pause", actor)


def resume_exercise(exercise_id: int, actor: str) -> Exercise:
    return _transition(exercise_id, "resume", actor)


def set_speed(exercise_id: int, speed: float, actor: str) -> Exercise:
    return _transition(exercise_id, "speed", actor, speed=speed)


def end_exercise(exercise_id: int, actor: str) -> Exercise:
    return _transition(exercise_id, "end", actor)

