"""What the API answers: one schema per shape, used by the operations that return it.

Each operation declares its answer with `@blp.response(status, Schema)`, so the OpenAPI document
describes outputs as well as inputs, and the answer is dumped through the schema (in the order of
its fields, so dumps are deterministic). A shape a team and staff see differently is one schema
whose staff-only fields say so: the service leaves them out of a team's view, and a dump writes
only what the view holds.

A dump never drops a key silently: under tests (`TESTING`) an undeclared key in what a service
returned is an error, so a service cannot grow a field that the document does not describe;
in production it is logged and left out.
"""
import logging
from collections.abc import Mapping

from flask import current_app, has_app_context
from marshmallow import RAISE, Schema, fields, post_dump

log = logging.getLogger(__name__)


class Out(Schema):
    """The base of every answer's schema: loading (in tests) refuses unknown keys; dumping checks that
    nothing was left out."""

    class Meta:
        unknown = RAISE
        ordered = True

    @post_dump(pass_original=True)
    def _nothing_left_out(self, data, original, **kwargs):
        if isinstance(original, Mapping):
            declared = {field.attribute or name for name, field in self.dump_fields.items()}
            left_out = sorted(str(key) for key in original if key not in declared)
            if left_out:
                message = f"{type(self).__name__} does not declare {', '.join(left_out)}"
                if has_app_context() and current_app.testing:
                    raise ValueError(message)
                log.warning(message)
        return data


def seconds(**kwargs) -> fields.Float:
    return fields.Float(allow_none=True, **kwargs)


def wall_time(**kwargs) -> fields.String:
    return fields.String(allow_none=True, metadata={"description": "ISO 8601 wall time (UTC)",
                                                    **kwargs.pop("metadata", {})}, **kwargs)


def staff_only(field: fields.Field, description: str = "") -> fields.Field:
    field.metadata = {**field.metadata, "description": f"staff only{': ' + description if description else ''}"}
    return field


# -- the exercise --------------------------------------------------------------------------------

class ClockOut(Out):
    status = fields.String(metadata={"description": "draft, running, paused or ended"})
    elapsed_s = seconds(metadata={"description": "exercise time now"})
    speed = fields.Float()


class BranchSourceOut(Out):
    exercise_id = fields.Integer()
    seq = fields.Integer()
    hash = fields.String()
    at_s = fields.Float()


class ScenarioRefOut(Out):
    id = fields.String()
    title = fields.String(allow_none=True)
    version = fields.String(allow_none=True)
    hash = fields.String()
    summary = fields.String()
    hazard = fields.String()
    duration_s = seconds()


class ChecklistRefOut(Out):
    id = fields.String()
    version = fields.String()
    hash = fields.String()
    title = fields.String(allow_none=True)


class ExerciseTeamOut(Out):
    key = fields.String()
    name = fields.String()
    agency = fields.String()
    join_code = staff_only(fields.String())


class InjectOut(Out):
    """An inject; a team sees only released injects addressed to it, without the staff-only fields."""

    id = fields.String()
    at_s = seconds(metadata={"description": "when it is due; null: a reserve or contingency inject"})
    title = fields.String()
    body = fields.String()
    body_html = fields.String(metadata={"description": "the body's Markdown as safe HTML"})
    from_ = fields.String(attribute="from", data_key="from", allow_none=True)
    to = fields.Raw(metadata={"description": '"all" or a list of team keys'})
    channel = fields.String()
    type = fields.String()
    requires_ack = fields.Boolean()
    status = fields.String(metadata={"description": "pending, held, released or skipped"})
    released_at_s = seconds()
    delayed = fields.Boolean(allow_none=True)
    carried_over = fields.Boolean(metadata={"description": "released in the exercise this one was branched from"})
    scheduled_at_s = staff_only(seconds(), "the time the scenario gave it")
    expects = staff_only(fields.Raw(), "what the controller expects in answer")
    objective = staff_only(fields.String(allow_none=True))
    when_overdue = staff_only(fields.Raw(allow_none=True), "the contingency: {step, mode}")
    notes = staff_only(fields.String(allow_none=True), "controller notes")
    adhoc = staff_only(fields.Boolean())
    released_by = staff_only(fields.String(allow_none=True))
    reserve = staff_only(fields.Boolean())
    acknowledged = staff_only(fields.Dict(keys=fields.String(), values=fields.Float()),
                              "team key -> exercise time of its first acknowledgement")


