"""The after-action report page for staff: the report template with narrative editors."""
from flask import abort, current_app, url_for

from ..auth import caller
from ..offload import off_hub
from ..report.render import register_filters, render_html
from ..errors import NotFound
from ..services.report import build_report
from . import bp

bp.record_once(lambda state: register_filters(state.app))


@bp.get("/exercises/<int:exercise_id>/report")
@caller("staff", page=True)
def report(exercise_id: int, caller):
    """The AAR/IP as a page; evaluators, controllers and admins edit its narrative sections here."""
    try:
        aar = off_hub(build_report, exercise_id, limit_s=current_app.config.get("CORDON_REPORT_LIMIT_S", 120.0),
                      what="building the report")
    except NotFound:
        abort(404)
    links = {"back": url_for("web.exercises"),
             "pdf": url_for("report.report_pdf", exercise_id=exercise_id),
             "json": url_for("report.report_json", exercise_id=exercise_id),
             "replay": url_for("web.replay", exercise_id=exercise_id)}  # the timeline's rows open that moment
    return off_hub(render_html, aar, editable=caller.may_evaluate(), links=links)
