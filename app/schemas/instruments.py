"""Schema of a scenario's ``instruments`` block: which instruments each team is issued.

    instruments:
      fire:                                   # a team key of the scenario
        - kind: personal-dosimeter
          count: 4
        - kind: survey-meter
          settings: {alarm: 100 µSv/h}
      rad-assessor:
        - kind: identifier
          settings: {dwell: 2m}
        - kind: personal-dosimeter
          count: 2
          settings:
            rate_alarms: [20 µSv/h, {on: 1 mSv/h, off: 500 µSv/h}]
            dose_alarms: [0.5 mSv, 5 mSv]

Each kind has its own settings (units required, see docs/dose-and-instruments.md); the rest
comes from the catalogue in ``app/engine/instruments.py``. Settings load under the engine's
names (``alarm`` → ``alarm_uSv_h``), so ``engine.instruments.issue_instruments`` can make the
instruments directly. Whether the team keys exist is checked by the scenario loader.
"""
from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from app.engine.instruments import KINDS
from app.schemas.content import (
    KEY_PATTERN,
    REQUIRED,
    ContentSchema,
    Duration,
    Items,
    Record,
    Records,
    Text,
    WholeNumber,
)
from app.schemas.dose import CountRate, Dose, DoseRate
from flask_babel import gettext

MAX_COUNT = 200
DEFAULT_OFF_FRACTION = 0.8  # a rate alarm given by its on threshold stops at 80 % of it


_ON_OFF = {True: "on", False: "off", "True": "on", "False": "off", "true": "on", "false": "off"}


class RateAlarm(fields.Field):
    """A dose-rate alarm: ``100 µSv/h`` (off at 80 %) or ``{on: 100 µSv/h, off: 50 µSv/h}``; loads as (on, off)."""

    default_error_messages = {"required": REQUIRED}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dict):
            # YAML 1.1 reads a bare on/off as true/false: {on: 1 mSv/h} arrives as {True: ...}
            # (and a document stored as JSON keeps it as the text "True")
            value = {_ON_OFF.get(key, key) if isinstance(key, (bool, str)) else key: item for key, item in value.items()}
            unknown = sorted(set(value) - {"on", "off"})
            if unknown or "on" not in value:
                raise ValidationError(gettext("write {on: 100 µSv/h, off: 80 µSv/h} (off may be left out)"))
            on = DoseRate().deserialize(value["on"])
            off = DoseRate().deserialize(value["off"]) if "off" in value else on * DEFAULT_OFF_FRACTION
            if off > on:
                raise ValidationError(gettext("the off threshold must not be above the on threshold"))
            return (on, off)
        on = DoseRate().deserialize(value)
        return (on, on * DEFAULT_OFF_FRACTION)


class SurveyMeterSettings(ContentSchema):
    range_low_uSv_h = DoseRate(data_key="range_low")
    range_high_uSv_h = DoseRate(data_key="range_high")
    alarm_uSv_h = DoseRate(data_key="alarm")


class DosimeterSettings(ContentSchema):
    rate_alarms = Items(RateAlarm(), data_key="rate_alarms")
    dose_alarms_uSv = Items(Dose(), data_key="dose_alarms")

    @validates_schema
    def _increasing(self, data, **kwargs):
        ons = [on for on, _ in data.get("rate_alarms", [])]
        if ons != sorted(set(ons)):
            raise ValidationError(gettext("must be increasing"), "rate_alarms")
        doses = data.get("dose_alarms_uSv", [])
        if doses != sorted(set(doses)):
            raise ValidationError(gettext("must be increasing"), "dose_alarms")


class ContaminationMonitorSettings(ContentSchema):
    probe_area_cm2 = fields.Float(data_key="probe_area_cm2", validate=validate.Range(min=0, min_inclusive=False, error="must be more than 0"))
    background_cps = CountRate(data_key="background")
    range_high_cps = CountRate(data_key="range_high")


class IdentifierSettings(ContentSchema):
    dwell_s = Duration(data_key="dwell", validate=validate.Range(min=0, min_inclusive=False, error="must be more than 0"))


SETTINGS_SCHEMAS = {
    "survey-meter": SurveyMeterSettings,
    "personal-dosimeter": DosimeterSettings,
    "contamination-monitor": ContaminationMonitorSettings,
    "identifier": IdentifierSettings,
}


class IssueSchema(ContentSchema):
    """Instruments of one kind issued to a team: kind, how many, settings for all of them."""

    kind = Text(required=True, validate=validate.OneOf(KINDS, error="{input!r} is not one of: {choices}"))
    count = WholeNumber(load_default=1, validate=validate.Range(min=1, max=MAX_COUNT, error=f"must be from 1 to {MAX_COUNT}"))
    settings = fields.Dict(load_default=dict)

    @post_load
    def _settings_of_the_kind(self, data, **kwargs):
        try:
            settings = SETTINGS_SCHEMAS[data["kind"]]().load(data["settings"] or {})
        except ValidationError as exc:
            raise ValidationError(exc.messages, "settings") from exc
        return {**data, "settings": settings}


class InstrumentsSchema(ContentSchema):
    """``instruments``: team key → the list of what the team is issued."""

    teams = Records(
        keys=Text(validate=validate.Regexp(KEY_PATTERN, error="{input!r} is not a valid team key: use a-z, 0-9 and '-'")),
        values=Items(Record(IssueSchema)),
        required=True,
    )

    def load_block(self, block):
        """Load the block itself (a mapping of team keys), not wrapped in a field."""
        return self.load({"teams": block})["teams"]


# --- responders ------------------------------------------------------------------------------

MAX_CREW = 50


class CrewMemberSchema(ContentSchema):
    """One named responder: ``Lt. Novak`` or ``{name: Lt. Novak, task: life-saving, start: gate}``."""

    name = Text(required=True, validate=validate.Length(min=1, max=60))
    task = Text()
    start = fields.Raw()


class CrewMember(fields.Field):
    """A crew member written as a bare name or as a mapping."""

    default_error_messages = {"required": REQUIRED}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = {"name": value}
        if not isinstance(value, dict):
            raise ValidationError(gettext("write a name, or {name: ..., task: ..., start: ...}"))
        return CrewMemberSchema().load(value)


class TeamRespondersSchema(ContentSchema):
    """The responders one team's tablets speak for: named (``crew``) or counted (``count``)."""

    crew = Items(CrewMember(), validate=validate.Length(min=1, max=MAX_CREW,
                                                        error=f"from 1 to {MAX_CREW} names"))
    count = WholeNumber(validate=validate.Range(min=1, max=MAX_CREW, error=f"must be from 1 to {MAX_CREW}"))
    start = fields.Raw()  # a place id or [x, y]; checked with the site in app.content.radiation
    task = Text()  # a task type of the dose guidance (checked against the checklist's sets)
    mode = Text(validate=validate.OneOf(("walk", "vehicle"), error="{input!r} is not one of: {choices}"))

    @validates_schema
    def _crew_or_count(self, data, **kwargs):
        if "crew" in data and "count" in data:
            raise ValidationError(gettext("give crew (names) or count, not both"), "count")


class RespondersSchema(ContentSchema):
    """``responders``: team key → who its tablets move on the site."""

    teams = Records(
        keys=Text(validate=validate.Regexp(KEY_PATTERN, error="{input!r} is not a valid team key: use a-z, 0-9 and '-'")),
        values=Record(TeamRespondersSchema),
        required=True,
    )

    def load_block(self, block):
        return self.load({"teams": block})["teams"]
