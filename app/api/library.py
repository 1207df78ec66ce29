"""The scenario and checklist library: the published content exercises are made from, and the
versioned documents behind it for the editors (drafts, publishing, history, diffs, checks).

Staff read; controllers and admins write; teams have no access. Handlers parse, authorize and
call app.services.library, which writes (and appends to the library's log).
"""
import re

from flask import Response

from ..auth import caller
from ..content.documents import ordered_document, parse_document_text, plain_document
from ..models import DocumentKind
from ..schemas.library import (AuditOut, CheckIn, CheckOut, ChecklistSummaryOut, CloneIn, ContentOut, DiffOut,
                               DiffQuery, DocumentCreate, DocumentOut, DocumentSummaryOut, DraftSave, EventsQuery,
                               FieldPreviewIn, FieldPreviewOut,
                               LibraryEventOut, MappingIn, MappingOut, PreviewIn, PreviewOut, SaveOut,
                               ScenarioSummaryOut, VersionOut)
from ..services import library, plans
from ..errors import InvalidInput
from ..markdown import render_markdown
from ..services.library_log import event_view, library_events, verify_library_log
from ..services.msel_mappings import mapping_view, mappings, save_mapping
from .base import api_blueprint
from flask_babel import gettext

blp = api_blueprint("library", __name__, url_prefix="/api/v1", description="Scenario and checklist library")

KINDS = {"scenarios": DocumentKind.SCENARIO, "checklists": DocumentKind.CHECKLIST}
COLLECTION = "/library/<any(scenarios, checklists):collection>"
DOC = COLLECTION + "/<key>"
YAML = "application/yaml; charset=utf-8"


# --- the published library (what exercises are made from) ------------------------------------

def scenario_summary(s: dict) -> dict:
    return {"id": s["id"], "title": s["title"], "version": s["version"], "summary": s.get("summary", ""),
            "language": s.get("language", "en"), "hazard": s.get("hazard", ""), "duration_s": s["duration_s"],
            "sop": s["sop"], "hash": s["hash"], "teams": s["teams"], "injects": len(s["injects"]),
            "objectives": s.get("objectives", [])}


@blp.route("/scenarios", methods=["GET"])
@caller("staff")
@blp.response(200, ScenarioSummaryOut(many=True))
def list_scenarios(caller):
    """The published scenarios of the library (drafts are under /library/scenarios)."""
    return [scenario_summary(s) for s in library.published_contents(DocumentKind.SCENARIO)]


@blp.route("/scenarios/<scenario_id>", methods=["GET"])
@caller("staff")
@blp.response(200, ContentOut)
def get_scenario(scenario_id: str, caller):
    """A published scenario with its injects (the MSEL), normalized: times in seconds."""
    return library.published(DocumentKind.SCENARIO, scenario_id).content


@blp.route("/sops", methods=["GET"])
@caller("staff")
@blp.response(200, ChecklistSummaryOut(many=True))
def list_sops(caller):
    """The published harmonized checklists."""
    return [{"id": c["id"], "title": c["title"], "version": c["version"], "summary": c.get("summary", ""),
             "steps": len(c["steps"]), "agencies": c["agencies"], "hash": c["hash"]}
            for c in library.published_contents(DocumentKind.CHECKLIST)]


@blp.route("/sops/<sop_id>", methods=["GET"])
@caller("staff")
@blp.response(200, ContentOut)
def get_sop(sop_id: str, caller):
    """A published checklist with its steps, crosswalk and harmonization gap report (`gaps`)."""
    checklist = library.published(DocumentKind.CHECKLIST, sop_id).content
    return {**checklist, "gaps": library.gaps(checklist)}


# --- documents and their versions ------------------------------------------------------------

def _content(kind: str, body: dict, name: str) -> tuple[object, str | None]:
    """The document of a request (JSON, or YAML text parsed with its lines) and the YAML text."""
    if "yaml" not in body:
        return ordered_document(kind, body["document"]), None
    raw, problems = parse_document_text(body["yaml"], name)
    if raw is None or problems:
        raise InvalidInput(gettext("the YAML cannot be read: %(value)s", value=_problem_text(problems[0])),
                           fields={"yaml": [_problem_text(problem) for problem in problems]})
    return raw, body["yaml"]


def _problem_text(problem) -> str:
    return f"line {problem.line}: {problem.message}" if problem.line else problem.message


def _problems(problems) -> list[dict]:
    return [{"path": problem.path, "line": problem.line, "message": problem.message} for problem in problems]


