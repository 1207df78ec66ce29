"""The scenario and checklist library as pages for staff: scenarios with their MSEL, checklists with the
crosswalk and the harmonization gap report. Server-rendered from the content files; no script needed."""
from pathlib import Path

from flask import abort, current_app, render_template
from flask_login import login_required
from markupsafe import Markup

from ..auth import current_principal
from ..content import gap_report, load_library
from ..engine.timefmt import format_duration
from ..markdown import render_markdown
from . import bp


def _library():
    return load_library(root=Path(current_app.config["CORDON_CONTENT_ROOT"]))


def _staff_library():
    if not current_principal().is_staff:
        abort(403)
    return _library()


def _inject_time(inject: dict) -> str:
    """h:mm:ss, or what releases it when it has no time: by hand (reserve) or an overdue step (contingency)."""
    if inject.get("at_s") is not None:
        return format_duration(inject["at_s"])
    when = inject.get("when_overdue")
    if when:
        return f"contingency: when {when['step']} overdue"
    return "reserve"


@bp.get("/library")
@login_required
def library():
    lib = _staff_library()
    scenarios = sorted(lib.scenarios.values(), key=lambda s: s["title"])
    checklists = sorted(lib.checklists.values(), key=lambda c: c["title"])
    return render_template("library.html", scenarios=scenarios, checklists=checklists, checklist_titles=
                           {c["id"]: c["title"] for c in checklists}, duration=format_duration,
                           problems=len(lib.errors))


@bp.get("/library/scenarios/<scenario_id>")
@login_required
def library_scenario(scenario_id: str):
    lib = _staff_library()
    scenario = lib.scenarios.get(scenario_id)
    if scenario is None:
        abort(404)
    checklist = lib.checklists.get(scenario["sop"], {"steps": [], "title": scenario["sop"]})
    step_text = {s["id"]: s["text"] for s in checklist["steps"]}
    # Timed injects first in time order, then contingency and reserve ones in file order.
    injects = sorted(scenario["injects"], key=lambda i: (i.get("at_s") is None, i.get("at_s") or 0))
    rows = [{"inject": i, "time": _inject_time(i), "body_html": Markup(render_markdown(i.get("body", "")))} for i in injects]
    team_names = {t["key"]: t["name"] for t in scenario["teams"]}
    return render_template("scenario.html", scenario=scenario, checklist=checklist, rows=rows, step_text=step_text,
                           team_names=team_names,
                           duration=format_duration)


@bp.get("/library/sops/<sop_id>")
@login_required
def library_sop(sop_id: str):
    lib = _staff_library()
    checklist = lib.checklists.get(sop_id)
    if checklist is None:
        abort(404)
    phases = []
    titles = {p["key"]: p["title"] for p in checklist.get("phases") or []}
    for key in list(titles) + sorted({s.get("phase") or "other" for s in checklist["steps"]} - set(titles)):
        steps = [s for s in checklist["steps"] if (s.get("phase") or "other") == key]
        if steps:
            phases.append({"key": key, "title": titles.get(key, key.capitalize()), "steps": steps})
    sources = {s["id"]: s for s in checklist.get("sources") or []}
    agencies = {a["key"]: a["name"] for a in checklist.get("agencies") or []}
    steps = {s["id"]: s for s in checklist["steps"]}
    return render_template("checklist.html", checklist=checklist, phases=phases, sources=sources, agencies=agencies,
                           steps=steps, gaps=gap_report(checklist))
