"""The pages' projection (static/js/projection.js) over a real exercise's event log: folded, the
events say what the server's own views say (inject statuses, first acknowledgements, every
team's step statuses and score, messages, actions, observations, improvement-plan rows).
Folding is idempotent and does not depend on the order events arrive in, since live delivery,
`sync` and the replay at connect interleave; a snapshot plus the replay gives the same state."""
import random
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ExerciseInject, Participant
from app.services import evaluation, injects, lifecycle, participation, releasing
from app.services.compliance import compliance_view, compute
from app.services.events import events_since, stored_envelope
from app.services.scheduler import run_once
from app.services.views import exercise_view

from ..helpers import gen_exercise, gen_tablet, gen_user

MODULE = "/static/js/projection.js"


def minutes(app, clock, n):
    """A scheduler pass per minute of exercise time, as a server runs them."""
    for _ in range(n):
        clock.advance(60)
        run_once(app)


def staff_snapshot(exercise):
    """The staff `state` message (app/realtime/handlers.py)."""
    db.session.expire_all()
    return {"exercise": exercise_view(exercise, staff=True), "compliance": compliance_view(exercise, compute(exercise))}


def log(exercise):
    return [stored_envelope(row) for row in events_since(exercise.id, 0)]


@pytest.fixture
def drill(library_app, clock):
    """An exercise played through: every kind of event a page receives, the log at its middle
    with a snapshot, and the server's views at the end."""
    ctl = gen_user("ctl", "controller")
    eva = gen_user("eva", "evaluator")
    exercise = gen_exercise()
    ex_id = exercise.id
    db.session.scalar(select(ExerciseInject).where(ExerciseInject.key == "C-01")).when_overdue = {
        "step": "IC-02", "mode": "prompt"}
    db.session.commit()
    tablets = {key: gen_tablet(exercise, key, name) for key, name in (("ic", "Lee"), ("fire", "Sam"), ("ems", "Kim"))}
    person = {key: db.session.get(Participant, t.participant_id) for key, t in tablets.items()}

    def commit(*_):
        db.session.commit()

    commit(injects.hold_inject(ex_id, "I-02", "ctl"), injects.unhold_inject(ex_id, "I-02", "ctl"))
    commit(injects.edit_inject(ex_id, "I-04", {"title": "Casualties incoming (3)", "at_s": 270}, "ctl"))
    commit(lifecycle.start_exercise(ex_id, "ctl"))
    minutes(library_app, clock, 2)
    commit(participation.acknowledge_inject(person["fire"], "I-01"))
    commit(participation.acknowledge_inject(person["ic"], "I-01"))
    commit(participation.log_action(person["ic"], "ic-000001", "IC-01", "Command at the gate"))
    commit(participation.send_message(ex_id, sender=person["fire"], to="control", text="Need more crews"))
    commit(participation.send_message(ex_id, sender=ctl, to="fire", text="On the way"))
    commit(lifecycle.set_speed(ex_id, 2, "ctl"))
    commit(lifecycle.pause_exercise(ex_id, "ctl"))
    obs = evaluation.record_observation(ex_id, {"text": "IC took command fast", "team": "ic"}, eva)
    commit()
    commit(evaluation.edit_observation(ex_id, obs.id, {"text": "IC took command at once"}, eva))
    middle = {"events": log(exercise), "snapshot": staff_snapshot(exercise)}

    commit(lifecycle.resume_exercise(ex_id, "ctl"))
    minutes(library_app, clock, 3)
    commit(participation.acknowledge_inject(person["fire"], "I-03"))
    commit(participation.log_action(person["fire"], "fire-00001", "FB-01", ""))
    commit(participation.log_action(person["ems"], "ems-000001", None, "Triage area set up"))
    commit(releasing.add_adhoc_inject(ex_id, {"title": "Road closed", "to": ["fire"], "channel": "phone"}, "ctl"))
    commit(releasing.add_adhoc_inject(ex_id, {"title": "Spare", "to": "all", "hold": True}, "ctl"))
    commit(injects.skip_inject(ex_id, "R-01", "ctl"))
    minutes(library_app, clock, 12)  # IC-02 (due 2m + 10m) goes overdue: C-01 is proposed
    commit(injects.dismiss_prompt(ex_id, "C-01", "ctl"))
    commit(participation.rotate_join_code(ex_id, "ems", "ctl"))
    row = evaluation.add_corrective_action(ex_id, {
        "objective": "OBJ-1", "capability": "Operational Coordination", "issue": "Perimeter late", "corrective_action": "Pre-plan distances",
        "capability_element": "Planning", "responsible_org": "Fire", "start_date": date(2027, 2, 1)}, ctl)
    commit()
    commit(evaluation.update_corrective_action(ex_id, row.id, {"status": "in-progress"}, ctl))
    commit(lifecycle.end_exercise(ex_id, "ctl"))
    final = staff_snapshot(exercise)
    return {"middle": middle, "events": log(exercise), "final": final,
            "observations": evaluation.list_observations(ex_id),
            "corrective_actions": evaluation.list_corrective_actions(ex_id)}


