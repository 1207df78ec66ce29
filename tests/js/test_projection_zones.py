"""The pages' projection folds zones and spatial verdicts as the engine's does (docs/zones.md)."""

import pytest

from app.engine import projection
from app.extensions import db
from app.models import Participant
from app.services import drawing, lifecycle
from app.services.events import events_since, stored_envelope
from app.services.scheduler import run_once

from ..helpers import ZONES_LIBRARY, gen_exercise, gen_tablet, gen_user



@pytest.fixture
def zone_log(app, clock):
    app.config["CORDON_CONTENT_ROOT"] = str(ZONES_LIBRARY)
    exercise = gen_exercise("cordon-drill")
    lifecycle.start_exercise(exercise.id, "ctl")
    db.session.commit()
    run_once(app)
    ic = db.session.get(Participant, gen_tablet(exercise, "ic").participant_id)
    rad = db.session.get(Participant, gen_tablet(exercise, "rad").participant_id)
    circle = {"type": "Circle", "center": [0, 0], "radius": 300}
    for step in (
        lambda: drawing.draw_zone(exercise.id, ic, {"kind": "inner-cordon", "geometry": circle}),
        lambda: drawing.draw_zone(exercise.id, rad, {"kind": "staging-area", "geometry": {"type": "Point",
                                                                                            "coordinates": [-600, 0]}}),
        lambda: drawing.change_zone(exercise.id, "Z1", ic, {"geometry": {**circle, "radius": 450}}),
        lambda: drawing.decide(exercise.id, "Z1", ic, {"action": "food-restrictions"}),
        lambda: drawing.draw_zone(exercise.id, gen_user("ctl"), {"kind": "shelter-area", "geometry": circle}),
        lambda: drawing.remove_zone(exercise.id, "Z3", gen_user("boss")),
    ):
        clock.advance(30)
        step()
        db.session.commit()
    info = {"id": exercise.id, "scenario": exercise.scenario_snapshot,
            "teams": [{"key": t.key, "name": t.name, "agency": t.agency} for t in exercise.teams]}
    return info, [stored_envelope(row) | {"visible_to": row["visible_to"]} for row in events_since(exercise.id, 0)]


def test_zones_and_verdicts_fold_alike_in_the_page_and_the_engine(modules, zone_log):
    info, events = zone_log
    for lens in (None, "ic", "rad"):
        engine = projection.project(info, events, team=lens)
        shown = [e for e in events if lens is None or e["visible_to"] is None or lens in e["visible_to"]]
        page = modules.run("/static/js/projection.js", """
            const s = m.fold(arg.events, m.createState({lens: arg.lens}));
            return {zones: s.zones, rules: s.rules};
        """, {"events": shown, "lens": lens})
        assert page["zones"] == engine["zones"], lens
        assert page["rules"] == engine["rules"], lens
    staff = projection.project(info, events)
    assert set(staff["zones"]) == {"Z1", "Z2"}
    assert staff["zones"]["Z1"]["geometry"]["radius"] == 450
    assert staff["zones"]["Z1"]["decisions"][0]["action"] == "food-restrictions"
    assert staff["rules"]["ic"]["IC-02"]["ok"] is True
    assert set(projection.project(info, events, team="ic")["zones"]) == {"Z1"}  # not rad's staging area
