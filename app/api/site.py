"""An exercise's site plan for the maps of tablets and consoles (docs/zones.md)."""
from flask import send_file

from ..auth import caller
from ..schemas.out import SiteOut, file_response
from ..services.exercises import get_exercise
from ..services.site import plan_file, site_view
from .base import api_blueprint

blp = api_blueprint("site", __name__, url_prefix="/api/v1/exercises", description="The site plan of an exercise")


@blp.route("/<int:exercise_id>/site", methods=["GET"])
@caller("in_exercise")
@blp.response(200, SiteOut)
def site(exercise_id: int, caller):
    """The plan image's address and extent in site metres, the named places, and the zone kinds the
    caller may draw; no source and no field (404 when the scenario has no site)."""
    agency = caller.participant.team.agency if caller.participant is not None else None
    return site_view(exercise_id, agency=agency, staff=caller.is_staff,
                     may_draw=caller.participant is not None or caller.may_control())


@blp.route("/<int:exercise_id>/site/plan", methods=["GET"])
@caller("in_exercise")
@blp.doc(responses=file_response("The site plan image", "image/svg+xml", "image/png", "image/jpeg"))
def plan(exercise_id: int, caller):
    """The site plan image the exercise was made with."""
    file, media_type = plan_file(get_exercise(exercise_id))
    response = send_file(file, mimetype=media_type, max_age=3600)
    return response