def expected_from(final, observations, corrective_actions):
    """What the server's views say, in the projection's terms."""
    ex = final["exercise"]
    return {
        "clock": ex["clock"]["status"],
        "injects": {i["id"]: [i["status"], i["at_s"], i["released_at_s"]] for i in ex["injects"]},
        "acknowledgements": {i["id"]: i["acknowledged"] for i in ex["injects"] if i["acknowledged"]},
        "steps": {t["key"]: {s["step"]: s["status"] for s in t["steps"] if s["status"] != "pending"}
                  for t in final["compliance"]["teams"]},
        "scores": {t["key"]: t["score"] for t in final["compliance"]["teams"]},
        "observations": {str(o["id"]): o["text"] for o in observations},
        "plan": {str(r["id"]): r["status"] for r in corrective_actions},
    }


# What a fold gives, in the same terms as expected_from.
SUMMARY = """
  const summary = (s) => ({
    clock: s.exercise.status,
    injects: Object.fromEntries(Object.values(s.injects).map((i) => [i.id, [i.status, i.at_s, i.released_at_s]])),
    acknowledgements: Object.fromEntries(Object.values(s.injects).filter((i) => Object.keys(i.acks).length)
      .map((i) => [i.id, Object.fromEntries(Object.entries(i.acks).map(([team, ack]) => [team, ack.at_s]))])),
    steps: Object.fromEntries(Object.entries(s.steps).map(([team, steps]) => [team,
      Object.fromEntries(Object.values(steps).filter((e) => e.status !== "pending").map((e) => [e.step, e.status]))])),
    scores: s.scores,
    observations: Object.fromEntries(Object.values(s.observations).map((o) => [o.id, o.text])),
    plan: Object.fromEntries(Object.values(s.corrective_actions).map((r) => [r.id, r.status])),
  });
"""


def test_the_folded_log_says_what_the_server_says(modules, drill):
    teams = drill["final"]["exercise"]["teams"]
    folded = modules.run(MODULE, SUMMARY + """
      const state = m.fold(arg.events, m.createState({ teams: arg.teams }));
      return { summary: summary(state), messages: m.messagesNewestFirst(state).map((x) => x.text),
               actions: Object.keys(state.actions).sort(), tablets: state.tablets,
               prompts: Object.values(state.prompts).map((p) => [p.inject, p.outcome]), open: m.openPrompts(state).length,
               fireTimeline: state.timelines.fire.map((i) => i.kind) };
    """, {"events": drill["events"], "teams": teams})
    assert folded["summary"] == expected_from(drill["final"], drill["observations"], drill["corrective_actions"])
    assert folded["summary"]["injects"]["C-01"][0] == "skipped" and folded["summary"]["injects"]["X-01"][0] == "released"
    assert folded["messages"] == ["On the way", "Need more crews"]
    assert folded["actions"] == ["ems-000001", "fire-00001", "ic-000001"]
    assert folded["tablets"] == {"ic": 1, "fire": 1, "ems": 0}  # ems signed out by its new code
    assert folded["prompts"] == [["C-01", "dismissed"]] and folded["open"] == 0
    assert folded["fireTimeline"][:2] == ["inject", "ack"]  # I-01 released, fire read it


