"""Payload of the scenario import (`POST /api/v1/scenarios/import`, multipart form).

Shape only: what the file says, and whether the scenario's own fields make a valid scenario, is
checked by app.content.msel with the content validator.
"""
import json

from flask_smorest.fields import Upload
from marshmallow import ValidationError, fields, validate
from werkzeug.datastructures import FileStorage

from .api import StrictSchema
from flask_babel import gettext


class UploadedFile(Upload):
    default_error_messages = {"invalid": "must be a file upload (multipart/form-data)"}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage):
            raise self.make_error("invalid")
        return value


class JsonField(fields.Field):
    """A form field holding JSON of one type (an object, or a list)."""

    def __init__(self, kind: type, example: str, **kwargs):
        super().__init__(**kwargs)
        self.kind, self.example = kind, example

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, self.kind):
            return value
        try:
            parsed = json.loads(value)
        except (TypeError, ValueError):
            raise ValidationError(gettext("must be JSON, e.g. %(example)s", example=self.example)) from None
        if not isinstance(parsed, self.kind):
            raise ValidationError(gettext("must be a JSON %(value)s, e.g. %(example)s", value='object' if self.kind is dict else 'list', example=self.example))
        return parsed


def _mapping(value: dict) -> None:
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ValidationError(gettext('column names and fields must be text, e.g. {"When": "time"}'))


_TEXT = validate.Length(max=200)


class ScenarioImportForm(StrictSchema):
    """The uploaded `file`, where the scenario's own fields come from, and what to do with it."""

    file = UploadedFile(required=True, metadata={"description": "An MSEL (.csv, .xlsx) or a scenario (.yaml)"})
    id = fields.String(validate=validate.Length(max=100),
                       metadata={"description": "Scenario id (a-z, 0-9, -); default: the base's, else the file name"})
    title = fields.String(validate=_TEXT, metadata={"description": "Default: the base's, else the file name"})
    base = fields.String(validate=validate.Length(max=100),
                         metadata={"description": "Library scenario whose teams, objectives, sources, sop, "
                                                  "duration, summary and hazard are reused"})
    sop = fields.String(validate=validate.Length(max=100), metadata={"description": "Checklist id"})
    duration = fields.String(validate=validate.Length(max=40), metadata={"description": "e.g. 2h30m or 2:30"})
    version = fields.Integer(validate=validate.Range(min=1))
    summary = fields.String(validate=validate.Length(max=5000))
    hazard = fields.String(validate=_TEXT)
    teams = JsonField(list, '[{"key": "fire", "name": "Fire", "agency": "fire"}]')
    objectives = JsonField(list, '[{"id": "OBJ-1", "text": "...", "capability": "..."}]')
    mapping = JsonField(dict, '{"When": "time", "Controller": "ignore"}', validate=_mapping,
                        metadata={"description": "Your column name -> field (time, message, to, ...) or ignore"})
    startex = fields.String(validate=validate.Length(max=40),
                            metadata={"description": "Time of day of STARTEX when the sheet has clock times"})
    sheet = fields.String(validate=_TEXT, metadata={"description": "Worksheet to read (default: the first with "
                                                                   "a header row)"})
    placeholders = fields.Boolean(load_default=False, metadata={
        "description": "Teams and objectives the scenario does not have become placeholders (listed in "
                       "`warnings`) instead of problems"})
    mapping_name = fields.String(validate=validate.Length(min=1, max=100), metadata={
        "description": "A saved column mapping to use (`mapping` adds to it)"})
    remember_mapping = fields.String(validate=validate.Length(min=1, max=100), metadata={
        "description": "Save the mapping used under this name, for the next import"})
    save = fields.Boolean(load_default=False, metadata={"description": "Save it into the library as a draft"})
    overwrite = fields.Boolean(load_default=False, metadata={"description": "When a scenario with this id is in "
                                                                            "the library: save a new draft version "
                                                                            "of it"})
