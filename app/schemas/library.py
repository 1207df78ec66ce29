"""Payloads of the library API (`/api/v1/library/...`): documents, versions, checks, diffs, the log.

A document is a content mapping as a content file has it (docs/content.md), sent as JSON; the
content rules (app.content) check what it says. These schemas check the envelope: a mapping
of a sane size and depth, no NUL characters, sane notes and ids.
"""
import math

from marshmallow import Schema, ValidationError, fields, post_dump, validate, validates_schema

from ..schemas.api import MAX_ROW_ID, StrictSchema
from .out import Out
from ..vocabulary import MAX_BODY
from flask_babel import gettext

MAX_DEPTH = 12  # a scenario is five levels deep; a radiation block a few more
MAX_NODES = 50_000
MAX_NOTE = 2000
MAX_YAML = 2_000_000
KEY = validate.Regexp(r"^[a-z0-9][a-z0-9-]*\Z", error="use a-z, 0-9 and '-', starting with a letter or digit")


class DocumentField(fields.Dict):
    """A content document: a JSON object, at most MAX_DEPTH deep, with no NUL character anywhere."""

    default_error_messages = {"invalid": "must be a JSON object: the content of a scenario or checklist file"}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise self.make_error("invalid")
        stack, nodes = [(value, 1)], 0
        while stack:
            item, depth = stack.pop()
            nodes += 1
            if depth > MAX_DEPTH:
                raise ValidationError(gettext("nested more than %(MAX_DEPTH)s levels deep", MAX_DEPTH=MAX_DEPTH))
            if nodes > MAX_NODES:
                raise ValidationError(gettext("more than %(MAX_NODES)s values", MAX_NODES=MAX_NODES))
            if isinstance(item, dict):
                for key, inner in item.items():
                    if "\x00" in key:
                        raise ValidationError(gettext("must not contain NUL characters"))
                    stack.append((inner, depth + 1))
            elif isinstance(item, list):
                stack.extend((inner, depth + 1) for inner in item)
            elif isinstance(item, str) and "\x00" in item:
                raise ValidationError(gettext("must not contain NUL characters"))
            elif isinstance(item, float) and not math.isfinite(item):
                raise ValidationError(gettext("numbers must be finite"))
        return value


def _one_source(data: dict) -> None:
    if ("document" in data) == ("yaml" in data):
        raise ValidationError(gettext("give the content as `document` (JSON) or as `yaml` (text), one of them"),
                              field_name="document")


class DocumentIn(StrictSchema):
    """Content as a JSON document, or as the YAML text of a content file."""

    document = DocumentField(metadata={"description": "The content, as a content file has it (JSON)"})
    yaml = fields.String(validate=validate.Length(max=MAX_YAML),
                         metadata={"description": "The content as YAML text (comments are kept)"})

    @validates_schema
    def _one(self, data, **kwargs):
        _one_source(data)


class DocumentCreate(DocumentIn):
    id = fields.String(required=True, validate=[validate.Length(min=1, max=100), KEY],
                       metadata={"description": "The library id (the content's own `id`)"})
    note = fields.String(load_default="", validate=validate.Length(max=MAX_NOTE))


class CheckIn(DocumentIn):
    id = fields.String(validate=validate.Length(min=1, max=100),
                       metadata={"description": "The library id the content must have (default: its own id)"})


class DraftSave(DocumentIn):
    base = fields.Integer(required=True, allow_none=True, validate=validate.Range(min=1, max=MAX_ROW_ID),
                          metadata={"description": "The version the edit started from (409 if it is not the "
                                                   "latest any more); null to save on top of the latest"})
    note = fields.String(load_default="", validate=validate.Length(max=MAX_NOTE))


class CloneIn(StrictSchema):
    id = fields.String(required=True, validate=[validate.Length(min=1, max=100), KEY])
    title = fields.String(validate=validate.Length(min=1, max=300))
    number = fields.Integer(validate=validate.Range(min=1, max=MAX_ROW_ID),
                            metadata={"description": "The version to copy (default: the latest)"})


class DiffQuery(StrictSchema):
    from_ = fields.Integer(data_key="from", validate=validate.Range(min=1, max=MAX_ROW_ID),
                           metadata={"description": "Default: the version before `to`"})
    to = fields.Integer(validate=validate.Range(min=1, max=MAX_ROW_ID),
                        metadata={"description": "Default: the latest version"})


class PreviewIn(StrictSchema):
    body = fields.String(required=True, validate=validate.Length(max=MAX_BODY))


class EventsQuery(StrictSchema):
    since = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ROW_ID))
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=5000))


class MappingIn(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100),
                         metadata={"description": "e.g. the name of the spreadsheet template"})
    mapping = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=200)),
                          values=fields.String(validate=validate.Length(min=1, max=40)), required=True,
                          validate=validate.Length(min=1, max=100),
                          metadata={"description": 'Your column name -> field (time, message, to, ...) or ignore'})


# -- responses -------------------------------------------------------------------------------

class ProblemOut(Schema):
    path = fields.String(allow_none=True, metadata={"description": "The field, e.g. injects[4].expects[1].within"})
    line = fields.Integer(allow_none=True, metadata={"description": "The line, for YAML text"})
    message = fields.String()


class CheckOut(Schema):
    valid = fields.Boolean()
    hash = fields.String(allow_none=True, metadata={"description": "The content hash when valid"})
    errors = fields.List(fields.Nested(ProblemOut))
    warnings = fields.List(fields.Nested(ProblemOut))
    gaps = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                       metadata={"description": "For a valid checklist: per agency, the steps no clause of its "
                                                "own SOP covers"})


