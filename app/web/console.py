"""Staff pages of a running exercise: the controller console, the printable join sheet, QR codes.

The pages are shells; console.js fills them from the live connection and the JSON API. What
they need to know before the first socket message (who may control, the checklist's steps)
is rendered here.
"""
from io import BytesIO

import segno
from flask import Response, abort, flash, redirect, render_template, request, url_for
from werkzeug.routing import BuildError
from markupsafe import Markup

from ..auth import caller
from ..models import Exercise, Team
from ..errors import NotFound, ServiceError
from ..services.exercises import get_exercise
from ..services.participation import rotate_join_code
from ..services.unit import unit_of_work
from . import bp
from flask_babel import gettext

def _exercise_or_404(exercise_id: int) -> Exercise:
    try:
        return get_exercise(exercise_id)
    except NotFound:
        abort(404)


def _team_or_404(exercise: Exercise, team_key: str) -> Team:
    team = exercise.team(team_key)
    if team is None:
        abort(404)
    return team


def join_url(team: Team) -> str:
    return f"{request.host_url}join?code={team.join_code}"


def qr_svg(url: str, *, scale: int = 4, title: str | None = None) -> Markup:
    """A QR code as inline SVG (medium error correction survives a crumpled printout)."""
    return Markup(segno.make(url, error="m").svg_inline(scale=scale, border=2, title=title, omitsize=True))


@bp.get("/exercises/<int:exercise_id>/console")
@caller("staff", page=True)
def console(exercise_id: int, caller):
    exercise = _exercise_or_404(exercise_id)
    team_agencies = {t.agency for t in exercise.teams}
    # The grid's columns: the checklist steps some team of this exercise is responsible for.
    steps = [{"id": s["id"], "text": s["text"], "phase": s.get("phase") or "other",
              "critical": bool(s.get("critical")), "agencies": s["agencies"]}
             for s in exercise.checklist.steps_for_any(team_agencies)]
    page = {"exercise_id": exercise.id, "name": exercise.name, "can_control": caller.may_control(),
            "steps": steps, "join_base": f"{request.host_url}join?code="}
    try:
        report_url = url_for("web.report", exercise_id=exercise.id)
    except BuildError:  # the report page is optional to the console
        report_url = None
    return render_template("console.html", exercise=exercise, page=page, can_control=caller.may_control(),
                           report_url=report_url)


@bp.get("/exercises/<int:exercise_id>/join-sheet")
@caller("staff", page=True)
def join_sheet(exercise_id: int, caller):
    exercise = _exercise_or_404(exercise_id)
    teams = [{"team": t, "url": join_url(t), "qr": qr_svg(join_url(t), scale=4, title=f"Join {t.name}")}
             for t in exercise.teams]
    return render_template("join_sheet.html", exercise=exercise, teams=teams, join_page=f"{request.host_url}join")


@bp.get("/exercises/<int:exercise_id>/teams/<team_key>/qr.svg")
@caller("staff", page=True)
def team_qr(exercise_id: int, team_key: str, caller):
    """The team's join link as a QR code image (the console shows it; it changes with the code)."""
    team = _team_or_404(_exercise_or_404(exercise_id), team_key)
    out = BytesIO()
    segno.make(join_url(team), error="m").save(out, kind="svg", scale=5, border=2, title=f"Join {team.name}")
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, no-store"  # a rotated code must not linger
    return response


@bp.post("/exercises/<int:exercise_id>/teams/<team_key>/rotate")
@caller("controller", page=True)
def rotate_team_code(exercise_id: int, team_key: str, caller):
    """Form fallback of the console's "New code" button (which calls the API's rotate-code)."""
    _team_or_404(_exercise_or_404(exercise_id), team_key)
    try:
        with unit_of_work():
            team, revoked = rotate_join_code(exercise_id, team_key, caller.name)
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash(gettext("%(name)s has a new join code: %(join_code)s. %(count)s tablet(s) were signed out.", name=team.name, join_code=team.join_code, count=len(revoked)), "ok")
    return redirect(url_for("web.console", exercise_id=exercise_id))
