"""Staff browser sessions. A session cookie names the account and its `session_version`; raising
the version ends every session of the account, on every device, at its next request."""
from ..models import User
from .realtime_out import after_commit, disconnect_user_sessions


def end_sessions(user: User) -> None:
    """Sign-out: the account's session cookies stop working, here and on its other devices."""
    user.end_sessions()
    after_commit(disconnect_user_sessions, user.id)
