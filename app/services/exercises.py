"""Creating exercises from library scenarios, and looking them up."""
from typing import Any

from sqlalchemy import select, update

from ..engine.guidance import dose_guidance_from_content
from ..extensions import db
from ..models import Exercise, ExerciseInject, ExerciseStatus, Team, User
from ..vocabulary import MAX_EXERCISE_NAME, MAX_SPEED, MIN_SPEED
from .codes import new_join_code
from ..errors import Conflict, InvalidInput, NotFound
from .events import append_event
from .library import scenario_for_exercise
from .timing import elapsed, wall_now
from flask_babel import gettext



def get_exercise(exercise_id: int, *, lock: bool = False) -> Exercise:
    """The exercise; with `lock`, its row is held until commit, serializing writers of one exercise."""
    query = select(Exercise).where(Exercise.id == exercise_id)
    if lock and db.session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks and ignores FOR UPDATE: a no-op write takes the database's
        # write lock now (waiting on the busy timeout), so the same guarantee holds there.
        db.session.execute(update(Exercise).where(Exercise.id == exercise_id)
                           .values(last_seq=Exercise.last_seq))
    if lock:
        # Reload what another transaction committed while this one waited for the lock.
        # FOR NO KEY UPDATE (PostgreSQL): serializes writers of the exercise like FOR UPDATE, but
        # does not conflict with the KEY SHARE locks that foreign-key checks take when a row that
        # references the exercise is inserted; FOR UPDATE did, and deadlocked concurrent writers.
        query = query.with_for_update(key_share=True).execution_options(populate_existing=True)
    exercise = db.session.scalars(query).first()
    if exercise is None:
        raise NotFound(gettext("no exercise %(exercise_id)s", exercise_id=exercise_id))
    return exercise


def all_exercises() -> list[Exercise]:
    """Every exercise, newest first."""
    return list(db.session.scalars(select(Exercise).order_by(Exercise.id.desc())))


def create_exercise(
    *,
    name: str,
    scenario_id: str,
    speed: float = 1.0,
    teams: list[dict[str, str]] | None = None,
    created_by: User | None = None,
    dose_guidance: str | None = None,
    language: str | None = None,
) -> Exercise:
    """A draft exercise with a frozen copy of the scenario's published version and of the checklist
    published now, and a join code per team."""
    scenario, checklist, published = scenario_for_exercise(scenario_id)
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise InvalidInput(gettext("speed must be between %(MIN_SPEED)s and %(MAX_SPEED)s", MIN_SPEED=MIN_SPEED, MAX_SPEED=MAX_SPEED),
                           fields={"speed": [gettext("between %(MIN_SPEED)s and %(MAX_SPEED)s", MIN_SPEED=MIN_SPEED, MAX_SPEED=MAX_SPEED)]})
    team_specs = teams if teams else scenario["teams"]
    _check_teams(team_specs, checklist)
    if dose_guidance is not None:
        check_guidance_set(checklist, dose_guidance)

    exercise = Exercise(
        name=name,
        scenario_id=scenario["id"],
        scenario_version=str(scenario["version"]),
        scenario_hash=scenario["hash"],
        scenario_snapshot=scenario,
        checklist_id=checklist["id"],
        checklist_hash=checklist["hash"],
        checklist_snapshot=checklist,
        speed=float(speed),
        created_by_id=created_by.id if created_by else None,
        dose_guidance_set=dose_guidance,
        language=language,
    )
    for spec in team_specs:
        exercise.teams.append(Team(key=spec["key"], name=spec["name"], agency=spec["agency"],
                                   join_code=unused_join_code()))
    for position, inject in enumerate(scenario["injects"]):
        exercise.injects.append(inject_from_content(inject, position))
    db.session.add(exercise)
    db.session.flush()
    append_event(
        exercise,
        "exercise.created",
        {
            "name": name,
            "scenario": {"id": scenario["id"], "title": scenario["title"],
                         "version": str(scenario["version"]), "hash": scenario["hash"],
                         "library_version": published.number},
            "checklist": {"id": checklist["id"], "version": str(checklist["version"]),
                          "hash": checklist["hash"]},
            "speed": exercise.speed,
            "teams": [{"key": t.key, "name": t.name, "agency": t.agency} for t in exercise.teams],
            **({"dose_guidance": dose_guidance} if dose_guidance else {}),
        },
        actor=created_by.username if created_by else "system",
        exercise_time_s=0.0,
        visible_to=[],
    )
    return exercise


