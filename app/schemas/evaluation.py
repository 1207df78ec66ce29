"""Payloads of the evaluator workflow: observations, ratings, the improvement plan, feedback forms.

Shape only; rules that need the exercise (known team, scenario objective, time not after the
clock) are checked in services/evaluation.py.
"""
from marshmallow import ValidationError, fields, validate, validates_schema

from ..vocabulary import (CAPABILITY_ELEMENTS, CORRECTIVE_ACTION_STATUSES, FEEDBACK_QUESTIONS,
                                   OBSERVATION_TAGS, RATINGS)
from .api import ExerciseTime, StrictSchema
from flask_babel import gettext


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(gettext("must not be blank"))


def Text(max_length: int, **kwargs) -> fields.String:
    """A text field that, when given, is not blank and at most `max_length` characters."""
    return fields.String(validate=[validate.Length(max=max_length), _not_blank], **kwargs)


OBJECTIVE = validate.Length(min=1, max=40)
TEAM = validate.Length(min=1, max=40)


def _one_time_at_most(data) -> None:
    if data.get("exercise_time_s") is not None and data.get("at") is not None:
        raise ValidationError(gettext("give exercise_time_s or at, not both"), "at")


# -- observations --------------------------------------------------------------------------

class ObservationIn(StrictSchema):
    text = Text(8000, required=True)
    # When it happened: exercise seconds, or a time such as "12m" / "0:12:00"; default: the clock now.
    exercise_time_s = fields.Float(validate=validate.Range(min=0), allow_none=True)
    at = ExerciseTime(allow_none=True)
    team = fields.String(validate=TEAM, allow_none=True)
    objective = fields.String(validate=OBJECTIVE, allow_none=True)
    capability = fields.String(validate=validate.Length(max=120), allow_none=True)
    tag = fields.String(validate=validate.OneOf(OBSERVATION_TAGS), allow_none=True)
    # Written during the hot wash, about the moment being replayed (given as exercise_time_s or at).
    hotwash = fields.Boolean(load_default=False)
    zone = fields.String(validate=validate.Regexp(r"^Z[0-9]{1,6}$", error="a zone id such as Z3"), allow_none=True,
                         metadata={"description": "a zone on the site map the observation is about"})

    @validates_schema
    def _one_time(self, data, **kwargs):
        _one_time_at_most(data)


class ObservationPatch(StrictSchema):
    text = Text(8000)
    exercise_time_s = fields.Float(validate=validate.Range(min=0))
    at = ExerciseTime()
    team = fields.String(validate=TEAM, allow_none=True)
    objective = fields.String(validate=OBJECTIVE, allow_none=True)
    capability = fields.String(validate=validate.Length(max=120), allow_none=True)
    tag = fields.String(validate=validate.OneOf(OBSERVATION_TAGS), allow_none=True)

    @validates_schema
    def _check(self, data, **kwargs):
        if not data:
            raise ValidationError(gettext("nothing to change: give at least one field"))
        _one_time_at_most(data)


class ObservationsQuery(StrictSchema):
    team = fields.String(validate=TEAM)
    objective = fields.String(validate=OBJECTIVE)
    tag = fields.String(validate=validate.OneOf(OBSERVATION_TAGS))


# -- ratings -------------------------------------------------------------------------------

class RatingIn(StrictSchema):
    rating = fields.String(required=True, validate=validate.OneOf(RATINGS))
    rationale = Text(8000, required=True)
    consensus = fields.Boolean(load_default=False)


class LeadEvaluatorIn(StrictSchema):
    username = fields.String(required=True, allow_none=True, validate=validate.Length(min=1, max=80))


# -- the improvement plan (HSEEP AAR/IP appendix A) ---------------------------------------------

class _CorrectiveActionFields(StrictSchema):
    objective = fields.String(validate=OBJECTIVE, allow_none=True)
    capability = Text(120)
    issue = Text(4000)  # the area for improvement
    corrective_action = Text(4000)
    capability_element = fields.String(validate=validate.OneOf(CAPABILITY_ELEMENTS))
    responsible_org = Text(200)
    point_of_contact = fields.String(validate=validate.Length(max=200))
    start_date = fields.Date(allow_none=True)
    completion_date = fields.Date(allow_none=True)
    status = fields.String(validate=validate.OneOf(CORRECTIVE_ACTION_STATUSES))

    @validates_schema
    def _dates_in_order(self, data, **kwargs):
        start, completion = data.get("start_date"), data.get("completion_date")
        if start and completion and completion < start:
            raise ValidationError(gettext("must not be before start_date"), "completion_date")


class CorrectiveActionIn(_CorrectiveActionFields):
    capability = Text(120, required=True)
    issue = Text(4000, required=True)
    corrective_action = Text(4000, required=True)
    capability_element = fields.String(required=True, validate=validate.OneOf(CAPABILITY_ELEMENTS))
    responsible_org = Text(200, required=True)
    status = fields.String(load_default="open", validate=validate.OneOf(CORRECTIVE_ACTION_STATUSES))


class CorrectiveActionPatch(_CorrectiveActionFields):
    """Any of the row's fields; dates are checked again against the stored ones by the service."""

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError(gettext("nothing to change: give at least one field"))


# -- participant feedback --------------------------------------------------------------------

_RATING_1_TO_5 = {"strict": True, "validate": validate.Range(min=1, max=5)}

# One optional 1-5 answer per question of services.evaluation.FEEDBACK_QUESTIONS; other keys are refused.
FeedbackRatings = StrictSchema.from_dict(
    {key: fields.Integer(metadata={"description": text}, **_RATING_1_TO_5)
     for key, text in FEEDBACK_QUESTIONS.items()},
    name="FeedbackRatings",
)


class FeedbackIn(StrictSchema):
    role = fields.String(load_default="", validate=validate.Length(max=200))
    ratings = fields.Nested(FeedbackRatings, load_default=dict)
    strengths = fields.String(load_default="", validate=validate.Length(max=8000))
    improvements = fields.String(load_default="", validate=validate.Length(max=8000))
    comments = fields.String(load_default="", validate=validate.Length(max=8000))

    @validates_schema
    def _not_empty(self, data, **kwargs):
        texts = (data.get(k, "").strip() for k in ("strengths", "improvements", "comments"))
        if not data.get("ratings") and not any(texts):
            raise ValidationError(gettext("the form is empty: rate at least one statement or write a comment"))
