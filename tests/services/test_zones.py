"""Zones drawn on the map and the spatial rules of checklist steps, through the services (docs/zones.md)."""

import pytest
from sqlalchemy import select

from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.models import Event, ExerciseInject, Participant
from app.services import drawing, lifecycle
from app.services.audit import verify_exercise
from app.services.compliance import compute
from app.services.participation import log_action
from app.services.report import build_report
from app.services.scheduler import run_once
from app.services.zones import compare_expected, list_zones, verdicts_view

from ..helpers import ZONES_LIBRARY, gen_exercise, gen_tablet, gen_user



@pytest.fixture
def zones_app(app):
    app.config["CORDON_CONTENT_ROOT"] = str(ZONES_LIBRARY)
    return app


@pytest.fixture
def drill(zones_app, clock):
    exercise = gen_exercise("cordon-drill")
    lifecycle.start_exercise(exercise.id, "ctl")
    db.session.commit()
    run_once(zones_app)  # I-01, at 0:00, makes IC-02 and RA-02 due
    return exercise


def member(exercise, team):
    return db.session.get(Participant, gen_tablet(exercise, team).participant_id)


def circle(radius, centre=(0, 0)):
    return {"type": "Circle", "center": list(centre), "radius": radius}


def status(exercise, team, step):
    return compute(exercise).team(team).step(step).status.value


def verdict(exercise, team, step):
    return next(v for v in verdicts_view(exercise.id, team) if v["step"] == step)


def run_minutes(app, clock, minutes):
    for _ in range(minutes):
        clock.advance(60)
        run_once(app)


def test_a_short_cordon_leaves_the_step_open_with_the_reason_and_a_wider_one_completes_it(zones_app, clock, drill):
    ic = member(drill, "ic")
    clock.advance(120)
    zone = drawing.draw_zone(drill.id, ic, {"kind": "inner-cordon", "geometry": circle(300)})
    db.session.commit()
    assert zone["id"] == "Z1" and zone["team"] == "ic" and zone["public"] is True
    assert status(drill, "ic", "IC-02") == "open"
    found = verdict(drill, "ic", "IC-02")
    assert found["ok"] is False
    assert found["reason"] == "the inner cordon reaches only 300 m from the blast seat in every direction (400 m required)"
    # The rad team's step is judged over the public cordon: 300 m holds the 100 µSv/h line of 37 TBq Cs-137.
    assert verdict(drill, "rad", "RA-02")["ok"] is True
    assert status(drill, "rad", "RA-02") == "done"

    clock.advance(120)
    drawing.change_zone(drill.id, "Z1", ic, {"geometry": circle(450)})
    db.session.commit()
    assert status(drill, "ic", "IC-02") == "done"
    result = compute(drill).team("ic").step("IC-02")
    assert result.done_at_s == pytest.approx(240, abs=1)
    assert verdict(drill, "ic", "IC-02")["reason"].startswith("the inner cordon reaches at least 450 m")
    assert verify_exercise(drill.id)["ok"]


def test_a_cordon_drawn_late_is_late_and_the_contingency_fires_when_overdue(zones_app, clock, drill):
    ic = member(drill, "ic")
    run_minutes(zones_app, clock, 11)  # IC-02 due at 10 min
    assert status(drill, "ic", "IC-02") == "overdue"
    contingency = db.session.scalar(select(ExerciseInject).where(ExerciseInject.key == "I-02",
                                                                 ExerciseInject.exercise_id == drill.id))
    assert contingency.status == "released" and contingency.released_by == "contingency"
    drawing.draw_zone(drill.id, ic, {"kind": "inner-cordon", "geometry": circle(420)})
    db.session.commit()
    assert status(drill, "ic", "IC-02") == "late"


