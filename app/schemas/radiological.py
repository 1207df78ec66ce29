"""Payloads of the radiological picture (`/api/v1/exercises/<id>/responders`, `/readings`, `/doses`,
`/field`, `/sources`; docs/radiation.md): moving a responder, taking a reading, the dose board,
the field for staff, a controller's change to a source.

A team's answers never hold a source or the field: those shapes are staff-only operations.
"""
from marshmallow import ValidationError, fields, validate, validates_schema

from ..engine.nuclides import MATERIALS
from ..vocabulary import CLIENT_ID_PATTERN, MAX_TEXT
from .api import StrictSchema
from .out import Out, seconds
from flask_babel import gettext

RESPONDER_ID = validate.Regexp(r"^[a-z0-9-]{1,40}/[0-9]{1,3}$", error="a responder id such as fire/1")
INSTRUMENT_ID = validate.Regexp(r"^[a-z0-9-]{1,40}/[a-z-]{1,30}-[0-9]{1,3}$",
                                error="an instrument id such as fire/survey-meter-1")
MAX_WAYPOINTS = 50


class SitePoint(fields.List):
    """[x, y] in site metres."""

    def __init__(self, **kwargs):
        super().__init__(fields.Float(allow_nan=False), validate=validate.Length(equal=2, error="write [x, y]"),
                         **kwargs)


class MoveIn(StrictSchema):
    responder = fields.String(required=True, validate=RESPONDER_ID)
    to = SitePoint(metadata={"description": "where to go, [x, y] in site metres"})
    path = fields.List(SitePoint(), validate=validate.Length(min=1, max=MAX_WAYPOINTS),
                       metadata={"description": "waypoints, instead of `to`"})
    stop = fields.Boolean(metadata={"description": "stop where the responder is now"})
    mode = fields.String(validate=validate.OneOf(("walk", "vehicle")),
                         metadata={"description": "walk (1.2 m/s, default) or vehicle (8 m/s)"})
    speed_m_s = fields.Float(validate=validate.Range(min=0.1, max=40), allow_nan=False)
    client_id = fields.String(validate=validate.Regexp(CLIENT_ID_PATTERN),
                              metadata={"description": "a resend with the same id answers the first move"})

    @validates_schema
    def _one_order(self, data, **kwargs):
        given = [key for key in ("to", "path", "stop") if data.get(key)]
        if len(given) != 1:
            raise ValidationError(gettext("give exactly one of to, path or stop: true"), "to")


class ReadingIn(StrictSchema):
    responder = fields.String(required=True, validate=RESPONDER_ID)
    instrument = fields.String(required=True, validate=INSTRUMENT_ID)
    client_id = fields.String(validate=validate.Regexp(CLIENT_ID_PATTERN))


class HistoryQuery(StrictSchema):
    responder = fields.String(validate=RESPONDER_ID, metadata={"description": "required: whose history"})


class ShieldIn(StrictSchema):
    material = fields.String(required=True, validate=validate.OneOf(sorted(MATERIALS)))
    thickness_m = fields.Float(required=True, validate=validate.Range(min=0, max=5, min_inclusive=False),
                               allow_nan=False)


class SourceChangeIn(StrictSchema):
    source = fields.String(required=True, validate=validate.Length(min=1, max=60))
    moved_to = SitePoint()
    shield = fields.Nested(ShieldIn, allow_none=True, metadata={"description": "a container; null takes it out"})
    activity_bq = fields.Float(validate=validate.Range(min=0, max=1e18, min_inclusive=False), allow_nan=False)
    removed = fields.Boolean(metadata={"description": "true takes the source away; false brings it back"})
    note = fields.String(validate=validate.Length(max=MAX_TEXT))


# -- answers -------------------------------------------------------------------------------------

class ResponderOut(Out):
    id = fields.String()
    team = fields.String()
    name = fields.String()
    task = fields.String(metadata={"description": "the dose guidance task type"})
    mode = fields.String()
    dosimeter = fields.String(allow_none=True)
    at = fields.List(fields.Float(), metadata={"description": "[x, y] now, site metres"})
    moving = fields.Boolean()
    target = fields.List(fields.Float())
    arrives_at_s = seconds()
    exercise_time_s = seconds()
    duplicate = fields.Boolean()


class DoseRowOut(ResponderOut):
    dose_uSv = fields.Float()
    rate_uSv_h = fields.Float()
    max_rate_uSv_h = fields.Float()
    limit_mSv = fields.Float(allow_none=True)
    fraction = fields.Float(allow_none=True, metadata={"description": "dose / guidance value"})
    remaining_mSv = fields.Float(allow_none=True)
    alarming = fields.Boolean()
    guidance_reached = fields.Float(metadata={"description": "highest fraction of the guidance announced"})


class ReadingOut(Out):
    kind = fields.String()
    value = fields.Float(allow_none=True)
    unit = fields.String()
    display = fields.String(metadata={"description": "as the instrument shows it"})
    over_range = fields.Boolean()
    alarm = fields.Boolean()
    details = fields.Dict()


class MeasurementOut(Out):
    responder = fields.String()
    team = fields.String()
    name = fields.String(allow_none=True)
    instrument = fields.String()
    kind = fields.String()
    at = fields.List(fields.Float())
    exercise_time_s = seconds()
    reading = fields.Nested(ReadingOut)
    duplicate = fields.Boolean()


class InstrumentOut(Out):
    id = fields.String()
    team = fields.String()
    kind = fields.String()
    title = fields.String()
    worn_by = fields.String(allow_none=True)


class PictureOut(Out):
    exercise_time_s = seconds()
    responders = fields.List(fields.Nested(DoseRowOut))
    instruments = fields.List(fields.Nested(InstrumentOut))
    measurements = fields.List(fields.Nested(MeasurementOut))
    alarms = fields.List(fields.Dict(), metadata={"description": "dose.alarm payloads with exercise_time_s"})
    has_field = fields.Boolean()


class DoseSampleOut(Out):
    t_s = seconds()
    dose_uSv = fields.Float()
    rate_uSv_h = fields.Float()


class DoseHistoryOut(Out):
    responder = fields.String()
    name = fields.String()
    samples = fields.List(fields.Nested(DoseSampleOut))


class SourceOut(Out):
    id = fields.String()
    nuclide = fields.String()
    at = fields.List(fields.Float())
    height_m = fields.Float()
    activity_bq = fields.Float()
    shield = fields.List(fields.Raw(), allow_none=True, metadata={"description": "[material, thickness in m]"})
    active = fields.Boolean()


class FieldOut(Out):
    bounds = fields.List(fields.Float())
    shape = fields.List(fields.Integer(), metadata={"description": "[rows, columns]; row 0 is south"})
    field_time_s = seconds()
    exercise_time_s = seconds()
    log_range = fields.List(fields.Float(), metadata={"description": "byte 0 and 255 are 10^min and 10^max µSv/h"})
    grid = fields.String(metadata={"description": "base64 of rows × columns bytes: log₁₀ of the rate, scaled"})
    max_uSv_h = fields.Float()
    isolines = fields.Dict()
    sources = fields.List(fields.Nested(SourceOut))


class SourceChangeOut(Out):
    change = fields.Dict()
    sources = fields.List(fields.Nested(SourceOut))
