"""Releasing injects by hand: one now (early, held, reserve or contingency), or an improvised one.

A release makes checklist steps due, so these end with the compliance refresh; they sit above
both `injects` (the release itself) and `compliance` (which also releases contingency injects).
"""
from typing import Any

from sqlalchemy import select

from ..errors import Conflict, InvalidInput
from ..extensions import db
from ..models import ExerciseInject, ExerciseStatus, InjectStatus
from ..vocabulary import CHANNELS
from .compliance import refresh_compliance
from .events import STAFF_ONLY, append_event
from .exercises import get_exercise
from .injects import check_expects, check_recipients, get_inject, inject_view, release_inject
from .timing import clock_of, wall_now
from flask_babel import gettext


def release_now(exercise_id: int, key: str, actor: str) -> ExerciseInject:
    """A controller releases an inject by hand (early, held, reserve or contingency)."""
    exercise = get_exercise(exercise_id)
    inject = get_inject(exercise, key)
    if inject.status == InjectStatus.RELEASED:
        raise Conflict(gettext("inject %(key)s was already released at %(released_at_s).0f s", key=key, released_at_s=inject.released_at_s))
    if inject.status == InjectStatus.SKIPPED:
        raise Conflict(gettext("inject %(key)s was skipped; it can no longer be released", key=key))
    if not release_inject(exercise, inject, by=actor):
        raise Conflict(gettext("inject %(key)s was released by someone else a moment ago", key=key))
    refresh_compliance(exercise)
    return inject


def add_adhoc_inject(exercise_id: int, spec: dict[str, Any], actor: str) -> ExerciseInject:
    """An improvised inject: released at once unless `hold` (then it waits as a reserve inject)."""
    exercise = get_exercise(exercise_id, lock=True)
    if exercise.status == ExerciseStatus.ENDED:
        raise Conflict(gettext("the exercise has ended"))
    hold = spec.get("hold", False)
    if not hold and exercise.status == ExerciseStatus.DRAFT:
        raise Conflict(gettext("the exercise has not started; add the inject with hold: true, or start first"))
    check_recipients(exercise, spec["to"])
    if spec.get("channel", "other") not in CHANNELS:
        raise InvalidInput(gettext("unknown channel"), fields={"channel": [gettext("one of %(names)s", names=', '.join(CHANNELS))]})
    count = db.session.scalar(
        select(db.func.count()).select_from(ExerciseInject)
        .where(ExerciseInject.exercise_id == exercise.id, ExerciseInject.adhoc.is_(True)))
    position = db.session.scalar(
        select(db.func.coalesce(db.func.max(ExerciseInject.position), -1))
        .where(ExerciseInject.exercise_id == exercise.id)) + 1
    inject = ExerciseInject(
        exercise_id=exercise.id, key=f"X-{count + 1:02d}", position=position, at_s=None, scheduled_at_s=None,
        title=spec["title"], body=spec.get("body", ""), sender=spec.get("from") or "Exercise control",
        recipients=spec["to"], channel=spec.get("channel", "other"), kind=spec.get("type", "information"),
        expects=spec.get("expects", []), requires_ack=spec.get("requires_ack", True), adhoc=True,
        status=InjectStatus.HELD if hold else InjectStatus.PENDING,
    )
    if "expects" in spec:
        check_expects(exercise, spec["expects"])
    db.session.add(inject)
    db.session.flush()
    now = wall_now()
    append_event(exercise, "inject.added", {"inject": inject_view(inject, staff=True)}, actor=actor,
                 exercise_time_s=clock_of(exercise).elapsed(now), now=now, visible_to=STAFF_ONLY)
    if not hold:
        release_inject(exercise, inject, by=actor, now=now)
        refresh_compliance(exercise)
    return inject