class VersionSummaryOut(Schema):
    number = fields.Integer()
    state = fields.String(metadata={"description": "draft or published"})
    origin = fields.String(metadata={"description": "file, editor, import, restore or clone"})
    base = fields.Integer(allow_none=True)
    title = fields.String()
    note = fields.String()
    author = fields.String()
    created_at = fields.String()
    published_at = fields.String(allow_none=True)
    published_by = fields.String(allow_none=True)
    content_hash = fields.String(allow_none=True)
    document_hash = fields.String()
    errors = fields.Integer()


class DocumentSummaryOut(Schema):
    kind = fields.String()
    id = fields.String()
    title = fields.String()
    head = fields.Integer(metadata={"description": "The latest version"})
    published = fields.Integer(allow_none=True, metadata={"description": "The version exercises are made from"})
    draft = fields.Boolean(metadata={"description": "The latest version is not the published one"})
    file_path = fields.String(allow_none=True)
    updated_at = fields.String()


class DocumentOut(DocumentSummaryOut):
    versions = fields.List(fields.Nested(VersionSummaryOut))


class VersionOut(VersionSummaryOut):
    scenarios_that_do_not_fit = fields.List(fields.String(), metadata={
        "description": "After publishing a checklist: the published scenarios held to it that it no longer "
                       "validates (exercises from them are refused until they are fixed)"})
    kind = fields.String()
    id = fields.String()
    document = fields.Dict()
    check = fields.Nested(CheckOut)
    gaps = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                       metadata={"description": "For a valid checklist: per agency, the steps no clause covers"})


class SaveOut(VersionOut):
    saved = fields.Boolean(metadata={"description": "False when the latest version already had this content"})


class ChangeOut(Schema):
    field = fields.String()
    old = fields.Raw(allow_none=True)
    new = fields.Raw(allow_none=True)
    added = fields.Boolean()
    removed = fields.Boolean()


class RecordChangeOut(Schema):
    id = fields.String()
    changed_fields = fields.List(fields.Nested(ChangeOut), data_key="fields", attribute="fields")


class SectionOut(Schema):
    added = fields.List(fields.String())
    removed = fields.List(fields.String())
    changed = fields.List(fields.Nested(RecordChangeOut))
    reordered = fields.Boolean()


class ChangesOut(Schema):
    changed_fields = fields.List(fields.Nested(ChangeOut), data_key="fields", attribute="fields")
    sections = fields.Dict(keys=fields.String(), values=fields.Nested(SectionOut))


class DiffOut(Schema):
    from_ = fields.Integer(data_key="from", attribute="from")
    to = fields.Integer()
    changes = fields.Nested(ChangesOut)
    summary = fields.List(fields.String())


class PreviewOut(Schema):
    html = fields.String()


class LibraryEventOut(Schema):
    seq = fields.Integer()
    type = fields.String()
    actor = fields.String()
    wall_time = fields.String()
    data = fields.Dict()
    prev_hash = fields.String()
    hash = fields.String()


class AuditOut(Schema):
    ok = fields.Boolean()
    events = fields.Integer()
    first_broken_seq = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    last_hash = fields.String()


class MappingOut(Schema):
    name = fields.String()
    mapping = fields.Dict(keys=fields.String(), values=fields.String())
    updated_by = fields.String()
    updated_at = fields.String()


class ContentOut(Schema):
    """A published scenario or checklist, normalized (times in seconds): the documented fields,
    and every other field of the content as it is."""

    id = fields.String()
    title = fields.String()
    version = fields.Integer()
    hash = fields.String()
    path = fields.String(allow_none=True)

    @post_dump(pass_original=True)
    def _everything(self, data, original, **kwargs):
        return {**original, **data} if isinstance(original, dict) else data


class ScenarioSummaryOut(Schema):
    """A published scenario in the list (GET /scenarios)."""

    id = fields.String()
    title = fields.String()
    version = fields.Integer()
    summary = fields.String()
    language = fields.String()
    hazard = fields.String(allow_none=True)
    duration_s = fields.Float()
    sop = fields.String()
    hash = fields.String()
    teams = fields.List(fields.Dict())
    injects = fields.Integer(metadata={"description": "How many injects"})
    objectives = fields.List(fields.Dict())


class ChecklistSummaryOut(Schema):
    """A published checklist in the list (GET /sops)."""

    id = fields.String()
    title = fields.String()
    version = fields.Integer()
    summary = fields.String()
    steps = fields.Integer(metadata={"description": "How many steps"})
    agencies = fields.List(fields.Dict())
    hash = fields.String()


# -- the scenario editor's map -------------------------------------------------------------------

class FieldPreviewIn(StrictSchema):
    document = DocumentField(required=True, metadata={"description": "the scenario as the editor has it"})
    at_s = fields.Float(load_default=0.0, validate=validate.Range(min=0, max=10 * 24 * 3600), allow_nan=False)


class FieldPreviewOut(Out):
    problems = fields.List(fields.Dict(), metadata={"description": "the site and radiation blocks' problems "
                                                                   "({path, message}); none: the field below"})
    bounds = fields.List(fields.Float(), allow_none=True)
    isolines = fields.Dict(allow_none=True)
    max_uSv_h = fields.Float(allow_none=True)
