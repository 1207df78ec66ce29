"""Schemas for dose content: quantities written with their units, and a checklist's ``dose_guidance`` block.

Quantities are written as people write them (``100 µSv/h``, ``0.5 mSv``, ``1000 cps``) and
loaded as plain numbers in one unit (µSv/h, µSv or mSv, counts/s); a bare number is refused,
since "100" could be µSv/h or mSv/h. The format is documented in docs/dose-and-instruments.md.
"""
import math
import re

from marshmallow import ValidationError, fields, validate, validates_schema

from app.engine.guidance import BUILTIN_SETS, DEFAULT_FRACTIONS, DEFAULT_SET, OCCUPATIONAL_TASKS
from app.schemas.content import (
    CONFIDENCES,
    KEY_PATTERN,
    NULL,
    REQUIRED,
    ContentSchema,
    Items,
    Record,
    Records,
    Text,
)
from flask_babel import gettext

_NUMBER = r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([-+]?[0-9]+))?"
_NUMBER_AND_UNIT = re.compile(rf"^\s*{_NUMBER}\s*([^\s0-9.][^\s]*)\s*$")
_NUMBER_ONLY = re.compile(rf"^\s*[-+]?{_NUMBER}\s*$")

MICRO = ("µ", "μ", "u")  # micro sign, Greek mu, or a plain u
RATE_UNITS_USV_H = {"nSv/h": 1e-3, "mSv/h": 1e3, "Sv/h": 1e6, **{f"{m}Sv/h": 1.0 for m in MICRO}}
DOSE_UNITS_USV = {"nSv": 1e-3, "mSv": 1e3, "Sv": 1e6, **{f"{m}Sv": 1.0 for m in MICRO}}
DOSE_UNITS_MSV = {unit: factor / 1e3 for unit, factor in DOSE_UNITS_USV.items()}
COUNT_RATE_UNITS_CPS = {"cps": 1.0, "counts/s": 1.0, "cpm": 1 / 60, "counts/min": 1 / 60}


class Quantity(fields.Field):
    """A positive number followed by one of ``units``, loaded as a float in the units' base."""

    default_error_messages = {"required": REQUIRED, "null": NULL}

    def __init__(self, units: dict[str, float], example: str, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.example = example

    def _deserialize(self, value, attr, data, **kwargs) -> float:
        if isinstance(value, (int, float)) and not isinstance(value, bool) or (
            isinstance(value, str) and _NUMBER_ONLY.match(value)
        ):
            raise ValidationError(gettext("write the unit too, e.g. %(example)s", example=self.example))
        match = _NUMBER_AND_UNIT.match(value) if isinstance(value, str) else None
        if not match:
            raise ValidationError(gettext("must be a number and a unit, e.g. %(example)s", example=self.example))
        number, exponent, unit = match.groups()
        if unit not in self.units:
            known = ", ".join(u for u in self.units if not u.startswith(("μ", "u")))
            raise ValidationError(gettext("unknown unit %(unit)r; use one of: %(known)s", unit=unit, known=known))
        amount = float(number + (f"e{exponent}" if exponent else "")) * self.units[unit]
        if not (math.isfinite(amount) and amount > 0):
            raise ValidationError(gettext("must be more than 0"))
        return amount


def DoseRate(**kwargs) -> Quantity:
    """A dose rate, loaded in µSv/h."""
    return Quantity(RATE_UNITS_USV_H, "100 µSv/h", **kwargs)


def Dose(**kwargs) -> Quantity:
    """A dose, loaded in µSv."""
    return Quantity(DOSE_UNITS_USV, "1 mSv", **kwargs)


def DoseMSv(**kwargs) -> Quantity:
    """A dose, loaded in mSv (dose guidance is written and compared in mSv)."""
    return Quantity(DOSE_UNITS_MSV, "100 mSv", **kwargs)


def CountRate(**kwargs) -> Quantity:
    """A count rate, loaded in counts per second."""
    return Quantity(COUNT_RATE_UNITS_CPS, "1000 cps", **kwargs)


_TASK_KEY = validate.Regexp(KEY_PATTERN, error="{input!r} is not a valid task type: use a-z, 0-9 and '-'")


class GuidanceSetSchema(ContentSchema):
    """One set of dose guidance: values by task type (the engine's ``GuidanceSet``)."""

    id = Text(required=True, validate=validate.Regexp(KEY_PATTERN, error="{input!r} is not a valid set id: use a-z, 0-9 and '-'"))
    title = Text(required=True, validate=validate.Length(min=1, error="must not be empty"))
    status = Text(load_default="custom", validate=validate.OneOf(("current", "legacy", "custom"), error="{input!r} is not one of: {choices}"))
    reference = Text(load_default="")
    confidence = Text(load_default="U", validate=validate.OneOf(CONFIDENCES, error="{input!r} is not one of: {choices}"))
    limits_mSv = Records(keys=Text(validate=_TASK_KEY), values=DoseMSv(), data_key="limits", required=True)
    occupational_tasks = Items(Text(validate=_TASK_KEY), data_key="occupational", load_default=lambda: list(OCCUPATIONAL_TASKS))
    occupational_mSv = DoseMSv(data_key="occupational_constraint", load_default=None)
    may_exceed = Items(Text(), load_default=list)
    volunteers_above_mSv = DoseMSv(data_key="volunteers_above", load_default=None)
    notes = Records(keys=Text(), values=Text(), load_default=dict)

    @validates_schema
    def _tasks_agree(self, data, **kwargs):
        limits = data.get("limits_mSv", {})
        unknown = [task for task in data.get("may_exceed", []) if task not in limits]
        if unknown:
            raise ValidationError(gettext("%(names)s has no value in limits", names=', '.join(unknown)), "may_exceed")
        both = sorted(set(limits) & set(data.get("occupational_tasks", [])))
        if both:
            raise ValidationError(gettext("%(names)s cannot be both in limits and occupational", names=', '.join(both)), "occupational")


class DoseGuidanceSchema(ContentSchema):
    """A checklist's ``dose_guidance`` block: the default set, the fractions announced, custom sets."""

    default = Text(load_default=DEFAULT_SET)
    fractions = Items(fields.Float(), load_default=lambda: list(DEFAULT_FRACTIONS))
    sets = Items(Record(GuidanceSetSchema), load_default=list)

    @validates_schema
    def _sets_agree(self, data, **kwargs):
        fractions = data.get("fractions", [])
        if not fractions or any(not (0 < f <= 10) for f in fractions) or fractions != sorted(set(fractions)):
            raise ValidationError(gettext("must be increasing fractions of the limit, e.g. [0.5, 0.8, 1.0]"), "fractions")
        ids = [s["id"] for s in data.get("sets", [])]
        clashes = sorted({i for i in ids if ids.count(i) > 1 or i in BUILTIN_SETS})
        if clashes:
            raise ValidationError(gettext("set id %(names)s is already defined (built in: %(names2)s)", names=', '.join(clashes), names2=', '.join(BUILTIN_SETS)), "sets")
        known = [*BUILTIN_SETS, *ids]
        if data.get("default") not in known:
            raise ValidationError(gettext("%(value)r is not a guidance set; known: %(names)s", value=data.get('default'), names=', '.join(known)), "default")