class ExerciseOut(Out):
    """An exercise as its staff see it, or as a team does (its released injects, no join codes)."""

    id = fields.Integer()
    name = fields.String()
    status = fields.String()
    scenario = fields.Nested(ScenarioRefOut)
    checklist = fields.Nested(ChecklistRefOut)
    clock = fields.Nested(ClockOut)
    last_seq = fields.Integer()
    created_at = wall_time()
    started_at = wall_time()
    ended_at = wall_time()
    teams = fields.List(fields.Nested(ExerciseTeamOut))
    branched_from = staff_only(fields.Nested(BranchSourceOut, allow_none=True), "the exercise and moment it began from")
    objectives = staff_only(fields.List(fields.Dict()), "the scenario's objectives")
    dose_guidance = staff_only(fields.Dict(), "the dose guidance set doses are held against ({set, title, status, "
                                              "sets}), chosen before the exercise starts")
    language = fields.String(metadata={"description": "the language its tablets open in (en, fr, es, ru, ar)"})
    injects = fields.List(fields.Nested(InjectOut))


class ScenarioLineOut(Out):
    id = fields.String()
    title = fields.String(allow_none=True)
    version = fields.String(allow_none=True)


class ExerciseSummaryOut(Out):
    """A line of the exercise list."""

    id = fields.Integer()
    name = fields.String()
    status = fields.String()
    scenario = fields.Nested(ScenarioLineOut)
    clock = fields.Nested(ClockOut)
    teams = fields.Integer(metadata={"description": "how many teams"})
    branched_from = fields.Nested(BranchSourceOut, allow_none=True)
    created_at = wall_time()


# -- compliance -----------------------------------------------------------------------------------

class StepStatusOut(Out):
    step = fields.String()
    status = fields.String(metadata={"description": "pending, due, done, overdue, late or waived"})
    out_of_order = fields.Boolean()
    due_at_s = seconds()
    done_at_s = seconds()
    done_by = fields.String(allow_none=True)
    triggered_at_s = seconds()
    time_to_complete_s = seconds()
    critical = fields.Boolean()
    waiver_reason = fields.String(allow_none=True)
    text = fields.String()
    phase = fields.String(allow_none=True)


class TeamComplianceOut(Out):
    key = fields.String()
    name = fields.String()
    agency = fields.String()
    score = fields.Float(allow_none=True)
    steps = fields.List(fields.Nested(StepStatusOut))


class AgencyComplianceOut(Out):
    agency = fields.String()
    score = fields.Float(allow_none=True)
    teams = fields.List(fields.String())


class ComplianceOut(Out):
    """Every team's checklist (a team's tablet: its own team, without `agencies`)."""

    now_s = seconds()
    ended = fields.Boolean()
    teams = fields.List(fields.Nested(TeamComplianceOut))
    agencies = staff_only(fields.List(fields.Nested(AgencyComplianceOut)))


# -- the log and its audit ------------------------------------------------------------------------

class EventOut(Out):
    """An event of the log, in the live envelope's shape, with who did it and its hash."""

    seq = fields.Integer()
    type = fields.String()
    exercise_time_s = seconds()
    wall_time = wall_time()
    team = fields.String(allow_none=True)
    data = fields.Dict(metadata={"description": "the event's payload (docs/api.md lists each type's)"})
    actor = fields.String(allow_none=True)
    hash = fields.String()


class HeadOut(Out):
    seq = fields.Integer()
    hash = fields.String()


class LogProblemOut(Out):
    seq = fields.Integer(allow_none=True)
    kind = fields.String()
    reason = fields.String()


class LogAuditOut(Out):
    """The audit of an exercise's log (docs/audit.md)."""

    ok = fields.Boolean()
    events = fields.Integer()
    first_broken_seq = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    last_hash = fields.String(allow_none=True)
    events_read = fields.Integer()
    head = fields.Nested(HeadOut, allow_none=True)
    signed_head = fields.Raw(allow_none=True, metadata={"description": "the signed head: seq, hash, key id, verdict"})
    checkpoints = fields.Raw(allow_none=True, metadata={"description": "how many signed checkpoints, and checked"})
    records = fields.Raw(allow_none=True, metadata={"description": "the tables compared with their events"})
    problems = fields.List(fields.Nested(LogProblemOut))
    more_problems = fields.Integer(allow_none=True)


