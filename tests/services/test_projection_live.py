"""The event projection agrees with the live services at every seq of random drills.

A drill is a random sequence of what controllers, tablets, evaluators and the clock do, run
through the services on a fake clock. After each step the live state is read from the
database (inject statuses, announced step statuses, acknowledgements, actions) and the
messages the services accepted so far, with the seq it corresponds to; afterwards the log is folded up to each of those seqs by
`engine.projection` and must give the same state. Team lenses must hold nothing a team was
not sent.
"""
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.engine import projection
from app.extensions import db
from app.models import Acknowledgement, Action, ExerciseInject, Participant, StepState
from app.services import compliance, injects, lifecycle, releasing
from app.errors import ServiceError
from app.services.exercises import get_exercise
from app.services.participation import acknowledge_inject, log_action, send_message
from app.services.events import iter_events
from app.services.scheduler import run_once

from ..helpers import gen_exercise, gen_tablet, gen_user

STEPS_BY_TEAM = {"ic": ["IC-01", "IC-02"], "fire": ["FB-01", "J-01"], "ems": ["EMS-01", "J-01"]}
INJECTS = ["I-01", "I-02", "I-03", "I-04", "R-01", "C-01"]
TEAMS = list(STEPS_BY_TEAM)
_drills = itertools.count()

operation = st.one_of(
    st.tuples(st.just("advance"), st.integers(min_value=5, max_value=400)),
    st.tuples(st.just("control"), st.sampled_from(["release", "hold", "unhold", "skip"]), st.sampled_from(INJECTS)),
    st.tuples(st.just("ack"), st.sampled_from(TEAMS), st.sampled_from(INJECTS)),
    st.tuples(st.just("action"), st.sampled_from(TEAMS), st.integers(min_value=0, max_value=2)),
    st.tuples(st.just("message"), st.sampled_from(TEAMS + ["control"])),
    st.tuples(st.just("waive"), st.sampled_from(TEAMS), st.integers(min_value=0, max_value=1)),
    st.tuples(st.just("clock"), st.sampled_from(["pause", "resume"])),
)


def live_state(exercise_id: int, messages: list | None = None) -> dict:
    """What the services report now: from the tables, not from the log (messages: as they were sent)."""
    exercise = get_exercise(exercise_id)
    injects_now = {i.key: i.status for i in db.session.scalars(
        select(ExerciseInject).where(ExerciseInject.exercise_id == exercise_id))}
    steps_now = {(s.team_key, s.step): s.status for s in db.session.scalars(
        select(StepState).where(StepState.exercise_id == exercise_id))}
    acks = set()
    for ack in db.session.scalars(select(Acknowledgement).where(Acknowledgement.exercise_id == exercise_id)):
        acks.add((db.session.get(ExerciseInject, ack.inject_id).key, ack.team_key))
    actions = {a.client_id: (a.team_key, a.step) for a in db.session.scalars(
        select(Action).where(Action.exercise_id == exercise_id))}
    return {"seq": exercise.last_seq, "status": exercise.status, "injects": injects_now, "steps": steps_now,
            "acks": acks, "actions": actions, "messages": list(messages or [])}


def projected_state(state: dict) -> dict:
    return {"seq": state["seq"], "status": state["exercise"]["status"],
            "injects": projection.inject_statuses(state), "steps": projection.step_statuses(state),
            "acks": {(inject_id, team) for inject_id, inject in state["injects"].items() for team in inject["acks"]},
            "actions": {key: (a["team"], a["step"]) for key, a in state["actions"].items()},
            "messages": [(m["seq"], m["to"], m["text"]) for m in state["messages"]]}


def exercise_info(exercise) -> dict:
    return {"id": exercise.id, "name": exercise.name, "scenario": exercise.scenario_snapshot,
            "checklist": exercise.checklist_snapshot,
            "teams": [{"key": t.key, "name": t.name, "agency": t.agency} for t in exercise.teams]}


def run_drill(app, clock, operations):
    ctl = gen_user(f"ctl-{next(_drills)}", "controller")
    exercise = gen_exercise(creator=ctl)
    tablets = {key: gen_tablet(exercise, key, name=f"{key} lead") for key in TEAMS}
    lifecycle.start_exercise(exercise.id, ctl.username)
    db.session.commit()
    recorded = [live_state(exercise.id)]
    messages = []
    for n, op in enumerate(operations):
        sent = None
        try:
            kind = op[0]
            if kind == "advance":
                clock.advance(op[1])
                run_once(app)
            elif kind == "control":
                service = {"release": releasing.release_now, "hold": injects.hold_inject,
                           "unhold": injects.unhold_inject, "skip": injects.skip_inject}[op[1]]
                service(exercise.id, op[2], ctl.username)
            elif kind == "ack":
                participant = db.session.get(Participant, tablets[op[1]].participant_id)
                acknowledge_inject(participant, op[2])
            elif kind == "action":
                participant = db.session.get(Participant, tablets[op[1]].participant_id)
                steps = STEPS_BY_TEAM[op[1]]
                step = steps[op[2]] if op[2] < len(steps) else None
                log_action(participant, f"cid-{n:04d}-{op[1]}", step=step, text="done" if step is None else "")
            elif kind == "message":
                if op[1] == "control":
                    to, text = "all", f"control {n}"
                    sender = ctl
                else:
                    to, text = "control", f"{op[1]} {n}"
                    sender = db.session.get(Participant, tablets[op[1]].participant_id)
                sent = (send_message(exercise.id, sender=sender, to=to, text=text)["seq"], to, text)
            elif kind == "waive":
                compliance.waive_step(exercise.id, op[1], STEPS_BY_TEAM[op[1]][op[2]], "not played", ctl)
            elif kind == "clock":
                getattr(lifecycle, f"{op[1]}_exercise")(exercise.id, ctl.username)
            db.session.commit()
            if sent is not None:
                messages.append(sent)
        except ServiceError:
            db.session.rollback()
        recorded.append(live_state(exercise.id, messages))
    lifecycle.end_exercise(exercise.id, ctl.username)
    db.session.commit()
    recorded.append(live_state(exercise.id, messages))
    return get_exercise(exercise.id), recorded


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(operations=st.lists(operation, min_size=1, max_size=25))
def test_projection_equals_live_state_at_every_seq(library_app, clock, operations):
    exercise, recorded = run_drill(library_app, clock, operations)
    info = exercise_info(exercise)
    events = list(iter_events(exercise.id))
    assert events[-1]["seq"] == exercise.last_seq
    for live in recorded:
        state = projection.project(info, events, upto_seq=live["seq"])
        assert projected_state(state) == live

    # Team lenses: only what was sent to the team.
    for team in TEAMS:
        lens = projection.project(info, events, team=team)
        for inject_id, inject in lens["injects"].items():
            row = next(i for i in exercise.injects if i.key == inject_id)
            addressed = row.recipients == "all" or team in row.recipients
            assert addressed and inject["status"] == "released", (team, inject_id)
            assert not set(projection.STAFF_INJECT_FIELDS) & set(inject) - {"released_by"}
            assert set(inject["acks"]) <= {team}
        assert set(lens["steps"]) <= {team}
        assert {a["team"] for a in lens["actions"].values()} <= {team}
        for message in lens["messages"]:
            assert message["to"] in ("control", "all", team)
            assert message["team"] in (None, team)
        assert lens["observations"] == {} and lens["prompts"] == {} and lens["waivers"].keys() <= {
            k for k in lens["waivers"] if k.startswith(team + "/")}
