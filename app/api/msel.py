"""MSEL import and export, and the data exports of an exercise (event log, improvement plan).

Downloads are for staff; importing a scenario (and saving it into the library) is for
controllers and admins. The caller is checked before the upload is read.
"""
import json
import os
import re
import tempfile
from collections.abc import Iterable
from functools import wraps
from pathlib import Path

from flask import Response, current_app, request, stream_with_context
from sqlalchemy import select
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

from ..auth import current_principal
from ..content import ContentInvalid, ContentNotFound, load_checklist, load_scenario
from ..content.msel import import_scenario_file, msel_csv, msel_xlsx
from ..content.tables import csv_bytes, csv_chunks, xlsx_bytes
from ..content.yamlout import scenario_yaml
from ..engine.eventlog import canonical_json
from ..extensions import db
from ..models import CorrectiveAction, Exercise
from ..models.types import utcnow
from ..schemas.msel import ScenarioImportForm
from ..errors import Conflict, InvalidInput
from ..services.events import iter_events
from ..services.exercises import get_exercise
from .base import api_blueprint

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


def _root() -> Path:
    return Path(current_app.config["CORDON_CONTENT_ROOT"])


def _download(body: bytes | Iterable, mimetype: str, filename: str) -> Response:
    return Response(body, content_type=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-")


def _exercise_file(exercise: Exercise, kind: str, extension: str) -> str:
    name = _slug(exercise.name)
    return f"exercise-{exercise.id}{'-' + name if name else ''}-{kind}.{extension}"


# --- import --------------------------------------------------------------------------------

def _controllers_first(view):
    """Refuse the wrong caller (401/403) before the upload is parsed, and cap its size (413)."""
    @wraps(view)
    def checked(*args, **kwargs):
        principal = current_principal().require_controller()
        request.max_content_length = current_app.config.get("CORDON_IMPORT_MAX_BYTES", MAX_UPLOAD_BYTES)
        return view(*args, principal=principal, **kwargs)
    return checked


@blp.route("/scenarios/import", methods=["POST"])
@_controllers_first
@blp.arguments(ScenarioImportForm, location="form_and_files")
def import_scenario(form, principal):
    """An MSEL (CSV, XLSX) or scenario file (YAML) as a validated scenario; `save` writes it into
    the library as injects/<id>.yaml (409 if it exists, unless `overwrite`). 422 lists every
    problem by row and column (`fields: {"row 7": ['column "To": unknown team ...']}`)."""
    upload = form["file"]
    root = _root()
    base = None
    if form.get("base"):
        try:
            base, _ = load_scenario(form["base"], root)
        except ContentNotFound as exc:
            raise InvalidInput(exc.message, fields={"base": [exc.message]}) from None
        except ContentInvalid as exc:
            raise InvalidInput(f"base scenario '{form['base']}' has errors; fix it first (flask content check)",
                               fields={"base": [str(error) for error in exc.errors]}) from None
    params = {key: form[key] for key in ("id", "title", "version", "summary", "hazard", "duration", "sop",
                                         "teams", "objectives", "startex") if key in form}
    if "sop" not in params and base is None:
        checklists = sorted((root / "sop").glob("*.yaml"))
        if len(checklists) == 1:  # the usual library: one harmonized checklist
            params["sop"] = checklists[0].stem

    result = import_scenario_file(upload.read(), upload.filename or "", params=params, base=base,
                                  mapping=form.get("mapping"), sheet=form.get("sheet"),
                                  checklist_for=lambda sop: load_checklist(sop, root))
    response = {"scenario": result.scenario, "unmapped_columns": result.unmapped_columns}
    if form["save"]:
        text = result.text if result.kind == "yaml" else scenario_yaml(
            result.scenario, _import_comment(result.scenario, upload.filename or "", principal.name))
        response["saved_path"] = result.scenario["path"] = _save(root, result.scenario["id"], text, form["overwrite"])
        current_app.logger.info("scenario %s saved from %s by %s", response["saved_path"], upload.filename,
                                principal.name)
    return response


def _import_comment(scenario: dict, filename: str, who: str) -> str:
    filename = re.sub(r"[\x00-\x1f\x7f]", "", filename)[:120]
    return (f"Cordon scenario: {scenario['title']}\n"
            f"Imported from the MSEL {filename} by {who} on {utcnow():%Y-%m-%d} (docs/content.md,\n"
            f'"MSEL import and export"). Edit by hand, then check it:\n'
            f"  flask --app wsgi content check injects/{scenario['id']}.yaml")


def _save(root: Path, scenario_id: str, text: str, overwrite: bool) -> str:
    """Write injects/<id>.yaml; never half a file, and never over one unless asked to."""
    name = f"injects/{scenario_id}.yaml"  # the id passed the content validator: a-z, 0-9, '-'
    target = root / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and not overwrite:
        raise Conflict(f"{name} already exists; send overwrite=true to replace it", fields={"id": [name]})
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{scenario_id}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        if overwrite:
            os.replace(temporary, target)
        else:
            try:
                os.link(temporary, target)  # fails if another import saved the same id meanwhile
            except FileExistsError:
                raise Conflict(f"{name} already exists; send overwrite=true to replace it",
                               fields={"id": [name]}) from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return name


# --- scenario downloads --------------------------------------------------------------------

@blp.route("/scenarios/<scenario_id>/msel.<any(csv, xlsx):fmt>", methods=["GET"])
@_file_doc(CSV, XLSX)
def scenario_msel(scenario_id: str, fmt: str):
    """A library scenario as an MSEL spreadsheet (staff); import it back unchanged with `base`."""
    current_principal().require_staff()
    scenario, _ = load_scenario(scenario_id, _root())
    if fmt == "csv":
        return _download(msel_csv(scenario["injects"]), CSV, f"{scenario_id}-msel.csv")
    return _download(msel_xlsx(scenario["injects"], title="MSEL"), XLSX, f"{scenario_id}-msel.xlsx")


@blp.route("/scenarios/<scenario_id>.yaml", methods=["GET"])
@_file_doc(YAML)
def scenario_file(scenario_id: str):
    """The scenario's file as it is in the library, comments included (staff)."""
    current_principal().require_staff()
    root = _root()
    scenario, _ = load_scenario(scenario_id, root)
    return _download((root / scenario["path"]).read_bytes(), YAML, f"{scenario_id}.yaml")


# --- exercise downloads --------------------------------------------------------------------

def _inject_row(inject, sources: dict[str, list[str]]) -> dict:
    return {"id": inject.key, "at_s": inject.at_s, "from": inject.sender or None, "to": inject.recipients,
            "channel": inject.channel, "type": inject.kind, "title": inject.title, "body": inject.body,
            "expects": inject.expects or [], "objective": inject.objective, "requires_ack": inject.requires_ack,
            "notes": inject.notes or None, "when_overdue": inject.when_overdue,
            "sources": sources.get(inject.key, []), "status": inject.status, "released_at_s": inject.released_at_s}


@blp.route("/exercises/<int:exercise_id>/msel.<any(csv, xlsx):fmt>", methods=["GET"])
@_file_doc(CSV, XLSX)
def exercise_msel(exercise_id: int, fmt: str):
    """The exercise's injects as an MSEL (as retimed, with ad-hoc ones), with Status and Released At (staff)."""
    current_principal().require_staff()
    exercise = get_exercise(exercise_id)
    sources = {i["id"]: i.get("sources") or [] for i in (exercise.scenario_snapshot or {}).get("injects", [])}
    injects = [_inject_row(inject, sources) for inject in exercise.injects]
    filename = _exercise_file(exercise, "msel", fmt)
    if fmt == "csv":
        return _download(msel_csv(injects, exercise=True), CSV, filename)
    return _download(msel_xlsx(injects, exercise=True, title="MSEL"), XLSX, filename)


@blp.route("/exercises/<int:exercise_id>/events.<any(jsonl, csv):fmt>", methods=["GET"])
@_file_doc(JSONL, CSV)
def event_log(exercise_id: int, fmt: str):
    """The whole event log, every field with both hashes, streamed (staff). JSON Lines is exact
    (recompute the chain from it); in CSV, visible_to and payload are canonical JSON."""
    current_principal().require_staff()
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
@_file_doc(CSV, XLSX)
def improvement_plan(exercise_id: int, fmt: str):
    """The corrective actions with the HSEEP improvement-plan columns, by core capability (staff)."""
    current_principal().require_staff()
    exercise = get_exercise(exercise_id)
    actions = db.session.scalars(select(CorrectiveAction).where(CorrectiveAction.exercise_id == exercise.id)
                                 .order_by(CorrectiveAction.capability, CorrectiveAction.id)).all()
    header = [name for name, _ in IMPROVEMENT_PLAN_COLUMNS]
    rows = [[getattr(action, attribute) for _, attribute in IMPROVEMENT_PLAN_COLUMNS] for action in actions]
    filename = _exercise_file(exercise, "improvement-plan", fmt)
    if fmt == "csv":
        return _download(csv_bytes(header, rows), CSV, filename)
    return _download(xlsx_bytes(header, rows, title="Improvement Plan", widths=_IP_WIDTHS), XLSX, filename)