# -- what teams do ----------------------------------------------------------------------------------

class MeOut(Out):
    """A staff user (`id`) or a team member (`participant_id`, `exercise_id`, `team`)."""

    role = fields.String()
    name = fields.String()
    id = fields.Integer(metadata={"description": "staff: the user's id"})
    participant_id = fields.Integer()
    exercise_id = fields.Integer()
    team = fields.Nested(ExerciseTeamOut)


class ActionLoggedOut(Out):
    ok = fields.Boolean()
    seq = fields.Integer()
    action_id = fields.Integer()
    duplicate = fields.Boolean(metadata={"description": "a resend of a client_id already logged"})
    exercise_time_s = seconds()


class AckedOut(Out):
    ok = fields.Boolean()
    inject_id = fields.String()
    seq = fields.Integer(metadata={"description": "absent for a duplicate"})
    duplicate = fields.Boolean()


class SeqOut(Out):
    seq = fields.Integer(metadata={"description": "the event that recorded it"})
    duplicate = fields.Boolean(metadata={"description": "a resend of a client_id already sent (messages)"})


# -- evaluation -------------------------------------------------------------------------------------

class EvaluatorObservationOut(Out):
    id = fields.Integer()
    exercise_time_s = seconds()
    team = fields.String(allow_none=True)
    objective = fields.String(allow_none=True)
    capability = fields.String(allow_none=True)
    text = fields.String()
    tag = fields.String(allow_none=True)
    evaluator = fields.String(allow_none=True)
    wall_time = wall_time()
    hotwash = fields.Boolean(metadata={"description": "written during the hot wash"})
    zone = fields.String(metadata={"description": "the zone on the site map it is about"})


class RatingSetOut(Out):
    """A rating as set: the caller's own (`evaluator`) or the consensus (`set_by`)."""

    objective = fields.String()
    rating = fields.String(metadata={"description": "P, S, M or U"})
    rationale = fields.String()
    updated_at = wall_time()
    consensus = fields.Boolean()
    evaluator = fields.String()
    set_by = fields.String()


class EvaluatorRatingOut(Out):
    evaluator = fields.String(allow_none=True)
    rating = fields.String()
    rationale = fields.String()
    updated_at = wall_time()


class ConsensusRatingOut(Out):
    rating = fields.String()
    rationale = fields.String()
    updated_at = wall_time()
    set_by = fields.String(allow_none=True)


class ObjectiveRatingsOut(Out):
    id = fields.String()
    text = fields.String(allow_none=True)
    capability = fields.String(allow_none=True)
    ratings = fields.List(fields.Nested(EvaluatorRatingOut))
    consensus = fields.Nested(ConsensusRatingOut, allow_none=True)


class RatingsOut(Out):
    lead_evaluator = fields.String(allow_none=True)
    objectives = fields.List(fields.Nested(ObjectiveRatingsOut))
    definitions = fields.Dict(metadata={"description": "P/S/M/U and what each means"})


class LeadUserOut(Out):
    id = fields.Integer()
    username = fields.String()
    role = fields.String()


class LeadEvaluatorOut(Out):
    lead_evaluator = fields.Nested(LeadUserOut, allow_none=True)


class CorrectiveActionOut(Out):
    id = fields.Integer()
    objective = fields.String(allow_none=True)
    capability = fields.String(allow_none=True)
    issue = fields.String(allow_none=True)
    corrective_action = fields.String(allow_none=True)
    capability_element = fields.String(allow_none=True)
    responsible_org = fields.String(allow_none=True)
    point_of_contact = fields.String(allow_none=True)
    start_date = fields.String(allow_none=True)
    completion_date = fields.String(allow_none=True)
    status = fields.String(allow_none=True)
    updated_at = wall_time()


class FeedbackFormOut(Out):
    id = fields.Integer()
    team = fields.String()
    participant = fields.String(allow_none=True)
    role = fields.String()
    ratings = fields.Dict(keys=fields.String(), values=fields.Integer(allow_none=True))
    strengths = fields.String()
    improvements = fields.String()
    comments = fields.String()
    submitted_at = wall_time()


