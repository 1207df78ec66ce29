"""MSEL import and export, and the data exports of an exercise (event log, improvement plan).

Downloads are for staff; importing a scenario (and saving it into the library as a draft) is
for controllers and admins. The caller is checked before the upload is read.
"""
import json
import re
from collections.abc import Iterable
from functools import wraps

from flask import Response, current_app, request, stream_with_context
from sqlalchemy import select
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

from ..auth import caller
from ..offload import off_hub
from ..content.documents import parse_document_text, plain_document
from ..content.msel import import_scenario_file, msel_csv, msel_xlsx
from ..content.msel_placeholders import import_with_placeholders
from ..content.tables import csv_bytes, csv_chunks, xlsx_bytes
from ..content.yamlout import scenario_content
from ..engine.eventlog import canonical_json
from ..extensions import db
from ..models import CorrectiveAction, DocumentKind, Exercise, VersionOrigin
from ..models.types import utcnow
from ..schemas.msel import ScenarioImportForm
from ..schemas.out import ImportOut
from ..errors import Conflict, InvalidInput, NotFound
from ..services import library
from ..services.events import iter_events
from ..services.exercises import get_exercise
from ..services.msel_mappings import get_mapping, save_mapping
from .base import api_blueprint
from flask_babel import gettext

blp = api_blueprint("msel", __name__, url_prefix="/api/v1",
                    description="MSEL import and export; event-log and improvement-plan exports")


class _UploadParser(FlaskParser):
    """Reads a multipart form's fields and files as one payload, so one schema describes the upload
    (flask-smorest documents a single request body per operation)."""

    __location_map__ = dict(FlaskParser.__location_map__, form_and_files="load_form_and_files")

    def load_form_and_files(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


blp.ARGUMENTS_PARSER = _UploadParser()
blp.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**blp.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                             "form_and_files": "multipart/form-data"}

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YAML = "application/yaml; charset=utf-8"
JSONL = "application/x-ndjson; charset=utf-8"

EVENT_COLUMNS = ("exercise_id", "seq", "type", "actor", "team", "visible_to", "exercise_time_s", "wall_time",
                 "payload", "prev_hash", "hash")
# HSEEP improvement plan (AAR/IP Appendix A) headers -> CorrectiveAction attributes.
IMPROVEMENT_PLAN_COLUMNS = (
    ("Core Capability", "capability"), ("Issue/Area for Improvement", "issue"),
    ("Corrective Action", "corrective_action"), ("Capability Element", "capability_element"),
    ("Primary Responsible Organization", "responsible_org"), ("Organization POC", "point_of_contact"),
    ("Start Date", "start_date"), ("Completion Date", "completion_date"), ("Status", "status"),
)
_IP_WIDTHS = {"Core Capability": 30, "Issue/Area for Improvement": 50, "Corrective Action": 50,
              "Capability Element": 14, "Primary Responsible Organization": 28, "Organization POC": 22,
              "Start Date": 12, "Completion Date": 14, "Status": 12}


def _file_doc(*content_types: str):
    """OpenAPI: a 200 that is a file download of one of these types."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return blp.doc(responses={"200": {"description": "A file (Content-Disposition: attachment)",
                                      "content": {ct.split(";")[0]: binary for ct in content_types}}})


def _download(body: bytes | Iterable, mimetype: str, filename: str) -> Response:
    return Response(body, content_type=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-")


def _exercise_file(exercise: Exercise, kind: str, extension: str) -> str:
    name = _slug(exercise.name)
    return f"exercise-{exercise.id}{'-' + name if name else ''}-{kind}.{extension}"


# --- import --------------------------------------------------------------------------------

def _upload_capped(view):
    """Cap the upload's size (413) before it is parsed."""
    @wraps(view)
    def capped(*args, **kwargs):
        request.max_content_length = current_app.config.get("CORDON_IMPORT_MAX_BYTES", MAX_UPLOAD_BYTES)
        return view(*args, **kwargs)
    return capped


