"""Payloads of replay and branching: the moment asked for, the projected state, the scrubber, a branch.

The state's shape is `engine/projection.py`'s (dicts keyed by inject id, team key, client id...).
The output schemas document it in the OpenAPI document; they refuse unknown keys when loaded, so
a test can check that the endpoint sends nothing they do not describe.
"""
from marshmallow import ValidationError, fields, validate, validates_schema

from ..vocabulary import MAX_EXERCISE_NAME, MAX_EXERCISE_TIME_S
from .out import BranchSourceOut, ClockOut, Out
from .api import MAX_ROW_ID, TEAM_KEY, ExerciseTime, StrictSchema
from flask_babel import gettext

SECONDS = validate.Range(min=0, max=MAX_EXERCISE_TIME_S)
SEQ = validate.Range(min=0, max=MAX_ROW_ID)
MAX_RECENT = 10_000


def _one_moment_at_most(data, *, required: bool) -> None:
    given = [name for name in ("seq", "at_s", "t") if data.get(name) is not None]
    if len(given) > 1:
        message = f"give one of seq, at_s or t, not {' and '.join(given)}"
        raise ValidationError({name: [message] for name in given})
    if required and not given:
        raise ValidationError(gettext("the moment: seq, at_s (seconds) or t (a time such as 0:35:00)"), "at_s")


class StateQuery(StrictSchema):
    """The moment: a seq of the log, exercise seconds, or a time such as 0:35:00; none: the end."""

    seq = fields.Integer(validate=SEQ)
    at_s = fields.Float(validate=SECONDS)
    t = ExerciseTime()
    team = fields.String(validate=TEAM_KEY, metadata={"description": "a team's lens: what its tablet had"})
    recent = fields.Integer(load_default=500, validate=validate.Range(min=0, max=MAX_RECENT),
                            metadata={"description": "actions, messages and feedback: only the last N"})

    @validates_schema
    def _one_moment(self, data, **kwargs):
        _one_moment_at_most(data, required=False)


class TimelineQuery(StrictSchema):
    team = fields.String(validate=TEAM_KEY)