class FeedbackQuestionOut(Out):
    key = fields.String()
    text = fields.String()
    answered = fields.Integer()
    average = fields.Float(allow_none=True)


class FeedbackSummaryOut(Out):
    responses = fields.Integer()
    scale = fields.Raw(metadata={"description": "the 1-5 scale's words"})
    questions = fields.List(fields.Nested(FeedbackQuestionOut))
    forms = fields.List(fields.Nested(FeedbackFormOut))


# -- the report -------------------------------------------------------------------------------------

class ReportOut(Out):
    """The AAR/IP as data (app/engine/aar.py; docs/api.md, "The report"). Its sections are documented
    there; here, by name."""

    format = fields.String(metadata={"description": "the version of this shape"})
    generated_at = wall_time()
    exercise_id = fields.Integer()
    draft = fields.Boolean(metadata={"description": "true until the exercise has ended"})
    overview = fields.Dict()
    narrative = fields.Dict()
    narrative_sections = fields.Raw()
    analysis = fields.Dict()
    strengths_and_improvements = fields.Raw()
    observations = fields.List(fields.Dict())
    compliance = fields.Dict()
    injects = fields.List(fields.Dict())
    injects_not_released = fields.List(fields.Dict())
    response_times = fields.Raw()
    contingencies = fields.Dict()
    spatial = fields.Dict(allow_none=True, metadata={"description": "zones drawn, their rules' verdicts, drawn "
                                                                    "against expected (exercises with a site)"})
    radiological = fields.Dict(allow_none=True, metadata={"description": "responders' tracks, measurements, doses "
                                                                        "against guidance, alarms and withdrawal times"})
    feedback = fields.Dict()
    improvement_plan = fields.List(fields.Dict())
    participants = fields.Raw()
    event_log = fields.Dict()
    audit = fields.Dict()


class NarrativeSavedOut(Out):
    section = fields.String()
    text = fields.String()
    by = fields.String()
    at = wall_time()
    seq = fields.Integer()
    html = fields.String(metadata={"description": "the text's Markdown as safe HTML"})


class SavedOut(Out):
    id = fields.String()
    number = fields.Integer()
    state = fields.String()


class ImportOut(Out):
    """An imported scenario as validated; `saved` when it was saved into the library."""

    scenario = fields.Dict(metadata={"description": "the scenario, as a content file holds it"})
    unmapped_columns = fields.List(fields.String())
    warnings = fields.List(fields.Raw())
    saved = fields.Nested(SavedOut)


class PlaceOut(Out):
    id = fields.String()
    name = fields.String()
    at = fields.List(fields.Float(), metadata={"description": "[x, y] in site metres (x east, y north)"})


class ZoneKindOut(Out):
    key = fields.String()
    label = fields.String()
    title = fields.String()
    public = fields.Boolean(metadata={"description": "seen by every team (else by its team and staff)"})
    shape = fields.String(metadata={"description": "area (circle or polygon) or place (also a point)"})
    may_draw = fields.Boolean(metadata={"description": "whether the caller may draw this kind here"})


class ActionKindOut(Out):
    key = fields.String()
    label = fields.String()
    zone_kinds = fields.List(fields.String(), metadata={"description": "the zone kinds it may be decided on"})


class SiteOut(Out):
    """A site plan for a map: never a source or the field."""

    plan_url = fields.String()
    bounds = fields.List(fields.Float(), allow_none=True, metadata={"description": "[min x, min y, max x, max y] m"})
    size_px = fields.List(fields.Float(), allow_none=True)
    metres_per_pixel = fields.Float(allow_none=True)
    places = fields.List(fields.Nested(PlaceOut))
    wind_from = fields.Float(allow_none=True, metadata={"description": "degrees the wind blows from, if known"})
    zone_kinds = fields.List(fields.Nested(ZoneKindOut))
    actions = fields.List(fields.Nested(ActionKindOut), metadata={"description": "protective actions"})


def file_response(description: str, *mimetypes: str) -> dict:
    """An operation's 200 that is a file, for `@blp.doc(responses=...)`."""
    return {"200": {"description": description,
                    "content": {mimetype: {"schema": {"type": "string", "format": "binary"}}
                                for mimetype in mimetypes}}}
