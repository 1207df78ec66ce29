"""Library documents: a scenario or checklist as a JSON mapping, checked by the rules of the files.

A document is what a content file says, as plain JSON (times stay as written: `8m`). The editor
sends documents; files and YAML uploads are parsed into them. `check_document` runs the same
rules as `flask content check` and places each problem by field path (and by line when the
document came from YAML text). `document_yaml` writes a document back as a content file.
"""
import re
from pathlib import Path
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from marshmallow import fields

from app.schemas.content import KEY_PATTERN, ChecklistSchema, ScenarioSchema
from app.errors import ServiceError

from .checks import plain_document
from .library import (Problem, assign_paths, check_checklist, check_scenario, content_hash, lined_document)
from .yamlout import document_yaml
from .yamlsrc import LineDict, load_yaml
from flask_babel import gettext

__all__ = ["DocumentCheck", "ChecklistLookup", "check_document", "document_yaml", "ordered_document",
           "parse_document_text", "plain_document"]

ChecklistLookup = Callable[[str], dict]
_SCHEMAS = {"scenario": ScenarioSchema(), "checklist": ChecklistSchema()}
NOT_A_MAPPING = "the document must be a mapping of 'key: value' lines"


@dataclass
class DocumentCheck:
    """The outcome of checking one document: the normalized content (with `hash`) when it has
    no errors, and every error and warning with its place."""

    content: dict | None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.content is not None


def parse_document_text(text: str, name: str) -> tuple[LineDict | None, list[Problem]]:
    """YAML text as a document with lines and field paths, or the problems that stop it."""
    raw, errors = load_yaml(text, name)
    problems = [Problem(error.line, None, error.message) for error in errors]
    if raw is None and not errors:
        problems.append(Problem(None, "", gettext("the file is empty")))
    elif raw is not None and not isinstance(raw, LineDict):
        problems.append(Problem(getattr(raw, "line", None) or 1, "",
                                gettext("the file must be a mapping of 'key: value' lines")))
        raw = None
    if raw is not None:
        assign_paths(raw)
    return raw, problems


def check_document(kind: str, key: str, document, checklist_for: ChecklistLookup,
                   folder: Path | None = None) -> DocumentCheck:
    """Check a scenario or checklist document (a JSON mapping, or a LineDict parsed from YAML)
    whose library id is `key`; `checklist_for(sop)` gives the checklist a scenario is checked
    against (normalized) or raises a ServiceError, reported at `sop`; `folder` is where the
    document's content file is, if it has one (a scenario's site plan is looked for there)."""
    if not isinstance(document, Mapping):
        return DocumentCheck(None, [Problem(None, "", NOT_A_MAPPING)])
    raw = document if isinstance(document, LineDict) else lined_document(document)
    if kind == "checklist":
        data, errors, warnings = check_checklist(raw, key, id_is="the library id")
    else:
        checklist, sop_problem = _checklist(raw, checklist_for)
        data, errors = check_scenario(raw, key, checklist, id_is="the library id", folder=folder)
        warnings = []
        if sop_problem:
            errors.append(Problem(raw.lines.get("sop"), "sop", sop_problem))
    errors.sort(key=lambda problem: (problem.line or 0,))
    if errors:
        return DocumentCheck(None, errors, warnings)
    data["hash"] = content_hash(data)
    return DocumentCheck(data, [], warnings)


def _checklist(raw: LineDict, checklist_for: ChecklistLookup) -> tuple[dict | None, str | None]:
    sop = raw.get("sop")
    if not isinstance(sop, str) or not re.match(KEY_PATTERN, sop):
        return None, None  # the schema reports it
    try:
        return checklist_for(sop), None
    except ServiceError as exc:
        return None, exc.message


def ordered_document(kind: str, document: Mapping) -> dict:
    """A JSON document with its fields in the order the content files write them (the schemas'
    order: id, title, version...; an inject's id, at, from, to...), fields the schemas do not
    know after them as they came. The content is unchanged: only how it is written out."""
    schema = _SCHEMAS[kind]
    return _ordered(document, schema)


def _ordered(value, schema):
    if not isinstance(value, Mapping):
        return value
    by_key = {f.data_key or name: f for name, f in schema.fields.items()} if schema is not None else {}
    out = {}
    for key in [*by_key, *value]:
        if key in value and key not in out:
            out[key] = _ordered_field(value[key], by_key.get(key))
    return out


def _ordered_field(value, field_obj):
    if field_obj is None:
        return _ordered(value, None) if isinstance(value, Mapping) else value
    if isinstance(field_obj, fields.Nested):
        return _ordered(value, field_obj.schema)
    if isinstance(field_obj, fields.List) and isinstance(value, list):
        return [_ordered_field(item, field_obj.inner) for item in value]
    if isinstance(field_obj, fields.Dict) and isinstance(value, Mapping):
        return {key: _ordered_field(item, field_obj.value_field) for key, item in value.items()}
    return value
