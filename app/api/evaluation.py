"""The evaluator workflow: observations, P/S/M/U ratings, the improvement plan, participant feedback.

Who may call: staff read; evaluators, controllers and admins write; a team member sends a
feedback form once the exercise has ended. The caller is checked before the body is read, so
the wrong caller gets 401/403 whatever they send.
"""
from ..auth import caller
from ..schemas.evaluation import (CorrectiveActionIn, CorrectiveActionPatch, FeedbackIn, LeadEvaluatorIn,
                                  ObservationIn, ObservationPatch, ObservationsQuery, RatingIn)
from ..schemas.out import (CorrectiveActionOut, FeedbackFormOut, FeedbackSummaryOut, LeadEvaluatorOut,
                           EvaluatorObservationOut, RatingSetOut, RatingsOut)
from ..services import evaluation
from .base import api_blueprint

blp = api_blueprint("evaluation", __name__, url_prefix="/api/v1/exercises",
                    description="Evaluation: observations, ratings, improvement plan, feedback")


# -- observations --------------------------------------------------------------------------

@blp.route("/<int:exercise_id>/observations", methods=["GET"])
@caller("staff")
@blp.arguments(ObservationsQuery, location="query")
@blp.response(200, EvaluatorObservationOut(many=True))
def list_observations(query, exercise_id: int, caller):
    """Observations in exercise-time order (staff); filter by `team`, `objective` or `tag`."""
    return evaluation.list_observations(exercise_id, **query)


@blp.route("/<int:exercise_id>/observations", methods=["POST"])
@caller("evaluator")
@blp.arguments(ObservationIn)
@blp.response(201, EvaluatorObservationOut)
def post_observation(body, exercise_id: int, caller):
    """A timed observation: at the clock now, or at `exercise_time_s` / `at` (not after now)."""
    obs = evaluation.record_observation(exercise_id, body, caller.user)
    return evaluation.observation_with_author(obs)


@blp.route("/<int:exercise_id>/observations/<int:observation_id>", methods=["PATCH"])
@caller("evaluator")
@blp.arguments(ObservationPatch)
@blp.response(200, EvaluatorObservationOut)
def patch_observation(body, exercise_id: int, observation_id: int, caller):
    """Correct your own observation (logged with the values it replaced)."""
    obs = evaluation.edit_observation(exercise_id, observation_id, body, caller.user)
    return evaluation.observation_with_author(obs)


# -- ratings -------------------------------------------------------------------------------

@blp.route("/<int:exercise_id>/ratings", methods=["GET"])
@caller("staff")
@blp.response(200, RatingsOut)
def get_ratings(exercise_id: int, caller):
    """Per objective: each evaluator's rating, the consensus; the lead evaluator; the P/S/M/U definitions."""
    return evaluation.ratings_view(exercise_id)


@blp.route("/<int:exercise_id>/ratings/<objective_id>", methods=["PUT"])
@caller("evaluator")
@blp.arguments(RatingIn)
@blp.response(200, RatingSetOut)
def put_rating(body, exercise_id: int, objective_id: str, caller):
    """Set your own P/S/M/U rating of an objective; with `consensus: true`, the consensus rating
    (the lead evaluator or an admin only)."""
    view = evaluation.set_rating(exercise_id, objective_id, body, caller.user)
    return view


@blp.route("/<int:exercise_id>/lead-evaluator", methods=["PUT"])
@caller("controller")
@blp.arguments(LeadEvaluatorIn)
@blp.response(200, LeadEvaluatorOut)
def put_lead_evaluator(body, exercise_id: int, caller):
    """Name the lead evaluator (an evaluator or admin), who sets consensus ratings; null clears it."""
    lead = evaluation.set_lead_evaluator(exercise_id, body["username"], caller.user)
    return {"lead_evaluator": None if lead is None else {"id": lead.id, "username": lead.username,
                                                          "role": lead.role}}


# -- the improvement plan ------------------------------------------------------------------

@blp.route("/<int:exercise_id>/corrective-actions", methods=["GET"])
@caller("staff")
@blp.response(200, CorrectiveActionOut(many=True))
def list_corrective_actions(exercise_id: int, caller):
    """The improvement plan's rows (staff)."""
    return evaluation.list_corrective_actions(exercise_id)


@blp.route("/<int:exercise_id>/corrective-actions", methods=["POST"])
@caller("evaluator")
@blp.arguments(CorrectiveActionIn)
@blp.response(201, CorrectiveActionOut)
def post_corrective_action(body, exercise_id: int, caller):
    """A new improvement-plan row."""
    row = evaluation.add_corrective_action(exercise_id, body, caller.user)
    return evaluation.corrective_action_view(row)


@blp.route("/<int:exercise_id>/corrective-actions/<int:action_id>", methods=["PATCH"])
@caller("evaluator")
@blp.arguments(CorrectiveActionPatch)
@blp.response(200, CorrectiveActionOut)
def patch_corrective_action(body, exercise_id: int, action_id: int, caller):
    """Change an improvement-plan row: status, dates, owner, wording."""
    row = evaluation.update_corrective_action(exercise_id, action_id, body, caller.user)
    return evaluation.corrective_action_view(row)


# -- participant feedback ------------------------------------------------------------------

@blp.route("/<int:exercise_id>/feedback", methods=["GET"])
@caller("staff")
@blp.response(200, FeedbackSummaryOut)
def get_feedback(exercise_id: int, caller):
    """Every feedback form, and each question's average (staff)."""
    return evaluation.feedback_summary(exercise_id)


@blp.route("/<int:exercise_id>/feedback", methods=["POST"])
@caller("participant")
@blp.arguments(FeedbackIn)
@blp.response(201, FeedbackFormOut)
def post_feedback(body, exercise_id: int, caller):
    """A team member's feedback form, once, after the exercise has ended."""
    form = evaluation.submit_feedback(caller, body)
    return evaluation.feedback_view(form, caller.display_name)
