"""Zones on the site map: drawn by teams (and controllers), judged by the checklist's spatial rules.

Teams see their own zones and the public ones; staff see all, the verdicts of every team, and the
expected zones compared with what was drawn. A team member draws for their own team only, a kind
the scenario lets their agency draw; controllers draw, change and remove any zone.
"""
from ..auth import caller
from ..schemas.zones import (ComparisonOut, DecisionIn, VerdictOut, ZoneIn, ZoneOut, ZonePatch,
                             ZoneRemovedOut)
from ..services import drawing
from ..services.zones import compare_expected, list_zones, verdicts_view
from .base import api_blueprint

blp = api_blueprint("zones", __name__, url_prefix="/api/v1/exercises",
                    description="Zones on the site map and the spatial rules that judge them")


def _drawer(principal):
    return principal.participant if principal.participant is not None else principal.user


def _team_lens(principal) -> str | None:
    return None if principal.is_staff else principal.team_key


@blp.route("/<int:exercise_id>/zones", methods=["GET"])
@caller("in_exercise")
@blp.response(200, ZoneOut(many=True))
def zones(exercise_id: int, caller):
    """The zones standing now: a team's own and the public ones; every zone for staff."""
    return list_zones(exercise_id, _team_lens(caller))


@blp.route("/<int:exercise_id>/zones", methods=["POST"])
@caller("team_or_controller")
@blp.arguments(ZoneIn)
@blp.response(201, ZoneOut)
@blp.alt_response(200, schema=ZoneOut, description="A resend of a client_id already drawn (duplicate: true)")
def draw(body, exercise_id: int, caller):
    """Draw a zone (`zone.drawn`); judged at once by the spatial rules of the team's steps."""
    zone = drawing.draw_zone(exercise_id, _drawer(caller), body)
    return zone, (200 if zone["duplicate"] else 201)


@blp.route("/<int:exercise_id>/zones/<zone_id>", methods=["PATCH"])
@caller("team_or_controller")
@blp.arguments(ZonePatch)
@blp.response(200, ZoneOut)
def change(body, exercise_id: int, zone_id: str, caller):
    """Redraw a zone (`zone.changed`): its team, or a controller."""
    return drawing.change_zone(exercise_id, zone_id, _drawer(caller), body)


@blp.route("/<int:exercise_id>/zones/<zone_id>", methods=["DELETE"])
@caller("team_or_controller")
@blp.response(200, ZoneRemovedOut)
def remove(exercise_id: int, zone_id: str, caller):
    """Remove a zone (`zone.removed`): its team, or a controller."""
    return drawing.remove_zone(exercise_id, zone_id, _drawer(caller))


@blp.route("/<int:exercise_id>/zones/<zone_id>/decision", methods=["POST"])
@caller("team_or_controller")
@blp.arguments(DecisionIn)
@blp.response(201, ZoneOut)
def decision(body, exercise_id: int, zone_id: str, caller):
    """A protective-action decision on a zone from now (`zone.decided`): shelter, evacuate, iodine
    thyroid blocking, food restrictions."""
    return drawing.decide(exercise_id, zone_id, _drawer(caller), body)


@blp.route("/<int:exercise_id>/zones/verdicts", methods=["GET"])
@caller("in_exercise")
@blp.response(200, VerdictOut(many=True))
def verdicts(exercise_id: int, caller):
    """The spatial rules' verdicts as last announced: a team's own, every team's for staff."""
    return verdicts_view(exercise_id, _team_lens(caller))


@blp.route("/<int:exercise_id>/zones/expected", methods=["GET"])
@caller("staff")
@blp.response(200, ComparisonOut(many=True))
def expected(exercise_id: int, caller):
    """Each zone the scenario expects, against what each team drew of its kind (staff)."""
    return compare_expected(exercise_id)