def check_guidance_set(checklist: dict, set_id: str) -> None:
    """Refuse a dose guidance set the checklist does not have (the built-in ones and its own)."""
    sets = dose_guidance_from_content(checklist.get("dose_guidance")).sets
    if set_id not in sets:
        raise InvalidInput(gettext("unknown dose guidance set '%(set_id)s'; this checklist has: %(names)s", set_id=set_id, names=', '.join(sets)),
                           fields={"dose_guidance": [gettext("one of %(names)s", names=', '.join(sets))]})


def set_dose_guidance(exercise_id: int, set_id: str, actor: str) -> Exercise:
    """Before the exercise starts, hold its responders' doses against another guidance set."""
    exercise = get_exercise(exercise_id, lock=True)
    if exercise.status != ExerciseStatus.DRAFT:
        raise Conflict(gettext("the dose guidance set is chosen before the exercise starts"),
                       fields={"dose_guidance": [gettext("only while the exercise is a draft")]})
    check_guidance_set(exercise.checklist_snapshot, set_id)
    if exercise.dose_guidance_set != set_id:
        exercise.dose_guidance_set = set_id
        append_event(exercise, "exercise.dose_guidance", {"set": set_id}, actor=actor, exercise_time_s=0.0,
                     visible_to=[])
    return exercise


def set_language(exercise_id: int, language: str) -> Exercise:
    """The language the exercise's tablets open in (a participant may choose another). Not an event:
    the log holds what happened, never how a page words it (app/i18n.py)."""
    exercise = get_exercise(exercise_id, lock=True)
    exercise.language = language
    return exercise


def rename_exercise(exercise_id: int, name: str, actor: str) -> Exercise:
    """Give the exercise a new name (`exercise.renamed`, seen by everyone); the same name changes nothing."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput(gettext("an exercise needs a name"), fields={"name": [gettext("required")]})
    if len(name) > MAX_EXERCISE_NAME:
        raise InvalidInput(gettext("name too long"), fields={"name": [gettext("at most %(MAX_EXERCISE_NAME)s characters", MAX_EXERCISE_NAME=MAX_EXERCISE_NAME)]})
    exercise = get_exercise(exercise_id, lock=True)
    if name == exercise.name:
        return exercise
    previous, exercise.name = exercise.name, name
    now = wall_now()
    append_event(exercise, "exercise.renamed", {"previous": previous, "name": name}, actor=actor,
                 exercise_time_s=elapsed(exercise, now), now=now)
    return exercise


def inject_from_content(inject: dict[str, Any], position: int) -> ExerciseInject:
    """An exercise's copy of a library inject (normalized by the content loader)."""
    return ExerciseInject(
        key=inject["id"],
        position=position,
        at_s=inject.get("at_s"),
        scheduled_at_s=inject.get("at_s"),
        title=inject["title"],
        body=inject.get("body") or "",
        sender=inject.get("from") or "",
        recipients=inject["to"],
        channel=inject.get("channel") or "other",
        kind=inject.get("type") or "information",
        expects=inject.get("expects") or [],
        objective=inject.get("objective"),
        requires_ack=inject.get("requires_ack", True),
        when_overdue=inject.get("when_overdue"),
        notes=inject.get("notes") or "",
    )


def _check_teams(team_specs: list[dict[str, str]], checklist: dict[str, Any]) -> None:
    agencies = {a["key"] for a in checklist["agencies"]}
    seen: set[str] = set()
    errors: dict[str, list[str]] = {}
    for index, spec in enumerate(team_specs):
        key = spec.get("key", "")
        if key in seen:
            errors.setdefault(f"teams.{index}.key", []).append(f"duplicate team key '{key}'")
        seen.add(key)
        if spec.get("agency") not in agencies:
            errors.setdefault(f"teams.{index}.agency", []).append(
                f"unknown agency '{spec.get('agency')}'; the checklist has {', '.join(sorted(agencies))}")
    if errors:
        raise InvalidInput(gettext("the teams do not fit the scenario's checklist"), fields=errors)


def unused_join_code() -> str:
    """A fresh join code no team of any exercise has."""
    while True:  # a collision is vanishingly rare, but codes must be unique across exercises
        code = new_join_code()
        if db.session.scalar(select(Team.id).where(Team.join_code == code)) is None:
            return code
