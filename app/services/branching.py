"""Branching: a new draft exercise from another one at a moment, to play a decision point again.

The new exercise keeps the source's frozen scenario and checklist, and its clock starts at the
moment T. What the source had done by T comes from its event log (the projection at T), never
from its current rows. The new log is a chain of its own and begins with `exercise.branched`,
which names the source exercise and the seq and hash of its log at T, so the provenance is
part of the chain; then, as carried-over history marked `carried_over`, the injects the
source had released by T (each addressed team receives it, as a tablet would have) and, with
`carry_actions`, the teams' logged actions, the messages and the waivers; these events keep
their original exercise times. Injects that were pending or held stay so, and the scheduler
releases them when the new exercise runs.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from ..errors import Conflict, InvalidInput
from ..extensions import db
from ..models import Action, Exercise, ExerciseInject, ExerciseStatus, InjectStatus, Team, User
from ..models import Waiver as WaiverRow
from .events import STAFF_ONLY, append_events, reserve_seqs
from .exercises import get_exercise, unused_join_code
from .injects import addressed_teams, inject_view
from .replay import event_hash_at, find_moment, state_of, timeline
from .timing import wall_now
from flask_babel import gettext


def branch_exercise(source_id: int, *, name: str, created_by: User, at_s: float | None = None,
                    seq: int | None = None, carry_actions: bool = False) -> Exercise:
    """A draft exercise made from exercise `source_id` as it stood at exercise time `at_s` or after event `seq`."""
    source = get_exercise(source_id)
    if source.status == ExerciseStatus.DRAFT:
        raise Conflict(gettext("this exercise has not started: there is no moment to branch from; create a new exercise"))
    if seq is None and at_s is None:
        raise InvalidInput(gettext("give the moment to branch from: at_s or seq"),
                           fields={"at_s": [gettext("at_s or seq is required")]})
    line = timeline(source)
    moment = find_moment(source, line, seq=seq, at_s=at_s)
    if at_s is not None and at_s > moment.end_s:
        raise InvalidInput(gettext("at_s is after the exercise clock (%(end_s).0f s)", end_s=moment.end_s),
                           fields={"at_s": [gettext("at most %(end_s).0f s", end_s=moment.end_s)]})
    if moment.seq == 0:
        field = "seq" if seq is not None else "at_s"
        raise InvalidInput(gettext("the moment is before this exercise's first event"), fields={field: [gettext("before the first event")]})
    state, _ = state_of(source, line, moment.seq)
    now = wall_now()
    provenance = {"exercise_id": source.id, "seq": moment.seq, "hash": event_hash_at(source.id, moment.seq),
                  "at_s": round(moment.at_s, 3)}
    speed = state["exercise"]["clock"].get("speed") or source.speed

    exercise = Exercise(
        name=name, scenario_id=source.scenario_id, scenario_version=source.scenario_version,
        scenario_hash=source.scenario_hash, scenario_snapshot=source.scenario_snapshot,
        checklist_id=source.checklist_id, checklist_hash=source.checklist_hash,
        checklist_snapshot=source.checklist_snapshot, speed=speed, elapsed_base_s=provenance["at_s"],
        created_by_id=created_by.id, branched_from=provenance,
    )
    for team in source.teams:
        exercise.teams.append(Team(key=team.key, name=team.name, agency=team.agency, join_code=unused_join_code()))
    prompts = {key: p for key, p in state["prompts"].items() if p.get("outcome") == "pending"}
    for position, entry in enumerate(sorted(state["injects"].values(), key=lambda i: i.get("position", 0))):
        exercise.injects.append(_inject_row(entry, position, prompts.get(entry["id"])))
    db.session.add(exercise)
    db.session.flush()

    specs = [{
        "type": "exercise.branched", "actor": created_by.username, "exercise_time_s": provenance["at_s"],
        "team": None, "visible_to": STAFF_ONLY,
        "data": {**provenance, "source_name": source.name, "name": name, "carry_actions": carry_actions,
                 "scenario": {"id": source.scenario_id, "title": source.scenario_snapshot.get("title"),
                              "version": source.scenario_version, "hash": source.scenario_hash},
                 "checklist": {"id": source.checklist_id, "version": str(source.checklist_snapshot.get("version")),
                               "hash": source.checklist_hash},
                 "speed": speed,
                 "teams": [{"key": t.key, "name": t.name, "agency": t.agency} for t in exercise.teams],
                 "injects": [inject_view(i, staff=True) | {"position": i.position} for i in exercise.injects],
                 "prompts": list(prompts.values())},
    }]
    carried = _carried_releases(exercise, state)
    if carry_actions:
        carried += _carried_messages(state) + _carried_waivers(exercise, state, now) + _carried_actions(state)
    carried.sort(key=lambda item: item[0])  # in the source's order
    first_seq, prev_hash = reserve_seqs(exercise, len(specs) + len(carried))
    specs += [spec for _, spec in carried]
    _insert_actions(exercise, specs, first_seq, now)
    append_events(exercise, specs, now=now, reserved=(first_seq, prev_hash))
    return exercise


def _inject_row(entry: dict[str, Any], position: int, prompt: dict[str, Any] | None) -> ExerciseInject:
    """The new exercise's copy of an inject as the source had it at the branch point."""
    released = entry.get("status") == InjectStatus.RELEASED
    return ExerciseInject(
        key=entry["id"], position=position, at_s=entry.get("at_s"), scheduled_at_s=entry.get("scheduled_at_s"),
        title=entry.get("title") or entry["id"], body=entry.get("body") or "", sender=entry.get("from") or "",
        recipients=entry.get("to") or "all", channel=entry.get("channel") or "other",
        kind=entry.get("type") or "information", expects=entry.get("expects") or [],
        objective=entry.get("objective"), requires_ack=entry.get("requires_ack", True),
        when_overdue=entry.get("when_overdue"), notes=entry.get("notes") or "", adhoc=bool(entry.get("adhoc")),
        status=entry.get("status") or InjectStatus.PENDING,
        released_at_s=entry.get("released_at_s") if released else None,
        released_by=entry.get("released_by") if released else None,
        delayed=bool(entry.get("delayed")) if released else False,
        carried_over=released,
        prompted_at_s=prompt.get("prompted_at_s") if prompt else None,
        prompted_for=prompt.get("team") if prompt else None,
    )


