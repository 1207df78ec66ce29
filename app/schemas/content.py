"""Marshmallow schemas of the hand-written content files: checklists (`sop/`) and scenarios (`injects/`).

They check shape only (required fields, types, enums, id formats, unknown fields) and load a
file into its normalized form: times as float seconds under `_s` names, defaults filled.
References between parts of a file, and to the checklist, are checked in `app.content.library`.
Field names are exactly those of docs/content.md; messages are written for the people who edit
the files, and `app.content.library` prefixes them with the file, line and field.
"""
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from app.engine.timefmt import parse_duration
from flask_babel import gettext

# File ids and the keys of agencies, phases and teams: lower case, digits and '-'.
KEY_PATTERN = r"^[a-z0-9][a-z0-9-]*\Z"
# Ids of steps, injects, objectives and sources: letters, digits and '-'.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]*\Z"

CONFIDENCES = ("V", "S", "U")
STEP_MODES = ("each", "any")
CHANNELS = ("radio", "phone", "email", "media", "field-report", "sensor", "other")
INJECT_TYPES = ("event", "information", "request", "media", "contingency")
OVERDUE_MODES = ("prompt", "auto")
# Kinds of emergency work a dose guidance value applies to (docs/content.md, "Doctrine").
TASK_TYPES = ("life-saving", "prevent-severe-effects", "catastrophic", "avert-collective-dose", "occupational")
GUIDANCE_STATUSES = ("current", "legacy", "superseded", "custom")
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*\Z"  # BCP 47 style: en, fr, pt-BR

REQUIRED = "is required"
NULL = "has no value; give one or leave the field out"


def _key(what: str) -> validate.Regexp:
    return validate.Regexp(KEY_PATTERN, error=f"{{input!r}} is not a valid {what}: use a-z, 0-9 and '-'")


def _id(what: str) -> validate.Regexp:
    return validate.Regexp(ID_PATTERN, error=f"{{input!r}} is not a valid {what}: use letters, digits and '-'")


def _one_of(choices) -> validate.OneOf:
    return validate.OneOf(choices, error="{input!r} is not one of: {choices}")


NOT_EMPTY = validate.Length(min=1, error="must not be empty")


class Text(fields.String):
    default_error_messages = {
        "required": REQUIRED,
        "null": NULL,
        "invalid": "must be text (put it in quotes if it looks like a number, a date or true/false)",
    }


class ClauseNumber(Text):
    default_error_messages = {"invalid": 'must be text: write clause numbers in quotes, e.g. "7.3.2"'}


class WholeNumber(fields.Integer):
    default_error_messages = {"required": REQUIRED, "null": NULL, "invalid": "must be a whole number"}

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid", input=value)
        return value


