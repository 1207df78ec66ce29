"""Live SOP compliance: evaluate the checklist, announce status changes, fire contingency injects.

`refresh_compliance` runs in the transaction of whatever may change a status (an action, a
release, a waiver, the end) and in every scheduler pass (time passing turns steps overdue).
It compares with the statuses last announced (step_states) so each change is announced once.
"""
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..engine.compliance import (ComplianceResult, Release, StepDef, StepStatus, TeamDef, Waiver,
                                 completions_with_rules, evaluate, ruled_steps)
from ..extensions import db
from ..models import Action, Exercise, ExerciseInject, ExerciseStatus, InjectStatus, StepState
from ..models import Waiver as WaiverRow
from ..errors import Conflict, InvalidInput, NotFound
from .events import STAFF_ONLY, append_event
from .exercises import get_exercise
from .injects import addressed_teams, release_inject
from .timing import clock_of, wall_now
from .zones import current_verdicts, judge
from flask_babel import gettext

# A contingency release can make further steps due; a few rounds settle any chain.
MAX_ROUNDS = 4


def step_defs(exercise: Exercise) -> list[StepDef]:
    return [StepDef(id=s["id"], agencies=tuple(s["agencies"]), mode=s.get("mode", "each"),
                    critical=bool(s.get("critical")), after=tuple(s.get("after") or ()), phase=s.get("phase"))
            for s in exercise.checklist.steps]


def compute(exercise: Exercise, now: datetime | None = None) -> ComplianceResult:
    """The compliance of every team as of now (or of the end, once ended)."""
    now = now or wall_now()
    released = db.session.scalars(select(ExerciseInject).where(
        ExerciseInject.exercise_id == exercise.id, ExerciseInject.status == InjectStatus.RELEASED)).all()
    releases = [
        Release(inject_id=i.key, teams=tuple(addressed_teams(exercise, i)), released_at_s=i.released_at_s,
                expects=tuple((e["step"], float(e["within_s"])) for e in (i.expects or [])))
        for i in released if i.expects
    ]
    taps = db.session.execute(select(Action.team_key, Action.step, Action.exercise_time_s)
                              .where(Action.exercise_id == exercise.id, Action.step.is_not(None))).all()
    completions = completions_with_rules(taps, current_verdicts(exercise),
                                         ruled_steps(exercise.scenario_snapshot, exercise.checklist_snapshot))
    waivers = [Waiver(team=w.team_key, step=w.step, reason=w.reason, at_s=w.exercise_time_s)
               for w in db.session.scalars(select(WaiverRow).where(WaiverRow.exercise_id == exercise.id))]
    return evaluate(
        step_defs(exercise),
        [TeamDef(key=t.key, agency=t.agency) for t in exercise.teams],
        releases, completions, waivers,
        now_s=clock_of(exercise).elapsed(now),
        ended=exercise.status == ExerciseStatus.ENDED,
    )


def refresh_compliance(exercise: Exercise, now: datetime | None = None) -> ComplianceResult:
    """Announce every step status that changed since the last announcement, in this transaction.

    The exercise row is locked first, as every writer of an exercise does, so two processes
    cannot announce the same change twice or lock rows in opposite orders.
    """
    now = now or wall_now()
    get_exercise(exercise.id, lock=True)
    judge(exercise, now)  # spatial rules first: a verdict can complete or reopen a step
    for _ in range(MAX_ROUNDS):
        result = compute(exercise, now)
        changes = _announce_changes(exercise, result, now)
        fired = _fire_contingencies(exercise, changes, now)
        if not fired:
            return result
    return compute(exercise, now)


def _announce_changes(exercise: Exercise, result: ComplianceResult, now: datetime) -> list[tuple[str, str]]:
    stored = {(s.team_key, s.step): s for s in db.session.scalars(
        select(StepState).where(StepState.exercise_id == exercise.id))}
    elapsed = clock_of(exercise).elapsed(now)
    became_overdue = []
    for team in result.teams:
        for step in team.steps:
            state = stored.get((team.key, step.step))
            previous = state.status if state else StepStatus.PENDING.value
            if previous == step.status.value:
                continue
            if state is None:
                db.session.add(StepState(exercise_id=exercise.id, team_key=team.key, step=step.step,
                                         status=step.status.value))
            else:
                state.status = step.status.value
            append_event(exercise, "step.status",
                         {**step_view(step), "team": team.key, "previous": previous, "team_score": team.score},
                         actor="compliance", team=team.key, exercise_time_s=elapsed, now=now,
                         visible_to=[team.key])
            if step.status == StepStatus.OVERDUE:
                became_overdue.append((team.key, step.step))
    return became_overdue


