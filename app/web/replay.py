"""The replay page: any moment of an exercise, as staff saw it or as one team's tablet did.

A shell like the console: static/js/replay.js fills it from the replay API (`/state`,
`/timeline`, `/events`) and draws it with the console's own panels. Staff only; the branch
dialog is there for controllers. Deep links: `/exercises/<id>/replay?t=0:35:00&team=fire`
(and `&mode=hotwash` for the projector).
"""
from flask import render_template, url_for

from ..auth import caller
from . import bp
from .console import _exercise_or_404


@bp.get("/exercises/<int:exercise_id>/replay")
@caller("staff", page=True)
def replay(exercise_id: int, caller):
    exercise = _exercise_or_404(exercise_id)
    team_agencies = {t.agency for t in exercise.teams}
    steps = [{"id": s["id"], "text": s["text"], "phase": s.get("phase") or "other",
              "critical": bool(s.get("critical")), "agencies": s["agencies"]}
             for s in exercise.checklist.steps_for_any(team_agencies)]
    source = exercise.branched_from or {}
    page = {
        # What the console's panels read (static/js/console/page.js): read only, here.
        "exercise_id": exercise.id, "name": exercise.name, "can_control": False, "steps": steps, "join_base": "",
        # The replay's own.
        "can_branch": caller.may_control(), "status": exercise.status, "start_s": source.get("at_s") or 0.0,
        "teams": [{"key": t.key, "name": t.name, "agency": t.agency} for t in exercise.teams],
        "objectives": [{"id": o["id"], "text": o.get("text", "")} for o in exercise.scenario.objectives],
        "console_url": url_for("web.console", exercise_id=exercise.id),
        "source_url": url_for("web.replay", exercise_id=source["exercise_id"]) if source else None,
    }
    return render_template("replay.html", exercise=exercise, page=page)
