"""Exercises: create, read, run the clock, control injects, read the event log and audit."""
from flask import Response

from ..auth import caller
from ..schemas.api import (AdhocInject, EventsQuery, ExerciseCreate, ExercisePatch, InjectPatch, MessageIn,
                           WaiverIn)
from ..services import lifecycle
from ..errors import InvalidInput
from ..services.audit import evidence_bytes, evidence_filename, verify_exercise
from ..services.events import events_since, stored_envelope
from ..services.exercises import (all_exercises, create_exercise, get_exercise, rename_exercise, set_dose_guidance,
                                  set_language)
from ..services.compliance import compliance_view, compute, waive_step
from ..services.injects import dismiss_prompt, edit_inject, hold_inject, inject_view, skip_inject, unhold_inject
from ..services.releasing import add_adhoc_inject, release_now
from ..services.participation import rotate_join_code, send_message
from ..schemas.out import (ComplianceOut, EventOut, ExerciseOut, ExerciseSummaryOut, ExerciseTeamOut, InjectOut,
                           LogAuditOut, SeqOut, file_response)
from ..services.views import exercise_summary, exercise_view
from .base import api_blueprint
from flask_babel import gettext

blp = api_blueprint("exercises", __name__, url_prefix="/api/v1/exercises", description="Exercises and their clock")


@blp.route("", methods=["GET"])
@caller("staff")
@blp.response(200, ExerciseSummaryOut(many=True))
def list_exercises(caller):
    """Every exercise, newest first (staff)."""
    return [exercise_summary(e) for e in all_exercises()]


@blp.route("", methods=["POST"])
@caller("controller")
@blp.arguments(ExerciseCreate)
@blp.response(201, ExerciseOut)
def create(body, caller):
    """A draft exercise from a library scenario, with a join code per team."""
    exercise = create_exercise(name=body["name"], scenario_id=body["scenario"], speed=body["speed"],
                               teams=body.get("teams"), created_by=caller.user, dose_guidance=body.get("dose_guidance"),
                               language=body.get("language"))
    return exercise_view(exercise, staff=True)


@blp.route("/<int:exercise_id>", methods=["GET"])
@caller("in_exercise")
@blp.response(200, ExerciseOut)
def get(exercise_id: int, caller):
    """Status, clock, teams and injects; a team sees only its released injects and no join codes."""
    return exercise_view(get_exercise(exercise_id), staff=caller.is_staff, team_key=caller.team_key)


@blp.route("/<int:exercise_id>", methods=["PATCH"])
@caller("controller")
@blp.arguments(ExercisePatch)
@blp.response(200, ExerciseOut)
def patch(body, exercise_id: int, caller):
    """Change the speed (0.1-120), the name, the tablets' language, or (before it starts) the dose guidance set."""
    exercise = get_exercise(exercise_id)
    if "dose_guidance" in body:
        exercise = set_dose_guidance(exercise_id, body["dose_guidance"], caller.name)
    if "speed" in body:
        exercise = lifecycle.set_speed(exercise_id, body["speed"], caller.name)
    if "name" in body:
        exercise = rename_exercise(exercise_id, body["name"], caller.name)
    if "language" in body:
        exercise = set_language(exercise_id, body["language"])
    return exercise_view(exercise, staff=True)


def _clock_route(action: str):
    def view(exercise_id: int, caller):
        exercise = getattr(lifecycle, f"{action}_exercise")(exercise_id, caller.name)
        return exercise_view(exercise, staff=True)

    view.__name__ = action
    view.__doc__ = {"start": "Start the clock of a draft exercise.", "pause": "Freeze exercise time.",
                    "resume": "Let exercise time run again.",
                    "end": "End the exercise for good (asks for no confirmation: clients must)."}[action]
    blp.route(f"/<int:exercise_id>/{action}", methods=["POST"])(caller("controller")(blp.response(200, ExerciseOut)(view)))


for _action in ("start", "pause", "resume", "end"):
    _clock_route(_action)


@blp.route("/<int:exercise_id>/injects", methods=["POST"])
@caller("controller")
@blp.arguments(AdhocInject)
@blp.response(201, InjectOut)
def add_inject(body, exercise_id: int, caller):
    """An ad-hoc inject, released at once unless `hold: true` (then released by hand later)."""
    if "from_" in body:
        body["from"] = body.pop("from_")
    inject = add_adhoc_inject(exercise_id, body, caller.name)
    return inject_view(inject, staff=True)


def _inject_route(action: str, service, doc: str):
    def view(exercise_id: int, inject_id: str, caller):
        inject = service(exercise_id, inject_id, caller.name)
        return inject_view(inject, staff=True)

    view.__name__ = f"inject_{action}"
    view.__doc__ = doc
    blp.route(f"/<int:exercise_id>/injects/<inject_id>/{action}", methods=["POST"])(
        caller("controller")(blp.response(200, InjectOut)(view)))


