"""Marshmallow schemas of a scenario's `site:` and `radiation:` blocks (docs/radiation.md).

Shape only, as in `app.schemas.content`: required fields, types, units, enums, unknown fields.
Quantities are written with their unit (`37 TBq`, `5 cm`, `0.1 µSv/h`) and load as SI numbers
under names that say the unit (`activity_bq`, `thickness_m`, `background_usv_h`). Places, the
plan image, positions inside the site and polygon validity are checked in `app.content.radiation`.
"""
import math
import re

from marshmallow import RAISE, ValidationError, fields, validate, validates_schema

from app.engine.nuclides import MATERIALS, known_nuclides
from app.engine.plume import STABILITY_CLASSES
from app.schemas.content import (
    NOT_EMPTY, NULL, REQUIRED, ContentSchema, Duration, Flag, Items, Record, Records, Text, _id, _one_of,
)
from app.schemas.instruments import IssueSchema, TeamRespondersSchema
from flask_babel import gettext

__all__ = ["RadiologicalSchema", "UNITS", "parse_quantity"]

# unit (as written, after normalizing µ/μ to u and ² to 2) -> factor to the SI-like unit of its kind
UNITS = {
    "activity": {"Bq": 1.0, "kBq": 1e3, "MBq": 1e6, "GBq": 1e9, "TBq": 1e12, "PBq": 1e15,
                 "Ci": 3.7e10, "mCi": 3.7e7, "uCi": 3.7e4},
    "areal activity": {"Bq/m2": 1.0, "kBq/m2": 1e3, "MBq/m2": 1e6, "GBq/m2": 1e9, "TBq/m2": 1e12,
                       "Bq/cm2": 1e4, "kBq/cm2": 1e7},
    "length": {"mm": 1e-3, "cm": 1e-2, "m": 1.0, "km": 1e3},
    "dose rate": {"nSv/h": 1e-3, "uSv/h": 1.0, "mSv/h": 1e3, "Sv/h": 1e6},
    "speed": {"m/s": 1.0, "km/h": 1 / 3.6},
}
_ARTICLE = {"activity": "an", "areal activity": "an"}
_EXAMPLES = {"activity": "37 TBq", "areal activity": "500 kBq/m2", "length": "5 cm",
             "dose rate": "0.1 µSv/h", "speed": "3 m/s"}
_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\s\d].*?)\s*$")


def _unit_key(unit: str) -> str:
    return unit.replace("µ", "u").replace("μ", "u").replace("²", "2").replace(" ", "")


def parse_quantity(text, kind: str) -> float:
    """`37 TBq` -> 3.7e13 (Bq); raise ValueError with a message for the people who edit files."""
    units = UNITS[kind]
    example = _EXAMPLES[kind]
    choices = ", ".join(unit.replace("uSv", "µSv").replace("uCi", "µCi") for unit in units)
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise ValueError(f"must be {_ARTICLE.get(kind, 'a')} {kind} with its unit, e.g. '{example}'")
    if isinstance(text, (int, float)):
        raise ValueError(f"{text!r} has no unit: write e.g. '{example}' ({choices})")
    if re.fullmatch(r"\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*", text):
        raise ValueError(f"{text!r} has no unit: write e.g. '{example}' ({choices})")
    match = _QUANTITY.match(text)
    if not match:
        raise ValueError(f"cannot read {text!r} as {_ARTICLE.get(kind, 'a')} {kind}: write a number and a unit, "
                         f"e.g. '{example}'")
    number, unit = float(match.group(1)), _unit_key(match.group(2))
    by_key = {_unit_key(u): factor for u, factor in units.items()}
    if unit not in by_key:
        raise ValueError(f"unknown unit {match.group(2)!r} for {_ARTICLE.get(kind, 'a')} {kind}: use one of {choices}")
    value = number * by_key[unit]
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    return value


