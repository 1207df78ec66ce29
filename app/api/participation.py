"""What teams do over HTTP (the same services as the Socket.IO events, for tools and fallbacks)."""

from ..auth import caller
from ..schemas.api import ActionIn
from ..schemas.out import AckedOut, ActionLoggedOut, MeOut
from ..services.participation import acknowledge_inject, log_action
from .base import api_blueprint

blp = api_blueprint("participation", __name__, url_prefix="/api/v1", description="Team actions and acknowledgements")


@blp.route("/me", methods=["GET"])
@caller("signed_in")
@blp.response(200, MeOut)
def me(caller):
    """Who this token or session belongs to."""
    if caller.participant is not None:
        team = caller.participant.team
        return {"role": "participant", "name": caller.name, "participant_id": caller.participant.id,
                "exercise_id": team.exercise_id, "team": {"key": team.key, "name": team.name, "agency": team.agency}}
    return {"role": caller.role, "name": caller.name, "id": caller.user.id}


@blp.route("/exercises/<int:exercise_id>/actions", methods=["POST"])
@caller("participant")
@blp.arguments(ActionIn)
@blp.response(201, ActionLoggedOut)
@blp.alt_response(200, schema=ActionLoggedOut, description="A resend of a client_id already logged (duplicate: true)")
def post_action(body, exercise_id: int, caller):
    """Log an action (idempotent on client_id: a resend answers the first result with duplicate: true)."""
    result = log_action(caller, body["client_id"], body.get("step"), body.get("text"))
    return {"ok": True, **result}, (200 if result["duplicate"] else 201)


@blp.route("/exercises/<int:exercise_id>/injects/<inject_id>/ack", methods=["POST"])
@caller("participant")
@blp.response(200, AckedOut)
def ack(exercise_id: int, inject_id: str, caller):
    """Acknowledge an inject addressed to the caller's team."""
    result = acknowledge_inject(caller, inject_id)
    return {"ok": True, **result}
