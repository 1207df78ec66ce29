"""Who is asking: a staff user (bearer token or browser session) or a participant (team token).

Every route and socket handler resolves a Principal and asks it what it may do; the rules
live here, in one place. Routes and pages say who may call them with `@caller(rule)`, socket
events with `client_event(..., caller=rule)`: one table of rules (`RULES`), checked before the
body is read, so the wrong caller gets 401/403 whatever they send.
"""
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import abort, request
from flask_login import current_user

from .extensions import db, login_manager
from .models import Exercise, Participant, Role, User
from .schemas.api import MAX_ROW_ID
from .services.accounts import user_for_api_token
from .errors import Forbidden, Unauthorized
from .services.participation import participant_for_token
from flask_babel import gettext


@dataclass(frozen=True)
class Principal:
    user: User | None = None
    participant: Participant | None = None

    @property
    def anonymous(self) -> bool:
        return self.user is None and self.participant is None

    @property
    def role(self) -> str:
        if self.user is not None:
            return self.user.role
        return "participant" if self.participant is not None else "anonymous"

    @property
    def name(self) -> str:
        if self.user is not None:
            return self.user.username
        return self.participant.display_name if self.participant is not None else "anonymous"

    @property
    def is_staff(self) -> bool:
        return self.user is not None

    @property
    def team_key(self) -> str | None:
        return self.participant.team.key if self.participant is not None else None

    def may_control(self, exercise: Exercise | None = None) -> bool:
        return self.user is not None and self.user.role in (Role.ADMIN, Role.CONTROLLER)

    def may_evaluate(self, exercise: Exercise | None = None) -> bool:
        return self.user is not None and self.user.role in (Role.ADMIN, Role.EVALUATOR, Role.CONTROLLER)

    def in_exercise(self, exercise_id: int) -> bool:
        return self.is_staff or (self.participant is not None and self.participant.team.exercise_id == exercise_id)

    # Raising forms, for routes: 401 when nobody is signed in, 403 when the wrong person is.
    def require_signed_in(self) -> "Principal":
        if self.anonymous:
            raise Unauthorized(gettext("sign in, or send a bearer token"))
        return self

    def require_staff(self) -> "Principal":
        self.require_signed_in()
        if not self.is_staff:
            raise Forbidden(gettext("exercise staff only"))
        return self

    def require_controller(self) -> "Principal":
        self.require_staff()
        if not self.may_control():
            raise Forbidden(gettext("controllers only: evaluators observe but do not run the exercise"))
        return self

    def require_evaluator(self) -> "Principal":
        self.require_staff()
        if not self.may_evaluate():
            raise Forbidden(gettext("evaluators and controllers only"))
        return self

    def require_participant_of(self, exercise_id: int) -> Participant:
        self.require_signed_in()
        if self.participant is None:
            raise Forbidden(gettext("team members only"))
        if self.participant.team.exercise_id != exercise_id:
            raise Forbidden(gettext("not your exercise"))
        return self.participant

    def require_in_exercise(self, exercise_id: int) -> "Principal":
        self.require_signed_in()
        if not self.in_exercise(exercise_id):
            raise Forbidden(gettext("not your exercise"))
        return self

    def require_team_or_controller(self, exercise_id: int | None) -> "Principal":
        """A team member, or staff who control (evaluators only observe): who sends messages, draws zones."""
        if exercise_id is None:
            self.require_signed_in()
        else:
            self.require_in_exercise(exercise_id)
        if self.is_staff:
            self.require_controller()
        return self


# Who may call, by name: each takes (principal, the exercise in the URL or None) and returns what
# the view receives as `caller` (the Principal, or the Participant for "participant").
RULES: dict[str, Callable[[Principal, int | None], Any]] = {
    "signed_in": lambda p, exercise_id: p.require_signed_in(),
    "staff": lambda p, exercise_id: p.require_staff(),
    "evaluator": lambda p, exercise_id: p.require_evaluator(),
    "controller": lambda p, exercise_id: p.require_controller(),
    "in_exercise": lambda p, exercise_id: (p.require_in_exercise(exercise_id) if exercise_id is not None
                                           else p.require_signed_in()),
    "participant": lambda p, exercise_id: (p.require_participant_of(exercise_id) if exercise_id is not None
                                           else _require_participant(p)),
    "team_or_controller": lambda p, exercise_id: p.require_team_or_controller(exercise_id),
}


def _require_participant(principal: Principal) -> Participant:
    principal.require_signed_in()
    if principal.participant is None:
        raise Forbidden(gettext("team members only"))
    return principal.participant


def check_caller(rule: str, principal: Principal, exercise_id: int | None = None) -> Any:
    """Apply one of RULES (raises Unauthorized or Forbidden); what the view receives as `caller`."""
    return RULES[rule](principal, exercise_id)


def caller(rule: str, *, page: bool = False):
    """The one way a REST operation or a page says who may call it. Put it below the route and above
    the body's schema, so the caller is checked first; the view gets `caller` (see RULES). A page
    (`page=True`) knows its caller by the browser session only, sends a signed-out visitor to the
    sign-in page and answers others with a 403 page."""
    if rule not in RULES:
        raise ValueError(f"unknown caller rule {rule!r}; known: {', '.join(RULES)}")

    def decorate(view):
        @wraps(view)
        def checked(*args, **kwargs):
            principal = session_principal() if page else current_principal()
            if page and principal.anonymous:
                return login_manager.unauthorized()
            try:
                allowed = check_caller(rule, principal, kwargs.get("exercise_id"))
            except Forbidden:
                if page:
                    abort(403)
                raise
            return view(*args, caller=allowed, **kwargs)
        return checked
    return decorate


def principal_for_token(token: str | None) -> Principal:
    """Staff API token or participant token -> Principal (anonymous when neither matches)."""
    if not token or not token.isascii():  # tokens are URL-safe ASCII; other text cannot be one
        return Principal()
    user = user_for_api_token(token)
    if user is not None:
        return Principal(user=user)
    participant = participant_for_token(token)
    if participant is not None:
        return Principal(participant=participant)
    return Principal()


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def current_principal() -> Principal:
    """The caller of this request: bearer token first, then the browser session."""
    token = bearer_token()
    if token:
        principal = principal_for_token(token)
        if principal.anonymous:
            raise Unauthorized(gettext("unknown or revoked token"))
        return principal
    if current_user.is_authenticated:
        return Principal(user=current_user._get_current_object())
    return Principal()


def session_principal() -> Principal:
    """The caller of a page: the browser session's staff user (pages take no bearer tokens)."""
    if current_user.is_authenticated:
        return Principal(user=current_user._get_current_object())
    return Principal()


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """The session's user, if the session is still current: `<id>:<session_version>` (User.get_id);
    a sign-out, a password change or deactivation raised the version and ended it."""

    try:
        user_id, version = (int(part) for part in session_id.split(":"))
    except ValueError:  # a cookie from before session versions: signed out
        return None
    user = db.session.get(User, user_id) if 0 < user_id <= MAX_ROW_ID else None
    if user is None or not user.active or user.session_version != version:
        return None
    return user
