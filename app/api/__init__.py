"""The JSON API under /api/v1 (flask-smorest): blueprints, error shape, OpenAPI document."""
from flask import Flask, jsonify, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from ..extensions import api
from ..schemas.api import MAX_ROW_ID
from ..errors import ServiceError
from ..i18n import translate

def error_response(status: int, code: str, message: str, fields: dict | None = None, extra: dict | None = None):
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return jsonify({**body, **(extra or {})}), status


class RowId(IntegerConverter):
    """`<int:...>` in URLs: a number larger than a database id is a 404, not an overflow in the query."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ROW_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_api(app: Flask) -> None:
    from . import (evaluation, exercises, library, msel, participation, plans, radiological, replay, report, site,
                   tokens, zones)

    app.url_map.converters["int"] = RowId  # before any route is added
    api.init_app(app)
    for module in (tokens, library, exercises, participation, evaluation, report, msel, replay, zones, site,
                   radiological, plans):
        api.register_blueprint(module.blp)

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        # Beside the error, what the caller needs to act on it (a 409's `conflict`), if any.
        return error_response(exc.status, exc.code, exc.message, exc.fields, getattr(exc, "response_extra", None))

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        if _is_api(request.path):
            return error_response(400, "csrf", exc.description)
        return exc

    # flask-smorest's own errors (422 validation, 404, 405...) in the contract's shape.
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if _is_api(request.path):
            return _http_exception(error)
        return error


def _is_api(path: str) -> bool:
    return path.startswith("/api/")


CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "invalid", 429: "rate_limited"}


def _http_exception(error: HTTPException):
    status = error.code or 500
    data = getattr(error, "data", {}) or {}
    fields = None
    messages = data.get("messages")
    if messages:
        # webargs groups errors by location (json, query...); the contract wants field -> reasons.
        fields = {}
        for location_errors in messages.values():
            fields.update(_flatten(location_errors))
        fields = {name: [translate(reason) for reason in reasons] for name, reasons in fields.items()}
    message = data.get("message") or error.description or error.name
    if status == 422 and fields:
        first = next(iter(fields.items()))
        message = gettext("invalid %(field)s: %(reason)s", field=first[0], reason=first[1][0])
    return error_response(status, CODES.get(status, "error"), message, fields)


def _flatten(errors, prefix: str = "") -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                name = prefix or "_schema"
            flat.update(_flatten(value, name))
    elif isinstance(errors, list):
        if all(isinstance(e, str) for e in errors):
            flat[prefix or "_schema"] = errors
        else:
            for index, item in enumerate(errors):
                flat.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "_schema"] = [str(errors)]
    return flat
