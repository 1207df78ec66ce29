"""What teams do: join with a code, acknowledge injects, log actions, message control."""
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from ..extensions import db
from ..models import (Acknowledgement, Action, Exercise, ExerciseStatus, InjectStatus, Participant, Team,
                      User)
from ..vocabulary import CLIENT_ID_PATTERN, MAX_PERSON_NAME, MAX_TEXT
from .compliance import refresh_compliance
from .codes import new_token, normalize_join_code, token_hash
from ..errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError, Unauthorized
from .events import STAFF_ONLY, append_event, append_events, iter_events, reserve_seqs
from .realtime_out import after_commit, disconnect_participants
from .exercises import unused_join_code, get_exercise
from .injects import addressed_teams, get_inject
from .timing import elapsed, wall_now
from flask_babel import gettext

CLIENT_ID = re.compile(CLIENT_ID_PATTERN)
REVOKED = "this tablet's access was revoked; join again with the team's new code"


@dataclass
class Joined:
    participant: Participant
    token: str  # shown once; only its hash is stored


def join_team(code: str, name: str) -> Joined:
    """A person joins a team with its code; the token returned identifies the tablet."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput(gettext("tell us your name"), fields={"name": [gettext("required")]})
    if len(name) > MAX_PERSON_NAME:
        raise InvalidInput(gettext("name too long"), fields={"name": [gettext("at most %(MAX_PERSON_NAME)s characters", MAX_PERSON_NAME=MAX_PERSON_NAME)]})
    team = db.session.scalars(select(Team).where(Team.join_code == normalize_join_code(code or ""))).first()
    if team is None:
        raise NotFound(gettext("no team has this join code; check it with the exercise controller"),
                       fields={"code": [gettext("unknown or expired code")]})
    if team.exercise.status == ExerciseStatus.ENDED:
        raise Conflict(gettext("this exercise has ended"))
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
        raise NotFound(gettext("no team '%(team_key)s' in exercise %(exercise_id)s", team_key=team_key, exercise_id=exercise_id))
    old = team.join_code
    now = wall_now()
    team.join_code = unused_join_code()
    team.code_rotated_at = now
    revoked = []
    for participant in team.participants:
        if participant.join_code == old and participant.revoked_at is None:
            participant.revoked_at = now
            revoked.append(participant.id)
    after_commit(disconnect_participants, revoked)
    append_event(exercise, "team.code_rotated", {"team": team.key, "revoked_participants": len(revoked)},
                 actor=actor, team=team.key, exercise_time_s=elapsed(exercise, now), now=now,
                 visible_to=STAFF_ONLY)
    return team, revoked


def _live_exercise(participant: Participant) -> Exercise:
    exercise = participant.team.exercise
    _check_live(exercise)
    return exercise


def _check_live(exercise: Exercise) -> None:
    if exercise.status == ExerciseStatus.DRAFT:
        raise Conflict(gettext("the exercise has not started yet"))
    if exercise.status == ExerciseStatus.ENDED:
        raise Conflict(gettext("the exercise has ended"))


def acknowledge_inject(participant: Participant, inject_key: str) -> dict[str, Any]:
    """A team member confirms receipt; acknowledging twice is harmless."""
    exercise = _live_exercise(participant)
    team_key = participant.team.key
    try:
        inject = get_inject(exercise, inject_key)
    except NotFound:
        raise NotFound(gettext("no inject '%(inject_key)s' for your team", inject_key=inject_key)) from None
    if inject.status != InjectStatus.RELEASED or team_key not in addressed_teams(exercise, inject):
        raise NotFound(gettext("no inject '%(inject_key)s' for your team", inject_key=inject_key))
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


@dataclass
class ActionRequest:
    """A tablet's `log_action`: who sent it and what it says."""

    participant_id: int
    client_id: str
    step: str | None = None
    text: str | None = None


def log_action(participant: Participant, client_id: str, step: str | None = None,
               text: str | None = None) -> dict[str, Any]:
    """Record what a team did, idempotently: a resend with the same client_id returns the first result."""
    outcome = log_actions(participant.team.exercise_id, [ActionRequest(participant.id, client_id, step, text)])[0]
    if isinstance(outcome, ServiceError):
        raise outcome
    return outcome


