"""Socket.IO: connect and authenticate, rooms, state snapshots, acks, actions, sync, messages."""
from . import handlers  # noqa: F401  (registers the handlers on the socketio object)
