"""What teams do: join with a code, acknowledge injects, log actions, message control."""
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import (Acknowledgement, Action, Exercise, ExerciseStatus, InjectStatus, Participant, Team,
                      User)
from .compliance import refresh_compliance
from .codes import new_token, normalize_join_code, token_hash
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .events import STAFF_ONLY, append_event
from .exercises import unused_join_code, get_exercise
from .injects import addressed_teams, get_inject
from .timing import elapsed, wall_now

CLIENT_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
MAX_TEXT = 4000


@dataclass
class Joined:
    participant: Participant
    token: str  # shown once; only its hash is stored


def join_team(code: str, name: str) -> Joined:
    """A person joins a team with its code; the token returned identifies the tablet."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("tell us your name", fields={"name": ["required"]})
    if len(name) > 80:
        raise InvalidInput("name too long", fields={"name": ["at most 80 characters"]})
    team = db.session.scalars(select(Team).where(Team.join_code == normalize_join_code(code or ""))).first()
    if team is None:
        raise NotFound("no team has this join code; check it with the exercise controller",
                       fields={"code": ["unknown or expired code"]})
    if team.exercise.status == ExerciseStatus.ENDED:
        raise Conflict("this exercise has ended")
    token = new_token()
    participant = Participant(team=team, display_name=name, token_hash=token_hash(token),
                              join_code=team.join_code)
    db.session.add(participant)
    db.session.flush()
    append_event(team.exercise, "participant.joined",
                 {"participant": {"id": participant.id, "name": name}, "team": team.key},
                 actor=name, team=team.key, exercise_time_s=elapsed(team.exercise), visible_to=[team.key])
    return Joined(participant, token)


def participant_for_token(token: str) -> Participant | None:
    if not token:
        return None
    participant = db.session.scalars(
        select(Participant).where(Participant.token_hash == token_hash(token))).first()
    if participant is None or participant.revoked_at is not None:
        return None
    return participant


def rotate_join_code(exercise_id: int, team_key: str, actor: str) -> tuple[Team, list[int]]:
    """A new code for a team; the old one stops working, and so do the tablets that joined with it."""
    exercise = get_exercise(exercise_id)
    team = exercise.team(team_key)
    if team is None:
        raise NotFound(f"no team '{team_key}' in exercise {exercise_id}")
    old = team.join_code
    now = wall_now()
    team.join_code = unused_join_code()
    team.code_rotated_at = now
    revoked = []
    for participant in team.participants:
        if participant.join_code == old and participant.revoked_at is None:
            participant.revoked_at = now
            revoked.append(participant.id)
    append_event(exercise, "team.code_rotated", {"team": team.key, "revoked_participants": len(revoked)},
                 actor=actor, team=team.key, exercise_time_s=elapsed(exercise, now), now=now,
                 visible_to=STAFF_ONLY)
    return team, revoked


def _live_exercise(participant: Participant) -> Exercise:
    exercise = participant.team.exercise
    if exercise.status == ExerciseStatus.DRAFT:
        raise Conflict("the exercise has not started yet")
    if exercise.status == ExerciseStatus.ENDED:
        raise Conflict("the exercise has ended")
    return exercise


def acknowledge_inject(participant: Participant, inject_key: str) -> dict[str, Any]:
    """A team member confirms receipt; acknowledging twice is harmless."""
    exercise = _live_exercise(participant)
    team_key = participant.team.key
    try:
        inject = get_inject(exercise, inject_key)
    except NotFound:
        raise NotFound(f"no inject '{inject_key}' for your team") from None
    if inject.status != InjectStatus.RELEASED or team_key not in addressed_teams(exercise, inject):
        raise NotFound(f"no inject '{inject_key}' for your team")
    existing = db.session.scalars(select(Acknowledgement).where(
        Acknowledgement.inject_id == inject.id, Acknowledgement.participant_id == participant.id)).first()
    if existing:
        return {"inject_id": inject.key, "duplicate": True}
    now = wall_now()
    at_s = elapsed(exercise, now)
    first_for_team = db.session.scalar(select(Acknowledgement.id).where(
        Acknowledgement.inject_id == inject.id, Acknowledgement.team_key == team_key)) is None
    db.session.add(Acknowledgement(exercise_id=exercise.id, inject_id=inject.id, team_key=team_key,
                                   participant_id=participant.id, exercise_time_s=at_s, wall_time=now))
    ev = append_event(exercise, "inject.acknowledged",
                      {"inject_id": inject.key, "team": team_key, "by": participant.display_name,
                       "participant_id": participant.id, "first_for_team": first_for_team},
                      actor=participant.display_name, team=team_key, exercise_time_s=at_s, now=now,
                      visible_to=[team_key])
    return {"inject_id": inject.key, "seq": ev.seq, "duplicate": False}


def log_action(participant: Participant, client_id: str, step: str | None = None,
               text: str | None = None) -> dict[str, Any]:
    """Record what a team did, idempotently: a resend with the same client_id returns the first result."""
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise InvalidInput("client_id must be 8-64 letters, digits or - _ . :",
                           fields={"client_id": ["8-64 characters of A-Z a-z 0-9 - _ . :"]})
    exercise = participant.team.exercise
    existing = _action_by_client_id(exercise.id, client_id)
    if existing:
        return _action_result(_same_team(existing, participant), duplicate=True)
    exercise = _live_exercise(participant)
    text = (text or "").strip()
    if step is None and not text:
        raise InvalidInput("an action needs a step or a text", fields={"text": ["required when no step is given"]})
    if len(text) > MAX_TEXT:
        raise InvalidInput("text too long", fields={"text": [f"at most {MAX_TEXT} characters"]})
    team = participant.team
    if step is not None:
        _check_step_for_team(exercise, team, step)
    now = wall_now()
    at_s = elapsed(exercise, now)
    nested = db.session.begin_nested()
    try:
        action = Action(exercise_id=exercise.id, team_key=team.key, participant_id=participant.id, step=step,
                        text=text, client_id=client_id, exercise_time_s=at_s, wall_time=now, event_seq=0)
        db.session.add(action)
        db.session.flush()
    except IntegrityError:
        nested.rollback()  # the same client_id won a race a moment ago
        winner = _action_by_client_id(exercise.id, client_id)
        return _action_result(_same_team(winner, participant), duplicate=True)
    ev = append_event(exercise, "action.logged",
                      {"action": {"id": action.id, "client_id": client_id, "step": step, "text": text,
                                  "by": participant.display_name, "team": team.key,
                                  "exercise_time_s": round(at_s, 3)}},
                      actor=participant.display_name, team=team.key, exercise_time_s=at_s, now=now,
                      visible_to=[team.key])
    action.event_seq = ev.seq
    nested.commit()
    if step is not None:
        refresh_compliance(exercise, now)
    return _action_result(action, duplicate=False)


def _action_by_client_id(exercise_id: int, client_id: str) -> Action | None:
    return db.session.scalars(
        select(Action).where(Action.exercise_id == exercise_id, Action.client_id == client_id)).first()


def _same_team(action: Action, participant: Participant) -> Action:
    """A resend answers with the first result, but never with another team's action."""
    if action.team_key != participant.team.key:
        raise Conflict("this client_id is taken; send the action with a new one",
                       fields={"client_id": ["already used by another tablet"]})
    return action


