"""engine.replay: the state at any seq from checkpoints equals the projection folded from the start."""
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine import projection
from app.engine.replay import Timeline

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
    return {"seq": seq, "type": type, "exercise_time_s": at_s, "wall_time": f"2026-11-25T09:00:{seq % 60:02d}+00:00",
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

TEAMS = ["ic", "fire"]
INJECTS = ["I-01", "I-02", "R-01", "X-01"]


@st.composite
def logs(draw):
    """A random log of the event types the projection folds, with random audiences and times."""
    count = draw(st.integers(min_value=0, max_value=60))
    at_s, events = 0.0, []
    for seq in range(1, count + 1):
        at_s += draw(st.sampled_from([0.0, 0.0, 1.5, 30.0]))
        if draw(st.booleans()):  # concurrent writers: times a hair out of order
            at_s = max(at_s - draw(st.sampled_from([0.0, 0.5])), 0.0)
        team = draw(st.sampled_from(TEAMS))
        inject = draw(st.sampled_from(INJECTS))
        kind = draw(st.sampled_from(["release", "ack", "hold", "action", "step", "message", "observation",
                                     "waive", "clock", "feedback", "unknown", "prompt"]))
        if kind == "release":
            to = draw(st.sampled_from(["all", [team]]))
            events.append(ev(seq, "inject.released", at_s, {"id": inject, "title": f"T{seq}", "to": to,
                                                            "status": "released", "released_at_s": at_s},
                             visible_to=None if to == "all" else to, actor="scheduler"))
        elif kind == "ack":
            events.append(ev(seq, "inject.acknowledged", at_s, {"inject_id": inject, "team": team, "by": "Ana"},
                             team=team, visible_to=[team]))
        elif kind == "hold":
            events.append(ev(seq, "inject.held", at_s, {"inject": {"id": inject, "status": "held"}}, visible_to=[]))
        elif kind == "action":
            client_id = draw(st.sampled_from([f"c-{seq:06d}", "c-repeated"]))  # a resend keeps the first
            events.append(ev(seq, "action.logged", at_s, {"action": {"client_id": client_id, "step": None,
                                                                     "text": f"did {seq}", "team": team}},
                             team=team, visible_to=[team]))
        elif kind == "step":
            events.append(ev(seq, "step.status", at_s, {"team": team, "step": "S-1",
                                                        "status": draw(st.sampled_from(["open", "done"])),
                                                        "team_score": 0.5}, team=team, visible_to=[team]))
        elif kind == "message":
            to = draw(st.sampled_from(["all", team, "control"]))
            events.append(ev(seq, "message", at_s, {"from": {"control": "ctl"}, "to": to, "text": f"m{seq}"},
                             team=None if to == "all" else team, visible_to=None if to == "all" else [team]))
        elif kind == "observation":
            events.append(ev(seq, "observation", at_s, {"observation": {"id": draw(st.integers(1, 3)),
                                                                        "text": f"o{seq}"}}, visible_to=[]))
        elif kind == "waive":
            events.append(ev(seq, "step.waived", at_s, {"team": team, "step": "S-2", "reason": "n/a"},
                             team=team, visible_to=[team]))
        elif kind == "clock":
            status = draw(st.sampled_from(["running", "paused"]))
            events.append(ev(seq, f"exercise.{'resumed' if status == 'running' else 'paused'}", at_s,
                             {"clock": {"status": status, "elapsed_s": at_s, "speed": 1.0}}))
        elif kind == "feedback":
            events.append(ev(seq, "feedback.submitted", at_s, {"feedback": {"id": seq, "team": team}},
                             team=team, visible_to=[]))
        elif kind == "prompt":
            events.append(ev(seq, "contingency.prompt", at_s, {"inject_id": inject, "team": team, "step": "S-1"},
                             team=team, visible_to=[]))
        else:
            events.append(ev(seq, "zone.not-folded-yet", at_s, {"x": seq}))
    return events


def frozen(state):
    return json.dumps(state, sort_keys=True)


@settings(max_examples=60, deadline=None)
@given(log=logs(), every=st.integers(min_value=1, max_value=7), lens=st.sampled_from([None] + TEAMS))
def test_state_at_every_seq_equals_the_projection_from_the_start(log, every, lens):
    timeline = Timeline(EXERCISE, team=lens, every=every)
    # Read in uneven pieces, as a running exercise's log arrives; overlapping reads are harmless.
    cut = len(log) // 3
    timeline.extend(log[:cut])
    timeline.extend(log[max(cut - 2, 0):])
    assert timeline.read_seq == len(log)
    before = [frozen(timeline.state_at(seq, log)) for seq in range(len(log) + 1)]
    for seq in range(len(log) + 1):
        expected = projection.project(EXERCISE, log, team=lens, upto_seq=seq)
        assert before[seq] == frozen(expected), seq
        # The last `recent` entries of the append-only collections, and how many there are.
        for recent in (0, 1, 3):
            state, totals = timeline.state_and_totals_at(seq, log, recent=recent)
            assert totals == {key: len(expected[key]) for key in projection.APPEND_ONLY}
            for key in projection.APPEND_ONLY:
                entries = list(expected[key].items()) if isinstance(expected[key], dict) else expected[key]
                last = entries[len(entries) - min(recent, len(entries)):]
                assert state[key] == (dict(last) if isinstance(expected[key], dict) else last), (seq, key, recent)
            assert {k: v for k, v in state.items() if k not in projection.APPEND_ONLY} == {
                k: v for k, v in expected.items() if k not in projection.APPEND_ONLY}
    # Folding on (and reading states) never changes a state already given: entries are shared, not changed.
    timeline.extend(log + [ev(len(log) + 1, "message", 9e3, {"to": "all", "text": "late"})])
    for seq in range(len(log) + 1):
        assert frozen(timeline.state_at(seq, log)) == before[seq]


@settings(max_examples=60, deadline=None)
@given(log=logs(), moments=st.lists(st.floats(min_value=-1, max_value=2000, allow_nan=False), max_size=10))
def test_the_seq_of_a_moment_is_where_the_projection_stops(log, moments):
    timeline = Timeline(EXERCISE)
    timeline.extend(log)
    for at_s in moments + [e["exercise_time_s"] for e in log]:
        seq = timeline.seq_at(at_s)
        assert projection.project(EXERCISE, log, upto_s=at_s)["seq"] == seq
        assert timeline.time_at(seq) <= max(at_s, 0.0)


def test_only_the_events_after_the_checkpoint_are_needed():
    timeline = Timeline(EXERCISE, every=4)
    timeline.extend(LOG)
    checkpoint = timeline.checkpoint_before(7)
    assert checkpoint.read_seq == 4
    after = [e for e in LOG if checkpoint.read_seq < e["seq"]]
    assert timeline.state_at(7, after) == projection.project(EXERCISE, LOG, upto_seq=7)
    with pytest.raises(ValueError, match="from seq 5 to 7 are needed"):
        timeline.state_at(7, [])
    with pytest.raises(ValueError, match="seq 4 jump to 6"):
        timeline.state_at(7, [e for e in after if e["seq"] != 5])
    with pytest.raises(ValueError, match="outside the log"):
        timeline.state_at(11, LOG)


def test_a_gap_in_the_log_is_refused():
    timeline = Timeline(EXERCISE)
    with pytest.raises(ValueError, match="jumps from seq 0 to 2"):
        timeline.extend(LOG[1:])


def test_a_state_given_is_the_callers_to_change():
    timeline = Timeline(EXERCISE, every=3)
    timeline.extend(LOG)
    for seq in (len(LOG), 7):
        state = timeline.state_at(seq, LOG)
        state["injects"]["I-01"]["status"] = "changed by a reader"
        state["messages"].append({"text": "added by a reader"})
        next(iter(state["actions"].values()))["text"] = "changed by a reader"
        assert timeline.state_at(seq, LOG) == projection.project(EXERCISE, LOG, upto_seq=seq)


def test_markers_name_what_happened_and_a_lens_has_only_its_own():
    staff, fire = Timeline(EXERCISE), Timeline(EXERCISE, team="fire")
    staff.extend(LOG)
    fire.extend(LOG)
    assert [(m[0], m[2], m[3], m[4]) for m in staff.markers] == [
        (2, "exercise.started", None, "started"), (3, "inject.released", None, "I-01 Explosion"),
        (4, "inject.acknowledged", "ic", "I-01 by Ana"), (5, "inject.held", None, "I-02"),
        (7, "step.status", "ic", "IC-01 done"), (8, "message", "fire", "Status?"),
        (9, "exercise.paused", None, "paused")]
    assert [m[0] for m in fire.markers] == [2, 3, 8, 9]
    assert [m[0] for m in staff.markers_between(4, 8)] == [4, 5, 7, 8]
    assert [m[0] for m in staff.markers_between(9)] == [9]


def test_checkpoints_hold_no_append_only_collection_which_is_kept_once_encoded():
    timeline = Timeline(EXERCISE, every=1)
    many = LOG[:9] + [ev(seq, "action.logged", 100.0, {"action": {"client_id": f"c-{seq:06d}", "text": "x" * 50,
                                                                   "team": "ic"}}, team="ic", visible_to=["ic"])
                      for seq in range(10, 400)]
    timeline.extend(many)
    assert len(timeline.checkpoints) == len(many) + 1
    last = timeline.checkpoints[-1].unpack()
    assert not set(projection.APPEND_ONLY) & set(last)
    assert len(timeline.appended["actions"]) == 391
    # Every checkpoint together is smaller than the actions they would otherwise each repeat.
    assert timeline.checkpoint_bytes() < timeline.appended_bytes() * 20
    assert timeline.checkpoint_bytes() < len(json.dumps(projection.project(EXERCISE, many)["actions"])) * 50
