"""Injects: their views, the release claim (by the scheduler, a controller or a contingency), hold,
un-hold, skip, retime and edit. Releasing by hand with its compliance refresh is in `releasing`."""
import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from ..content.library import check_inject
from ..engine.clock import is_due
from ..engine.timefmt import format_units
from ..engine.readings import has_calls
from ..extensions import db
from ..models import Exercise, ExerciseInject, ExerciseStatus, InjectStatus
from ..errors import Conflict, InvalidInput, NotFound
from ..markdown import render_markdown
from ..vocabulary import CHANNELS
from .events import STAFF_ONLY, append_event
from .exercises import get_exercise
from .radiological import resolve_readings
from .timing import clock_of, wall_now
from flask_babel import gettext

# A release later than this (real time) after its due moment is marked delayed.
DELAY_TOLERANCE = timedelta(seconds=5)



def inject_view(inject: ExerciseInject, *, staff: bool) -> dict[str, Any]:
    """The contract's inject shape; staff also see what it expects and the controller notes."""
    view = {
        "id": inject.key,
        "at_s": inject.at_s,
        "title": inject.title,
        "body": inject.body,
        "body_html": render_markdown(inject.body),
        "from": inject.sender,
        "to": inject.recipients,
        "channel": inject.channel,
        "type": inject.kind,
        "requires_ack": inject.requires_ack,
        "status": inject.status,
        "released_at_s": inject.released_at_s,
        "delayed": inject.delayed,
    }
    if inject.carried_over:  # released in the exercise this one was branched from (history)
        view["carried_over"] = True
    if staff:
        view.update({
            "scheduled_at_s": inject.scheduled_at_s,
            "expects": inject.expects,
            "objective": inject.objective,
            "when_overdue": inject.when_overdue,
            "notes": inject.notes,
            "adhoc": inject.adhoc,
            "released_by": inject.released_by,
            "reserve": inject.at_s is None and not inject.when_overdue,
        })
    return view


def addressed_teams(exercise: Exercise, inject: ExerciseInject) -> list[str]:
    if inject.recipients == "all":
        return [t.key for t in exercise.teams]
    return [key for key in inject.recipients if exercise.team(key)]


def get_inject(exercise: Exercise, key: str) -> ExerciseInject:
    inject = db.session.scalars(
        select(ExerciseInject).where(ExerciseInject.exercise_id == exercise.id, ExerciseInject.key == key)
    ).first()
    if inject is None:
        raise NotFound(gettext("no inject '%(key)s' in exercise %(id)s", key=key, id=exercise.id))
    return inject