def log_actions(exercise_id: int, requests: list[ActionRequest]) -> list[dict[str, Any] | ServiceError]:
    """Record several actions of one exercise in the caller's transaction, one outcome per request.

    One exercise lock, one duplicate check, one insert of the actions and of their events and
    one compliance refresh serve the whole list (group commit of concurrent tablets). A refused
    request gets its error as its outcome and does not affect the others. A client_id seen
    before, or earlier in the same list, answers with the first result.
    """
    exercise = get_exercise(exercise_id, lock=True)  # taken first: the duplicate check below is final
    # Plain rows (Core statements on the session's connection): this runs for every batch of
    # actions, and ORM objects would cost more than the statements.
    connection = db.session.connection()
    people = {row.id: row for row in connection.execute(
        select(Participant.id, Participant.revoked_at, Participant.display_name, Team.exercise_id,
               Team.key.label("team_key"), Team.agency)
        .join(Team, Team.id == Participant.team_id)
        .where(Participant.id.in_({r.participant_id for r in requests})))}
    known = {row.client_id: row for row in connection.execute(
        select(Action.client_id, Action.team_key, Action.id, Action.event_seq, Action.exercise_time_s).where(
            Action.exercise_id == exercise.id,
            Action.client_id.in_({r.client_id for r in requests if isinstance(r.client_id, str)})))}
    outcomes: list[dict[str, Any] | ServiceError | None] = [None] * len(requests)
    accepted: list[tuple[int, Any, ActionRequest, str]] = []  # (index in requests, sender, request, text)
    first_in_batch: dict[str, int] = {}  # client_id -> index in `accepted`
    repeats: list[tuple[int, Any, int]] = []
    for i, request in enumerate(requests):
        try:
            sender = _sender(people.get(request.participant_id), exercise)
            _check_client_id(request.client_id)
            if request.client_id in known:
                first = _same_team(known[request.client_id], sender)
                outcomes[i] = _action_result(first.event_seq, first.id, first.exercise_time_s, duplicate=True)
            elif request.client_id in first_in_batch:
                repeats.append((i, sender, first_in_batch[request.client_id]))
            else:
                text = _checked_action(exercise, sender, request)
                first_in_batch[request.client_id] = len(accepted)
                accepted.append((i, sender, request, text))
        except ServiceError as exc:
            outcomes[i] = exc
    for (i, *_), result in zip(accepted, _insert_actions(exercise, accepted) if accepted else []):
        outcomes[i] = result
    for i, sender, first in repeats:
        original = outcomes[accepted[first][0]]
        same_team = accepted[first][1].team_key == sender.team_key
        outcomes[i] = {**original, "duplicate": True} if same_team else _client_id_taken()
    return outcomes


def _insert_actions(exercise: Exercise, accepted: list[tuple[int, Any, ActionRequest, str]]) -> list[dict[str, Any]]:
    """Write the accepted actions and their events; their results, in order."""
    now = wall_now()
    at_s = elapsed(exercise, now)
    first_seq, prev_hash = reserve_seqs(exercise, len(accepted))
    rows = [{"exercise_id": exercise.id, "team_key": who.team_key, "participant_id": who.id, "step": r.step,
             "text": text, "client_id": r.client_id, "exercise_time_s": at_s, "wall_time": now,
             "event_seq": first_seq + k} for k, (_, who, r, text) in enumerate(accepted)]
    ids = db.session.connection().execute(
        insert(Action.__table__).returning(Action.__table__.c.id, sort_by_parameter_order=True), rows).scalars().all()
    append_events(exercise, [
        {"type": "action.logged", "actor": who.display_name, "team": who.team_key, "visible_to": [who.team_key],
         "exercise_time_s": at_s,
         "data": {"action": {"id": action_id, "client_id": r.client_id, "step": r.step, "text": text,
                             "by": who.display_name, "team": who.team_key, "exercise_time_s": round(at_s, 3)}}}
        for action_id, (_, who, r, text) in zip(ids, accepted)], now=now, reserved=(first_seq, prev_hash))
    if any(r.step is not None for _, _, r, _ in accepted):
        refresh_compliance(exercise, now)
    return [_action_result(first_seq + k, action_id, at_s, duplicate=False) for k, action_id in enumerate(ids)]


def _sender(who: Any, exercise: Exercise) -> Any:
    """The participant row of a request, if it may still log actions in this exercise."""
    if who is None or who.revoked_at is not None:
        raise Unauthorized(REVOKED)
    if who.exercise_id != exercise.id:
        raise Forbidden(gettext("not your exercise"))
    return who


