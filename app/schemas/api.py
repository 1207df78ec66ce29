"""Payload schemas of the JSON API: one per payload, used for validation and the OpenAPI document."""
from marshmallow import RAISE, Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema

from ..engine.timefmt import parse_duration
from ..text import nested_errors, problems_in

TEAM_KEY = validate.Regexp(r"^[a-z0-9][a-z0-9-]{0,39}$", error="lower-case letters, digits and '-'")
CHANNELS = ["radio", "phone", "email", "media", "field-report", "sensor", "other"]
INJECT_TYPES = ["event", "information", "request", "media", "contingency"]
# The largest id or seq a database integer holds (SQLite and PostgreSQL bigint): beyond it a
# query would overflow instead of finding nothing.
MAX_ROW_ID = 2**63 - 1


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE

    @pre_load
    def _plain_text_in(self, data, **kwargs):
        """NUL, lone surrogates (app/text.py) anywhere in the payload, nested or not: a 422 here
        rather than a failure in the database or the event-log hash (500)."""
        _refuse_bad_text(data)
        return data

    @post_load
    def _plain_text_out(self, data, **kwargs):
        """The same for what fields made of the payload (JSON text inside a form field)."""
        _refuse_bad_text(data)
        return data


def _refuse_bad_text(data) -> None:
    found = list(problems_in(data))
    if found:
        raise ValidationError(nested_errors(found))


class ExerciseTime(fields.Field):
    """Seconds as a number, or a time string ("8m", "1:20:00"); null means a reserve inject."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None:
            return None
        if isinstance(value, bool):
            raise ValidationError("a number of seconds or a time such as 8m or 1:20:00")
        try:
            if isinstance(value, (int, float)):
                seconds = float(value)
            elif isinstance(value, str):
                seconds = parse_duration(value)
            else:
                raise ValidationError("a number of seconds or a time such as 8m or 1:20:00")
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        except OverflowError:  # an integer too large for a float: 10**400, "999...9:00:00"
            raise ValidationError("must be between 0 and 7 days") from None
        if not 0 <= seconds <= 7 * 24 * 3600:
            raise ValidationError("must be between 0 and 7 days")
        return seconds


class Recipients(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        if value == "all":
            return "all"
        if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
            return list(dict.fromkeys(value))
        raise ValidationError('"all" or a non-empty list of team keys')


# -- auth ----------------------------------------------------------------------------------

class TokenRequest(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class UserOut(Schema):
    id = fields.Integer()
    username = fields.String()
    role = fields.String()


class TokenResponse(Schema):
    token = fields.String()
    user = fields.Nested(UserOut)


class JoinRequest(StrictSchema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=20))
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))


class JoinTeamOut(Schema):
    key = fields.String()
    name = fields.String()
    agency = fields.String()


class JoinResponse(Schema):
    token = fields.String()
    exercise_id = fields.Integer()
    participant_id = fields.Integer()
    team = fields.Nested(JoinTeamOut)


# -- exercises -----------------------------------------------------------------------------

class TeamSpec(StrictSchema):
    key = fields.String(required=True, validate=TEAM_KEY)
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    agency = fields.String(required=True, validate=validate.Length(min=1, max=60))


class ExerciseCreate(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    scenario = fields.String(required=True, validate=validate.Length(min=1, max=100))
    speed = fields.Float(load_default=1.0, validate=validate.Range(min=0.1, max=120))
    teams = fields.List(fields.Nested(TeamSpec), validate=validate.Length(min=1, max=50))


class ExercisePatch(StrictSchema):
    speed = fields.Float(validate=validate.Range(min=0.1, max=120))
    name = fields.String(validate=validate.Length(min=1, max=200))

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("nothing to change: give at least one field")


class ExpectSpec(StrictSchema):
    step = fields.String(required=True, validate=validate.Length(min=1, max=40))
    within_s = ExerciseTime(required=True, data_key="within")


class AdhocInject(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    body = fields.String(load_default="", validate=validate.Length(max=20000))
    to = Recipients(required=True)
    channel = fields.String(load_default="other", validate=validate.OneOf(CHANNELS))
    type = fields.String(load_default="information", validate=validate.OneOf(INJECT_TYPES))
    from_ = fields.String(data_key="from", validate=validate.Length(max=200))
    requires_ack = fields.Boolean(load_default=True)
    hold = fields.Boolean(load_default=False)
    expects = fields.List(fields.Nested(ExpectSpec))


class InjectPatch(StrictSchema):
    at_s = ExerciseTime(data_key="at", allow_none=True)
    title = fields.String(validate=validate.Length(min=1, max=300))
    body = fields.String(validate=validate.Length(max=20000))
    to = Recipients()
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    type = fields.String(validate=validate.OneOf(INJECT_TYPES))
    from_ = fields.String(data_key="from", validate=validate.Length(max=200))
    requires_ack = fields.Boolean()
    notes = fields.String(validate=validate.Length(max=20000))
    expects = fields.List(fields.Nested(ExpectSpec))

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("nothing to change: give at least one field")


class EventsQuery(StrictSchema):
    since = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ROW_ID))
    type = fields.List(fields.String(validate=validate.Length(min=1, max=40)), load_default=list)
    limit = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=10000))


class MessageIn(StrictSchema):
    to = fields.String(required=True, validate=validate.Length(min=1, max=40))
    text = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class ActionIn(StrictSchema):
    client_id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9._:-]{8,64}$"))
    step = fields.String(validate=validate.Length(min=1, max=40), allow_none=True)
    text = fields.String(validate=validate.Length(max=4000), allow_none=True)


class AckIn(StrictSchema):
    inject_id = fields.String(required=True, validate=validate.Length(min=1, max=40))


class SyncIn(StrictSchema):
    since = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_ROW_ID))


class WatchIn(StrictSchema):
    exercise_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_ROW_ID))


class WaiverIn(StrictSchema):
    team = fields.String(required=True, validate=validate.Length(min=1, max=40))
    step = fields.String(required=True, validate=validate.Length(min=1, max=40))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