class Quantity(fields.Field):
    """A number with a unit of one kind, loaded as float; `minimum` 0 with `positive` excludes zero."""

    default_error_messages = {"required": REQUIRED, "null": NULL}

    def __init__(self, kind: str, *, positive: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.kind, self.positive = kind, positive

    def _deserialize(self, value, attr, data, **kwargs) -> float:
        try:
            number = parse_quantity(value, self.kind)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        if self.positive and number <= 0:
            raise ValidationError(gettext("must be more than 0 (got %(value)r)", value=value))
        if number < 0:
            raise ValidationError(gettext("must not be negative (got %(value)r)", value=value))
        return number


class Number(fields.Field):
    """A plain number (not text, not true/false)."""

    default_error_messages = {"required": REQUIRED, "null": NULL, "invalid": "must be a number"}

    def _deserialize(self, value, attr, data, **kwargs) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.make_error("invalid")
        return float(value)


class SitePoint(fields.Field):
    """[x, y] in site metres (x east, y north)."""

    default_error_messages = {"required": REQUIRED, "null": NULL,
                              "invalid": "must be a point [x, y] in site metres, e.g. [120, -35]"}

    def _deserialize(self, value, attr, data, **kwargs) -> list[float]:
        if not isinstance(value, list) or len(value) != 2 or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value):
            raise self.make_error("invalid")
        return [float(value[0]), float(value[1])]


