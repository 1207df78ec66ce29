"""The after-action report and improvement plan: JSON, HTML and PDF; narrative sections.

Staff read the report; evaluators, controllers and admins write its narrative sections. The
report is rebuilt from the event log on each request, so it is always as current as the log.
"""
from flask import Response, current_app, url_for

from ..auth import caller
from ..offload import off_hub
from ..report.render import markdown, register_filters, render_html
from ..schemas.out import NarrativeSavedOut, ReportOut, file_response
from ..schemas.report import NarrativeIn
from ..services.exercises import get_exercise
from ..services.printing import print_report
from ..services.report import build_report, report_filename, set_narrative
from .base import api_blueprint

blp = api_blueprint("report", __name__, url_prefix="/api/v1/exercises",
                    description="The after-action report and improvement plan (AAR/IP)")
blp.record_once(lambda state: register_filters(state.app))


@blp.route("/<int:exercise_id>/report.json", methods=["GET"])
@caller("staff")
@blp.response(200, ReportOut)
def report_json(exercise_id: int, caller):
    """The AAR/IP as data: overview, ratings, observations, compliance per team, response times,
    contingencies, feedback, improvement plan, event-log digest and audit (staff)."""
    return off_hub(build_report, exercise_id, limit_s=_limit(), what="building the report")


def _limit() -> float:
    return current_app.config.get("CORDON_REPORT_LIMIT_S", 120.0)


def _html(exercise_id: int, links: dict) -> str:
    return render_html(build_report(exercise_id), links=links)





@blp.route("/<int:exercise_id>/report.html", methods=["GET"])
@caller("staff")
@blp.doc(responses=file_response("The report as one HTML page", "text/html"))
def report_html(exercise_id: int, caller):
    """The AAR/IP as one self-contained HTML page (staff)."""
    get_exercise(exercise_id)
    links = {"json": url_for("report.report_json", exercise_id=exercise_id),
             "pdf": url_for("report.report_pdf", exercise_id=exercise_id)}
    html = off_hub(_html, exercise_id, links, limit_s=_limit(), what="building the report")
    return Response(html, mimetype="text/html")


@blp.route("/<int:exercise_id>/report.pdf", methods=["GET"])
@caller("staff")
@blp.doc(responses=file_response("The report as an A4 PDF (Content-Disposition: attachment)", "application/pdf"))
def report_pdf(exercise_id: int, caller):
    """The AAR/IP as an A4 PDF, as a download (staff). Built and laid out in a process of its own,
    within CORDON_REPORT_LIMIT_S seconds (else a 503 `too_slow`)."""
    name = report_filename(get_exercise(exercise_id), "pdf")
    pdf = print_report(exercise_id, limit_s=_limit())
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blp.route("/<int:exercise_id>/report/narrative/<section>", methods=["PUT"])
@caller("evaluator")
@blp.arguments(NarrativeIn)
@blp.response(200, NarrativeSavedOut)
def put_narrative(body, exercise_id: int, section: str, caller):
    """Write a narrative section: `executive_summary`, `conclusion` or `objective:<id>` (Markdown;
    logged as a `report.narrative` event, staff only)."""
    entry = set_narrative(exercise_id, section, body["text"], caller.user)
    return entry | {"html": str(markdown(entry["text"]))}