@blp.route("/scenarios/import", methods=["POST"])
@caller("controller")
@_upload_capped
@blp.arguments(ScenarioImportForm, location="form_and_files")
@blp.response(200, ImportOut)
def import_scenario(form, caller):
    """An MSEL (CSV, XLSX) or scenario file (YAML) as a validated scenario; `save` saves it into
    the library as a draft (`saved: {id, number, state}`): a new scenario, or with `overwrite` a new
    draft version of the scenario with that id (409 without it). 422 lists every problem by row
    and column (`fields: {"row 7": ['column "To": unknown team ...']}`)."""
    upload = form["file"]
    base, base_blocks = None, {}
    if form.get("base"):
        try:
            published = library.published(DocumentKind.SCENARIO, form["base"])
        except NotFound as exc:
            raise InvalidInput(exc.message, fields={"base": [exc.message]}) from None
        base = published.content
        base_blocks = {key: published.document[key] for key in ("site", "radiation", "zones")
                       if key in published.document}
    params = {key: form[key] for key in ("id", "title", "version", "summary", "hazard", "duration", "sop",
                                         "teams", "objectives", "startex") if key in form}
    if "sop" not in params and base is None:
        checklists = library.published_contents(DocumentKind.CHECKLIST)
        if len(checklists) == 1:  # the usual library: one harmonized checklist
            params["sop"] = checklists[0]["id"]

    mapping = {**_saved_mapping(form.get("mapping_name")), **(form.get("mapping") or {})}
    arguments = {"params": params, "base": base, "mapping": mapping, "sheet": form.get("sheet"),
                 "checklist_for": library.checklist_content, "plans": library.plans_folder(),
                 "base_blocks": base_blocks}
    upload.stream.seek(0)  # read again if the unit of work runs this again (services/unit.py)
    data, parse = upload.read(), import_with_placeholders if form["placeholders"] else import_scenario_file
    # Parsing (a workbook above all) runs off the event loop, within CORDON_IMPORT_LIMIT_S seconds.
    parsed = off_hub(parse, data, upload.filename or "", **arguments,
                     limit_s=current_app.config.get("CORDON_IMPORT_LIMIT_S", 30.0), what="reading the upload")
    if form["placeholders"]:  # the editor's import: unknown teams and objectives become placeholders
        result, warnings = parsed.result, parsed.warnings
    else:
        result, warnings = parsed, []
    response = {"scenario": result.scenario, "unmapped_columns": result.unmapped_columns, "warnings": warnings}
    if form.get("remember_mapping") and mapping:
        save_mapping(form["remember_mapping"], mapping, actor=caller.name)
    if form["save"]:
        saved = _save(result, upload.filename or "", caller, form["overwrite"])
        response["saved"] = {"id": result.scenario["id"], "number": saved.number, "state": saved.state}
        current_app.logger.info("scenario %s saved as draft version %s from %s by %s", result.scenario["id"],
                                saved.number, upload.filename, caller.name)
    return response


def _saved_mapping(name: str | None) -> dict[str, str]:
    if not name:
        return {}
    try:
        return get_mapping(name).mapping
    except NotFound as exc:
        raise InvalidInput(exc.message, fields={"mapping_name": [exc.message]}) from None


def _import_note(filename: str) -> str:
    filename = re.sub(r"[\x00-\x1f\x7f]", "", filename)[:120]
    return f"imported from {filename} on {utcnow():%Y-%m-%d}"


def _save(result, filename: str, principal, overwrite: bool):
    """The import as a draft version in the library: a new scenario, or (with `overwrite`) a new
    version of the one with that id, whose history keeps every earlier version."""
    scenario_id = result.scenario["id"]
    if result.kind == "yaml":
        content, text = plain_document(parse_document_text(result.text, f"{scenario_id}.yaml")[0]), result.text
    else:
        content, text = scenario_content(result.scenario), None
    try:
        library.document(DocumentKind.SCENARIO, scenario_id)
    except NotFound:
        return library.create_document(DocumentKind.SCENARIO, scenario_id, content, user=principal.user,
                                       note=_import_note(filename), origin=VersionOrigin.IMPORT, source_text=text)
    if not overwrite:
        raise Conflict(gettext("scenario '%(scenario_id)s' is already in the library; send overwrite=true to save the import as a new draft version of it", scenario_id=scenario_id), fields={"id": [scenario_id]})
    saved, _ = library.save_draft(DocumentKind.SCENARIO, scenario_id, content, base=None, user=principal.user,
                                  note=_import_note(filename), origin=VersionOrigin.IMPORT, source_text=text)
    return saved


# --- scenario downloads --------------------------------------------------------------------

