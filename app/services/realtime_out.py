"""Live delivery to Socket.IO: committed events to their rooms, and revoked tablets signed out.

Both happen only after the transaction that caused them commits (services.events queues them
in the session), so a client never sees an event, or loses its connection, for a change that
was rolled back. api/ and web/ reach Socket.IO only through here.
"""
from collections.abc import Callable
from typing import Any

from ..extensions import db, socketio

AFTER_COMMIT_KEY = "cordon_live_after_commit"

REVOKED_MESSAGE = {"message": "this team's join code was changed; join again"}


def emit_events(pending: list[tuple[list[str], dict[str, Any]]]) -> None:
    """Send each event envelope to its rooms; a client in several of them gets it once."""
    for rooms, message in pending:
        socketio.emit("event", message, to=rooms)


def after_commit(action: Callable[..., None], *args: Any) -> None:
    """Run `action(*args)` once the current transaction commits (never if it rolls back)."""
    db.session.info.setdefault(AFTER_COMMIT_KEY, []).append((action, args))


def run_after_commit(session_info: dict) -> None:
    for action, args in session_info.pop(AFTER_COMMIT_KEY, ()):
        action(*args)


def drop_after_rollback(session_info: dict) -> None:
    session_info.pop(AFTER_COMMIT_KEY, None)


def participant_room(participant_id: int) -> str:
    return f"participant:{participant_id}"


def disconnect_participants(participant_ids: list[int]) -> None:
    """Sign out revoked tablets: tell them, then close their connections on this process.

    On other processes every further event of a revoked tablet is refused, and the tablet leaves
    when it gets `revoked`.
    """
    server = socketio.server
    for participant_id in participant_ids:
        name = participant_room(participant_id)
        socketio.emit("revoked", REVOKED_MESSAGE, to=name)
        for sid, _ in list(server.manager.get_participants("/", name)):
            server.disconnect(sid, namespace="/")


def user_sessions_room(user_id: int) -> str:
    """The connections a staff user's browser sessions opened (not those opened with API tokens)."""
    return f"user-session:{user_id}"


def disconnect_user_sessions(user_id: int) -> None:
    """Close the connections of a user's browser sessions on this process, once they signed out;
    on other processes the next event of such a connection is refused."""
    server = socketio.server
    for sid, _ in list(server.manager.get_participants("/", user_sessions_room(user_id))):
        server.disconnect(sid, namespace="/")
