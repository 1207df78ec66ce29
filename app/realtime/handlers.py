"""Socket.IO handlers (DESIGN.md sections 6-7). Each client event is answered through the ack
callback with {ok: true, ...} or {ok: false, error: {code, message}}; nothing a client sends
can drop its connection or reach the server as an exception."""
import functools
import logging
from typing import Any, Callable

from flask import session
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, emit, join_room, leave_room
from marshmallow import Schema, ValidationError
from sqlalchemy import select

from ..auth import Principal, check_caller, principal_for_token
from ..extensions import db, socketio
from ..models import Action, Participant, User
from ..schemas.api import AckIn, ActionIn, MessageIn, SyncIn, WatchIn
from ..schemas.radiological import MoveIn, ReadingIn
from ..schemas.zones import ZoneChangeIn, ZoneIn, ZoneRemoveIn
from ..services.compliance import compliance_view, compute
from ..errors import Forbidden, InvalidInput, ServiceError, Unauthorized
from ..services.events import events_since, stored_envelope
from ..services.exercises import get_exercise
from ..services.participation import REVOKED, ActionRequest, acknowledge_inject, send_message
from ..services.realtime_out import participant_room, user_sessions_room
from ..services.unit import transactional
from ..services import drawing, radiological
from ..services.views import exercise_view, team_checklist
from . import group_commit
from flask_babel import gettext

log = logging.getLogger(__name__)
SYNC_LIMIT = 5000


def room(exercise_id: int, part: str | None = None) -> str:
    return f"ex:{exercise_id}" + (f":{part}" if part else "")


# -- who is connected ----------------------------------------------------------------------

def _identity() -> dict[str, Any]:
    """Who the connection authenticated as: {kind, id}, and for a tablet its exercise_id."""
    who = session.get("cordon")
    if not who:
        raise Unauthorized(gettext("not connected"))
    return who


def _principal() -> Principal:
    """Reload the connection's identity on every event, so revocations take effect at once."""
    who = _identity()
    if who["kind"] == "participant":
        participant = db.session.get(Participant, who["id"])
        if participant is None or participant.revoked_at is not None:
            raise Unauthorized(REVOKED)
        return Principal(participant=participant)
    user = db.session.get(User, who["id"])
    if user is None or not user.active:
        raise Unauthorized(gettext("account disabled"))
    if who.get("session_version", user.session_version) != user.session_version:
        raise Unauthorized(gettext("signed out"))  # the browser session this connection came with has ended
    return Principal(user=user)


@socketio.on("connect")
@transactional
def on_connect(auth=None):
    if "cordon" in session:
        # python-socketio also runs this for a client *event* named "connect": an open connection
        # keeps the identity it connected with.
        return
    token = auth.get("token") if isinstance(auth, dict) else None
    principal = principal_for_token(token) if isinstance(token, str) and token else Principal()
    from_session = principal.anonymous and current_user.is_authenticated  # a current session only (auth.py)
    if from_session:
        principal = Principal(user=current_user._get_current_object())
    if principal.anonymous:
        raise ConnectionRefusedError({"code": "unauthorized", "message": "send a team or staff token"})
    if principal.participant is not None:
        participant = principal.participant
        exercise_id = participant.team.exercise_id
        session["cordon"] = {"kind": "participant", "id": participant.id, "exercise_id": exercise_id}
        join_room(room(exercise_id))
        join_room(room(exercise_id, f"team:{participant.team.key}"))
        join_room(participant_room(participant.id))
        emit("state", _state(principal, exercise_id))
    else:
        session["cordon"] = {"kind": "user", "id": principal.user.id}
        if from_session:
            session["cordon"]["session_version"] = principal.user.session_version
            join_room(user_sessions_room(principal.user.id))


def _state(principal: Principal, exercise_id: int) -> dict[str, Any]:
    exercise = get_exercise(exercise_id)
    if principal.is_staff:
        return {"exercise": exercise_view(exercise, staff=True),
                "compliance": compliance_view(exercise, compute(exercise)),
                "you": {"role": principal.role, "name": principal.name}}
    team_key = principal.team_key
    actions = db.session.scalars(select(Action).where(Action.exercise_id == exercise_id,
                                                      Action.team_key == team_key).order_by(Action.id)).all()
    return {
        "exercise": exercise_view(exercise, staff=False, team_key=team_key),
        "you": {"role": "participant", "name": principal.name, "participant_id": principal.participant.id,
                "team": {"key": team_key, "name": principal.participant.team.name,
                         "agency": principal.participant.team.agency}},
        "checklist": team_checklist(exercise, team_key),
        "compliance": compliance_view(exercise, compute(exercise), team_key=team_key)["teams"][0],
        "actions": [{"client_id": a.client_id, "step": a.step, "text": a.text, "seq": a.event_seq,
                     "exercise_time_s": a.exercise_time_s} for a in actions],
    }


# -- client events -------------------------------------------------------------------------

