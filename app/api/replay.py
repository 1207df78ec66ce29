"""Replay and branching: the state of an exercise at any moment, its scrubber, a new exercise from a moment."""
from flask import jsonify

from ..auth import caller
from ..schemas.out import ExerciseOut
from ..schemas.replay import BranchIn, StateOut, StateQuery, TimelineOut, TimelineQuery
from ..services.branching import branch_exercise
from ..services.replay import state_at, timeline_markers
from ..services.views import exercise_view
from .base import api_blueprint

blp = api_blueprint("replay", __name__, url_prefix="/api/v1/exercises",
                    description="Replay an exercise to any moment, and branch a new one from it")


def _moment(query) -> dict:
    return {"seq": query.get("seq"), "at_s": query["t"] if query.get("t") is not None else query.get("at_s")}


@blp.route("/<int:exercise_id>/state", methods=["GET"])
@caller("staff")
@blp.arguments(StateQuery, location="query")
@blp.response(200, StateOut)
def state(query, exercise_id: int, caller):
    """The state of the exercise at a moment (`seq`, `at_s` or `t`; none: now), folded from its event log.
    Staff only; `team` gives that team's lens: exactly what its tablet had been sent."""
    result = state_at(exercise_id, **_moment(query), team=query.get("team"), recent=query["recent"])
    return jsonify(result)  # the projection's JSON as it is (StateOut documents it)


@blp.route("/<int:exercise_id>/timeline", methods=["GET"])
@caller("staff")
@blp.arguments(TimelineQuery, location="query")
@blp.response(200, TimelineOut)
def timeline(query, exercise_id: int, caller):
    """The replay scrubber: the exercise's span and a marker for each thing that happened (staff)."""
    return jsonify(timeline_markers(exercise_id, team=query.get("team")))


@blp.route("/<int:exercise_id>/branch", methods=["POST"])
@caller("controller")
@blp.arguments(BranchIn)
@blp.response(201, ExerciseOut)
def branch(body, exercise_id: int, caller):
    """A new draft exercise from this one at a moment: same scenario and checklist, the clock at the
    moment, released injects carried over as history, new join codes (controllers)."""
    exercise = branch_exercise(exercise_id, name=body["name"], created_by=caller.user,
                               carry_actions=body["carry_actions"], **_moment(body))
    return exercise_view(exercise, staff=True)