class PlaceOrPoint(SitePoint):
    """A place id of the site (`blast-seat`) or a point [x, y]; places are resolved later."""

    default_error_messages = {"invalid": "must be a place id or a point [x, y] in site metres"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and value.strip():
            return value
        return super()._deserialize(value, attr, data, **kwargs)


class Outline(fields.Field):
    """A list of points [[x, y], ...]: at least `minimum` of them."""

    default_error_messages = {"required": REQUIRED, "null": NULL}

    def __init__(self, minimum: int, **kwargs):
        super().__init__(**kwargs)
        self.minimum = minimum

    def _deserialize(self, value, attr, data, **kwargs) -> list[list[float]]:
        example = "[[0, 0], [10, 0], [10, 5]]"
        if not isinstance(value, list) or len(value) < self.minimum:
            raise ValidationError(gettext("must be a list of at least %(minimum)s points [x, y], e.g. %(example)s", minimum=self.minimum, example=example))
        points = []
        for index, point in enumerate(value):
            try:
                points.append(SitePoint()._deserialize(point, attr, data))
            except ValidationError:
                raise ValidationError(gettext("point #%(value)s (%(point)r) is not [x, y] in site metres", value=index + 1, point=point)) from None
        return points


class NuclideName(Text):
    def _deserialize(self, value, attr, data, **kwargs):
        name = super()._deserialize(value, attr, data, **kwargs)
        if name not in known_nuclides():
            raise ValidationError(gettext("unknown nuclide %(name)r; known: %(names)s", name=name, names=', '.join(known_nuclides())))
        return name


def _material():
    return Text(required=True, validate=_one_of(tuple(MATERIALS)))


# --- site ------------------------------------------------------------------------------------

class PlaceSchema(ContentSchema):
    id = Text(required=True, validate=_id("place id"))
    name = Text(required=True, validate=NOT_EMPTY)
    at = SitePoint(required=True)


class GeoPointSchema(ContentSchema):
    at = SitePoint(required=True)
    lat = Number(required=True, validate=validate.Range(-90, 90, error="must be between -90 and 90"))
    lon = Number(required=True, validate=validate.Range(-180, 180, error="must be between -180 and 180"))


class SiteSchema(ContentSchema):
    plan = Text(required=True, validate=NOT_EMPTY)
    metres_per_pixel = Number(required=True, validate=validate.Range(min=0, min_inclusive=False,
                                                                      error="must be more than 0"))
    origin_px = SitePoint(required=True)
    places = Items(Record(PlaceSchema), load_default=list)
    georeference = Items(Record(GeoPointSchema), load_default=None,
                         validate=validate.Length(equal=2, error="give exactly two points"))


# --- radiation -------------------------------------------------------------------------------

class ContainerSchema(ContentSchema):
    """A container around a source: attenuates every direction."""

    material = _material()
    thickness_m = Quantity("length", data_key="thickness", required=True)


class ChangeSchema(ContentSchema):
    at_s = Duration(data_key="at", required=True)
    moved_to = PlaceOrPoint()
    height_m = Quantity("length", data_key="height", positive=False)
    shield = Record(ContainerSchema, allow_none=True)
    activity_bq = Quantity("activity", data_key="activity")
    removed = Flag()

    @validates_schema
    def _changes_something(self, data, **kwargs):
        if len(data) < 2:
            raise ValidationError(gettext("a change needs at least one of moved_to, height, shield, activity, removed"))


class SourceSchema(ContentSchema):
    id = Text(required=True, validate=_id("source id"))
    nuclide = NuclideName(required=True)
    activity_bq = Quantity("activity", data_key="activity", required=True)
    at = PlaceOrPoint(required=True)
    height_m = Quantity("length", data_key="height", positive=False, load_default=1.0)
    from_s = Duration(data_key="from", load_default=0.0)
    until_s = Duration(data_key="until", load_default=None, allow_none=True)
    shield = Record(ContainerSchema, load_default=None, allow_none=True)
    changes = Items(Record(ChangeSchema), load_default=list)

    @validates_schema
    def _until_after_from(self, data, **kwargs):
        if data.get("until_s") is not None and data["until_s"] <= data.get("from_s", 0.0):
            raise ValidationError(gettext("until must be after from"), field_name="until")


class ShieldSchema(ContentSchema):
    id = Text(required=True, validate=_id("shield id"))
    polygon = Outline(3)
    line = Outline(2)
    material = _material()
    thickness_m = Quantity("length", data_key="thickness", required=True)

    @validates_schema
    def _one_outline(self, data, **kwargs):
        if ("polygon" in data) == ("line" in data):
            raise ValidationError(gettext("give either polygon (an enclosure: building, van, container) "
                                  "or line (a wall), not both or neither"))


class PlumeSchema(ContentSchema):
    release = PlaceOrPoint(required=True)
    nuclide = NuclideName(required=True)
    activity_bq = Quantity("activity", data_key="activity", required=True)
    wind_from_deg = Number(data_key="wind_from", required=True,
                           validate=validate.Range(0, 360, error="must be degrees from 0 to 360"))
    wind_speed_m_s = Quantity("speed", data_key="wind_speed", required=True)
    stability = Text(required=True, validate=_one_of(STABILITY_CLASSES))
    release_height_m = Quantity("length", data_key="height", positive=False, load_default=0.0)
    deposition_velocity_m_s = Quantity("speed", data_key="deposition_velocity", load_default=0.003)
    initial_sigma_m = Quantity("length", data_key="initial_sigma", positive=False, load_default=3.0)

    @validates_schema
    def _wind_not_too_slow(self, data, **kwargs):
        if data.get("wind_speed_m_s", 1.0) < 0.5:
            raise ValidationError(gettext("below 0.5 m/s a Gaussian plume does not apply"), field_name="wind_speed")


class DepositionSchema(ContentSchema):
    id = Text(validate=_id("deposition id"))
    polygon = Outline(3)
    nuclide = NuclideName()
    activity_bq_m2 = Quantity("areal activity", data_key="activity")
    plume = Record(PlumeSchema)
    at_s = Duration(data_key="at", load_default=0.0)

    @validates_schema
    def _area_or_plume(self, data, **kwargs):
        if "plume" in data:
            extra = [name for name, key in (("polygon", "polygon"), ("nuclide", "nuclide"),
                                            ("activity", "activity_bq_m2")) if key in data]
            if extra:
                raise ValidationError(gettext("a plume item has its nuclide and activity inside plume:; remove %(names)s", names=', '.join(extra)))
        elif "polygon" not in data:
            raise ValidationError(gettext("give either polygon (with nuclide and activity per area) or plume"))
        else:
            missing = [name for name, key in (("nuclide", "nuclide"), ("activity", "activity_bq_m2"))
                       if key not in data]
            if missing:
                raise ValidationError(gettext("an area of deposition needs %(names)s", names=' and '.join(missing)))


class RadiationSchema(ContentSchema):
    background_usv_h = Quantity("dose rate", data_key="background", positive=False, load_default=0.0)
    sources = Items(Record(SourceSchema), load_default=list)
    shields = Items(Record(ShieldSchema), load_default=list)
    deposition = Items(Record(DepositionSchema), load_default=list)


class RadiologicalSchema(ContentSchema):
    """The optional top-level blocks of a scenario's radiological picture, loaded together:
    `site`, `radiation`, and who is on the site with what (`responders`, `instruments`,
    schemas in `app.schemas.instruments`)."""

    class Meta:
        unknown = RAISE

    site = Record(SiteSchema)
    radiation = Record(RadiationSchema)
    instruments = Records(keys=Text(), values=Items(Record(IssueSchema)))
    responders = Records(keys=Text(), values=Record(TeamRespondersSchema))
