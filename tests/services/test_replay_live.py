"""Replay and branching against the live services, over random drills.

The drills are those of test_projection_live: a random mix of releases, holds, skips,
acknowledgements, actions, messages, waivers, pauses and time passing. Replay (the service, with
checkpoints every few events so that every jump goes through one) must give, at every seq, the
live state recorded at that seq; a team's lens must hold only what the team was sent. A branch
made at a random moment must start from the source's state at that moment, agree with its own
log, verify as a chain, and play on like any exercise.
"""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app import create_app
from app.engine import projection
from app.extensions import db
from app.models import Action, Event, ExerciseInject
from app.services import lifecycle, replay
from app.services.audit import verify_exercise
from app.services.branching import branch_exercise
from app.services.exercises import get_exercise
from app.services.events import iter_events
from app.services.evaluation import record_observation
from app.services.scheduler import run_once
from app.services.timing import clock_of

from ..conftest import TEST_SETTINGS
from ..helpers import FIXTURE_LIBRARY, FakeClock, gen_user
from .test_projection_live import TEAMS, exercise_info, live_state, operation, projected_state, run_drill

DRILLS = settings(max_examples=15, deadline=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def without_messages(state: dict) -> dict:
    return {k: v for k, v in state.items() if k != "messages"}


def seqs_in(node):
    """Every `seq` (and `released_seq`) in a piece of state: the events it was built from."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("seq", "released_seq") and isinstance(value, int):
                yield value
            elif key != "carried_from":  # a seq of the source exercise's log
                yield from seqs_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from seqs_in(item)


def lens_sent_only(state, events, team):
    """The lens holds nothing but what events visible to the team brought, and no staff-only field."""
    sent = {e["seq"] for e in events if projection.visible_to_team(e, team)}
    body = {k: v for k, v in state.items() if k not in ("seq", "last_seq", "totals", "exercise")}
    assert set(seqs_in(body)) <= sent
    assert state["seq"] in sent | {0}
    for inject in state["injects"].values():
        assert not set(projection.STAFF_INJECT_FIELDS) & set(inject) - {"released_by"}
        assert set(inject["acks"]) <= {team}
    assert set(state["steps"]) <= {team} and set(state["scores"]) <= {team}
    assert {a["team"] for a in state["actions"].values()} <= {team}
    assert all(m["team"] in (None, team) for m in state["messages"])
    assert state["observations"] == {} and state["prompts"] == {} and state["ratings"] == {}
    assert all(w["team"] == team for w in state["waivers"].values())


@DRILLS
@given(operations=st.lists(operation, min_size=1, max_size=25), every=st.integers(min_value=1, max_value=6))
def test_replay_gives_the_live_state_at_every_seq_and_lenses_hold_only_what_was_sent(library_app, clock,
                                                                                      operations, every):
    library_app.config["CORDON_REPLAY_CHECKPOINT_EVERY"] = every
    exercise, recorded = run_drill(library_app, clock, operations)
    events = list(iter_events(exercise.id))
    info = exercise_info(exercise)
    for live in recorded:
        state = replay.state_at(exercise.id, seq=live["seq"])
        assert projected_state(state) == live
        assert state["at_s"] == max([0.0] + [e["exercise_time_s"] for e in events if e["seq"] <= live["seq"]])
    for team in TEAMS:
        for live in recorded:
            lens = replay.state_at(exercise.id, seq=live["seq"], team=team)
            expected = projection.project(info, events, team=team, upto_seq=live["seq"])
            assert {k: lens[k] for k in expected} == expected
            lens_sent_only(lens, events, team)
    # A moment gives the state the projection gives up to that time.
    for at_s in sorted({e["exercise_time_s"] for e in events}) + [0.0, 1e6]:
        state = replay.state_at(exercise.id, at_s=at_s, recent=3)
        full = projection.project(info, events, upto_s=at_s)
        assert state["seq"] == full["seq"] and state["injects"] == full["injects"]
        assert state["totals"]["messages"] == len(full["messages"])
        assert state["messages"] == full["messages"][-3:]


@DRILLS
@given(operations=st.lists(operation, min_size=1, max_size=25), where=st.floats(min_value=0, max_value=1),
       carry_actions=st.booleans())
def test_a_branch_starts_from_the_source_at_its_moment_and_plays_on(library_app, clock, operations, where,
                                                                     carry_actions):
    source, recorded = run_drill(library_app, clock, operations)
    ctl = gen_user(f"brancher-{source.id}", "controller")
    events = list(iter_events(source.id))
    seq = max(1, round(where * source.last_seq))
    at_source = projection.project(exercise_info(source), events, upto_seq=seq)

    branch = branch_exercise(source.id, name="Second shift", created_by=ctl, seq=seq, carry_actions=carry_actions)
    db.session.commit()
    branch = get_exercise(branch.id)

    # Provenance: the first event names the source, the seq and the hash at the moment.
    first = db.session.scalars(select(Event).where(Event.exercise_id == branch.id, Event.seq == 1)).one()
    hash_at = next(e["hash"] for e in events if e["seq"] == seq)
    assert first.type == "exercise.branched"
    assert (first.payload["exercise_id"], first.payload["seq"], first.payload["hash"]) == (source.id, seq, hash_at)
    assert branch.branched_from == {"exercise_id": source.id, "seq": seq, "hash": hash_at,
                                    "at_s": round(at_source["exercise_time_s"], 3)}
    assert verify_exercise(branch.id)["ok"] is True

    # The clock is at the moment; the injects are as the source had them; join codes are new.
    assert branch.status == "draft" and branch.elapsed_base_s == round(at_source["exercise_time_s"], 3)
    assert {t.key for t in branch.teams} == {t.key for t in source.teams}
    assert not {t.join_code for t in branch.teams} & {t.join_code for t in source.teams}
    rows = {i.key: i for i in branch.injects}
    assert {k: i.status for k, i in rows.items()} == projection.inject_statuses(at_source)
    for key, inject in at_source["injects"].items():
        assert rows[key].carried_over is (inject["status"] == "released")
        if inject["status"] == "released":
            assert rows[key].released_at_s == inject["released_at_s"]
    actions = {a.client_id: (a.team_key, a.step, a.exercise_time_s) for a in db.session.scalars(
        select(Action).where(Action.exercise_id == branch.id))}
    carried = {k: (a["team"], a["step"], a["exercise_time_s"]) for k, a in at_source["actions"].items()}
    assert actions == (carried if carry_actions else {})

    # The branch's own log folds to its rows; each team sees the carried injects addressed to it.
    branch_events = list(iter_events(branch.id))
    branch_info = exercise_info(branch)
    folded = projection.project(branch_info, branch_events)
    assert without_messages(projected_state(folded)) == without_messages(live_state(branch.id))
    assert [(m["at_s"], m["to"], m["text"]) for m in folded["messages"]] == (
        [(m["at_s"], m["to"], m["text"]) for m in at_source["messages"]] if carry_actions else [])
    for team in TEAMS:
        lens = projection.project(branch_info, branch_events, team=team)
        expected = {k for k, i in at_source["injects"].items() if i["status"] == "released"
                    and (i["to"] == "all" or team in i["to"])}
        assert set(lens["injects"]) == expected
        assert all(i.get("carried_over") for i in lens["injects"].values())
        lens_sent_only(lens, branch_events, team)

    # It plays on from the moment: due injects are released, the log still folds to the rows.
    lifecycle.start_exercise(branch.id, ctl.username)
    db.session.commit()
    clock.advance(600)
    run_once(library_app)
    branch = get_exercise(branch.id)
    assert clock_of(branch).elapsed(clock.now) == branch.elapsed_base_s + 600
    pending_due = db.session.scalars(select(ExerciseInject).where(
        ExerciseInject.exercise_id == branch.id, ExerciseInject.status == "pending",
        ExerciseInject.at_s <= branch.elapsed_base_s + 600)).all()
    assert pending_due == []
    branch_events = list(iter_events(branch.id))
    played = projection.project(branch_info, branch_events)
    assert without_messages(projected_state(played)) == without_messages(live_state(branch.id))
    assert verify_exercise(branch.id)["ok"] is True
    # Branching never changed the source.
    assert list(iter_events(source.id)) == events


def test_replay_reads_on_as_the_log_grows_and_reads_a_rebuilt_log_afresh(library_app, clock):
    exercise, _ = run_drill(library_app, clock, [("advance", 200), ("message", "fire")])
    eva = gen_user("eva", "evaluator")
    before = replay.state_at(exercise.id)
    line = replay.timeline(exercise)
    assert line.read_seq == exercise.last_seq == before["seq"]

    # New events: the same timeline reads on, and earlier moments are unchanged.
    record_observation(exercise.id, {"text": "Cordon set late"}, eva)
    db.session.commit()
    after = replay.state_at(exercise.id)
    assert replay.timeline(get_exercise(exercise.id)) is line and after["seq"] == before["seq"] + 1
    assert [o["text"] for o in after["observations"].values()] == ["Cordon set late"]
    assert replay.state_at(exercise.id, seq=before["seq"]) == before | {"last_seq": after["last_seq"]}

    # The log is not the one read (a database restored to another copy): read afresh, never trusted.
    db.session.execute(db.update(Event).where(Event.exercise_id == exercise.id, Event.seq == after["seq"])
                       .values(hash="f" * 64))
    db.session.commit()
    assert replay.state_at(exercise.id)["seq"] == after["seq"]
    assert replay.timeline(get_exercise(exercise.id)) is not line
    line = replay.timeline(get_exercise(exercise.id))
    db.session.execute(db.delete(Event).where(Event.exercise_id == exercise.id, Event.seq == after["seq"]))
    db.session.execute(db.update(type(exercise)).where(type(exercise).id == exercise.id)
                       .values(last_seq=after["seq"] - 1))
    db.session.commit()
    assert replay.state_at(exercise.id)["seq"] == before["seq"]
    assert replay.timeline(get_exercise(exercise.id)) is not line


def test_the_cache_keeps_the_timelines_it_may_and_drops_the_least_recently_used(library_app, clock):
    first, _ = run_drill(library_app, clock, [("advance", 200)])
    second, _ = run_drill(library_app, clock, [("advance", 300), ("message", "fire")])
    assert first.last_seq <= second.last_seq
    library_app.config["CORDON_REPLAY_CACHE_EVENTS"] = first.last_seq + second.last_seq
    replay.state_at(first.id)
    replay.state_at(second.id)
    replay.state_at(first.id)
    replay.state_at(first.id, team="fire")  # over the bound: the least recently used goes
    cache = replay.replay_cache()
    assert list(cache.entries) == [(first.id, None), (first.id, "fire")]
    assert cache.events_held() <= first.last_seq * 2
    assert replay.state_at(second.id)["seq"] == second.last_seq  # read again when asked


@pytest.mark.postgres
def test_replay_and_branching_on_postgresql(postgres_url):
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": postgres_url,
                      "CORDON_CONTENT_ROOT": str(FIXTURE_LIBRARY), "CORDON_REPLAY_CHECKPOINT_EVERY": 4})
    clock = FakeClock()
    app.config["CORDON_WALL_CLOCK"] = clock
    with app.app_context():
        db.create_all()
        try:
            operations = [("advance", 70), ("ack", "fire", "I-01"), ("action", "ic", 0), ("message", "control"),
                          ("advance", 200), ("control", "hold", "R-01"), ("action", "fire", 2), ("advance", 400)]
            exercise, recorded = run_drill(app, clock, operations)
            for live in recorded:
                assert projected_state(replay.state_at(exercise.id, seq=live["seq"])) == live
            ctl = gen_user("pg-brancher", "controller")
            branch = branch_exercise(exercise.id, name="Again", created_by=ctl, seq=recorded[4]["seq"],
                                     carry_actions=True)
            db.session.commit()
            assert verify_exercise(branch.id)["ok"] is True
            assert without_messages(projected_state(replay.state_at(branch.id))) == without_messages(
                live_state(branch.id))
        finally:
            db.session.remove()
            db.drop_all()
            db.engine.dispose()
