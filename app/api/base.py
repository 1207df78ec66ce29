"""What every API blueprint shares: CSRF for browser sessions only."""
from flask import request
from flask_login import current_user
from flask_smorest import Blueprint

from ..auth import bearer_token
from ..extensions import csrf

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def api_blueprint(name: str, import_name: str, url_prefix: str, description: str) -> Blueprint:
    """A /api/v1 blueprint: bearer-token callers need no CSRF token; browser sessions do."""
    blp = Blueprint(name, import_name, url_prefix=url_prefix, description=description)
    csrf.exempt(blp)
    blp.before_request(_csrf_for_sessions)
    return blp


def _csrf_for_sessions():
    if request.method in UNSAFE and not bearer_token() and current_user.is_authenticated:
        csrf.protect()
