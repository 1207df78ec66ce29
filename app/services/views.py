"""Read models: what staff and teams are shown of an exercise (no writes here)."""
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ..engine.guidance import dose_guidance_from_content
from ..extensions import db
from ..models import Acknowledgement, Exercise, InjectStatus
from .injects import addressed_teams, inject_view
from .timing import clock_of, wall_now


def exercise_view(exercise: Exercise, *, staff: bool, team_key: str | None = None,
                  now: datetime | None = None) -> dict[str, Any]:
    """The contract's exercise shape. Staff see every inject and the join codes; a team sees
    only the released injects addressed to it."""
    now = now or wall_now()
    scenario = exercise.scenario_snapshot
    view: dict[str, Any] = {
        "id": exercise.id,
        "name": exercise.name,
        "status": exercise.status,
        "scenario": {"id": exercise.scenario_id, "title": scenario.get("title"),
                     "version": exercise.scenario_version, "hash": exercise.scenario_hash,
                     "summary": scenario.get("summary", ""), "hazard": scenario.get("hazard", ""),
                     "duration_s": scenario.get("duration_s")},
        "checklist": {"id": exercise.checklist_id, "version": str(exercise.checklist_snapshot.get("version")),
                      "hash": exercise.checklist_hash, "title": exercise.checklist_snapshot.get("title")},
        "clock": clock_of(exercise).snapshot(now),
        "last_seq": exercise.last_seq,
        "created_at": exercise.created_at.isoformat() if exercise.created_at else None,
        "started_at": exercise.started_at.isoformat() if exercise.started_at else None,
        "ended_at": exercise.ended_at.isoformat() if exercise.ended_at else None,
        "language": exercise.language or "en",
    }
    view["teams"] = [
        {"key": t.key, "name": t.name, "agency": t.agency, **({"join_code": t.join_code} if staff else {})}
        for t in exercise.teams
    ]
    if staff:
        view["branched_from"] = exercise.branched_from
        view["objectives"] = scenario.get("objectives", [])
        view["dose_guidance"] = dose_guidance_view(exercise)
        acks = _first_acks(exercise)
        view["injects"] = [inject_view(i, staff=True) | {"acknowledged": acks.get(i.id, {})}
                           for i in exercise.injects]
    else:
        view["injects"] = [
            inject_view(i, staff=False) for i in exercise.injects
            if i.status == InjectStatus.RELEASED and team_key in addressed_teams(exercise, i)
        ]
    return view


def dose_guidance_view(exercise: Exercise) -> dict[str, Any]:
    """The dose guidance set the exercise holds doses against, and the ones it could use."""
    guidance = dose_guidance_from_content(exercise.checklist_snapshot.get("dose_guidance"))
    chosen = exercise.dose_guidance_set or guidance.default
    return {"set": chosen, "title": guidance.sets[chosen].title, "status": guidance.sets[chosen].status,
            "sets": [{"id": g.id, "title": g.title, "status": g.status} for g in guidance.sets.values()]}


def _first_acks(exercise: Exercise) -> dict[int, dict[str, float]]:
    """inject row id -> {team key: exercise time of the team's first acknowledgement}."""
    rows = db.session.execute(
        select(Acknowledgement.inject_id, Acknowledgement.team_key, func.min(Acknowledgement.exercise_time_s))
        .where(Acknowledgement.exercise_id == exercise.id)
        .group_by(Acknowledgement.inject_id, Acknowledgement.team_key))
    acks: dict[int, dict[str, float]] = {}
    for inject_id, team_key, at_s in rows:
        acks.setdefault(inject_id, {})[team_key] = at_s
    return acks


def exercise_summary(exercise: Exercise, now: datetime | None = None) -> dict[str, Any]:
    """A line of the exercise list."""
    return {"id": exercise.id, "name": exercise.name, "status": exercise.status,
            "scenario": {"id": exercise.scenario_id, "title": exercise.scenario_snapshot.get("title"),
                         "version": exercise.scenario_version},
            "clock": clock_of(exercise).snapshot(now or wall_now()),
            "teams": len(exercise.teams), "branched_from": exercise.branched_from,
            "created_at": exercise.created_at.isoformat() if exercise.created_at else None}


def team_checklist(exercise: Exercise, team_key: str) -> list[dict[str, Any]]:
    """The checklist steps a team is responsible for, in file order."""
    team = exercise.team(team_key)
    if team is None:
        return []
    return exercise.checklist.steps_for(team.agency)
