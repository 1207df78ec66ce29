"""What teams do over HTTP (the same services as the Socket.IO events, for tools and fallbacks)."""

from ..auth import current_principal
from ..schemas.api import ActionIn
from ..services.participation import acknowledge_inject, log_action
from .base import api_blueprint

blp = api_blueprint("participation", __name__, url_prefix="/api/v1", description="Team actions and acknowledgements")


@blp.route("/me", methods=["GET"])
def me():
    """Who this token or session belongs to."""
    principal = current_principal().require_signed_in()
    if principal.participant is not None:
        team = principal.participant.team
        return {"role": "participant", "name": principal.name, "participant_id": principal.participant.id,
                "exercise_id": team.exercise_id, "team": {"key": team.key, "name": team.name, "agency": team.agency}}
    return {"role": principal.role, "name": principal.name, "id": principal.user.id}


@blp.route("/exercises/<int:exercise_id>/actions", methods=["POST"])
@blp.arguments(ActionIn)
def post_action(body, exercise_id: int):
    """Log an action (idempotent on client_id: a resend answers the first result with duplicate: true)."""
    participant = current_principal().require_participant_of(exercise_id)
    result = log_action(participant, body["client_id"], body.get("step"), body.get("text"))
    return {"ok": True, **result}, (200 if result["duplicate"] else 201)


@blp.route("/exercises/<int:exercise_id>/injects/<inject_id>/ack", methods=["POST"])
def ack(exercise_id: int, inject_id: str):
    """Acknowledge an inject addressed to the caller's team."""
    participant = current_principal().require_participant_of(exercise_id)
    result = acknowledge_inject(participant, inject_id)
    return {"ok": True, **result}