def check_view(result) -> dict:
    view = {"valid": result.valid, "hash": result.content["hash"] if result.valid else None,
            "errors": _problems(result.errors), "warnings": _problems(result.warnings)}
    if result.valid and "steps" in result.content:  # a checklist: its gap report, live beside the editor
        view["gaps"] = library.gaps(result.content)
    return view


def version_view(kind: str, key: str, item) -> dict:
    result = library.check(kind, key, item.document)
    view = {**library.version_summary(item), "kind": kind, "id": key, "document": item.document,
            "check": check_view(result)}
    if kind == DocumentKind.CHECKLIST and result.valid:
        view["gaps"] = library.gaps(result.content)
    return view


@blp.route(COLLECTION, methods=["GET"])
@caller("staff")
@blp.response(200, DocumentSummaryOut(many=True))
def list_documents(collection: str, caller):
    """Every scenario (or checklist) of the library, published or not, with its latest version."""
    return [library.document_summary(doc) for doc in library.documents(KINDS[collection])]


@blp.route(COLLECTION, methods=["POST"])
@caller("controller")
@blp.arguments(DocumentCreate)
@blp.response(201, SaveOut)
def create_document(body, collection: str, caller):
    """A new scenario (or checklist): its first version, a draft. A document with errors is saved
    (its problems are in `check`); it can be published once they are fixed."""
    kind = KINDS[collection]
    content, text = _content(kind, body, f"{body['id']}.yaml")
    created = library.create_document(kind, body["id"], plain_document(content), user=caller.user,
                                      note=body["note"], source_text=text)
    return {**version_view(kind, body["id"], created), "saved": True}


@blp.route(DOC, methods=["GET"])
@caller("staff")
@blp.response(200, DocumentOut)
def get_document(collection: str, key: str, caller):
    """A document with its history: every version, newest first."""
    doc = library.document(KINDS[collection], key)
    return {**library.document_summary(doc),
            "versions": [library.version_summary(v) for v in reversed(doc.versions)]}


@blp.route(DOC + "/versions/<int:number>", methods=["GET"])
@caller("staff")
@blp.response(200, VersionOut)
def get_version(collection: str, key: str, number: int, caller):
    """One version: its document (the content as written) and the result of checking it now."""
    kind = KINDS[collection]
    return version_view(kind, key, library.version(kind, key, number))


@blp.route(DOC + "/versions", methods=["POST"])
@caller("controller")
@blp.arguments(DraftSave)
@blp.response(201, SaveOut)
@blp.alt_response(200, schema=SaveOut, description="The latest version already had this content")
@blp.alt_response(409, description="`base` is not the latest version: `conflict` says what changed since")
def save_draft(body, collection: str, key: str, caller):
    """Save an edit as a new draft version on top of `base`, the version the edit started from.

    Someone else saved meanwhile: 409, with `conflict: {head, base, changes, summary}`; nothing is
    overwritten. Errors do not stop a draft (they stop publishing)."""
    kind = KINDS[collection]
    content, text = _content(kind, body, f"{key}.yaml")
    saved, created = library.save_draft(kind, key, plain_document(content), base=body["base"],
                                        user=caller.user, note=body["note"], source_text=text)
    return {**version_view(kind, key, saved), "saved": created}, 201 if created else 200


@blp.route(DOC + "/versions/<int:number>/publish", methods=["POST"])
@caller("controller")
@blp.response(200, VersionOut)
def publish(collection: str, key: str, number: int, caller):
    """Publish the latest version: exercises created from now on use it (running ones keep theirs).
    422 with every problem by field path when it has errors; 409 when it is not the latest."""
    kind = KINDS[collection]
    published = library.publish(kind, key, number, user=caller.user)
    view = version_view(kind, key, published)
    if kind == DocumentKind.CHECKLIST:
        view["scenarios_that_do_not_fit"] = library.scenarios_that_do_not_fit(key)
    return view


@blp.route(DOC + "/versions/<int:number>/restore", methods=["POST"])
@caller("controller")
@blp.response(201, VersionOut)
def restore(collection: str, key: str, number: int, caller):
    """Save an older version again as a new draft, on top of the latest."""
    kind = KINDS[collection]
    restored = library.restore(kind, key, number, user=caller.user)
    return version_view(kind, key, restored)


@blp.route(DOC + "/versions/<int:number>.yaml", methods=["GET"])
@caller("staff")
@blp.doc(responses={"200": {"description": "The version as a content file (Content-Disposition: attachment)",
                            "content": {"application/yaml": {"schema": {"type": "string", "format": "binary"}}}}})
