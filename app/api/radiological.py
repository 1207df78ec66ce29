"""The radiological picture of an exercise (docs/radiation.md): responders, readings, doses, the field.

A team sees and moves its own responders, reads its own instruments and sees its own
measurements and alarms; staff see everyone, the dose board, the field and the sources, and a
controller changes a source live. A team is never sent a source position or the field.
"""
from flask import request

from ..auth import caller
from ..errors import InvalidInput
from ..schemas.radiological import (DoseHistoryOut, DoseRowOut, FieldOut, HistoryQuery, MeasurementOut, MoveIn, PictureOut,
                                    ReadingIn, ResponderOut, SourceChangeIn, SourceChangeOut)
from ..services import radiological
from .base import api_blueprint
from flask_babel import gettext

blp = api_blueprint("radiological", __name__, url_prefix="/api/v1/exercises",
                    description="Responders on the site, their instruments and dose; the field for staff")


def _actor(principal):
    return principal.participant if principal.participant is not None else principal.user


def _team_lens(principal) -> str | None:
    return None if principal.is_staff else principal.team_key


@blp.route("/<int:exercise_id>/responders", methods=["GET"])
@caller("in_exercise")
@blp.response(200, PictureOut)
def picture(exercise_id: int, caller):
    """Responders where they are now with their dose and alarms, the team's instruments and
    measurements (a team: its own; staff: everyone's). No source, no field."""
    return radiological.site_picture(exercise_id, _team_lens(caller))


@blp.route("/<int:exercise_id>/responders/moves", methods=["POST"])
@caller("team_or_controller")
@blp.arguments(MoveIn)
@blp.response(201, ResponderOut)
@blp.alt_response(200, schema=ResponderOut, description="A resend of a client_id already moved (duplicate: true)")
def move(body, exercise_id: int, caller):
    """Send a responder walking or driving to a point or along waypoints, or stop it
    (`responder.moved`); it arrives at length / speed in exercise time, never at once."""
    answer = radiological.move_responder(exercise_id, _actor(caller), body)
    return answer, (200 if answer["duplicate"] else 201)


@blp.route("/<int:exercise_id>/readings", methods=["POST"])
@caller("team_or_controller")
@blp.arguments(ReadingIn)
@blp.response(201, MeasurementOut)
@blp.alt_response(200, schema=MeasurementOut, description="A resend of a client_id already read (duplicate: true)")
def reading(body, exercise_id: int, caller):
    """A responder reads one of the team's instruments where they stand (`measurement.taken`);
    one reading per instrument per second (429 `too_fast`)."""
    answer = radiological.take_reading(exercise_id, _actor(caller), body)
    return answer, (200 if answer["duplicate"] else 201)


@blp.route("/<int:exercise_id>/doses", methods=["GET"])
@caller("staff")
@blp.response(200, DoseRowOut(many=True))
def doses(exercise_id: int, caller):
    """The dose board: every responder's dose, rate and distance to their guidance value, highest first."""
    return radiological.dose_board(exercise_id)


@blp.route("/<int:exercise_id>/doses/history", methods=["GET"])
@caller("in_exercise")
@blp.arguments(HistoryQuery, location="query")
@blp.response(200, DoseHistoryOut)
def dose_history(query, exercise_id: int, caller):
    """A responder's dose history (`?responder=fire/1`; a team: its own responders)."""
    return radiological.dose_history(exercise_id, query.get("responder"), _team_lens(caller))


@blp.route("/<int:exercise_id>/field", methods=["GET"])
@caller("staff")
@blp.response(200, FieldOut)
def field(exercise_id: int, caller):
    """The simulated field now (or at `?at_s=`): a 400×400 grid of the rate on a log scale,
    isolines at 0.3 µSv/h, 100 µSv/h and 100 mSv/h, and the sources as they are (staff only)."""
    at_s = request.args.get("at_s")
    if at_s is not None:
        try:
            at_s = float(at_s)
        except ValueError:
            raise InvalidInput(gettext("at_s must be a number of exercise seconds"), fields={"at_s": [gettext("not a number")]}) from None
        if not (0 <= at_s < 10 * 24 * 3600):
            raise InvalidInput(gettext("at_s must be from 0 to 10 days"), fields={"at_s": [gettext("out of range")]})
    return radiological.field_view(exercise_id, at_s)


@blp.route("/<int:exercise_id>/sources/changes", methods=["POST"])
@caller("controller")
@blp.arguments(SourceChangeIn)
@blp.response(201, SourceChangeOut)
def change_source(body, exercise_id: int, caller):
    """Move, shield, set the activity of, remove or bring back a source from now (`source.changed`,
    staff only); releases nothing by itself."""
    return radiological.change_source(exercise_id, caller.user, body), 201