def test_the_field_growing_past_the_cordon_opens_the_step_again_until_the_cordon_moves(zones_app, clock, drill):
    ic = member(drill, "ic")
    clock.advance(60)
    drawing.draw_zone(drill.id, ic, {"kind": "inner-cordon", "geometry": circle(450)})
    db.session.commit()
    assert status(drill, "rad", "RA-02") == "done"
    run_minutes(zones_app, clock, 40)  # at 0:40 a 370 TBq source appears at the depot, 600 m east
    found = verdict(drill, "rad", "RA-02")
    assert found["ok"] is False and "100 µSv/h line extends" in found["reason"] and "east" in found["reason"]
    assert status(drill, "rad", "RA-02") in ("due", "open", "overdue")
    # The cordon moved out over the depot: contained again.
    drawing.change_zone(drill.id, "Z1", ic, {"geometry": circle(1400, (300, 0))})
    db.session.commit()
    assert verdict(drill, "rad", "RA-02")["ok"] is True
    assert status(drill, "rad", "RA-02") in ("done", "late")
    types = [e.type for e in db.session.scalars(select(Event).where(Event.exercise_id == drill.id))]
    assert types.count("step.rule") >= 4
    assert verify_exercise(drill.id)["ok"]


def test_zone_and_tap_needs_both_and_placement_is_judged_upwind(zones_app, clock, drill):
    ic = member(drill, "ic")
    clock.advance(60)
    drawing.draw_zone(drill.id, ic, {"kind": "inner-cordon", "geometry": circle(450)})
    drawing.draw_zone(drill.id, ic, {"kind": "command-post", "geometry": {"type": "Point", "coordinates": [300, 0]}})
    db.session.commit()
    found = verdict(drill, "ic", "IC-04")
    assert found["ok"] is False and "inside the inner cordon" in found["reason"] and "downwind" in found["reason"]
    drawing.change_zone(drill.id, "Z2", ic, {"geometry": {"type": "Point", "coordinates": [-700, 0]}})
    db.session.commit()
    assert verdict(drill, "ic", "IC-04")["ok"] is True
    assert status(drill, "ic", "IC-04") != "done"  # zone-and-tap: the tap is still missing
    clock.advance(30)
    log_action(ic, "ic-cp-0001", "IC-04", "Command post set up at the west car park")
    db.session.commit()
    assert status(drill, "ic", "IC-04") == "done"


def test_who_may_draw_what_and_who_sees_what(zones_app, clock, drill):
    ic, rad, police = member(drill, "ic"), member(drill, "rad"), member(drill, "police")
    with pytest.raises(Forbidden, match="may not draw a inner cordon|may not draw an? inner cordon"):
        drawing.draw_zone(drill.id, rad, {"kind": "inner-cordon", "geometry": circle(400)})
    db.session.rollback()
    drawing.draw_zone(drill.id, police, {"kind": "inner-cordon", "geometry": circle(400)})
    drawing.draw_zone(drill.id, rad, {"kind": "staging-area", "geometry": circle(20, (-600, 0))})
    db.session.commit()
    assert [z["kind"] for z in list_zones(drill.id, "ic")] == ["inner-cordon"]  # not rad's staging area
    assert {z["kind"] for z in list_zones(drill.id, "rad")} == {"inner-cordon", "staging-area"}
    assert len(list_zones(drill.id, None)) == 2  # staff see all
    with pytest.raises(Forbidden):
        drawing.change_zone(drill.id, "Z1", ic, {"geometry": circle(500)})  # police drew it
    db.session.rollback()
    with pytest.raises(NotFound):
        drawing.remove_zone(drill.id, "Z2", ic)  # ic cannot see rad's working area
    db.session.rollback()
    controller = gen_user("boss")
    drawing.change_zone(drill.id, "Z1", controller, {"geometry": circle(500)})
    drawing.remove_zone(drill.id, "Z2", controller)
    db.session.commit()
    staging = [e for e in db.session.scalars(select(Event).where(Event.exercise_id == drill.id,
                                                                 Event.type.like("zone.%")))]
    assert [e.visible_to for e in staging if e.payload["zone"]["kind"] == "staging-area"] == [["rad"], ["rad"]]
    assert all(e.visible_to is None for e in staging if e.payload["zone"]["kind"] == "inner-cordon")


