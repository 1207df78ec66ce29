"""The state of an exercise at any point of its event log: a pure fold of event envelopes.

``project(exercise, events)`` starts from ``initial_state(exercise)`` and applies each event
with the reducer registered for its type. Live pages (``static/js/projection.js`` mirrors this
module), replay, branching and the after-action report all read the same state, so they
cannot disagree about what happened by a given seq.

Inputs are plain data: ``exercise`` is ``{id, name, scenario, checklist, teams}`` (the frozen
snapshots an exercise keeps) and each event is an envelope ``{seq, type, exercise_time_s,
wall_time, team, data}`` (``payload`` is accepted for ``data``, as stored rows call it;
``actor`` and ``visible_to`` are used when present).

The state is JSON data (string keys only), so it can be copied, stored as a snapshot and sent
to a page. Reducers take no clock and make no ids: everything comes from the event, as
STYLE.md asks of a projection that replay must reproduce.

A **team lens** (``team=`` on ``initial_state``/``project``) is what one team's tablet had: it
starts with no injects (a team learns of an inject when it is released to it), and only events
visible to that team are folded (``visible_to`` null or naming the team).

To fold a new event type, register a reducer: ``@reducer("zone.drawn")`` on a function
``(state, event, data) -> None`` that changes ``state`` in place.

The collections named in ``APPEND_ONLY`` only grow: a reducer adds entries to them, in seq
order, without reading them (a keyed one keeps the first entry under a key, as ``setdefault``
does), and never changes or removes one. Replay relies on it (``engine/replay.py`` keeps them
once, encoded, and takes prefixes), and its tests check it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any

State = dict[str, Any]
Event = Mapping[str, Any]
Reducer = Callable[[State, Event, dict[str, Any]], None]

REDUCERS: dict[str, Reducer] = {}

# Fields of an inject that only staff see (a team's copy never has them).
STAFF_INJECT_FIELDS = ("expects", "objective", "when_overdue", "notes", "scheduled_at_s", "adhoc",
                       "released_by", "reserve")

# Collections of the state that reducers only append to (see the module docstring).
APPEND_ONLY = ("actions", "messages", "feedback")


def reducer(*event_types: str) -> Callable[[Reducer], Reducer]:
    """Register a function as the reducer of one or more event types."""
    def register(function: Reducer) -> Reducer:
        for event_type in event_types:
            REDUCERS[event_type] = function
        return function
    return register


# -- the fold -------------------------------------------------------------------------------------


def initial_state(exercise: Mapping[str, Any], *, team: str | None = None) -> State:
    """The state before the first event: every scenario inject pending (staff), none (a team)."""
    scenario = exercise.get("scenario") or {}
    teams = {t["key"]: {"key": t["key"], "name": t.get("name", t["key"]), "agency": t.get("agency")}
             for t in exercise.get("teams") or []}
    injects: dict[str, Any] = {}
    if team is None:
        for position, inject in enumerate(scenario.get("injects") or []):
            injects[inject["id"]] = _scenario_inject(inject, position)
    return {
        "exercise_id": exercise.get("id"),
        "lens": team,
        "seq": 0,
        "exercise_time_s": 0.0,
        "wall_time": None,
        "exercise": {"name": exercise.get("name"), "status": "draft",
                     "clock": {"status": "draft", "elapsed_s": 0.0, "speed": exercise.get("speed", 1.0)},
                     "lead_evaluator": None, "branched_from": None},
        "teams": teams,
        "participants": {},
        "injects": injects,
        "steps": {},
        "scores": {},
        "actions": {},
        "messages": [],
        "prompts": {},
        "waivers": {},
        "observations": {},
        "ratings": {},
        "consensus": {},
        "corrective_actions": {},
        "narrative": {},
        "feedback": [],
        "zones": {},
        "rules": {},
        "moves": {},
        "measurements": [],
        "dose_alarms": [],
        "dose_guidance": [],
        "source_changes": [],
    }


def apply(state: State, event: Event) -> State:
    """Fold one event into the state (in place) and return it; unknown types only move the seq."""
    if state["lens"] is not None and not visible_to_team(event, state["lens"]):
        return state
    data = event.get("data")
    if data is None:
        data = event.get("payload") or {}
    handler = REDUCERS.get(event["type"])
    if handler is not None:
        handler(state, event, data)
    state["seq"] = event["seq"]
    at_s = event.get("exercise_time_s")
    if at_s is not None and at_s > state["exercise_time_s"]:
        state["exercise_time_s"] = at_s
    state["wall_time"] = event.get("wall_time")
    return state


def project(exercise: Mapping[str, Any], events: Iterable[Event], *, team: str | None = None,
            upto_seq: int | None = None, upto_s: float | None = None, start: State | None = None) -> State:
    """The state after the events up to ``upto_seq`` and/or exercise time ``upto_s`` (inclusive).

    ``start`` is a snapshot to continue from (a copy is taken); events at or before its seq
    are skipped.
    """
    state = copy.deepcopy(start) if start is not None else initial_state(exercise, team=team)
    after = state["seq"]
    for event in events:
        seq = event["seq"]
        if seq <= after:
            continue
        if upto_seq is not None and seq > upto_seq:
            break
        if upto_s is not None and (event.get("exercise_time_s") or 0.0) > upto_s:
            break
        apply(state, event)
    return state


def visible_to_team(event: Event, team: str) -> bool:
    """Whether a team was sent the event (null: everyone in the exercise; else the listed teams)."""
    visible = event.get("visible_to", None)
    return visible is None or team in visible


def snapshot(state: State) -> State:
    """A copy that later folding cannot change (for snapshot caches)."""
    return copy.deepcopy(state)


# -- reading the state ----------------------------------------------------------------------------


def inject_statuses(state: State) -> dict[str, str]:
    return {key: inject["status"] for key, inject in state["injects"].items()}


def step_statuses(state: State) -> dict[tuple[str, str], str]:
    return {(team, step): entry["status"] for team, steps in state["steps"].items()
            for step, entry in steps.items()}


# -- the exercise ---------------------------------------------------------------------------------


def _scenario_inject(inject: Mapping[str, Any], position: int) -> dict[str, Any]:
    at_s = inject.get("at_s")
    return {
        "id": inject["id"], "position": position, "at_s": at_s, "scheduled_at_s": at_s,
        "title": inject.get("title", ""), "body": inject.get("body") or "", "from": inject.get("from") or "",
        "to": inject.get("to"), "channel": inject.get("channel") or "other",
        "type": inject.get("type") or "information", "requires_ack": inject.get("requires_ack", True),
        "expects": list(inject.get("expects") or []), "objective": inject.get("objective"),
        "when_overdue": inject.get("when_overdue"), "notes": inject.get("notes") or "", "adhoc": False,
        "reserve": at_s is None and not inject.get("when_overdue"),
        "status": "pending", "released_at_s": None, "released_seq": None, "released_by": None,
        "delayed": False, "acks": {},
    }


@reducer("exercise.created")
def _created(state: State, event: Event, data: dict[str, Any]) -> None:
    state["exercise"]["name"] = data.get("name", state["exercise"]["name"])
    if "speed" in data:
        state["exercise"]["clock"]["speed"] = data["speed"]
    for team in data.get("teams") or []:
        state["teams"].setdefault(team["key"], {"key": team["key"], "name": team.get("name", team["key"]),
                                                "agency": team.get("agency")})


@reducer("exercise.started", "exercise.paused", "exercise.resumed", "exercise.speed", "exercise.ended")
def _clock(state: State, event: Event, data: dict[str, Any]) -> None:
    clock = data.get("clock") or {}
    state["exercise"]["clock"] = {"status": clock.get("status", state["exercise"]["status"]),
                                  "elapsed_s": clock.get("elapsed_s", event.get("exercise_time_s")),
                                  "speed": clock.get("speed", state["exercise"]["clock"]["speed"])}
    state["exercise"]["status"] = state["exercise"]["clock"]["status"]


@reducer("exercise.renamed")
def _renamed(state: State, event: Event, data: dict[str, Any]) -> None:
    state["exercise"]["name"] = data.get("name", state["exercise"]["name"])


@reducer("exercise.branched")
def _branched(state: State, event: Event, data: dict[str, Any]) -> None:
    """The first event of an exercise made from another one at a moment: provenance, and where it starts.

    ``exercise_id``, ``seq``, ``hash`` and ``at_s`` name the source and the moment; the clock
    starts at ``at_s``; ``injects`` are the staff views of every inject as the source had them
    then (released ones as carried-over history) and ``prompts`` the contingency proposals still
    waiting for a decision.
    """
    state["exercise"]["branched_from"] = {k: data.get(k) for k in ("exercise_id", "seq", "hash", "at_s")}
    state["exercise"]["name"] = data.get("name", state["exercise"]["name"])
    clock = state["exercise"]["clock"]
    clock["speed"] = data.get("speed", clock["speed"])
    clock["elapsed_s"] = data.get("at_s", clock["elapsed_s"])
    for team in data.get("teams") or []:
        state["teams"].setdefault(team["key"], {"key": team["key"], "name": team.get("name", team["key"]),
                                                "agency": team.get("agency")})
    if "injects" in data:
        state["injects"] = {inject["id"]: {**inject, "acks": {}, "released_seq": None}
                            for inject in data["injects"] if inject.get("id")}
    for prompt in data.get("prompts") or []:
        if prompt.get("inject"):
            state["prompts"][prompt["inject"]] = dict(prompt)


@reducer("exercise.lead_evaluator")
def _lead(state: State, event: Event, data: dict[str, Any]) -> None:
    state["exercise"]["lead_evaluator"] = data.get("lead_evaluator")


@reducer("participant.joined")
def _joined(state: State, event: Event, data: dict[str, Any]) -> None:
    person = data.get("participant") or {}
    key = str(person.get("id", f"seq:{event['seq']}"))
    state["participants"][key] = {"id": person.get("id"), "name": person.get("name") or event.get("actor"),
                                  "team": data.get("team") or event.get("team"),
                                  "joined_at_s": event.get("exercise_time_s")}


# -- injects --------------------------------------------------------------------------------------


def _inject_entry(state: State, inject_id: str) -> dict[str, Any]:
    entry = state["injects"].get(inject_id)
    if entry is None:
        entry = state["injects"][inject_id] = {"id": inject_id, "position": len(state["injects"]),
                                               "status": "pending", "acks": {}, "released_at_s": None,
                                               "released_seq": None}
    return entry


# The status an inject has after these events, whatever the payload says.
_STATUS_AFTER = {"inject.held": "held", "inject.unheld": "pending", "inject.skipped": "skipped",
                 "contingency.dismissed": "skipped"}


@reducer("inject.added", "inject.edited", "inject.retimed", "inject.held", "inject.unheld", "inject.skipped")
def _inject_changed(state: State, event: Event, data: dict[str, Any]) -> None:
    """Staff events carry the whole staff view of the inject after the change."""
    view = data.get("inject") or {}
    if not view.get("id"):
        return
    entry = _inject_entry(state, view["id"])
    acks = entry.get("acks", {})
    entry.update({k: v for k, v in view.items() if k != "acknowledged"})
    entry["acks"] = acks
    if event["type"] in _STATUS_AFTER:
        entry["status"] = _STATUS_AFTER[event["type"]]


@reducer("inject.released")
def _released(state: State, event: Event, data: dict[str, Any]) -> None:
    if not data.get("id"):
        return
    entry = _inject_entry(state, data["id"])
    acks = entry.get("acks", {})
    entry.update(data)  # the team's view: title, body, from, to, channel, status, released_at_s...
    entry["status"] = "released"
    entry["released_at_s"] = data.get("released_at_s", event.get("exercise_time_s"))
    entry["released_seq"] = event["seq"]
    if state["lens"] is None:
        entry["released_by"] = event.get("actor", entry.get("released_by"))
    entry["acks"] = acks
    prompt = state["prompts"].get(data["id"])
    if prompt is not None and prompt["outcome"] == "pending":
        prompt.update(outcome="released", decided_by=event.get("actor"), decided_at_s=event.get("exercise_time_s"))


@reducer("inject.acknowledged")
def _acknowledged(state: State, event: Event, data: dict[str, Any]) -> None:
    inject_id = data.get("inject_id")
    team = data.get("team") or event.get("team")
    if not inject_id or not team:
        return
    entry = _inject_entry(state, inject_id)
    acks = entry.setdefault("acks", {})
    if team not in acks:
        acks[team] = {"at_s": event.get("exercise_time_s"), "by": data.get("by"), "seq": event["seq"]}


@reducer("contingency.prompt")
def _prompt(state: State, event: Event, data: dict[str, Any]) -> None:
    inject_id = data.get("inject_id")
    if inject_id and inject_id not in state["prompts"]:
        state["prompts"][inject_id] = {"inject": inject_id, "title": data.get("title"), "team": data.get("team"),
                                       "step": data.get("step"), "prompted_at_s": event.get("exercise_time_s"),
                                       "outcome": "pending", "decided_by": None, "decided_at_s": None}


@reducer("contingency.dismissed")
def _dismissed(state: State, event: Event, data: dict[str, Any]) -> None:
    _inject_changed(state, event, data)
    prompt = state["prompts"].get((data.get("inject") or {}).get("id"))
    if prompt is not None:
        prompt.update(outcome="dismissed", decided_by=event.get("actor"), decided_at_s=event.get("exercise_time_s"))


# -- what teams did -------------------------------------------------------------------------------


@reducer("action.logged")
def _action(state: State, event: Event, data: dict[str, Any]) -> None:
    action = dict(data.get("action") or {})
    key = action.get("client_id") or f"seq:{event['seq']}"
    action.setdefault("team", event.get("team"))
    action.setdefault("exercise_time_s", event.get("exercise_time_s"))
    action["seq"] = event["seq"]
    state["actions"].setdefault(key, action)  # a client_id is logged once


@reducer("step.status")
def _step_status(state: State, event: Event, data: dict[str, Any]) -> None:
    team, step = data.get("team") or event.get("team"), data.get("step")
    if not team or not step:
        return
    entry = {k: v for k, v in data.items() if k not in ("team", "previous", "team_score")}
    entry["seq"] = event["seq"]
    state["steps"].setdefault(team, {})[step] = entry
    if "team_score" in data:
        state["scores"][team] = data["team_score"]


@reducer("step.waived")
def _waived(state: State, event: Event, data: dict[str, Any]) -> None:
    key = f"{data.get('team')}/{data.get('step')}"
    state["waivers"][key] = {"team": data.get("team"), "step": data.get("step"), "reason": data.get("reason", ""),
                             "at_s": event.get("exercise_time_s"), "by": event.get("actor")}


@reducer("message")
def _message(state: State, event: Event, data: dict[str, Any]) -> None:
    state["messages"].append({"seq": event["seq"], "at_s": event.get("exercise_time_s"), "from": data.get("from"),
                              "to": data.get("to"), "text": data.get("text", ""), "team": event.get("team")})


@reducer("feedback.submitted")
def _feedback(state: State, event: Event, data: dict[str, Any]) -> None:
    form = dict(data.get("feedback") or {})
    form["team"] = form.get("team") or event.get("team")
    state["feedback"].append(form)


# -- what staff wrote -----------------------------------------------------------------------------


@reducer("observation", "observation.edited")
def _observation(state: State, event: Event, data: dict[str, Any]) -> None:
    obs = data.get("observation") or {}
    key = str(obs.get("id", f"seq:{event['seq']}"))
    first = state["observations"].get(key)
    state["observations"][key] = {**obs, "evaluator": obs.get("evaluator") or event.get("actor"),
                                  "edited": first is not None, "seq": event["seq"]}


@reducer("rating.set")
def _rating(state: State, event: Event, data: dict[str, Any]) -> None:
    objective = data.get("objective")
    evaluator = data.get("evaluator") or event.get("actor")
    if objective is None:
        return
    state["ratings"].setdefault(objective, {})[evaluator] = {
        "evaluator": evaluator, "rating": data.get("rating"), "rationale": data.get("rationale", ""),
        "updated_at": data.get("updated_at") or event.get("wall_time")}


@reducer("rating.consensus")
def _consensus(state: State, event: Event, data: dict[str, Any]) -> None:
    objective = data.get("objective")
    if objective is None:
        return
    state["consensus"][objective] = {"rating": data.get("rating"), "rationale": data.get("rationale", ""),
                                     "set_by": data.get("set_by") or event.get("actor"),
                                     "updated_at": data.get("updated_at") or event.get("wall_time")}


@reducer("corrective_action.created", "corrective_action.updated")
def _corrective_action(state: State, event: Event, data: dict[str, Any]) -> None:
    row = data.get("corrective_action") or {}
    key = str(row.get("id", f"seq:{event['seq']}"))
    before = state["corrective_actions"].get(key)
    state["corrective_actions"][key] = {**row, "created_by": before["created_by"] if before else event.get("actor"),
                                        "updated_by": event.get("actor"),
                                        "updated_at": row.get("updated_at") or event.get("wall_time")}


@reducer("report.narrative")
def _narrative(state: State, event: Event, data: dict[str, Any]) -> None:
    section = data.get("section")
    if section:
        state["narrative"][section] = {"text": data.get("text", ""), "by": event.get("actor"),
                                       "at": event.get("wall_time"), "seq": event["seq"]}


# -- zones and spatial rules (docs/zones.md) -----------------------------------------------------------


@reducer("zone.drawn", "zone.changed")
def _zone(state: State, event: Event, data: dict[str, Any]) -> None:
    zone = dict(data.get("zone") or {})
    if not zone.get("id"):
        return
    at_s = event.get("exercise_time_s")
    entry = state["zones"].get(zone["id"])
    if entry is None or event["type"] == "zone.drawn":
        entry = state["zones"][zone["id"]] = {"drawn_at_s": at_s, "decisions": []}
    entry.update(zone)
    entry["changed_at_s"] = at_s
    entry["seq"] = event["seq"]


@reducer("zone.removed")
def _zone_removed(state: State, event: Event, data: dict[str, Any]) -> None:
    state["zones"].pop((data.get("zone") or {}).get("id"), None)


@reducer("zone.decided")
def _zone_decided(state: State, event: Event, data: dict[str, Any]) -> None:
    entry = state["zones"].get((data.get("zone") or {}).get("id"))
    if entry is not None:
        entry["decisions"].append(dict(data.get("decision") or {}))


@reducer("step.rule")
def _rule(state: State, event: Event, data: dict[str, Any]) -> None:
    team, step = data.get("team") or event.get("team"), data.get("step")
    if team and step:
        state["rules"].setdefault(team, {})[step] = {k: v for k, v in data.items() if k not in ("team", "highlight")} \
            | {"seq": event["seq"]}


# -- the radiological picture (docs/radiation.md) ------------------------------------------------------

def _stamped(event: Event, data: dict[str, Any]) -> dict[str, Any]:
    return {**{k: v for k, v in data.items() if k not in ("client_id", "wall_s")},
            "at_s": event.get("exercise_time_s"), "seq": event["seq"]}


@reducer("responder.moved")
def _moved(state: State, event: Event, data: dict[str, Any]) -> None:
    if data.get("responder"):
        state["moves"].setdefault(data["responder"], []).append(_stamped(event, data))


@reducer("measurement.taken")
def _measured(state: State, event: Event, data: dict[str, Any]) -> None:
    state["measurements"].append(_stamped(event, data))


@reducer("dose.alarm")
def _dose_alarm(state: State, event: Event, data: dict[str, Any]) -> None:
    state["dose_alarms"].append(_stamped(event, data))


@reducer("dose.guidance_reached")
def _dose_guidance(state: State, event: Event, data: dict[str, Any]) -> None:
    state["dose_guidance"].append(_stamped(event, data))


@reducer("source.changed")
def _source_changed(state: State, event: Event, data: dict[str, Any]) -> None:
    state["source_changes"].append(_stamped(event, data))