_inject_route("release", release_now, "Release now (pending, held, reserve or contingency inject).")
_inject_route("hold", hold_inject, "Hold a pending inject: the clock will not release it.")
_inject_route("unhold", unhold_inject, "Return a held inject to the schedule.")
_inject_route("skip", skip_inject, "Skip an inject: it will never be released.")
_inject_route("dismiss", dismiss_prompt, "Decline a contingency inject the checklist proposed (it is skipped).")


@blp.route("/<int:exercise_id>/injects/<inject_id>", methods=["PATCH"])
@caller("controller")
@blp.arguments(InjectPatch)
@blp.response(200, InjectOut)
def patch_inject(body, exercise_id: int, inject_id: str, caller):
    """Retime (`at`: seconds, a time such as "25m", or null for reserve) or edit before release."""
    if "from_" in body:
        body["from"] = body.pop("from_")
    inject = edit_inject(exercise_id, inject_id, body, caller.name)
    return inject_view(inject, staff=True)


@blp.route("/<int:exercise_id>/teams/<team_key>/rotate-code", methods=["POST"])
@caller("controller")
@blp.response(200, ExerciseTeamOut)
def rotate_code(exercise_id: int, team_key: str, caller):
    """A new join code for a team; the old code and the tablets that joined with it stop working."""
    team, _ = rotate_join_code(exercise_id, team_key, caller.name)
    return {"key": team.key, "name": team.name, "agency": team.agency, "join_code": team.join_code}


@blp.route("/<int:exercise_id>/messages", methods=["POST"])
@caller("team_or_controller")
@blp.arguments(MessageIn)
@blp.response(201, SeqOut)
def message(body, exercise_id: int, caller):
    """A message: a team writes to "control"; controllers write to a team key or "all"."""
    sender = caller.participant if caller.participant is not None else caller.user
    return send_message(exercise_id, sender=sender, to=body["to"], text=body["text"], client_id=body.get("client_id"))


@blp.route("/<int:exercise_id>/compliance", methods=["GET"])
@caller("in_exercise")
@blp.response(200, ComplianceOut)
def compliance(exercise_id: int, caller):
    """Every team's checklist: step status, due and done times, out-of-order flags, scores.
    A team's tablet gets its own team only."""
    exercise = get_exercise(exercise_id)
    return compliance_view(exercise, compute(exercise), team_key=None if caller.is_staff else caller.team_key)


@blp.route("/<int:exercise_id>/waivers", methods=["POST"])
@caller("evaluator")
@blp.arguments(WaiverIn)
@blp.response(201, ComplianceOut)
def waive(body, exercise_id: int, caller):
    """Mark a step not applicable for a team, with a reason (logged)."""
    exercise = get_exercise(exercise_id)
    result = waive_step(exercise_id, body["team"], body["step"], body["reason"], caller.user)
    return compliance_view(exercise, result, team_key=body["team"])


@blp.route("/<int:exercise_id>/events", methods=["GET"])
@caller("staff")
@blp.arguments(EventsQuery, location="query")
@blp.response(200, EventOut(many=True))
def events(query, exercise_id: int, caller):
    """The event log after `since` (staff), in the live envelope's shape; `type` (repeatable) filters;
    `team`: only the events that team was sent."""
    exercise = get_exercise(exercise_id)
    team = query.get("team")
    if team is not None and exercise.team(team) is None:
        raise InvalidInput(gettext("no team '%(team)s' in exercise %(exercise_id)s", team=team, exercise_id=exercise_id), fields={"team": [gettext("unknown team")]})
    return [stored_envelope(row) | {"actor": row["actor"], "hash": row["hash"]}
            for row in events_since(exercise_id, query["since"], team_key=team, limit=query["limit"],
                                    types=query["type"])]


@blp.route("/<int:exercise_id>/audit", methods=["GET"])
@caller("staff")
@blp.response(200, LogAuditOut)
def audit(exercise_id: int, caller):
    """Audit the log: hash chain, head, signed checkpoints, and the tables that copy it. OK, or every
    problem with its seq and reason (the first one also as `first_broken_seq` and `reason`)."""
    get_exercise(exercise_id)
    return verify_exercise(exercise_id)


@blp.route("/<int:exercise_id>/audit/evidence.zip", methods=["GET"])
@caller("staff")
@blp.doc(responses=file_response("A zip file (Content-Disposition: attachment)", "application/zip"))
def audit_evidence(exercise_id: int, caller):
    """The evidence bundle: events (JSON Lines), checkpoints, public keys and the offline verifier."""
    exercise = get_exercise(exercise_id)
    return Response(evidence_bytes(exercise_id), mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{evidence_filename(exercise)}"', "Cache-Control": "no-store"})