@pytest.mark.parametrize("geometry, field", [
    ({"type": "Circle", "center": [0, 0], "radius": 0}, "geometry.radius"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [100, 100], [100, 0], [0, 100]]]}, "geometry.coordinates.0"),
    ({"type": "Circle", "center": [50000, 0], "radius": 10}, "geometry"),
    ({"type": "Point", "coordinates": [0, 0]}, "geometry.type"),
])
def test_bad_geometry_is_a_422_naming_the_field(zones_app, clock, drill, geometry, field):
    ic = member(drill, "ic")
    with pytest.raises(InvalidInput) as error:
        drawing.draw_zone(drill.id, ic, {"kind": "inner-cordon", "geometry": geometry})
    assert field in error.value.fields


def test_a_resent_client_id_draws_once(zones_app, clock, drill):
    ic = member(drill, "ic")
    first = drawing.draw_zone(drill.id, ic, {"kind": "inner-cordon", "geometry": circle(400), "client_id": "tab-zone-0001"})
    db.session.commit()
    again = drawing.draw_zone(drill.id, ic, {"kind": "inner-cordon", "geometry": circle(400), "client_id": "tab-zone-0001"})
    assert (first["duplicate"], again["duplicate"], again["id"]) == (False, True, first["id"])
    assert len(list_zones(drill.id, None)) == 1


def test_decisions_and_an_ended_exercise(zones_app, clock, drill):
    ic = member(drill, "ic")
    drawing.draw_zone(drill.id, ic, {"kind": "inner-cordon", "geometry": circle(400)})
    db.session.commit()
    with pytest.raises(InvalidInput, match="shelter in place applies to a shelter area"):
        drawing.decide(drill.id, "Z1", ic, {"action": "shelter"})
    db.session.rollback()
    decided = drawing.decide(drill.id, "Z1", ic, {"action": "food-restrictions", "note": "no market produce"})
    db.session.commit()
    assert decided["decisions"][0]["label"] == "food restrictions"
    lifecycle.end_exercise(drill.id, "ctl")
    db.session.commit()
    with pytest.raises(Conflict):
        drawing.draw_zone(drill.id, ic, {"kind": "inner-cordon", "geometry": circle(500)})


def test_the_report_counts_a_rule_step_as_the_live_view_does(zones_app, clock, drill):
    ic = member(drill, "ic")
    clock.advance(120)
    drawing.draw_zone(drill.id, ic, {"kind": "inner-cordon", "geometry": circle(450)})
    db.session.commit()
    clock.advance(60)
    lifecycle.end_exercise(drill.id, "ctl")
    db.session.commit()
    report = build_report(drill.id)
    ic_steps = {s["step"]: s for t in report["compliance"]["teams"] if t["key"] == "ic" for s in t["steps"]}
    assert ic_steps["IC-02"]["status"] == "done"
    assert ic_steps["IC-02"]["done_at_s"] == pytest.approx(compute(drill).team("ic").step("IC-02").done_at_s)


def test_an_exercise_without_a_site_has_no_map(library_app, clock):
    exercise = gen_exercise()
    lifecycle.start_exercise(exercise.id, "ctl")
    db.session.commit()
    participant = db.session.get(Participant, gen_tablet(exercise, "ic").participant_id)
    with pytest.raises(Conflict, match="no site plan"):
        drawing.draw_zone(exercise.id, participant, {"kind": "inner-cordon", "geometry": circle(400)})
    with pytest.raises(Conflict, match="no site plan"):
        compare_expected(exercise.id)


