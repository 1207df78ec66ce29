"""The pages' projection folds the radiological picture's events as the engine's does (docs/radiation.md)."""
import pytest

from app.engine import projection
from app.extensions import db
from app.models import Participant
from app.services import lifecycle, radiological
from app.services.events import events_since, stored_envelope
from app.services.scheduler import run_once

from ..helpers import ZONES_LIBRARY, gen_exercise, gen_tablet, gen_user


@pytest.fixture
def radiological_log(app, clock):
    app.config["CORDON_CONTENT_ROOT"] = str(ZONES_LIBRARY)
    exercise = gen_exercise("cordon-drill")
    lifecycle.start_exercise(exercise.id, "ctl")
    db.session.commit()
    run_once(app)
    rad = db.session.get(Participant, gen_tablet(exercise, "rad").participant_id)
    police = db.session.get(Participant, gen_tablet(exercise, "police").participant_id)
    steps = (
        lambda: radiological.move_responder(exercise.id, rad, {"responder": "rad/1", "to": [-5, 0], "speed_m_s": 40,
                                                               "client_id": "move-000001"}),
        lambda: radiological.move_responder(exercise.id, police, {"responder": "police/1", "to": [-700, -600]}),
        lambda: radiological.take_reading(exercise.id, rad, {"responder": "rad/1", "instrument": "rad/survey-meter-1"}),
        lambda: run_once(app),
        lambda: radiological.change_source(exercise.id, gen_user("ctl"), {"source": "S1", "removed": True}),
        lambda: radiological.take_reading(exercise.id, police, {"responder": "police/1",
                                                                "instrument": "police/survey-meter-1"}),
    )
    for step in steps:
        clock.advance(40)
        step()
        db.session.commit()
    info = {"id": exercise.id, "scenario": exercise.scenario_snapshot,
            "teams": [{"key": t.key, "name": t.name, "agency": t.agency} for t in exercise.teams]}
    return info, [stored_envelope(row) | {"visible_to": row["visible_to"]} for row in events_since(exercise.id, 0)]


KEYS = ("moves", "measurements", "dose_alarms", "dose_guidance", "source_changes")


def test_the_radiological_picture_folds_alike_in_the_page_and_the_engine(modules, radiological_log):
    info, events = radiological_log
    for lens in (None, "rad", "police"):
        engine = projection.project(info, events, team=lens)
        shown = [e for e in events if lens is None or e["visible_to"] is None or lens in e["visible_to"]]
        page = modules.run("/static/js/projection.js", """
            const s = m.fold(arg.events, m.createState({lens: arg.lens}));
            return {moves: s.moves, measurements: s.measurements, dose_alarms: s.dose_alarms,
                    dose_guidance: s.dose_guidance, source_changes: s.source_changes};
        """, {"events": shown, "lens": lens})
        for key in KEYS:
            assert page[key] == engine[key], (lens, key)
    staff = projection.project(info, events)
    assert set(staff["moves"]) == {"rad/1", "police/1"} and len(staff["measurements"]) == 2
    assert staff["dose_alarms"] and staff["source_changes"][0]["change"]["removed"] is True
    police = projection.project(info, events, team="police")
    assert set(police["moves"]) == {"police/1"} and not police["dose_alarms"] and not police["source_changes"]
    assert "client_id" not in staff["moves"]["rad/1"][0]