def test_folding_twice_or_in_any_order_gives_the_same_state(modules, drill):
    events = drill["events"]
    rng = random.Random(7)
    orders = []
    for _ in range(5):
        shuffled = events + rng.sample(events, len(events) // 3)  # some delivered twice
        rng.shuffle(shuffled)
        orders.append(shuffled)
    states = modules.run(MODULE, """
      // The same state: equal values, whatever order keys and timeline items were added in.
      const canonical = (v) => (Array.isArray(v) ? v.map(canonical) : v && typeof v === "object"
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])])) : v);
      const normal = (s) => {
        for (const list of Object.values(s.timelines)) list.sort((a, b) => a.seq - b.seq);
        return JSON.stringify(canonical(s));
      };
      const once = normal(m.fold(arg.events, m.createState({ teams: arg.teams })));
      return arg.orders.map((events) => normal(m.fold(events, m.createState({ teams: arg.teams })))  === once);
    """, {"events": events, "orders": orders, "teams": drill["final"]["exercise"]["teams"]})
    assert states == [True] * len(orders)


def test_a_snapshot_then_the_replay_and_live_events_agree_with_the_whole_log(modules, drill):
    """A console opened mid-exercise: the staff snapshot, the replay of the log up to it (which
    the snapshot already holds), then live events; they arrive interleaved."""
    middle, events = drill["middle"], drill["events"]
    cut = middle["snapshot"]["exercise"]["last_seq"]
    replay = [ev for ev in events if ev["seq"] <= cut]
    later = [ev for ev in events if ev["seq"] > cut]
    arrivals = later[:5] + replay + later[5:]  # live events came in before the replay was answered
    result = modules.run(MODULE, SUMMARY + """
      const page = m.loadSnapshot(m.createState(), arg.snapshot);
      for (const ev of arg.arrivals) m.apply(page, ev);
      const whole = m.fold(arg.events, m.createState({ teams: arg.snapshot.exercise.teams }));
      return [summary(page), summary(whole)];
    """, {"snapshot": middle["snapshot"], "arrivals": arrivals, "events": events})
    assert result[0] == result[1]
    assert result[0] == expected_from(drill["final"], drill["observations"], drill["corrective_actions"])


def test_an_older_event_never_overwrites_a_newer_state(modules, drill):
    """A snapshot at the middle, then the replay of events before it: nothing goes back in time."""
    middle = drill["middle"]
    result = modules.run(MODULE, SUMMARY + """
      const fresh = summary(m.loadSnapshot(m.createState(), arg.snapshot));
      const page = m.loadSnapshot(m.createState(), arg.snapshot);
      for (const ev of [...arg.events].reverse()) m.apply(page, ev);
      return [fresh, summary(page)];
    """, {"snapshot": middle["snapshot"], "events": middle["events"]})
    snapshot, replayed = result
    assert replayed["injects"] == snapshot["injects"] and replayed["steps"] == snapshot["steps"]
    assert replayed["clock"] == snapshot["clock"] == "paused"


def test_a_new_event_type_needs_only_a_reducer(modules):
    result = modules.run(MODULE, """
      m.reducers["zone.drawn"] = (state, ev, d) => { (state.zones ||= {})[d.id] = { ...d, seq: ev.seq }; };
      const state = m.fold([{ seq: 1, type: "zone.drawn", exercise_time_s: 60, wall_time: "", team: "fire",
                              data: { id: "Z-1", kind: "inner-cordon" } },
                            { seq: 2, type: "something.new", exercise_time_s: 61, wall_time: "", team: null, data: {} }]);
      delete m.reducers["zone.drawn"];
      return { zones: state.zones, seq: state.seq, kept: Object.keys(state.events) };
    """)
    assert result == {"zones": {"Z-1": {"id": "Z-1", "kind": "inner-cordon", "seq": 1}}, "seq": 2, "kept": ["1", "2"]}


def test_the_pages_and_the_server_fold_the_log_alike(modules, drill, library_app):
    """static/js/projection.js and app/engine/projection.py give the same state for the same
    log, apart from what only one side knows: the server starts from the scenario (every inject,
    pending, with its position) and reads the actor of each event, which envelopes leave out."""
    from app.engine import projection
    from app.services.exercises import get_exercise

    exercise = get_exercise(drill["final"]["exercise"]["id"])
    info = {"id": exercise.id, "name": exercise.name, "scenario": exercise.scenario_snapshot,
            "checklist": exercise.checklist_snapshot,
            "teams": [{"key": t.key, "name": t.name, "agency": t.agency} for t in exercise.teams]}
    server = projection.project(info, drill["events"])
    page = modules.run(MODULE, """
      const s = m.fold(arg.events, m.createState({ teams: arg.teams }));
      for (const key of ["tablets", "timelines", "events", "versions"]) delete s[key];
      return s;
    """, {"events": drill["events"], "teams": info["teams"]})

    for key in ("seq", "exercise_time_s", "wall_time", "steps", "scores", "actions", "messages", "ratings",
                "consensus", "teams"):
        assert page[key] == server[key], key
    assert page["exercise"] == {**server["exercise"], "name": exercise.name}
    for inject_id, inject in server["injects"].items():
        mine = page["injects"].get(inject_id, {"status": "pending", "acks": {}})
        assert {k: mine.get(k) for k in ("status", "at_s", "released_at_s", "acks")} == {
            k: inject.get(k) for k in ("status", "at_s", "released_at_s", "acks")}, inject_id
        if inject["status"] == "released":
            assert mine["released_seq"] == inject["released_seq"]
    without_actor = lambda rows, *keys: {k: {f: v for f, v in r.items() if f not in keys} for k, r in rows.items()}
    assert page["prompts"] == without_actor(server["prompts"], "decided_by", "decided_at_s")
    assert page["waivers"] == without_actor(server["waivers"], "by")
    assert page["observations"] == server["observations"]
    assert page["corrective_actions"] == without_actor(server["corrective_actions"], "created_by", "updated_by")
    assert page["participants"] == server["participants"]
    assert set(page) == set(server)