def _marker(source_id: int, seq: int | None) -> dict[str, Any]:
    return {"exercise_id": source_id, "seq": seq}


def _carried_releases(exercise: Exercise, state: dict[str, Any]) -> list[tuple[tuple, dict[str, Any]]]:
    """An `inject.released` for each inject released before the branch point, to the teams it went to."""
    source_id = exercise.branched_from["exercise_id"]
    by_key = {i.key: i for i in exercise.injects}
    carried = []
    for entry in state["injects"].values():
        if entry.get("status") != InjectStatus.RELEASED:
            continue
        row = by_key[entry["id"]]
        teams = addressed_teams(exercise, row)
        data = inject_view(row, staff=False) | {"carried_from": _marker(source_id, entry.get("released_seq"))}
        at_s = row.released_at_s if row.released_at_s is not None else exercise.elapsed_base_s
        carried.append(((at_s, entry.get("released_seq") or 0), {
            "type": "inject.released", "actor": row.released_by or "scheduler", "exercise_time_s": at_s,
            "team": teams[0] if len(teams) == 1 else None,
            "visible_to": None if row.recipients == "all" else teams, "data": data}))
    return carried


def _carried_messages(state: dict[str, Any]) -> list[tuple[tuple, dict[str, Any]]]:
    carried = []
    for message in state["messages"]:
        sender = message.get("from") or {}
        if isinstance(sender, dict) and "team" in sender:
            visible, actor = [sender["team"]], sender.get("name") or sender["team"]
        else:
            to = message.get("to")
            visible = None if to == "all" else [to]
            actor = sender.get("control", "control") if isinstance(sender, dict) else "control"
        data = {"from": sender, "to": message.get("to"), "text": message.get("text", ""),
                "carried_from": _marker(state["exercise_id"], message.get("seq"))}
        carried.append(((message.get("at_s") or 0.0, message.get("seq") or 0), {
            "type": "message", "actor": actor, "exercise_time_s": message.get("at_s") or 0.0,
            "team": message.get("team"), "visible_to": visible, "data": data}))
    return carried


def _carried_waivers(exercise: Exercise, state: dict[str, Any], now) -> list[tuple[tuple, dict[str, Any]]]:
    carried = []
    for waiver in state["waivers"].values():
        at_s = waiver.get("at_s") or 0.0
        db.session.add(WaiverRow(exercise_id=exercise.id, team_key=waiver["team"], step=waiver["step"],
                                 reason=waiver.get("reason") or "", by_user_id=None, exercise_time_s=at_s,
                                 wall_time=now))
        carried.append(((at_s, 0), {
            "type": "step.waived", "actor": waiver.get("by") or "control", "exercise_time_s": at_s,
            "team": waiver["team"], "visible_to": [waiver["team"]],
            "data": {"team": waiver["team"], "step": waiver["step"], "reason": waiver.get("reason") or "",
                     "carried_from": _marker(state["exercise_id"], None)}}))
    return carried


def _carried_actions(state: dict[str, Any]) -> list[tuple[tuple, dict[str, Any]]]:
    """An `action.logged` for each action logged before the branch point (its row is written with the seqs)."""
    carried = []
    for action in state["actions"].values():
        at_s = action.get("exercise_time_s") or 0.0
        carried.append(((at_s, action.get("seq") or 0), {
            "type": "action.logged", "actor": action.get("by") or action["team"], "team": action["team"],
            "visible_to": [action["team"]], "exercise_time_s": at_s,
            "data": {"action": {"id": None, "client_id": action.get("client_id") or f"carried-{action.get('seq')}",
                                "step": action.get("step"), "text": action.get("text") or "", "by": action.get("by"),
                                "team": action["team"], "exercise_time_s": round(at_s, 3),
                                "carried_from": _marker(state["exercise_id"], action.get("seq"))}}}))
    return carried


def _insert_actions(exercise: Exercise, specs: list[dict[str, Any]], first_seq: int, now) -> None:
    """Write the actions rows of the carried `action.logged` events, and put the rows' ids in the events."""
    logged = [(first_seq + k, spec["data"]["action"]) for k, spec in enumerate(specs) if spec["type"] == "action.logged"]
    if not logged:
        return
    rows = [{"exercise_id": exercise.id, "team_key": action["team"], "participant_id": None, "step": action["step"],
             "text": action["text"], "client_id": action["client_id"], "exercise_time_s": action["exercise_time_s"],
             "wall_time": now, "event_seq": seq} for seq, action in logged]
    ids = db.session.connection().execute(
        insert(Action.__table__).returning(Action.__table__.c.id, sort_by_parameter_order=True), rows).scalars().all()
    for (_, action), action_id in zip(logged, ids):
        action["id"] = action_id
