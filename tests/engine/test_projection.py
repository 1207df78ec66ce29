"""engine.projection: the pure fold of event envelopes into an exercise's state."""
import json

from app.engine import projection

EXERCISE = {
    "id": 7, "name": "Market drill",
    "scenario": {"injects": [
        {"id": "I-01", "at_s": 60.0, "title": "Explosion", "to": "all", "expects": [{"step": "IC-01", "within_s": 300}]},
        {"id": "I-02", "at_s": 120.0, "title": "Alarm", "to": ["ic"]},
        {"id": "R-01", "at_s": None, "title": "Reserve", "to": "all"},
    ]},
    "teams": [{"key": "ic", "name": "Incident Command", "agency": "incident-command"},
              {"key": "fire", "name": "Fire", "agency": "fire"}],
}


def ev(seq, type, at_s, data, *, team=None, visible_to=None, actor="system"):
    return {"seq": seq, "type": type, "exercise_time_s": at_s, "wall_time": f"2026-11-25T09:00:{seq:02d}+00:00",
            "team": team, "visible_to": visible_to, "actor": actor, "data": data}


LOG = [
    ev(1, "exercise.created", 0.0, {"name": "Market drill", "speed": 2.0}, visible_to=[]),
    ev(2, "exercise.started", 0.0, {"clock": {"status": "running", "elapsed_s": 0.0, "speed": 2.0}}),
    ev(3, "inject.released", 60.0, {"id": "I-01", "title": "Explosion", "to": "all", "status": "released",
                                    "released_at_s": 60.0}, actor="scheduler"),
    ev(4, "inject.acknowledged", 70.0, {"inject_id": "I-01", "team": "ic", "by": "Ana"}, team="ic",
       visible_to=["ic"]),
    ev(5, "inject.held", 80.0, {"inject": {"id": "I-02", "status": "held", "at_s": 120.0}}, visible_to=[]),
    ev(6, "action.logged", 90.0, {"action": {"client_id": "c-000001", "step": "IC-01", "text": "", "team": "ic",
                                             "by": "Ana"}}, team="ic", visible_to=["ic"]),
    ev(7, "step.status", 90.0, {"team": "ic", "step": "IC-01", "status": "done", "previous": "open",
                                "team_score": 1.0}, team="ic", visible_to=["ic"]),
    ev(8, "message", 95.0, {"from": {"control": "ctl"}, "to": "fire", "text": "Status?"}, team="fire",
       visible_to=["fire"]),
    ev(9, "exercise.paused", 100.0, {"clock": {"status": "paused", "elapsed_s": 100.0, "speed": 2.0}}),
    ev(10, "zone.unknown-yet", 100.0, {"x": 1}),
]


def test_initial_state_has_every_scenario_inject_pending_for_staff_and_none_for_a_team():
    staff = projection.initial_state(EXERCISE)
    assert projection.inject_statuses(staff) == {"I-01": "pending", "I-02": "pending", "R-01": "pending"}
    assert staff["injects"]["R-01"]["reserve"] is True
    assert projection.initial_state(EXERCISE, team="ic")["injects"] == {}


def test_fold_gives_statuses_acks_actions_steps_messages_and_clock():
    state = projection.project(EXERCISE, LOG)
    assert state["seq"] == 10 and state["exercise_time_s"] == 100.0
    assert state["exercise"]["status"] == "paused" and state["exercise"]["clock"]["speed"] == 2.0
    assert projection.inject_statuses(state) == {"I-01": "released", "I-02": "held", "R-01": "pending"}
    assert state["injects"]["I-01"]["acks"] == {"ic": {"at_s": 70.0, "by": "Ana", "seq": 4}}
    assert state["injects"]["I-01"]["released_by"] == "scheduler"
    assert state["injects"]["I-01"]["expects"] == [{"step": "IC-01", "within_s": 300}]  # staff copy kept
    assert projection.step_statuses(state) == {("ic", "IC-01"): "done"}
    assert state["scores"] == {"ic": 1.0}
    assert list(state["actions"]) == ["c-000001"]
    assert [m["text"] for m in state["messages"]] == ["Status?"]


def test_upto_seq_and_upto_time_stop_the_fold():
    assert projection.inject_statuses(projection.project(EXERCISE, LOG, upto_seq=4))["I-02"] == "pending"
    at_75 = projection.project(EXERCISE, LOG, upto_s=75.0)
    assert at_75["seq"] == 4 and at_75["exercise"]["status"] == "running"


def test_continuing_from_a_snapshot_equals_folding_from_the_start():
    middle = projection.snapshot(projection.project(EXERCISE, LOG, upto_seq=5))
    resumed = projection.project(EXERCISE, LOG, start=middle)
    assert resumed == projection.project(EXERCISE, LOG)
    assert middle["seq"] == 5  # the snapshot itself is untouched


def test_state_is_json_data():
    state = projection.project(EXERCISE, LOG)
    assert json.loads(json.dumps(state)) == state


def test_team_lens_folds_only_what_the_team_was_sent():
    fire = projection.project(EXERCISE, LOG, team="fire")
    assert list(fire["injects"]) == ["I-01"]  # released to all; I-02 was held (staff only)
    assert fire["injects"]["I-01"]["acks"] == {}  # IC's acknowledgement went to IC
    assert fire["actions"] == {} and fire["steps"] == {}
    assert [m["text"] for m in fire["messages"]] == ["Status?"]
    ic = projection.project(EXERCISE, LOG, team="ic")
    assert ic["messages"] == [] and list(ic["actions"]) == ["c-000001"]


def test_a_new_event_type_is_folded_by_registering_a_reducer():
    @projection.reducer("zone.unknown-yet")
    def _zone(state, event, data):
        state.setdefault("extras", []).append(data)

    try:
        assert projection.project(EXERCISE, LOG)["extras"] == [{"x": 1}]
    finally:
        del projection.REDUCERS["zone.unknown-yet"]


def test_payload_is_accepted_for_data_as_stored_rows_call_it():
    rows = [{**e, "payload": e["data"]} for e in LOG]
    for row in rows:
        del row["data"]
    assert projection.project(EXERCISE, rows) == projection.project(EXERCISE, LOG)
