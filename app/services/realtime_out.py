"""Live delivery of committed events to Socket.IO rooms."""
from typing import Any

from ..extensions import socketio


def emit_events(pending: list[tuple[list[str], dict[str, Any]]]) -> None:
    """Send each event envelope to its rooms; a client in several of them gets it once."""
    for rooms, message in pending:
        socketio.emit("event", message, to=rooms)
