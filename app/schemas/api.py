"""Payload schemas of the JSON API: one per payload, used for validation and the OpenAPI document."""
from marshmallow import RAISE, Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema

from ..engine.timefmt import parse_duration
from ..i18n import LANGUAGES
from ..vocabulary import (CHANNELS, CLIENT_ID_PATTERN, INJECT_TYPES, MAX_BODY, MAX_EXERCISE_NAME, MAX_EXERCISE_TIME_S,
                          MAX_KEY, MAX_PERSON_NAME, MAX_SPEED, MAX_TEAM_NAME, MAX_TEXT, MAX_TITLE, MIN_SPEED,
                          TEAM_KEY_PATTERN)
from ..text import nested_errors, problems_in
from flask_babel import gettext

TEAM_KEY = validate.Regexp(TEAM_KEY_PATTERN, error="lower-case letters, digits and '-'")
SPEED = validate.Range(min=MIN_SPEED, max=MAX_SPEED)
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
            raise ValidationError(gettext("a number of seconds or a time such as 8m or 1:20:00"))
        try:
            if isinstance(value, (int, float)):
                seconds = float(value)
            elif isinstance(value, str):
                seconds = parse_duration(value)
            else:
                raise ValidationError(gettext("a number of seconds or a time such as 8m or 1:20:00"))
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        except OverflowError:  # an integer too large for a float: 10**400, "999...9:00:00"
            raise ValidationError(gettext("must be between 0 and 7 days")) from None
        if not 0 <= seconds <= MAX_EXERCISE_TIME_S:
            raise ValidationError(gettext("must be between 0 and 7 days"))
        return seconds


class Recipients(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        if value == "all":
            return "all"
        if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
            return list(dict.fromkeys(value))
        raise ValidationError(gettext('"all" or a non-empty list of team keys'))


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
    name = fields.String(required=True, validate=validate.Length(min=1, max=MAX_PERSON_NAME))


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
    name = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEAM_NAME))
    agency = fields.String(required=True, validate=validate.Length(min=1, max=60))


class ExerciseCreate(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=MAX_EXERCISE_NAME))
    scenario = fields.String(required=True, validate=validate.Length(min=1, max=100))
    speed = fields.Float(load_default=1.0, validate=SPEED)
    teams = fields.List(fields.Nested(TeamSpec), validate=validate.Length(min=1, max=50))
    dose_guidance = fields.String(validate=validate.Length(min=1, max=60),
                                  metadata={"description": "a dose guidance set of the checklist (gsr-part-7, "
                                                           "legacy-remm or its own); default: the checklist's"})
    language = fields.String(validate=validate.OneOf(LANGUAGES),
                             metadata={"description": "the language its tablets open in (en, fr, es, ru, ar); "
                                                      "default: en"})


class ExercisePatch(StrictSchema):
    speed = fields.Float(validate=SPEED)
    name = fields.String(validate=validate.Length(min=1, max=MAX_EXERCISE_NAME))
    dose_guidance = fields.String(validate=validate.Length(min=1, max=60),
                                  metadata={"description": "before the exercise starts: another dose guidance set"})
    language = fields.String(validate=validate.OneOf(LANGUAGES),
                             metadata={"description": "the language its tablets open in from now on"})

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError(gettext("nothing to change: give at least one field"))


class ExpectSpec(StrictSchema):
    step = fields.String(required=True, validate=validate.Length(min=1, max=MAX_KEY))
    within_s = ExerciseTime(required=True, data_key="within")


class AdhocInject(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TITLE))
    body = fields.String(load_default="", validate=validate.Length(max=MAX_BODY))
    to = Recipients(required=True)
    channel = fields.String(load_default="other", validate=validate.OneOf(list(CHANNELS)))
    type = fields.String(load_default="information", validate=validate.OneOf(list(INJECT_TYPES)))
    from_ = fields.String(data_key="from", validate=validate.Length(max=200))
    requires_ack = fields.Boolean(load_default=True)
    hold = fields.Boolean(load_default=False)
    expects = fields.List(fields.Nested(ExpectSpec))


class InjectPatch(StrictSchema):
    at_s = ExerciseTime(data_key="at", allow_none=True)
    title = fields.String(validate=validate.Length(min=1, max=MAX_TITLE))
    body = fields.String(validate=validate.Length(max=MAX_BODY))
    to = Recipients()
    channel = fields.String(validate=validate.OneOf(list(CHANNELS)))
    type = fields.String(validate=validate.OneOf(list(INJECT_TYPES)))
    from_ = fields.String(data_key="from", validate=validate.Length(max=200))
    requires_ack = fields.Boolean()
    notes = fields.String(validate=validate.Length(max=MAX_BODY))
    expects = fields.List(fields.Nested(ExpectSpec))

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError(gettext("nothing to change: give at least one field"))


class EventsQuery(StrictSchema):
    since = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ROW_ID))
    type = fields.List(fields.String(validate=validate.Length(min=1, max=MAX_KEY)), load_default=list)
    limit = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=10000))
    # Only the events this team was sent (what its tablet received), for replaying its lens.
    team = fields.String(validate=TEAM_KEY)


class MessageIn(StrictSchema):
    to = fields.String(required=True, validate=validate.Length(min=1, max=MAX_KEY))
    text = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT))
    client_id = fields.String(validate=validate.Regexp(CLIENT_ID_PATTERN),
                              metadata={"description": "a resend with the same id (an offline tablet's) sends it once"})


class ActionIn(StrictSchema):
    client_id = fields.String(required=True, validate=validate.Regexp(CLIENT_ID_PATTERN))
    step = fields.String(validate=validate.Length(min=1, max=MAX_KEY), allow_none=True)
    text = fields.String(validate=validate.Length(max=MAX_TEXT), allow_none=True)


class AckIn(StrictSchema):
    inject_id = fields.String(required=True, validate=validate.Length(min=1, max=MAX_KEY))


class SyncIn(StrictSchema):
    since = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_ROW_ID))


class WatchIn(StrictSchema):
    exercise_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_ROW_ID))


class WaiverIn(StrictSchema):
    team = fields.String(required=True, validate=validate.Length(min=1, max=MAX_KEY))
    step = fields.String(required=True, validate=validate.Length(min=1, max=MAX_KEY))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