def test_the_report_tells_every_spatial_decision_and_when_the_cordon_was_adequate(zones_app, clock, drill):
    from app.report.render import render_html

    ic = member(drill, "ic")
    clock.advance(120)
    drawing.draw_zone(drill.id, ic, {"kind": "inner-cordon", "geometry": circle(300)})
    db.session.commit()
    clock.advance(180)
    drawing.change_zone(drill.id, "Z1", ic, {"geometry": circle(450)})
    drawing.draw_zone(drill.id, ic, {"kind": "command-post", "geometry": {"type": "Point", "coordinates": [-700, 0]}})
    drawing.decide(drill.id, "Z1", ic, {"action": "food-restrictions"})
    db.session.commit()
    lifecycle.end_exercise(drill.id, "ctl")
    db.session.commit()
    report = build_report(drill.id)
    spatial = report["spatial"]
    cordon = next(z for z in spatial["zones"] if z["id"] == "Z1")
    assert [h["what"] for h in cordon["history"]] == ["drawn", "changed", "decided"]
    ic02 = next(r for r in spatial["rules"] if (r["team"], r["step"]) == ("ic", "IC-02"))
    assert ic02["adequate_at_s"] == pytest.approx(300, abs=1)
    assert [v["ok"] for v in ic02["verdicts"]] == [False, False, True]
    assert ic02["verdicts"][0]["reason"] == "no inner cordon has been drawn"
    assert "reaches only 300 m" in ic02["verdicts"][1]["reason"]
    assert {z["id"] for z in spatial["figure"]["zones"]} == {"Z1", "Z2"}
    html = render_html(report)
    assert 'id="spatial"' in html and "reaches only 300 m from the blast seat" in html and "<svg" in html


def test_a_decision_is_checked_against_the_scenarios_criteria_and_carries_its_public_message(zones_app, clock, drill):
    controller = gen_user("boss")
    small = drawing.draw_zone(drill.id, controller, {"kind": "evacuation-area", "geometry": circle(30)})
    wide = drawing.draw_zone(drill.id, controller, {"kind": "evacuation-area", "geometry": circle(150)})
    db.session.commit()
    message = f"Everyone in zone {small['id']}: leave now towards the station, then west."
    decided = drawing.decide(drill.id, small["id"], controller, {"action": "evacuate", "message": message})
    db.session.commit()
    decision = decided["decisions"][0]
    assert decision["message"] == message
    [check] = decision["checks"]
    assert check["criterion"] == "OIL1 (test)" and check["ok"] is False
    assert "covers only" in check["reason"]
    decision = drawing.decide(drill.id, wide["id"], controller, {"action": "evacuate"})["decisions"][0]
    assert decision["checks"][0]["ok"] is True
    assert drawing.decide(drill.id, wide["id"], controller, {"action": "iodine-thyroid-blocking"})["decisions"][1][
        "checks"] == []  # no criterion named for that action
    # The team sees the area and its decisions: evacuation areas are public.
    assert [z["decisions"][0]["message"] for z in list_zones(drill.id, "ic") if z["id"] == small["id"]] == [message]


def test_an_evaluator_attaches_an_observation_to_a_zone_and_the_report_tells_it(zones_app, clock, drill):
    from app.services import evaluation

    ic = member(drill, "ic")
    eva = gen_user("eva", "evaluator")
    drawing.draw_zone(drill.id, ic, {"kind": "inner-cordon", "geometry": circle(450)})
    db.session.commit()
    clock.advance(60)
    obs = evaluation.record_observation(drill.id, {"text": "Cordon drawn along the ring road, well placed",
                                                   "zone": "Z1"}, eva)
    db.session.commit()
    assert evaluation.observation_view(obs, "eva")["zone"] == "Z1"
    with pytest.raises(InvalidInput, match="no zone 'Z9'"):
        evaluation.record_observation(drill.id, {"text": "x", "zone": "Z9"}, eva)
    db.session.rollback()
    lifecycle.end_exercise(drill.id, "ctl")
    db.session.commit()
    cordon = next(z for z in build_report(drill.id)["spatial"]["zones"] if z["id"] == "Z1")
    assert cordon["history"][-1] == {"at_s": pytest.approx(60, abs=1), "what": "observed", "by": "eva",
                                     "text": "Cordon drawn along the ring road, well placed"}