def release_inject(exercise: Exercise, inject: ExerciseInject, *, by: str, now: datetime | None = None,
                   from_statuses: tuple[str, ...] = (InjectStatus.PENDING, InjectStatus.HELD)) -> bool:
    """Claim and release an inject; False when another process or request got there first.

    The conditional UPDATE is the claim: exactly one transaction sees rowcount 1, so an inject
    is released once however many schedulers and controllers race for it.
    """
    now = now or wall_now()
    # Lock the exercise row before the inject's, as every writer does (append_event locks it
    # too): one lock order, so a scheduler pass and a controller's release cannot deadlock.
    get_exercise(exercise.id, lock=True)
    clock = clock_of(exercise)
    if clock.status == ExerciseStatus.ENDED:
        raise Conflict(gettext("the exercise has ended"))
    if clock.status == ExerciseStatus.DRAFT:
        raise Conflict(gettext("the exercise has not started"))
    elapsed = clock.elapsed(now)
    delayed = False
    if inject.at_s is not None and by == "scheduler":
        reached = clock.reached_at(inject.at_s)
        delayed = reached is None or now - reached > DELAY_TOLERANCE
    claimed = db.session.execute(
        update(ExerciseInject)
        .where(ExerciseInject.id == inject.id, ExerciseInject.status.in_(from_statuses))
        .values(status=InjectStatus.RELEASED, released_at_s=round(elapsed, 3), released_wall=now,
                released_by=by, delayed=delayed)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not claimed:
        return False
    db.session.refresh(inject)
    if has_calls(inject.body):  # {{ reading('place', 'survey-meter') }}: what the field gives now
        inject.body = resolve_readings(exercise, inject.body, elapsed)
    teams = addressed_teams(exercise, inject)
    append_event(
        exercise, "inject.released", inject_view(inject, staff=False),
        actor=by, exercise_time_s=elapsed, now=now,
        team=teams[0] if len(teams) == 1 else None,
        visible_to=None if inject.recipients == "all" else teams,
    )
    return True


def dismiss_prompt(exercise_id: int, key: str, actor: str) -> ExerciseInject:
    """The controller declines a contingency inject the checklist proposed; it is skipped."""
    exercise = get_exercise(exercise_id)
    inject = get_inject(exercise, key)
    if not inject.when_overdue or inject.prompted_at_s is None:
        raise Conflict(gettext("inject %(key)s is not waiting for a decision", key=key))
    return _control(exercise_id, key, actor, "contingency.dismissed", (InjectStatus.PENDING, InjectStatus.HELD),
                    InjectStatus.SKIPPED, "inject {key} is {status}; it can no longer be dismissed")


def release_due_injects(exercise: Exercise, now: datetime) -> int:
    """Release every pending inject that is due; returns how many this call released."""
    clock = clock_of(exercise)
    if clock.status != ExerciseStatus.RUNNING:
        return 0
    elapsed = clock.elapsed(now)
    due = db.session.scalars(
        select(ExerciseInject)
        .where(ExerciseInject.exercise_id == exercise.id, ExerciseInject.status == InjectStatus.PENDING,
               ExerciseInject.at_s.is_not(None), ExerciseInject.at_s <= elapsed)
        .order_by(ExerciseInject.at_s, ExerciseInject.position)
    ).all()
    released = 0
    for inject in due:
        if is_due(inject.at_s, elapsed) and release_inject(exercise, inject, by="scheduler", now=now,
                                                           from_statuses=(InjectStatus.PENDING,)):
            released += 1
    return released


def next_due_at_s(exercise: Exercise) -> float | None:
    """Exercise time of the next pending timed inject."""
    return db.session.scalar(
        select(ExerciseInject.at_s)
        .where(ExerciseInject.exercise_id == exercise.id, ExerciseInject.status == InjectStatus.PENDING,
               ExerciseInject.at_s.is_not(None))
        .order_by(ExerciseInject.at_s).limit(1)
    )


def _control(exercise_id: int, key: str, actor: str, event_type: str, allowed: tuple[str, ...],
             new_status: str, refusal: str) -> ExerciseInject:
    exercise = get_exercise(exercise_id, lock=True)
    if exercise.status == ExerciseStatus.ENDED:
        raise Conflict(gettext("the exercise has ended"))
    inject = get_inject(exercise, key)
    changed = db.session.execute(
        update(ExerciseInject)
        .where(ExerciseInject.id == inject.id, ExerciseInject.status.in_(allowed))
        .values(status=new_status)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not changed:
        db.session.refresh(inject)
        raise Conflict(refusal.format(key=key, status=inject.status))
    db.session.refresh(inject)
    append_event(exercise, event_type, {"inject": inject_view(inject, staff=True)}, actor=actor,
                 exercise_time_s=clock_of(exercise).elapsed(wall_now()), visible_to=STAFF_ONLY)
    return inject


def hold_inject(exercise_id: int, key: str, actor: str) -> ExerciseInject:
    """Keep a pending inject from being released by the clock."""
    return _control(exercise_id, key, actor, "inject.held", (InjectStatus.PENDING,), InjectStatus.HELD,
                    "inject {key} is {status}; only a pending inject can be held")


def unhold_inject(exercise_id: int, key: str, actor: str) -> ExerciseInject:
    """Return a held inject to the schedule; if its time has passed, the scheduler releases it now."""
    return _control(exercise_id, key, actor, "inject.unheld", (InjectStatus.HELD,), InjectStatus.PENDING,
                    "inject {key} is {status}; only a held inject can be un-held")


def skip_inject(exercise_id: int, key: str, actor: str) -> ExerciseInject:
    """Drop an inject from this exercise; it will never be released."""
    return _control(exercise_id, key, actor, "inject.skipped", (InjectStatus.PENDING, InjectStatus.HELD),
                    InjectStatus.SKIPPED, "inject {key} is {status}; only a pending or held inject can be skipped")


EDITABLE = ("title", "body", "from", "to", "channel", "type", "requires_ack", "notes", "expects", "objective")


def edit_inject(exercise_id: int, key: str, changes: dict[str, Any], actor: str) -> ExerciseInject:
    """Retime (`at`, seconds or null for reserve) or edit an inject that has not been released."""
    exercise = get_exercise(exercise_id, lock=True)
    if exercise.status == ExerciseStatus.ENDED:
        raise Conflict(gettext("the exercise has ended"))
    inject = get_inject(exercise, key)
    if inject.status in (InjectStatus.RELEASED, InjectStatus.SKIPPED):
        raise Conflict(gettext("inject %(key)s is %(status)s; only an inject not yet released can be changed", key=key, status=inject.status))
    if "to" in changes:
        check_recipients(exercise, changes["to"])
    if "expects" in changes:
        check_expects(exercise, changes["expects"])
    if "channel" in changes and changes["channel"] not in CHANNELS:
        raise InvalidInput(gettext("unknown channel"), fields={"channel": [gettext("one of %(names)s", names=', '.join(CHANNELS))]})
    _check_by_the_content_rules(exercise, inject, changes)
    before = {"at_s": inject.at_s}
    retimed = "at_s" in changes and changes["at_s"] != inject.at_s
    if "at_s" in changes:
        at_s = changes["at_s"]
        if at_s is not None and at_s < 0:
            raise InvalidInput(gettext("time must not be negative"), fields={"at": [gettext("must be >= 0")]})
        inject.at_s = at_s
    columns = {"from": "sender", "to": "recipients", "type": "kind"}
    edited = [f for f in EDITABLE if f in changes]
    for field in edited:
        setattr(inject, columns.get(field, field), changes[field])
    now = wall_now()
    elapsed = clock_of(exercise).elapsed(now)
    if retimed:
        append_event(exercise, "inject.retimed", {"inject": inject_view(inject, staff=True),
                                                   "previous_at_s": before["at_s"]},
                     actor=actor, exercise_time_s=elapsed, now=now, visible_to=STAFF_ONLY)
    if edited:
        append_event(exercise, "inject.edited", {"inject": inject_view(inject, staff=True), "fields": edited},
                     actor=actor, exercise_time_s=elapsed, now=now, visible_to=STAFF_ONLY)
    return inject


def _check_by_the_content_rules(exercise: Exercise, inject: ExerciseInject, changes: dict[str, Any]) -> None:
    """The edited inject by the rules an inject of a scenario file follows (app.content), against the
    exercise's teams and its frozen scenario and checklist; problems are 422s by the API's field names.
    A running exercise may outlast its scenario's duration, and a contingency inject may be given a
    time by hand: those two file rules do not bind a live edit."""
    value = {"at_s": inject.at_s, "from": inject.sender, "to": inject.recipients, "channel": inject.channel,
             "type": inject.kind, "title": inject.title, "body": inject.body, "expects": inject.expects,
             "objective": inject.objective, "requires_ack": inject.requires_ack, "notes": inject.notes} | changes
    document: dict[str, Any] = {"id": inject.key, "to": value["to"], "channel": value["channel"],
                                "title": value["title"]}
    if value["at_s"] is not None and not inject.when_overdue and value["type"] != "contingency":
        document["at"] = format_units(value["at_s"])
    for field in ("from", "body", "objective", "notes"):
        if value[field]:
            document[field] = value[field]
    if value["type"] != "contingency" or not inject.when_overdue:
        document["type"] = value["type"]
    document["requires_ack"] = bool(value["requires_ack"])
    if value["expects"]:
        document["expects"] = [{"step": e.get("step"), "within": format_units(e["within_s"])}
                               for e in value["expects"] if isinstance(e.get("within_s"), (int, float))]
    scenario = exercise.scenario_snapshot or {}
    _, problems = check_inject(document, teams=[{"key": t.key, "agency": t.agency} for t in exercise.teams],
                               objectives=scenario.get("objectives") or [],
                               sources=[source["id"] for source in scenario.get("sources") or []],
                               checklist=exercise.checklist_snapshot)
    if problems:
        fields: dict[str, list[str]] = {}
        for problem in problems:
            name = re.split(r"[.\[]", problem.path or "inject")[0]
            fields.setdefault({"at": "at"}.get(name, name), []).append(problem.message)
        raise InvalidInput(problems[0].message, fields=fields)


def check_recipients(exercise: Exercise, to: Any) -> None:
    if to == "all":
        return
    if not isinstance(to, list) or not to or not all(isinstance(k, str) for k in to):
        raise InvalidInput(gettext("`to` must be \"all\" or a non-empty list of team keys"),
                           fields={"to": [gettext("\"all\" or a list of team keys")]})
    unknown = [k for k in to if exercise.team(k) is None]
    if unknown:
        raise InvalidInput(gettext("unknown team(s): %(names)s", names=', '.join(unknown)),
                           fields={"to": [f"unknown team '{k}'" for k in unknown]})


def check_expects(exercise: Exercise, expects: Any) -> None:
    steps = exercise.checklist.step_ids()
    problems = [f"unknown step '{e.get('step')}'" for e in expects if e.get("step") not in steps]
    problems += [f"step '{e.get('step')}': within must be > 0" for e in expects
                 if not isinstance(e.get("within_s"), (int, float)) or e.get("within_s") <= 0]
    if problems:
        raise InvalidInput(gettext("expects does not fit the checklist"), fields={"expects": problems})