def _check_client_id(client_id: Any) -> None:
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise InvalidInput(gettext("client_id must be 8-64 letters, digits or - _ . :"),
                           fields={"client_id": [gettext("8-64 characters of A-Z a-z 0-9 - _ . :")]})


def _checked_action(exercise: Exercise, who: Any, request: ActionRequest) -> str:
    """The action's text, once the action is known to be one the team may log now."""
    _check_live(exercise)
    text = (request.text or "").strip()
    if request.step is None and not text:
        raise InvalidInput(gettext("an action needs a step or a text"), fields={"text": [gettext("required when no step is given")]})
    if len(text) > MAX_TEXT:
        raise InvalidInput(gettext("text too long"), fields={"text": [gettext("at most %(MAX_TEXT)s characters", MAX_TEXT=MAX_TEXT)]})
    if request.step is not None:
        _check_step_for_agency(exercise, who.agency, request.step)
    return text


def _same_team(action: Any, who: Any) -> Any:
    """A resend answers with the first result, but never with another team's action."""
    if action.team_key != who.team_key:
        raise _client_id_taken()
    return action


def _client_id_taken() -> Conflict:
    return Conflict(gettext("this client_id is taken; send the action with a new one"),
                    fields={"client_id": [gettext("already used by another tablet")]})


def _action_result(seq: int, action_id: int, exercise_time_s: float, *, duplicate: bool) -> dict[str, Any]:
    return {"seq": seq, "action_id": action_id, "duplicate": duplicate, "exercise_time_s": exercise_time_s}


def _check_step_for_agency(exercise: Exercise, agency: str, step: str) -> None:
    checklist = exercise.checklist
    if not checklist.has_step(step):
        raise InvalidInput(gettext("unknown step '%(step)s'", step=step), fields={"step": [gettext("unknown step '%(step)s'", step=step)]})
    if not checklist.is_responsible(agency, step):
        raise InvalidInput(gettext("step '%(step)s' is not one of your team's steps", step=step),
                           fields={"step": [gettext("not a step for agency '%(agency)s'", agency=agency)]})


def send_message(exercise_id: int, *, sender: Participant | User, to: str, text: str,
                 client_id: str | None = None) -> dict[str, Any]:
    """A message between a team and control. Teams write to "control"; staff to a team key or "all".
    With a `client_id` (a tablet's, resending what it wrote offline) the message is sent once: a
    resend answers the first one's seq."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput(gettext("empty message"), fields={"text": [gettext("required")]})
    if len(text) > MAX_TEXT:
        raise InvalidInput(gettext("message too long"), fields={"text": [gettext("at most %(MAX_TEXT)s characters", MAX_TEXT=MAX_TEXT)]})
    exercise = get_exercise(exercise_id, lock=client_id is not None)
    if client_id is not None:
        team_key = sender.team.key if isinstance(sender, Participant) else None
        for row in iter_events(exercise.id, types=["message"]):
            if row["payload"].get("client_id") == client_id and row["team"] == team_key:
                return {"seq": row["seq"], "duplicate": True}
    if exercise.status == ExerciseStatus.ENDED:
        raise Conflict(gettext("the exercise has ended"))
    now = wall_now()
    if isinstance(sender, Participant):
        if sender.team.exercise_id != exercise.id:
            raise Forbidden(gettext("not your exercise"))
        if to != "control":
            raise InvalidInput(gettext("a team writes to control"), fields={"to": [gettext("must be \"control\"")]})
        team_key, who, visible = sender.team.key, sender.display_name, [sender.team.key]
        data = {"from": {"team": team_key, "name": who}, "to": "control", "text": text}
    else:
        if to == "all":
            team_key, visible = None, None
        elif exercise.team(to):
            team_key, visible = to, [to]
        else:
            raise InvalidInput(gettext("unknown team '%(to)s'", to=to), fields={"to": [gettext("a team key or \"all\"")]})
        who = sender.username
        data = {"from": {"control": who}, "to": to, "text": text}
    if client_id is not None:
        data["client_id"] = client_id
    ev = append_event(exercise, "message", data, actor=who, team=team_key,
                      exercise_time_s=elapsed(exercise, now), now=now, visible_to=visible)
    # the answer of a message without a client_id is as it always was
    return {"seq": ev.seq, "duplicate": False} if client_id is not None else {"seq": ev.seq}