def _action_result(action: Action, *, duplicate: bool) -> dict[str, Any]:
    return {"seq": action.event_seq, "action_id": action.id, "duplicate": duplicate,
            "exercise_time_s": action.exercise_time_s}


def _check_step_for_team(exercise: Exercise, team: Team, step: str) -> None:
    steps = {s["id"]: s for s in exercise.checklist_snapshot["steps"]}
    if step not in steps:
        raise InvalidInput(f"unknown step '{step}'", fields={"step": [f"unknown step '{step}'"]})
    if team.agency not in steps[step]["agencies"]:
        raise InvalidInput(f"step '{step}' is not one of your team's steps",
                           fields={"step": [f"not a step for agency '{team.agency}'"]})


def send_message(exercise_id: int, *, sender: Participant | User, to: str, text: str) -> dict[str, Any]:
    """A message between a team and control. Teams write to "control"; staff to a team key or "all"."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("empty message", fields={"text": ["required"]})
    if len(text) > MAX_TEXT:
        raise InvalidInput("message too long", fields={"text": [f"at most {MAX_TEXT} characters"]})
    exercise = get_exercise(exercise_id)
    if exercise.status == ExerciseStatus.ENDED:
        raise Conflict("the exercise has ended")
    now = wall_now()
    if isinstance(sender, Participant):
        if sender.team.exercise_id != exercise.id:
            raise Forbidden("not your exercise")
        if to != "control":
            raise InvalidInput("a team writes to control", fields={"to": ["must be \"control\""]})
        team_key, who, visible = sender.team.key, sender.display_name, [sender.team.key]
        data = {"from": {"team": team_key, "name": who}, "to": "control", "text": text}
    else:
        if to == "all":
            team_key, visible = None, None
        elif exercise.team(to):
            team_key, visible = to, [to]
        else:
            raise InvalidInput(f"unknown team '{to}'", fields={"to": ["a team key or \"all\""]})
        who = sender.username
        data = {"from": {"control": who}, "to": to, "text": text}
    ev = append_event(exercise, "message", data, actor=who, team=team_key,
                      exercise_time_s=elapsed(exercise, now), now=now, visible_to=visible)
    return {"seq": ev.seq}


