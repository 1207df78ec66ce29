"""The evaluator's page of a running exercise: team timelines, quick observations, ratings, the improvement plan.

The page is a shell; evaluator.js fills it from the live connection and the evaluation API. What it
needs before the first socket message (the teams, objectives, checklist steps, who may set the
consensus or name the lead evaluator) is rendered here.
"""
from flask import render_template, url_for
from sqlalchemy import select
from werkzeug.routing import BuildError

from ..auth import caller
from ..extensions import db
from ..models import Role, User
from ..services.evaluation import RATING_DEFINITIONS
from ..vocabulary import CAPABILITY_ELEMENTS, CORRECTIVE_ACTION_STATUSES
from . import bp
from .console import _exercise_or_404


def _lead_candidates() -> list[str]:
    """Who may be named lead evaluator: active evaluators and admins."""
    query = (select(User.username).where(User.role.in_((Role.EVALUATOR, Role.ADMIN)), User.active.is_(True))
             .order_by(User.username))
    return list(db.session.scalars(query))


@bp.get("/exercises/<int:exercise_id>/evaluate")
@caller("evaluator", page=True)
def evaluate(exercise_id: int, caller):
    """Evaluators, controllers and admins: observe every team, rate the objectives, edit the improvement plan."""
    exercise = _exercise_or_404(exercise_id)
    scenario = exercise.scenario_snapshot
    steps = {s["id"]: s["text"] for s in exercise.checklist.steps}
    page = {
        "exercise_id": exercise.id,
        "name": exercise.name,
        "user": caller.name,
        "role": caller.role,
        "can_name_lead": caller.may_control(),
        "teams": [{"key": t.key, "name": t.name, "agency": t.agency} for t in exercise.teams],
        "objectives": [{"id": o["id"], "text": o.get("text", ""), "capability": o.get("capability") or ""}
                       for o in scenario.get("objectives") or []],
        "steps": steps,
        "lead_candidates": _lead_candidates() if caller.may_control() else [],
        "capability_elements": list(CAPABILITY_ELEMENTS),
        "statuses": list(CORRECTIVE_ACTION_STATUSES),
        "definitions": RATING_DEFINITIONS["ratings"],
    }
    try:
        report_url = url_for("web.report", exercise_id=exercise.id)
    except BuildError:  # the report page is optional
        report_url = None
    exports = {
        "ip_csv": f"/api/v1/exercises/{exercise.id}/improvement-plan.csv",
        "ip_xlsx": f"/api/v1/exercises/{exercise.id}/improvement-plan.xlsx",
    }
    return render_template("evaluator.html", exercise=exercise, page=page, report_url=report_url,
                           exports=exports, definitions=RATING_DEFINITIONS)
