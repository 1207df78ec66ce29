"""Staff accounts: password check and API tokens."""
import functools

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import ApiToken, Role, User
from ..vocabulary import MAX_PERSON_NAME
from .codes import new_token, token_hash
from ..errors import Conflict, InvalidInput, Unauthorized
from .realtime_out import after_commit, disconnect_user_sessions
from .timing import wall_now
from flask_babel import gettext


MIN_PASSWORD = 8


def create_user(username: str, role: str, password: str) -> User:
    """A staff account (admin, controller or evaluator)."""
    username = (username or "").strip()
    if not username or len(username) > MAX_PERSON_NAME:
        raise InvalidInput(gettext("a username has 1 to %(MAX_PERSON_NAME)s characters", MAX_PERSON_NAME=MAX_PERSON_NAME), fields={"username": [gettext("invalid")]})
    if role not in set(Role):
        raise InvalidInput(gettext("unknown role '%(role)s'", role=role), fields={"role": [gettext("one of %(names)s", names=', '.join(Role))]})
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(gettext("the password must have at least %(MIN_PASSWORD)s characters", MIN_PASSWORD=MIN_PASSWORD),
                           fields={"password": [gettext("at least %(MIN_PASSWORD)s characters", MIN_PASSWORD=MIN_PASSWORD)]})
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(gettext("a user named '%(username)s' already exists", username=username), fields={"username": [gettext("taken")]})
    user = User(username=username, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def change_password(user: User, password: str) -> None:
    """A new password; the account's browser sessions end (services.sessions)."""
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(gettext("the password must have at least %(MIN_PASSWORD)s characters", MIN_PASSWORD=MIN_PASSWORD),
                           fields={"password": [gettext("at least %(MIN_PASSWORD)s characters", MIN_PASSWORD=MIN_PASSWORD)]})
    user.set_password(password)
    after_commit(disconnect_user_sessions, user.id)


def deactivate_user(user: User) -> None:
    """The account stops working at once: its sessions, sockets and API tokens."""
    user.active = False
    after_commit(disconnect_user_sessions, user.id)


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def authenticate(username: str, password: str) -> User:
    user = db.session.scalars(select(User).where(User.username == username)).first()
    # Every attempt costs one password hash, so the response time does not tell whether the
    # username exists (or is disabled).
    password_hash = user.password_hash if user is not None else _unknown_user_hash()
    matches = check_password_hash(password_hash, password or "")
    if user is None or not user.active or not matches:
        raise Unauthorized(gettext("wrong username or password"))
    return user


@functools.cache
def _unknown_user_hash() -> str:
    """A hash made the way real passwords are (Werkzeug's default method and cost) of nothing anyone knows."""
    return generate_password_hash(new_token())


def issue_api_token(user: User) -> str:
    """A bearer token for API clients; shown once, stored hashed."""
    token = new_token()
    db.session.add(ApiToken(user=user, token_hash=token_hash(token)))
    return token


def user_for_api_token(token: str) -> User | None:
    row = db.session.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash(token))).first()
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    now = wall_now()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        _note_use(row, now)
    return row.user


def _note_use(row: ApiToken, now) -> None:
    """Record when a token was last used (to the minute), in a short transaction of its own: the
    request it authenticates, a read above all, never holds the write lock for it. Skipped when
    the database is busy; the next use records it."""
    try:
        with db.engine.begin() as connection:
            connection.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
    except OperationalError:
        return
    set_committed_value(row, "last_used_at", now)
