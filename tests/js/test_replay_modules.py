"""The replay's page modules in Chromium: the page's projection folds a branched exercise's log as
the engine does, and playback folds the events a moment passes, in seq order, stopping where the
engine's projection stops for that time."""
import pytest

from app.engine import projection
from app.extensions import db
from app.models import Participant
from app.services import lifecycle
from app.services.branching import branch_exercise
from app.services.events import events_since, stored_envelope
from app.services.participation import acknowledge_inject, log_action
from app.services.events import iter_events
from app.services.scheduler import run_once

from ..helpers import gen_exercise, gen_tablet, gen_user

PROJECTION = "/static/js/projection.js"
PLAYER = "/static/js/replay/player.js"


@pytest.fixture
def played(library_app, clock):
    ctl = gen_user("ctl", "controller")
    exercise = gen_exercise(creator=ctl)
    fire = gen_tablet(exercise, "fire", "Sam")
    lifecycle.start_exercise(exercise.id, "ctl")
    db.session.commit()
    for minute in range(1, 8):
        clock.advance(60)
        run_once(library_app)
        if minute == 2:
            acknowledge_inject(db.session.get(Participant, fire.participant_id), "I-01")
        if minute == 4:
            log_action(db.session.get(Participant, fire.participant_id), "fire-0000-0001", "FB-01", "")
        db.session.commit()
    return exercise, ctl


def info(exercise):
    return {"id": exercise.id, "name": exercise.name, "scenario": exercise.scenario_snapshot,
            "checklist": exercise.checklist_snapshot,
            "teams": [{"key": t.key, "name": t.name, "agency": t.agency} for t in exercise.teams]}


def test_the_page_folds_a_branched_exercise_as_the_engine_does(modules, played):
    source, ctl = played
    branch = branch_exercise(source.id, name="Again", created_by=ctl, at_s=300, carry_actions=True)
    db.session.commit()
    log = [stored_envelope(ev) for ev in events_since(branch.id, 0)]
    page = modules.run(PROJECTION, """const s = m.fold(arg); return {exercise: s.exercise,
        injects: Object.fromEntries(Object.entries(s.injects).map(([k, i]) => [k, [i.status, !!i.carried_over]])),
        actions: Object.keys(s.actions).sort()};""", log)
    engine = projection.project(info(branch), list(iter_events(branch.id)))
    assert page["exercise"]["branched_from"] == engine["exercise"]["branched_from"]
    assert page["exercise"]["clock"]["elapsed_s"] == engine["exercise"]["clock"]["elapsed_s"] == 300
    assert page["injects"] == {k: [i["status"], bool(i.get("carried_over"))] for k, i in engine["injects"].items()}
    assert page["actions"] == sorted(engine["actions"]) == ["fire-0000-0001"]
    assert modules.errors == []


def test_playback_folds_what_the_moment_passes_and_stops_where_the_engine_does(modules, played):
    source, _ = played
    events = list(iter_events(source.id))
    log = [stored_envelope(ev) for ev in events_since(source.id, 0)]
    start = 2  # the state after exercise.created and exercise.started
    for moment in (0.0, 60.0, 119.0, 180.0, 250.0, 420.0):
        result = modules.run(PLAYER, """
            const { apply, createState } = await import(location.origin + "/static/js/projection.js");
            const state = createState();
            for (const ev of arg.log.slice(0, arg.start)) apply(state, ev);
            const seen = [];
            const player = new m.Player({ exerciseId: 1, state, onChange: (parts) => seen.push(...parts) });
            player.buffer = arg.log.slice(arg.start);
            player.readTo = arg.log.at(-1).seq;
            player.exhaustedAt = performance.now();  // nothing more to read
            player.endS = 1e9;
            player.moment = 0;
            player.advance(arg.moment);
            return {seq: state.seq, moment: player.moment, buffered: player.buffer.length, parts: [...new Set(seen)],
                    statuses: Object.fromEntries(Object.entries(state.injects).map(([k, i]) => [k, i.status]))};
        """, {"log": log, "start": start, "moment": moment})
        expected = projection.project(info(source), events, upto_s=moment)
        assert result["seq"] == max(expected["seq"], start), moment
        assert result["moment"] == moment
        statuses = {k: i["status"] for k, i in expected["injects"].items()}
        assert result["statuses"] == {k: statuses[k] for k in result["statuses"]}
        assert {k for k, status in statuses.items() if status != "pending"} <= set(result["statuses"])
        assert "clock" in result["parts"]
    assert modules.errors == []


def test_playback_keeps_only_the_last_entries_the_panels_show(modules):
    result = modules.run(PLAYER, """
        const { createState } = await import(location.origin + "/static/js/projection.js");
        const state = createState();
        const player = new m.Player({ exerciseId: 1, state });
        const events = [];
        for (let seq = 1; seq <= 1000; seq++) {
            events.push(seq % 2 ? { seq, type: "message", exercise_time_s: seq, data: { to: "all", text: `m${seq}` } }
                : { seq, type: "action.logged", exercise_time_s: seq, team: "fire",
                    data: { action: { client_id: `c-${seq}`, team: "fire", text: "x" } } });
        }
        player.fold(events);
        return { events: Object.keys(state.events).length, messages: state.messages.length,
                 actions: Object.keys(state.actions).length, last: state.messages.at(-1).text, seq: state.seq };
    """)
    assert result["seq"] == 1000 and result["last"] == "m999"
    assert result["events"] <= 180 and result["messages"] <= 180 and result["actions"] <= 180
