from flask import jsonify
from sqlalchemy import text

from ..extensions import db
from . import bp


@bp.get("/healthz")
def healthz():
    """Liveness and database reachability, for load balancers and `make run`."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as exc:  # a health check reports, it does not raise
        database = f"error: {exc.__class__.__name__}"
    status = 200 if database == "ok" else 503
    return jsonify({"status": "ok" if status == 200 else "degraded", "database": database}), status