class BranchIn(StrictSchema):
    """A new draft exercise from this one at a moment (seq, at_s or t)."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=MAX_EXERCISE_NAME))
    seq = fields.Integer(validate=SEQ)
    at_s = fields.Float(validate=SECONDS)
    t = ExerciseTime()
    carry_actions = fields.Boolean(load_default=False, metadata={
        "description": "carry the teams' logged actions, the messages and the waivers made before the moment"})

    @validates_schema
    def _one_moment(self, data, **kwargs):
        _one_moment_at_most(data, required=True)


# -- the projected state -----------------------------------------------------------------------

def _seconds(**kwargs):
    return fields.Float(allow_none=True, **kwargs)


class ExerciseStateOut(Out):
    name = fields.String(allow_none=True)
    status = fields.String()
    clock = fields.Nested(ClockOut)
    lead_evaluator = fields.String(allow_none=True)
    branched_from = fields.Nested(BranchSourceOut, allow_none=True)


class TeamOut(Out):
    key = fields.String()
    name = fields.String()
    agency = fields.String(allow_none=True)


class ParticipantOut(Out):
    id = fields.Integer(allow_none=True)
    name = fields.String(allow_none=True)
    team = fields.String(allow_none=True)
    joined_at_s = _seconds()


class AckOut(Out):
    at_s = _seconds()
    by = fields.String(allow_none=True)
    seq = fields.Integer()


class CarriedFrom(Out):
    exercise_id = fields.Integer()
    seq = fields.Integer(allow_none=True)


class InjectStateOut(Out):
    """An inject as staff (or, in a lens, the team) knew it; staff-only fields are absent in a lens."""

    id = fields.String()
    position = fields.Integer()
    at_s = _seconds()
    scheduled_at_s = _seconds()
    title = fields.String()
    body = fields.String()
    body_html = fields.String()
    from_ = fields.String(data_key="from", allow_none=True)
    to = fields.Raw(metadata={"description": '"all" or a list of team keys'})
    channel = fields.String()
    type = fields.String()
    requires_ack = fields.Boolean()
    expects = fields.List(fields.Dict())
    objective = fields.String(allow_none=True)
    when_overdue = fields.Dict(allow_none=True)
    notes = fields.String()
    adhoc = fields.Boolean()
    reserve = fields.Boolean()
    status = fields.String(metadata={"description": "pending, held, released or skipped"})
    released_at_s = _seconds()
    released_seq = fields.Integer(allow_none=True)
    released_by = fields.String(allow_none=True)
    delayed = fields.Boolean()
    carried_over = fields.Boolean(metadata={"description": "released in the exercise this one was branched from"})
    carried_from = fields.Nested(CarriedFrom)
    acks = fields.Dict(keys=fields.String(), values=fields.Nested(AckOut),
                       metadata={"description": "team key -> the team's first acknowledgement"})


class StepOut(Out):
    step = fields.String()
    status = fields.String()
    out_of_order = fields.Boolean()
    due_at_s = _seconds()
    done_at_s = _seconds()
    done_by = fields.String(allow_none=True)
    triggered_at_s = _seconds()
    time_to_complete_s = _seconds()
    critical = fields.Boolean()
    waiver_reason = fields.String(allow_none=True)
    seq = fields.Integer()


class ActionOut(Out):
    id = fields.Integer(allow_none=True)
    client_id = fields.String(allow_none=True)
    step = fields.String(allow_none=True)
    text = fields.String(allow_none=True)
    by = fields.String(allow_none=True)
    team = fields.String(allow_none=True)
    exercise_time_s = _seconds()
    seq = fields.Integer()
    carried_from = fields.Nested(CarriedFrom)


class MessageOut(Out):
    seq = fields.Integer()
    at_s = _seconds()
    from_ = fields.Raw(data_key="from", metadata={"description": "{team, name} or {control}"})
    to = fields.String(allow_none=True)
    text = fields.String()
    team = fields.String(allow_none=True)


class PromptOut(Out):
    inject = fields.String()
    title = fields.String(allow_none=True)
    team = fields.String(allow_none=True)
    step = fields.String(allow_none=True)
    prompted_at_s = _seconds()
    outcome = fields.String(metadata={"description": "pending, released or dismissed"})
    decided_by = fields.String(allow_none=True)
    decided_at_s = _seconds()


class WaiverOut(Out):
    team = fields.String()
    step = fields.String()
    reason = fields.String()
    at_s = _seconds()
    by = fields.String(allow_none=True)


class ObservationOut(Out):
    id = fields.Integer(allow_none=True)
    exercise_time_s = _seconds()
    team = fields.String(allow_none=True)
    objective = fields.String(allow_none=True)
    capability = fields.String(allow_none=True)
    text = fields.String()
    tag = fields.String(allow_none=True)
    evaluator = fields.String(allow_none=True)
    wall_time = fields.String(allow_none=True)
    hotwash = fields.Boolean()
    zone = fields.String()
    edited = fields.Boolean()
    seq = fields.Integer()


class RatingOut(Out):
    evaluator = fields.String(allow_none=True)
    rating = fields.String()
    rationale = fields.String()
    updated_at = fields.String(allow_none=True)


class ConsensusOut(Out):
    rating = fields.String()
    rationale = fields.String()
    set_by = fields.String(allow_none=True)
    updated_at = fields.String(allow_none=True)


class NarrativeOut(Out):
    text = fields.String()
    by = fields.String(allow_none=True)
    at = fields.String(allow_none=True)
    seq = fields.Integer()


class TotalsOut(Out):
    actions = fields.Integer()
    messages = fields.Integer()
    feedback = fields.Integer()


def _keyed(schema, description: str):
    return fields.Dict(keys=fields.String(), values=fields.Nested(schema), metadata={"description": description})


class StateOut(Out):
    """The state of an exercise after the events up to `seq` (engine/projection.py), at `at_s`."""

    exercise_id = fields.Integer()
    lens = fields.String(allow_none=True, metadata={"description": "the team whose lens this is; null: staff"})
    seq = fields.Integer(metadata={"description": "the last event folded (for a lens: the last one sent to it)"})
    exercise_time_s = fields.Float(metadata={"description": "the latest exercise time of the events folded"})
    wall_time = fields.String(allow_none=True)
    at_s = fields.Float(metadata={"description": "the moment asked for (the end of the log or the clock at most)"})
    last_seq = fields.Integer(metadata={"description": "the last seq of the log, for the scrubber's end"})
    end_s = fields.Float(metadata={"description": "the exercise time the log reaches: the clock while it runs"})
    totals = fields.Nested(TotalsOut, metadata={"description": "entries of actions, messages, feedback at seq"})
    exercise = fields.Nested(ExerciseStateOut)
    teams = _keyed(TeamOut, "team key -> team")
    participants = _keyed(ParticipantOut, "participant id -> who joined")
    injects = _keyed(InjectStateOut, "inject id -> inject")
    steps = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Nested(StepOut)),
                        metadata={"description": "team key -> step id -> the last status announced"})
    scores = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True))
    actions = _keyed(ActionOut, "client id -> action (the last `recent`)")
    messages = fields.List(fields.Nested(MessageOut), metadata={"description": "the last `recent` messages"})
    prompts = _keyed(PromptOut, "inject id -> a contingency proposed to the controller")
    waivers = _keyed(WaiverOut, "team/step -> waiver")
    observations = _keyed(ObservationOut, "observation id -> observation (staff)")
    ratings = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Nested(RatingOut)),
                          metadata={"description": "objective -> evaluator -> rating"})
    consensus = _keyed(ConsensusOut, "objective -> consensus rating")
    corrective_actions = fields.Dict(keys=fields.String(), values=fields.Dict(),
                                     metadata={"description": "id -> improvement-plan row"})
    narrative = _keyed(NarrativeOut, "report section -> text")
    feedback = fields.List(fields.Dict(), metadata={"description": "participant feedback forms (the last `recent`)"})
    zones = fields.Dict(keys=fields.String(), values=fields.Dict(),
                        metadata={"description": "zone id -> zone standing then (docs/zones.md)"})
    rules = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Dict()),
                        metadata={"description": "team key -> step id -> the spatial rule's verdict then"})
    moves = fields.Dict(keys=fields.String(), values=fields.List(fields.Dict()),
                        metadata={"description": "responder -> its moves so far (responder.moved, docs/radiation.md)"})
    measurements = fields.List(fields.Dict(), metadata={"description": "readings taken so far (measurement.taken)"})
    dose_alarms = fields.List(fields.Dict(), metadata={"description": "dosimeter alarms so far (dose.alarm)"})
    dose_guidance = fields.List(fields.Dict(), metadata={"description": "dose guidance fractions reached so far"})
    source_changes = fields.List(fields.Dict(), metadata={"description": "staff: live source changes so far"})


class MarkerOut(Out):
    seq = fields.Integer()
    at_s = fields.Float()
    type = fields.String()
    team = fields.String(allow_none=True)
    label = fields.String()


class TimelineOut(Out):
    """The scrubber: the span of the exercise and a marker for each release, acknowledgement, step change,
    contingency, message, observation and clock change (for a lens, those the team was sent)."""

    exercise_id = fields.Integer()
    lens = fields.String(allow_none=True)
    status = fields.String()
    start_s = fields.Float(metadata={"description": "where the exercise's clock started (a branch: its moment)"})
    end_s = fields.Float()
    last_seq = fields.Integer()
    markers = fields.List(fields.Nested(MarkerOut))