def client_event(name: str, schema: type[Schema] | None, *, caller: str | None = None,
                 reload_identity: bool = True):
    """Check the caller, validate the payload, run the handler, commit, and answer through the ack callback.

    `caller` names who may send the event (auth.RULES, as routes' `@caller`), checked before the
    payload is read. The handler gets the connection's Principal, reloaded (see _principal); without
    `reload_identity`, the connection's stored identity instead, for a handler that checks it
    in its own query.
    """
    def decorate(handler: Callable[..., dict[str, Any]]):
        @functools.wraps(handler)
        def wrapper(payload=None, *extra):
            @transactional  # one unit of work, tried again while SQLite is locked
            def work():
                who = _principal() if reload_identity else _identity()
                if caller is not None:
                    check_caller(caller, who)
                return handler(who, _load(schema, payload))
            try:
                result = work()
                return {"ok": True, **result}
            except ServiceError as exc:
                return {"ok": False, "error": exc.to_dict()}
            except Exception:
                log.exception("socket event %s failed", name)
                return {"ok": False, "error": {"code": "internal", "message": "the server could not do this; "
                                                                             "try again"}}
        socketio.on(name)(wrapper)
        return wrapper
    return decorate


def _load(schema: type[Schema] | None, payload: Any) -> dict[str, Any]:
    if schema is None:
        return {}
    if not isinstance(payload, dict):
        raise InvalidInput(gettext("the payload must be a JSON object"))
    try:
        return schema().load(payload)
    except ValidationError as exc:
        fields = {k: v if isinstance(v, list) else [str(v)] for k, v in exc.normalized_messages().items()}
        first = next(iter(fields.items()))
        raise InvalidInput(gettext("invalid %(value)s: %(value2)s", value=first[0], value2=first[1][0]), fields=fields) from None


@client_event("watch", WatchIn, caller="staff")
def on_watch(principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """Staff follow an exercise: its whole room and the staff room."""
    exercise_id = data["exercise_id"]
    state = _state(principal, exercise_id)  # 404 for an unknown exercise
    previous = session["cordon"].get("watching")
    if previous is not None and previous != exercise_id:
        leave_room(room(previous))  # one exercise per connection: stop the old one's events
        leave_room(room(previous, "staff"))
    join_room(room(exercise_id))
    join_room(room(exercise_id, "staff"))
    session["cordon"]["watching"] = exercise_id
    emit("state", state)
    return {"exercise_id": exercise_id, "last_seq": state["exercise"]["last_seq"]}


@client_event("ack_inject", AckIn, caller="participant")
def on_ack(principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    return acknowledge_inject(principal.participant, data["inject_id"])


@client_event("log_action", ActionIn, reload_identity=False)
def on_log_action(who: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Written with the exercise's other pending actions (group_commit), which also checks that
    the tablet was not revoked."""
    if who["kind"] != "participant":
        raise Forbidden(gettext("team members log actions"))
    request = ActionRequest(who["id"], data["client_id"], data.get("step"), data.get("text"))
    return group_commit.log_action(who["exercise_id"], request)


@client_event("sync", SyncIn)
def on_sync(principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """Events after `since` that this client may see (its team's, or all for staff), oldest first."""
    exercise_id = _exercise_of(principal)
    team_key = None if principal.is_staff else principal.team_key
    events = events_since(exercise_id, data["since"], team_key=team_key, limit=SYNC_LIMIT)
    return {"events": [stored_envelope(row) for row in events], "complete": len(events) < SYNC_LIMIT}


@client_event("message", MessageIn, caller="team_or_controller")
def on_message(principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    exercise_id = _exercise_of(principal)
    sender = principal.participant if principal.participant is not None else principal.user
    return send_message(exercise_id, sender=sender, to=data["to"], text=data["text"], client_id=data.get("client_id"))


# -- zones on the site map (the same services as REST, docs/zones.md) ----------------------------

def _drawer(principal: Principal):
    return principal.participant if principal.participant is not None else principal.user


@client_event("draw_zone", ZoneIn, caller="team_or_controller")
def on_draw_zone(principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    return drawing.draw_zone(_exercise_of(principal), _drawer(principal), data)


@client_event("change_zone", ZoneChangeIn, caller="team_or_controller")
def on_change_zone(principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    return drawing.change_zone(_exercise_of(principal), data["zone_id"], _drawer(principal), data)


@client_event("remove_zone", ZoneRemoveIn, caller="team_or_controller")
def on_remove_zone(principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    return drawing.remove_zone(_exercise_of(principal), data["zone_id"], _drawer(principal))


@client_event("move_responder", MoveIn, caller="team_or_controller")
def on_move_responder(principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    return radiological.move_responder(_exercise_of(principal), _drawer(principal), data)


@client_event("take_reading", ReadingIn, caller="team_or_controller")
def on_take_reading(principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    return radiological.take_reading(_exercise_of(principal), _drawer(principal), data)


def _exercise_of(principal: Principal) -> int:
    if principal.participant is not None:
        return principal.participant.team.exercise_id
    watching = session.get("cordon", {}).get("watching")
    if watching is None:
        raise InvalidInput(gettext("watch an exercise first"))
    return watching


@socketio.on_error_default
def on_error(exc):  # handlers above answer their own errors; this is the last resort
    log.exception("unhandled socket error: %s", exc)