class Flag(fields.Boolean):
    default_error_messages = {"required": REQUIRED, "null": NULL, "invalid": "must be true or false"}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class Duration(fields.Field):
    """A time as written in content files (`8m`, `1h30m`, `08:30`), loaded as float seconds."""

    default_error_messages = {"required": REQUIRED, "null": NULL}

    def _deserialize(self, value, attr, data, **kwargs) -> float:
        try:
            return parse_duration(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class Items(fields.List):
    default_error_messages = {
        "required": REQUIRED,
        "null": NULL,
        "invalid": "must be a list: [a, b] or one '- item' per line",
    }


class Record(fields.Nested):
    default_error_messages = {"required": REQUIRED, "null": NULL}


class Records(fields.Dict):
    default_error_messages = {
        "required": REQUIRED,
        "null": NULL,
        "invalid": "must be a mapping of 'key: value' lines",
    }


class Recipients(fields.Field):
    """An inject's `to`: the word `all`, or a list of team keys."""

    default_error_messages = {
        "required": REQUIRED,
        "null": NULL,
        "invalid": "must be all or a list of team keys, e.g. [fire, police]",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if value == "all":
            return "all"
        if isinstance(value, str):
            raise ValidationError(gettext("must be all or a list of team keys: write [%(value)s]", value=value))
        if not isinstance(value, list) or not value:
            raise self.make_error("invalid")
        if not all(isinstance(key, str) for key in value):
            raise ValidationError(gettext("team keys must be text"))
        return list(dict.fromkeys(value))  # the order written, each team once


def _optional(field_class, **kwargs):
    return field_class(load_default=None, allow_none=False, **kwargs)


def _ids():
    """A list of ids (sources, steps, agencies); what they refer to is checked by the library."""
    return Items(Text(), load_default=list)


# How a step with a spatial rule is done: by the zone alone, by the zone or a tap, by both.
COMPLETED_BY = ("zone", "zone-or-tap", "zone-and-tap")


class ContentSchema(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {"unknown": "unknown field", "type": "must be a mapping of 'key: value' lines"}


class SourceSchema(ContentSchema):
    id = Text(required=True, validate=_id("source id"))
    title = Text(required=True, validate=NOT_EMPTY)
    where = _optional(Text)
    url = _optional(Text)
    confidence = Text(load_default="U", validate=_one_of(CONFIDENCES))


# --- checklists (sop/*.yaml) ---------------------------------------------------------------

class AgencySchema(ContentSchema):
    key = Text(required=True, validate=_key("agency key"))
    name = Text(required=True, validate=NOT_EMPTY)


class PhaseSchema(ContentSchema):
    key = Text(required=True, validate=_key("phase key"))
    title = Text(required=True, validate=NOT_EMPTY)


class StepSchema(ContentSchema):
    id = Text(required=True, validate=_id("step id"))
    text = Text(required=True, validate=NOT_EMPTY)
    agencies = Items(Text(), required=True, validate=NOT_EMPTY)
    mode = Text(load_default="each", validate=_one_of(STEP_MODES))
    phase = _optional(Text)
    critical = Flag(load_default=False)
    after = _ids()
    guidance = _optional(Text)
    reference = _optional(Text)
    sources = _ids()
    task_type = _optional(Text, validate=_one_of(TASK_TYPES))
    rule = _optional(fields.Dict)  # a spatial rule (docs/zones.md), checked by the library
    completed_by = _optional(Text, validate=_one_of(COMPLETED_BY))  # none: "zone" where a rule applies


class ClauseSchema(ContentSchema):
    clause = ClauseNumber(required=True, validate=NOT_EMPTY)
    title = _optional(Text)
    steps = Items(Text(), required=True)  # [] records a clause with no harmonized step


class CrosswalkSchema(ContentSchema):
    document = Text(required=True, validate=NOT_EMPTY)
    clauses = Items(Record(ClauseSchema), required=True)


class Millisieverts(fields.Float):
    default_error_messages = {"required": REQUIRED, "null": NULL,
                              "invalid": "must be a number of millisieverts, e.g. 500"}

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid", input=value)
        return float(value)


class TaskGuidanceSchema(ContentSchema):
    """One kind of work in a dose guidance set: the guidance value in mSv, H_p(10)."""

    msv = Millisieverts(required=True, validate=validate.Range(min=0, min_inclusive=False,
                                                               error="must be more than 0"))
    notes = _optional(Text)


class DoseGuidanceSetSchema(ContentSchema):
    id = Text(required=True, validate=_key("dose guidance set id"))
    title = Text(required=True, validate=NOT_EMPTY)
    status = Text(required=True, validate=_one_of(GUIDANCE_STATUSES))
    quantity = Text(load_default="Hp(10)", validate=NOT_EMPTY)
    volunteers_above_msv = _optional(Millisieverts, validate=validate.Range(
        min=0, min_inclusive=False, error="must be more than 0"))
    notes = _optional(Text)
    sources = Items(Text(), required=True, validate=NOT_EMPTY)
    tasks = Records(keys=Text(validate=_one_of(TASK_TYPES)), values=Record(TaskGuidanceSchema), required=True)


class DoseGuidanceSchema(ContentSchema):
    """The emergency-worker dose guidance a checklist offers; an exercise picks one set."""

    default = Text(required=True, validate=_key("dose guidance set id"))
    sets = Items(Record(DoseGuidanceSetSchema), required=True, validate=NOT_EMPTY)


class ChecklistSchema(ContentSchema):
    id = Text(required=True, validate=_key("checklist id"))
    title = Text(required=True, validate=NOT_EMPTY)
    version = WholeNumber(required=True, validate=validate.Range(min=1, error="must be 1 or more"))
    summary = Text(load_default="")
    sources = Items(Record(SourceSchema), load_default=list)
    agencies = Items(Record(AgencySchema), required=True, validate=NOT_EMPTY)
    phases = Items(Record(PhaseSchema), load_default=list)
    steps = Items(Record(StepSchema), required=True, validate=NOT_EMPTY)
    crosswalk = Records(keys=Text(), values=Record(CrosswalkSchema), load_default=dict)
    dose_guidance = _optional(Record, nested=DoseGuidanceSchema)


# --- scenarios (injects/*.yaml) ------------------------------------------------------------

class ObjectiveSchema(ContentSchema):
    id = Text(required=True, validate=_id("objective id"))
    text = Text(required=True, validate=NOT_EMPTY)
    capability = _optional(Text)


class TeamSchema(ContentSchema):
    key = Text(required=True, validate=_key("team key"))
    name = Text(required=True, validate=NOT_EMPTY)
    agency = Text(required=True)


class ExpectSchema(ContentSchema):
    step = Text(required=True)
    within_s = Duration(
        data_key="within", required=True,
        validate=validate.Range(min=0, min_inclusive=False, error="must be more than 0"),
    )


class WhenOverdueSchema(ContentSchema):
    step = Text(required=True)
    mode = Text(load_default="prompt", validate=_one_of(OVERDUE_MODES))


class InjectSchema(ContentSchema):
    id = Text(required=True, validate=_id("inject id"))
    at_s = _optional(Duration, data_key="at")
    sender = _optional(Text, data_key="from", attribute="from")
    to = Recipients(required=True)
    channel = Text(load_default="other", validate=_one_of(CHANNELS))
    type = Text(load_default="information", validate=_one_of(INJECT_TYPES))
    title = Text(required=True, validate=NOT_EMPTY)
    body = Text(load_default="")
    expects = Items(Record(ExpectSchema), load_default=list)
    objective = _optional(Text)
    requires_ack = Flag(load_default=True)
    notes = _optional(Text)
    when_overdue = _optional(Record, nested=WhenOverdueSchema)
    sources = _ids()


class ScenarioSchema(ContentSchema):
    id = Text(required=True, validate=_key("scenario id"))
    title = Text(required=True, validate=NOT_EMPTY)
    version = WholeNumber(required=True, validate=validate.Range(min=1, error="must be 1 or more"))
    summary = Text(load_default="")
    language = Text(load_default="en", validate=validate.Regexp(
        LANGUAGE_PATTERN, error="{input!r} is not a language code: write e.g. en, fr or pt-BR"))
    hazard = _optional(Text)
    duration_s = Duration(
        data_key="duration", required=True,
        validate=validate.Range(min=0, min_inclusive=False, error="must be more than 0"),
    )
    sop = Text(required=True, validate=_key("checklist id"))
    sources = Items(Record(SourceSchema), load_default=list)
    objectives = Items(Record(ObjectiveSchema), load_default=list)
    teams = Items(Record(TeamSchema), required=True, validate=NOT_EMPTY)
    injects = Items(Record(InjectSchema), required=True, validate=NOT_EMPTY)
