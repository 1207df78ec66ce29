"""Payloads of zones (`/api/v1/exercises/<id>/zones`, docs/zones.md): what a map sends and gets back.

The geometry's own rules (a circle's radius, a polygon that does not cross itself, points on the
site...) are the spatial engine's (`app/engine/spatial/zones.py`); here, the envelope: a known kind,
a geometry object of a sane size, a team key, a client id for resending from an offline tablet.
"""
from marshmallow import fields, validate

from ..engine.spatial import PROTECTIVE_ACTIONS, ZONE_KINDS
from ..vocabulary import CLIENT_ID_PATTERN, MAX_TEXT
from .api import TEAM_KEY, StrictSchema
from .out import Out, seconds

MAX_POINTS = 1000


class Geometry(fields.Dict):
    """A zone's shape in site metres: `{type: Circle, center, radius}`, `{type: Polygon, coordinates}`
    or `{type: Point, coordinates}`; checked in full by the spatial engine."""

    default_error_messages = {"invalid": "must be an object such as {{type: Circle, center: [x, y], radius: 400}}",
                              "large": f"at most {MAX_POINTS} points"}

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        rings = value.get("coordinates")
        if isinstance(rings, list) and sum(len(r) if isinstance(r, list) else 1 for r in rings) > MAX_POINTS:
            raise self.make_error("large")
        return value


class ZoneIn(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(list(ZONE_KINDS)),
                         metadata={"description": "a zone kind (docs/zones.md)"})
    geometry = Geometry(required=True)
    team = fields.String(validate=TEAM_KEY, metadata={"description": "controllers: the team it is drawn for"})
    client_id = fields.String(validate=validate.Regexp(CLIENT_ID_PATTERN),
                              metadata={"description": "a resend with the same id answers the zone drawn first"})


class ZonePatch(StrictSchema):
    geometry = Geometry(required=True)


ZONE_ID = validate.Regexp(r"^Z[0-9]{1,6}$", error="a zone id such as Z3")


class ZoneChangeIn(ZonePatch):
    """Socket.IO `change_zone`: which zone, and its new shape."""

    zone_id = fields.String(required=True, validate=ZONE_ID)


class ZoneRemoveIn(StrictSchema):
    """Socket.IO `remove_zone`."""

    zone_id = fields.String(required=True, validate=ZONE_ID)


class DecisionIn(StrictSchema):
    action = fields.String(required=True, validate=validate.OneOf(list(PROTECTIVE_ACTIONS)))
    note = fields.String(validate=validate.Length(max=MAX_TEXT), load_default="")
    message = fields.String(validate=validate.Length(max=MAX_TEXT), load_default="",
                            metadata={"description": "the public message that announces it (it names the zone)"})


class CriterionCheckOut(Out):
    criterion = fields.String(metadata={"description": "the criterion's name, e.g. OIL1"})
    level = fields.String()
    ok = fields.Boolean()
    reason = fields.String()


class DecisionOut(Out):
    action = fields.String()
    label = fields.String()
    at_s = seconds()
    by = fields.String()
    note = fields.String()
    message = fields.String()
    checks = fields.List(fields.Nested(CriterionCheckOut),
                         metadata={"description": "the decision against the scenario's criteria and OILs"})


class ZoneOut(Out):
    id = fields.String()
    kind = fields.String()
    label = fields.String()
    public = fields.Boolean(metadata={"description": "seen by every team (else by its team and staff)"})
    geometry = fields.Dict()
    team = fields.String(allow_none=True)
    by = fields.String(allow_none=True)
    drawn_at_s = seconds()
    changed_at_s = seconds()
    decisions = fields.List(fields.Nested(DecisionOut))
    duplicate = fields.Boolean(metadata={"description": "a resend of a client_id already drawn"})


class ZoneRemovedOut(Out):
    id = fields.String()
    removed = fields.Boolean()
    seq = fields.Integer()


class VerdictOut(Out):
    """A spatial rule's verdict for a team's step, as last announced (`step.rule`)."""

    step = fields.String()
    ok = fields.Boolean()
    reason = fields.String()
    missing = fields.Boolean(metadata={"description": "no zone of the kind the rule needs is drawn"})
    numbers = fields.Dict(metadata={"description": "the distances, areas and angles behind the reason"})
    since_s = seconds(metadata={"description": "since when the verdict holds"})
    team = fields.String()
    highlight = fields.Raw(allow_none=True, metadata={"description": "the part at fault (GeoJSON), for the map"})


class ComparisonOut(Out):
    """An expected zone against what a team drew of its kind (staff)."""

    expected = fields.Integer(metadata={"description": "which expected zone (its index)"})
    kind = fields.String()
    step = fields.String(allow_none=True)
    team = fields.String()
    summary = fields.String()
    agreement = fields.Float(allow_none=True)
    drawn_m2 = fields.Float(allow_none=True)
    expected_m2 = fields.Float(allow_none=True)
    overlap_m2 = fields.Float(allow_none=True)
    expected_outline = fields.List(fields.List(fields.Float()), metadata={"description": "the expected zone's "
                                                                                        "outline, [x, y] points"})
    expected_only = fields.Raw(allow_none=True)
    drawn_only = fields.Raw(allow_none=True)
    expected_only_m2 = fields.Float(allow_none=True)
    drawn_only_m2 = fields.Float(allow_none=True)
    distance_m = fields.Float(allow_none=True, metadata={"description": "a facility: from where it was expected"})
