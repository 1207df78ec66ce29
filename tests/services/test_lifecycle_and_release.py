"""The exercise clock and inject release through the services, with a hand-driven wall clock."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Event, ExerciseInject
from app.services import lifecycle
from app.services.audit import verify_exercise
from app.errors import Conflict, InvalidInput
from app.services.injects import edit_inject, hold_inject, skip_inject, unhold_inject
from app.services.releasing import add_adhoc_inject, release_now
from app.services.scheduler import run_once

from ..helpers import gen_exercise


@pytest.fixture
def drill(library_app, clock):
    return gen_exercise()


def statuses(exercise):
    db.session.expire_all()
    return {i.key: i.status for i in db.session.scalars(
        select(ExerciseInject).where(ExerciseInject.exercise_id == exercise.id))}


def event_types(exercise):
    return [e.type for e in db.session.scalars(
        select(Event).where(Event.exercise_id == exercise.id).order_by(Event.seq))]


def test_timed_injects_are_released_when_due_and_not_before(library_app, clock, drill):
    lifecycle.start_exercise(drill.id, "ctl")
    db.session.commit()
    clock.advance(59)
    run_once(library_app)
    assert statuses(drill)["I-01"] == "pending"
    clock.advance(1)
    run_once(library_app)
    assert statuses(drill)["I-01"] == "released"
    assert statuses(drill)["I-02"] == "pending"
    clock.advance(200)
    run_once(library_app)
    s = statuses(drill)
    assert [s[k] for k in ("I-01", "I-02", "I-03", "I-04")] == ["released"] * 4
    assert s["R-01"] == "pending" and s["C-01"] == "pending"  # reserve and contingency: never by the clock


def test_pause_freezes_releases_and_resume_continues(library_app, clock, drill):
    lifecycle.start_exercise(drill.id, "ctl")
    clock.advance(30)
    lifecycle.pause_exercise(drill.id, "ctl")
    db.session.commit()
    clock.advance(3600)
    run_once(library_app)
    assert statuses(drill)["I-01"] == "pending"
    lifecycle.resume_exercise(drill.id, "ctl")
    db.session.commit()
    clock.advance(29)
    run_once(library_app)
    assert statuses(drill)["I-01"] == "pending"
    clock.advance(1)
    run_once(library_app)
    assert statuses(drill)["I-01"] == "released"
    inject = db.session.scalar(select(ExerciseInject).where(ExerciseInject.key == "I-01"))
    assert inject.released_at_s == pytest.approx(60.0)
    assert inject.delayed is False


def test_speed_change_keeps_elapsed_continuous(library_app, clock, drill):
    lifecycle.start_exercise(drill.id, "ctl")
    clock.advance(10)
    lifecycle.set_speed(drill.id, 10, "ctl")
    db.session.commit()
    clock.advance(5)  # 10 s + 5 s x 10 = 60 s of exercise time
    run_once(library_app)
    assert statuses(drill)["I-01"] == "released"


def test_injects_due_while_no_server_ran_are_released_marked_delayed(library_app, clock, drill):
    lifecycle.start_exercise(drill.id, "ctl")
    db.session.commit()
    clock.advance(600)  # the server was down for ten minutes
    run_once(library_app)
    db.session.expire_all()
    delayed = {i.key: i.delayed for i in db.session.scalars(select(ExerciseInject))}
    assert delayed["I-01"] and delayed["I-04"]


def test_invalid_transitions_are_refused_with_the_reason(library_app, clock, drill):
    with pytest.raises(Conflict, match="not started"):
        lifecycle.pause_exercise(drill.id, "ctl")
    lifecycle.start_exercise(drill.id, "ctl")
    with pytest.raises(Conflict, match="already running"):
        lifecycle.start_exercise(drill.id, "ctl")
    with pytest.raises(InvalidInput, match="speed"):
        lifecycle.set_speed(drill.id, 500, "ctl")
    lifecycle.end_exercise(drill.id, "ctl")
    with pytest.raises(Conflict, match="ended"):
        lifecycle.start_exercise(drill.id, "ctl")
    with pytest.raises(Conflict, match="ended"):
        release_now(drill.id, "R-01", "ctl")


def test_inject_control(library_app, clock, drill):
    lifecycle.start_exercise(drill.id, "ctl")
    hold_inject(drill.id, "I-01", "ctl")
    skip_inject(drill.id, "I-02", "ctl")
    edit_inject(drill.id, "I-03", {"at_s": 10.0, "title": "Count crews now"}, "ctl")
    db.session.commit()
    clock.advance(300)
    run_once(library_app)
    s = statuses(drill)
    assert s["I-01"] == "held" and s["I-02"] == "skipped" and s["I-03"] == "released"
    with pytest.raises(Conflict, match="already released"):
        release_now(drill.id, "I-03", "ctl")
    with pytest.raises(Conflict, match="skipped"):
        release_now(drill.id, "I-02", "ctl")
    with pytest.raises(Conflict, match="only a pending"):
        hold_inject(drill.id, "I-03", "ctl")
    with pytest.raises(Conflict, match="not yet released"):
        edit_inject(drill.id, "I-03", {"title": "too late"}, "ctl")
    unhold_inject(drill.id, "I-01", "ctl")
    db.session.commit()
    run_once(library_app)
    assert statuses(drill)["I-01"] == "released"
    release_now(drill.id, "R-01", "ctl")
    adhoc = add_adhoc_inject(drill.id, {"title": "Power cut", "body": "", "to": ["fire"]}, "ctl")
    db.session.commit()
    s = statuses(drill)
    assert s["R-01"] == "released" and s[adhoc.key] == "released"
    types = event_types(drill)
    for expected in ("exercise.created", "exercise.started", "inject.held", "inject.skipped", "inject.retimed",
                     "inject.edited", "inject.unheld", "inject.added", "inject.released"):
        assert expected in types
    assert verify_exercise(drill.id)["ok"]


def test_event_seq_is_gapless_and_chain_verifies_then_tampering_is_caught(library_app, clock, drill):
    lifecycle.start_exercise(drill.id, "ctl")
    db.session.commit()
    clock.advance(300)
    run_once(library_app)
    events = db.session.scalars(select(Event).where(Event.exercise_id == drill.id).order_by(Event.seq)).all()
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    result = verify_exercise(drill.id)
    assert {key: result[key] for key in ("ok", "events", "first_broken_seq", "reason", "last_hash")} == {
        "ok": True, "events": len(events), "first_broken_seq": None, "reason": None, "last_hash": events[-1].hash}
    victim = events[3]
    db.session.execute(Event.__table__.update().where(Event.__table__.c.id == victim.id)
                       .values(payload={**victim.payload, "title": "forged"}))
    db.session.commit()
    result = verify_exercise(drill.id)
    assert result["ok"] is False
    assert result["first_broken_seq"] == victim.seq
    assert "altered" in result["reason"]