def export_version(collection: str, key: str, number: int, caller):
    """A version as a content file for injects/ or sop/: the text it came as (comments and all),
    else the document written as YAML."""
    kind = KINDS[collection]
    item = library.version(kind, key, number)
    return Response(library.export_text(kind, key, item), content_type=YAML, headers={
        "Content-Disposition": f'attachment; filename="{key}.yaml"', "Cache-Control": "no-store"})


@blp.route(DOC + "/clone", methods=["POST"])
@caller("controller")
@blp.arguments(CloneIn)
@blp.response(201, VersionOut)
def clone(body, collection: str, key: str, caller):
    """A copy of a version (the latest by default) under a new id, as a draft."""
    kind = KINDS[collection]
    copied = library.clone(kind, key, body["id"], number=body.get("number"), title=body.get("title"),
                           user=caller.user)
    return version_view(kind, body["id"], copied)


@blp.route(DOC + "/diff", methods=["GET"])
@caller("staff")
@blp.arguments(DiffQuery, location="query")
@blp.response(200, DiffOut)
def diff(query, collection: str, key: str, caller):
    """What changed from version `from` to version `to`: injects (or steps) added, removed and
    changed field by field, other fields old and new; and the same in short sentences."""
    return library.diff(KINDS[collection], key, query.get("from_"), query.get("to"))


@blp.route(COLLECTION + "/check", methods=["POST"])
@caller("staff")
@blp.arguments(CheckIn)
@blp.response(200, CheckOut)
def check(body, collection: str, caller):
    """Check content as the editor has it, with the rules of `flask content check`; nothing is saved.
    Each problem has its field path (and its line, for YAML text). `id` is the library id the
    content must have (default: its own `id`)."""
    kind = KINDS[collection]
    key = body.get("id") or _own_id(body)
    if "yaml" in body:
        raw, problems = parse_document_text(body["yaml"], f"{key}.yaml")
        if raw is None:
            return {"valid": False, "hash": None, "errors": _problems(problems), "warnings": []}
        result = library.check(kind, key, raw)
        if problems:  # a key written twice: the text is wrong even when what it says is not
            errors = sorted(problems + result.errors, key=lambda problem: problem.line or 0)
            return {"valid": False, "hash": None, "errors": _problems(errors), "warnings": _problems(result.warnings)}
        return check_view(result)
    return check_view(library.check(kind, key, body["document"]))


def _own_id(body: dict) -> str:
    document = body.get("document")
    if isinstance(document, dict) and isinstance(document.get("id"), str):
        return document["id"]
    found = re.search(r"^id:\s*['\"]?([a-z0-9][a-z0-9-]*)", body.get("yaml") or "", re.M)
    return found.group(1) if found else ""


@blp.route("/library/preview", methods=["POST"])
@caller("staff")
@blp.arguments(PreviewIn)
@blp.response(200, PreviewOut)
def preview(body, caller):
    """An inject body's Markdown as the tablets show it (raw HTML is shown as text)."""
    return {"html": render_markdown(body["body"])}


@blp.route("/library/events", methods=["GET"])
@caller("staff")
@blp.arguments(EventsQuery, location="query")
@blp.response(200, LibraryEventOut(many=True))
def events(query, caller):
    """The library's own log: every version saved and published, hash-chained."""
    return [event_view(ev) for ev in library_events(query["since"], query["limit"])]


@blp.route("/library/audit", methods=["GET"])
@caller("staff")
@blp.response(200, AuditOut)
def audit(caller):
    """Recompute the library log's hash chain: ok, or the first broken seq and why."""
    return verify_library_log()


@blp.route("/library/msel-mappings", methods=["GET"])
@caller("staff")
@blp.response(200, MappingOut(many=True))
def list_mappings(caller):
    """The saved MSEL column mappings, by name."""
    return [mapping_view(item) for item in mappings()]


@blp.route("/library/msel-mappings", methods=["POST"])
@caller("controller")
@blp.arguments(MappingIn)
@blp.response(200, MappingOut)
def put_mapping(body, caller):
    """Save a column mapping under a name (replacing one of that name), to reuse with the import."""
    saved = save_mapping(body["name"], body["mapping"], actor=caller.name)
    return mapping_view(saved)


@blp.route("/library/field-preview", methods=["POST"])
@caller("staff")
@blp.arguments(FieldPreviewIn)
@blp.response(200, FieldPreviewOut)
def field_preview(body, caller):
    """The field of the scenario's site and sources as the editor has them (isolines at 0.3 µSv/h,
    100 µSv/h and 100 mSv/h), or the problems that keep it from being computed. Nothing is saved."""
    return plans.preview_field(body["document"], body["at_s"])