@blp.route("/scenarios/<scenario_id>/msel.<any(csv, xlsx):fmt>", methods=["GET"])
@caller("staff")
@_file_doc(CSV, XLSX)
def scenario_msel(scenario_id: str, fmt: str, caller):
    """A published scenario as an MSEL spreadsheet (staff); import it back unchanged with `base`."""
    scenario = library.published(DocumentKind.SCENARIO, scenario_id).content
    if fmt == "csv":
        return _download(msel_csv(scenario["injects"]), CSV, f"{scenario_id}-msel.csv")
    return _download(msel_xlsx(scenario["injects"], title="MSEL"), XLSX, f"{scenario_id}-msel.xlsx")


@blp.route("/scenarios/<scenario_id>.yaml", methods=["GET"])
@caller("staff")
@_file_doc(YAML)
def scenario_file(scenario_id: str, caller):
    """The published scenario as a content file: as it was written, comments included, when it came
    as a file; else written out from the library (staff)."""
    published = library.published(DocumentKind.SCENARIO, scenario_id)
    text = library.export_text(DocumentKind.SCENARIO, scenario_id, published)
    return _download(text.encode("utf-8"), YAML, f"{scenario_id}.yaml")


# --- exercise downloads --------------------------------------------------------------------

def _inject_row(inject, sources: dict[str, list[str]]) -> dict:
    return {"id": inject.key, "at_s": inject.at_s, "from": inject.sender or None, "to": inject.recipients,
            "channel": inject.channel, "type": inject.kind, "title": inject.title, "body": inject.body,
            "expects": inject.expects or [], "objective": inject.objective, "requires_ack": inject.requires_ack,
            "notes": inject.notes or None, "when_overdue": inject.when_overdue,
            "sources": sources.get(inject.key, []), "status": inject.status, "released_at_s": inject.released_at_s}


@blp.route("/exercises/<int:exercise_id>/msel.<any(csv, xlsx):fmt>", methods=["GET"])
@caller("staff")
@_file_doc(CSV, XLSX)
def exercise_msel(exercise_id: int, fmt: str, caller):
    """The exercise's injects as an MSEL (as retimed, with ad-hoc ones), with Status and Released At (staff)."""
    exercise = get_exercise(exercise_id)
    sources = {i["id"]: i.get("sources") or [] for i in (exercise.scenario_snapshot or {}).get("injects", [])}
    injects = [_inject_row(inject, sources) for inject in exercise.injects]
    filename = _exercise_file(exercise, "msel", fmt)
    if fmt == "csv":
        return _download(msel_csv(injects, exercise=True), CSV, filename)
    return _download(msel_xlsx(injects, exercise=True, title="MSEL"), XLSX, filename)


@blp.route("/exercises/<int:exercise_id>/events.<any(jsonl, csv):fmt>", methods=["GET"])
@caller("staff")
@_file_doc(JSONL, CSV)
def event_log(exercise_id: int, fmt: str, caller):
    """The whole event log, every field with both hashes, streamed (staff). JSON Lines is exact
    (recompute the chain from it); in CSV, visible_to and payload are canonical JSON."""
    exercise = get_exercise(exercise_id)
    records = iter_events(exercise.id, upto_seq=exercise.last_seq)  # the log as it was when the download began
    filename = _exercise_file(exercise, "events", fmt)
    if fmt == "jsonl":
        lines = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n" for record in records)
        return _download(stream_with_context(lines), JSONL, filename)
    rows = ([canonical_json(record[c]) if c in ("visible_to", "payload") else record[c] for c in EVENT_COLUMNS]
            for record in records)
    return _download(stream_with_context(csv_chunks(EVENT_COLUMNS, rows)), CSV, filename)


@blp.route("/exercises/<int:exercise_id>/improvement-plan.<any(csv, xlsx):fmt>", methods=["GET"])
@caller("staff")
@_file_doc(CSV, XLSX)
def improvement_plan(exercise_id: int, fmt: str, caller):
    """The corrective actions with the HSEEP improvement-plan columns, by core capability (staff)."""
    exercise = get_exercise(exercise_id)
    actions = db.session.scalars(select(CorrectiveAction).where(CorrectiveAction.exercise_id == exercise.id)
                                 .order_by(CorrectiveAction.capability, CorrectiveAction.id)).all()
    header = [name for name, _ in IMPROVEMENT_PLAN_COLUMNS]
    rows = [[getattr(action, attribute) for _, attribute in IMPROVEMENT_PLAN_COLUMNS] for action in actions]
    filename = _exercise_file(exercise, "improvement-plan", fmt)
    if fmt == "csv":
        return _download(csv_bytes(header, rows), CSV, filename)
    return _download(xlsx_bytes(header, rows, title="Improvement Plan", widths=_IP_WIDTHS), XLSX, filename)
