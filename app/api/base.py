"""What every API blueprint shares: sign-in first, CSRF for browser sessions only, a sturdy JSON parser."""
import json

from flask import request
from flask_login import current_user
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser

from ..auth import bearer_token, current_principal
from ..extensions import csrf
from ..services.unit import transactional

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class JsonBodyParser(FlaskParser):
    """webargs' parser, but a body Python's json cannot hold (an integer of thousands of digits,
    arrays nested thousands deep) is a 400 like any other invalid JSON, not a server error."""

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise  # webargs answers these itself
        except (ValueError, RecursionError) as exc:
            self._handle_invalid_json_error(exc, req)


class ApiBlueprint(Blueprint):
    """Every operation runs as one unit of work (services.unit): committed when it returns, rolled
    back when it raises."""

    ARGUMENTS_PARSER = JsonBodyParser()

    def add_url_rule(self, rule, endpoint=None, view_func=None, provide_automatic_options=None, **options):
        if view_func is not None:
            view_func = transactional(view_func)  # wraps() keeps the name and the OpenAPI notes
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **options)


def api_blueprint(name: str, import_name: str, url_prefix: str, description: str,
                  public: bool = False) -> Blueprint:
    """A /api/v1 blueprint: bearer-token callers need no CSRF token; browser sessions do.
    Unless `public`, a caller who is not signed in gets 401 before the body is even read."""
    blp = ApiBlueprint(name, import_name, url_prefix=url_prefix, description=description)
    csrf.exempt(blp)
    blp.before_request(_csrf_for_sessions)
    if not public:
        blp.before_request(_signed_in)
    return blp


def _signed_in():
    current_principal().require_signed_in()  # an unknown or revoked bearer token is a 401 too


def _csrf_for_sessions():
    if request.method in UNSAFE and not bearer_token() and current_user.is_authenticated:
        csrf.protect()
