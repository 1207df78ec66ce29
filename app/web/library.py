"""The scenario and checklist library as pages for staff: scenarios with their MSEL, checklists with the
crosswalk and the harmonization gap report, as published in the library. Server-rendered; no script needed."""
from dataclasses import dataclass, field

from flask import abort, render_template
from markupsafe import Markup

from ..auth import caller
from ..content import gap_report
from ..engine.timefmt import format_duration
from ..models import DocumentKind
from ..services import library as library_service
from ..errors import NotFound
from ..markdown import render_markdown
from ..services.library_sync import last_sync_errors
from . import bp


@dataclass
class _Published:
    """The published library, as the pages show it."""

    scenarios: dict[str, dict] = field(default_factory=dict)
    checklists: dict[str, dict] = field(default_factory=dict)
    errors: list = field(default_factory=list)


def _staff_library() -> _Published:
    return _Published(
        scenarios={s["id"]: s for s in library_service.published_contents(DocumentKind.SCENARIO)},
        checklists={c["id"]: c for c in library_service.published_contents(DocumentKind.CHECKLIST)},
        errors=last_sync_errors())


def _inject_time(inject: dict) -> str:
    """h:mm:ss, or what releases it when it has no time: by hand (reserve) or an overdue step (contingency)."""
    if inject.get("at_s") is not None:
        return format_duration(inject["at_s"])
    when = inject.get("when_overdue")
    if when:
        return f"contingency: when {when['step']} overdue"
    return "reserve"


@bp.get("/library")
@caller("staff", page=True)
def library(caller):
    lib = _staff_library()
    scenarios = sorted(lib.scenarios.values(), key=lambda s: s["title"])
    checklists = sorted(lib.checklists.values(), key=lambda c: c["title"])
    # Documents with no published version yet (new drafts, imports), and drafts of published ones.
    documents = {kind: {doc.key: library_service.document_summary(doc) for doc in library_service.documents(kind)}
                 for kind in DocumentKind.ALL}
    unpublished = {kind: [doc for doc in found.values() if doc["published"] is None]
                   for kind, found in documents.items()}
    return render_template("library.html", scenarios=scenarios, checklists=checklists, checklist_titles=
                           {c["id"]: c["title"] for c in checklists}, duration=format_duration,
                           problems=len(lib.errors), documents=documents, unpublished=unpublished,
                           can_edit=caller.may_control())


def _editor(kind: str, key: str | None, principal):
    """The editor page of a document (`key` None: a new one, for controllers and admins). Staff read;
    controllers and admins edit."""
    head = None
    if key is not None:
        try:
            head = library_service.document(kind, key).head_number
        except NotFound:
            abort(404)
    page = {
        "kind": kind, "id": key, "head": head, "can_edit": principal.may_control(),
        "checklists": [{"id": c["id"], "title": c["title"]}
                       for c in library_service.published_contents(DocumentKind.CHECKLIST)],
    }
    template = "scenario_editor.html" if kind == DocumentKind.SCENARIO else "checklist_editor.html"
    return render_template(template, page=page, key=key)


@bp.get("/library/scenarios/new")
@caller("controller", page=True)
def new_scenario(caller):
    return _editor(DocumentKind.SCENARIO, None, caller)


@bp.get("/library/scenarios/<scenario_id>/edit")
@caller("staff", page=True)
def edit_scenario(scenario_id: str, caller):
    return _editor(DocumentKind.SCENARIO, scenario_id, caller)


@bp.get("/library/sops/new")
@caller("controller", page=True)
def new_checklist(caller):
    return _editor(DocumentKind.CHECKLIST, None, caller)


@bp.get("/library/sops/<sop_id>/edit")
@caller("staff", page=True)
def edit_checklist(sop_id: str, caller):
    return _editor(DocumentKind.CHECKLIST, sop_id, caller)


@bp.get("/library/<any(scenarios, sops):collection>/<key>/history")
@caller("staff", page=True)
def history(collection: str, key: str, caller):
    """Every version of a document, and a readable diff between any two."""
    kind = DocumentKind.SCENARIO if collection == "scenarios" else DocumentKind.CHECKLIST
    try:
        doc = library_service.document(kind, key)
    except NotFound:
        abort(404)
    page = {"kind": kind, "id": key, "can_edit": caller.may_control(),
            "published": doc.published_number, "head": doc.head_number}
    return render_template("library_history.html", page=page, doc=doc, collection=collection)


@bp.get("/library/import")
@caller("controller", page=True)
def import_msel(caller):
    """Upload an MSEL (or a scenario file) into the library as a draft, mapping its columns."""
    page = {"scenarios": [{"id": s["id"], "title": s["title"]}
                          for s in library_service.published_contents(DocumentKind.SCENARIO)],
            "checklists": [{"id": c["id"], "title": c["title"]}
                           for c in library_service.published_contents(DocumentKind.CHECKLIST)]}
    return render_template("library_import.html", page=page)


@bp.get("/library/scenarios/<scenario_id>")
@caller("staff", page=True)
def library_scenario(scenario_id: str, caller):
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
@caller("staff", page=True)
def library_sop(sop_id: str, caller):
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