def _fire_contingencies(exercise: Exercise, overdue: list[tuple[str, str]], now: datetime) -> int:
    """Release (auto) or put to the controller (prompt) the contingency injects of overdue steps."""
    if not overdue:
        return 0
    candidates = db.session.scalars(select(ExerciseInject).where(
        ExerciseInject.exercise_id == exercise.id, ExerciseInject.status == InjectStatus.PENDING,
        ExerciseInject.when_overdue.is_not(None))).all()
    fired = 0
    for inject in candidates:
        trigger = inject.when_overdue or {}
        teams = addressed_teams(exercise, inject)
        hit = next(((team, step) for team, step in overdue if step == trigger.get("step") and team in teams), None)
        if hit is None:
            continue
        team, step = hit
        if trigger.get("mode", "prompt") == "auto":
            if release_inject(exercise, inject, by="contingency", now=now, from_statuses=(InjectStatus.PENDING,)):
                fired += 1
        elif inject.prompted_at_s is None:
            inject.prompted_at_s = clock_of(exercise).elapsed(now)
            inject.prompted_for = team
            append_event(exercise, "contingency.prompt",
                         {"inject_id": inject.key, "title": inject.title, "team": team, "step": step},
                         actor="compliance", team=team, exercise_time_s=inject.prompted_at_s, now=now,
                         visible_to=STAFF_ONLY)
    return fired


def step_view(step) -> dict[str, Any]:
    return {"step": step.step, "status": step.status.value, "out_of_order": step.out_of_order,
            "due_at_s": step.due_at_s, "done_at_s": step.done_at_s, "done_by": step.done_by,
            "triggered_at_s": step.triggered_at_s, "time_to_complete_s": step.time_to_complete_s,
            "critical": step.critical, "waiver_reason": step.waiver_reason}


def compliance_view(exercise: Exercise, result: ComplianceResult, team_key: str | None = None) -> dict[str, Any]:
    """The contract's compliance shape; `team_key` narrows it to one team (for its tablet)."""
    checklist = exercise.checklist
    teams = []
    for team in result.teams:
        if team_key is not None and team.key != team_key:
            continue
        name = exercise.team(team.key).name if exercise.team(team.key) else team.key
        teams.append({
            "key": team.key, "name": name, "agency": team.agency, "score": team.score,
            "steps": [{**step_view(s), "text": checklist.text(s.step), "phase": checklist.step(s.step).get("phase")}
                      for s in team.steps],
        })
    view = {"now_s": result.now_s, "ended": result.ended, "teams": teams}
    if team_key is None:
        view["agencies"] = [{"agency": a.agency, "score": a.score, "teams": list(a.teams)} for a in result.agencies]
    return view


def waive_step(exercise_id: int, team_key: str, step: str, reason: str, actor) -> ComplianceResult:
    """Staff mark a step not applicable for a team, with a reason."""
    exercise = get_exercise(exercise_id)
    team = exercise.team(team_key)
    if team is None:
        raise NotFound(gettext("no team '%(team_key)s' in exercise %(exercise_id)s", team_key=team_key, exercise_id=exercise_id), fields={"team": [gettext("unknown team")]})
    if not exercise.checklist.is_responsible(team.agency, step):
        raise InvalidInput(gettext("step '%(step)s' is not one of team %(team_key)s's steps", step=step, team_key=team_key), fields={"step": [gettext("not applicable")]})
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(gettext("a waiver needs a reason"), fields={"reason": [gettext("required")]})
    exists = db.session.scalar(select(WaiverRow.id).where(WaiverRow.exercise_id == exercise.id,
                                                          WaiverRow.team_key == team_key, WaiverRow.step == step))
    if exists:
        raise Conflict(gettext("step %(step)s is already waived for team %(team_key)s", step=step, team_key=team_key))
    now = wall_now()
    elapsed = clock_of(exercise).elapsed(now)
    db.session.add(WaiverRow(exercise_id=exercise.id, team_key=team_key, step=step, reason=reason,
                             by_user_id=actor.id, exercise_time_s=elapsed, wall_time=now))
    db.session.flush()
    append_event(exercise, "step.waived", {"team": team_key, "step": step, "reason": reason},
                 actor=actor.username, team=team_key, exercise_time_s=elapsed, now=now, visible_to=[team_key])
    return refresh_compliance(exercise, now)
