"""Logging a batch of actions at once (group commit): each request gets its own outcome, the log
stays gapless and chained, and one refused request costs the others nothing."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Action, Event, Participant
from app.realtime import group_commit
from app.services import lifecycle
from app.services.audit import verify_exercise
from app.errors import Conflict, InvalidInput, Unauthorized
from app.services.participation import ActionRequest, log_actions

from ..helpers import gen_exercise, gen_tablet


def running_drill():
    drill = gen_exercise()
    tablets = {team: gen_tablet(drill, team, name) for team, name in (("fire", "Sam"), ("ems", "Kim"))}
    lifecycle.start_exercise(drill.id, "ctl")
    db.session.commit()
    return drill, tablets


def logged(exercise_id):
    return db.session.scalars(select(Event).where(Event.exercise_id == exercise_id, Event.type == "action.logged")
                              .order_by(Event.seq)).all()


def test_a_mixed_batch_answers_each_tablet_on_its_own(library_app, clock):
    drill, t = running_drill()
    fire, ems = t["fire"].participant_id, t["ems"].participant_id
    revoked = gen_tablet(drill, "fire", "Old tablet").participant_id
    db.session.get(Participant, revoked).revoked_at = clock()
    db.session.commit()
    clock.advance(90)
    outcomes = log_actions(drill.id, [
        ActionRequest(fire, "fire-tablet-0001", text="Hose lines out"),
        ActionRequest(fire, "fire-tablet-0001", text="Hose lines out"),     # resent at once
        ActionRequest(ems, "fire-tablet-0001", text="Triage area set"),    # another team's client_id
        ActionRequest(fire, "fire-tablet-0002", step="FB-01", text="All crews accounted for"),
        ActionRequest(fire, "fire-tablet-0003", step="EMS-01"),            # not a fire step
        ActionRequest(revoked, "fire-tablet-0004", text="From a rotated code"),
        ActionRequest(fire, "short", text="x"),
        ActionRequest(999999, "nobody-000001", text="Who?"),
        ActionRequest(ems, "ems-tablet-0001", text="   "),
        ActionRequest(ems, "ems-tablet-0002", text="Triage area set"),
    ])
    db.session.commit()

    first, again, taken, step, wrong_step, gone, short, unknown, empty, triage = outcomes
    assert first["duplicate"] is False and first["exercise_time_s"] == 90
    assert again == {**first, "duplicate": True}
    assert isinstance(taken, Conflict) and taken.fields == {"client_id": ["already used by another tablet"]}
    assert step["seq"] == first["seq"] + 1 and step["duplicate"] is False
    assert isinstance(wrong_step, InvalidInput) and "not a step for agency 'fire'" in wrong_step.fields["step"][0]
    assert isinstance(gone, Unauthorized) and isinstance(unknown, Unauthorized)
    assert isinstance(short, InvalidInput) and "client_id" in short.fields
    assert isinstance(empty, InvalidInput) and "text" in empty.fields
    assert triage["seq"] == first["seq"] + 2

    events = logged(drill.id)
    assert [(e.seq, e.team, e.payload["action"]["client_id"]) for e in events] == [
        (first["seq"], "fire", "fire-tablet-0001"), (step["seq"], "fire", "fire-tablet-0002"),
        (triage["seq"], "ems", "ems-tablet-0002")]
    assert [e.payload["action"]["id"] for e in events] == [first["action_id"], step["action_id"], triage["action_id"]]
    assert db.session.scalar(select(func.count()).select_from(Action)) == 3
    # The ticked step is announced in the same transaction, after the actions.
    status = db.session.scalars(select(Event).where(Event.type == "step.status", Event.seq > triage["seq"])).all()
    assert [(e.team, e.payload["step"], e.payload["status"]) for e in status] == [("fire", "FB-01", "done")]
    seqs = db.session.scalars(select(Event.seq).where(Event.exercise_id == drill.id).order_by(Event.seq)).all()
    assert seqs == list(range(1, len(seqs) + 1))
    assert verify_exercise(drill.id)["ok"]


def test_a_resend_in_a_later_batch_gets_the_first_answer_even_after_the_end(library_app, clock):
    drill, t = running_drill()
    fire = t["fire"].participant_id
    [first] = log_actions(drill.id, [ActionRequest(fire, "fire-tablet-0001", text="Hose lines out")])
    db.session.commit()
    lifecycle.end_exercise(drill.id, "ctl")
    db.session.commit()
    again, late = log_actions(drill.id, [ActionRequest(fire, "fire-tablet-0001", text="Hose lines out"),
                                         ActionRequest(fire, "fire-tablet-0002", text="Too late")])
    assert again == {**first, "duplicate": True}
    assert isinstance(late, Conflict) and late.message == "the exercise has ended"


def test_when_a_batch_fails_as_a_whole_each_action_is_written_on_its_own(library_app, clock, monkeypatch):
    drill, t = running_drill()
    fire, ems = t["fire"].participant_id, t["ems"].participant_id
    real = group_commit.log_actions

    def fails_for_batches(exercise_id, requests):
        if len(requests) > 1:
            real(exercise_id, requests)  # writes, then fails: all of it must be rolled back
            raise RuntimeError("database is locked")
        return real(exercise_id, requests)

    monkeypatch.setattr(group_commit, "log_actions", fails_for_batches)
    outcomes = group_commit.write_actions(drill.id, [ActionRequest(fire, "fire-tablet-0001", text="Hose lines out"),
                                                     ActionRequest(ems, "ems-tablet-0001", text="Triage area set")])
    assert [o["duplicate"] for o in outcomes] == [False, False]
    assert [e.payload["action"]["client_id"] for e in logged(drill.id)] == ["fire-tablet-0001", "ems-tablet-0001"]
    assert verify_exercise(drill.id)["ok"]


def test_a_single_action_that_fails_reports_its_error(library_app, clock, monkeypatch):
    drill, t = running_drill()

    def broken(exercise_id, requests):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(group_commit, "log_actions", broken)
    with pytest.raises(RuntimeError, match="database is locked"):
        group_commit.write_actions(drill.id, [ActionRequest(t["fire"].participant_id, "fire-tablet-0001", text="x")])
    assert logged(drill.id) == []
