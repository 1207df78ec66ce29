"""The after-action report (AAR) and improvement plan, as a pure function of the event log.

``build_aar(exercise_info, events)`` reads every event of an exercise once, in seq order, and
returns plain JSON data: the HSEEP AAR/IP sections (domain-facts §1.5) plus what Cordon knows
that paper exercises do not (SOP compliance, response times, the audit chain).

What it needs besides the events, in ``exercise_info``: ``id``, ``name``, the frozen
``scenario`` and ``checklist`` snapshots (the ``exercise.created`` event names them but does
not carry them), and optionally ``status``, ``teams`` (otherwise from ``exercise.created``),
``now_s`` (the clock, for a report on an exercise not yet ended), ``generated_at``,
``rating_definitions`` and ``feedback_questions`` (their text lives with the evaluation
workflow; the report only repeats it).

Each event is a dict with seq, type, actor, team, visible_to, exercise_time_s, wall_time (the
ISO string that was hashed), payload, prev_hash, hash, and exercise_id (taken from
``exercise_info["id"]`` when absent).

The events are folded once by ``engine.projection`` (the state every page and replay share:
injects, acknowledgements, actions, messages, observations, ratings, the improvement plan,
narrative, feedback, prompts, waivers); this module adds what only the report needs on top:
release records with the teams each inject reached, response times, staff activity, the
digest of the log and the audit of its chain.

Decisions:

* **Compliance** is replayed with ``engine.compliance.evaluate``, from the log alone: releases
  from ``inject.released`` (teams from ``visible_to``, all teams when it was addressed to
  everyone); what each inject expects from the scenario snapshot by inject id, overridden by
  the staff copy in ``inject.added``/``inject.edited`` (ad-hoc injects, edits before release;
  the public release payload has no ``expects``); completions from ``action.logged``; waivers
  from ``step.waived``; the end from ``exercise.ended``. Its time is the end, else ``now_s``,
  else the last event's time.
* **Response times**, per inject and addressed team: from the release to the team's first
  ``inject.acknowledged``, and to the team's first ``action.logged`` (after the release) that
  ticks a step the inject expects. Per team: count, median and worst.
* **Latest wins** for everything that can be edited: observations, ratings (per evaluator and
  objective), the consensus, improvement-plan rows, narrative sections.
* **Contingencies**: an inject fired as a contingency when the checklist released it
  (actor ``contingency``), when it was released after a ``contingency.prompt``, or when a
  scenario contingency inject (``when_overdue`` or type contingency) was released by hand.
* The audit result is ``engine.eventlog.verify_chain`` over the same pass, or, when the caller
  passes an ``engine.audit.LogAudit`` (with the exercise's head, signed checkpoints and tables),
  that audit; a broken chain does not stop the report, it is reported.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from . import projection
from .compliance import Completion, Release, StepDef, TeamDef, Waiver, completions_with_rules, evaluate, ruled_steps
from .audit import AuditResult, LogAudit
from .radiological_report import RadiologicalHistory
from .spatial_report import SpatialHistory
from .eventlog import ChainCheck, verify_chain

FORMAT = "cordon.aar/1"

# Actors that are the system, not a person.
SYSTEM_ACTORS = frozenset({"system", "scheduler", "compliance", "contingency"})

# Event types written by staff, and what kind of work they are.
_CONTROL_TYPES = frozenset({
    "exercise.created", "exercise.started", "exercise.paused", "exercise.resumed", "exercise.speed",
    "exercise.ended", "exercise.renamed", "inject.released", "inject.held", "inject.unheld", "inject.skipped",
    "inject.retimed", "inject.edited", "inject.added", "contingency.dismissed", "team.code_rotated",
    "exercise.lead_evaluator",
})
_EVALUATION_TYPES = frozenset({
    "observation", "observation.edited", "rating.set", "rating.consensus", "corrective_action.created",
    "corrective_action.updated", "step.waived", "report.narrative",
})

EXECUTIVE_SUMMARY = "executive_summary"
CONCLUSION = "conclusion"
OBJECTIVE_PREFIX = "objective:"


def narrative_sections(scenario: Mapping[str, Any]) -> list[str]:
    """The narrative sections evaluators may write: summary, one per objective, conclusion."""
    objectives = [OBJECTIVE_PREFIX + o["id"] for o in scenario.get("objectives") or []]
    return [EXECUTIVE_SUMMARY, *objectives, CONCLUSION]


def build_aar(exercise_info: Mapping[str, Any], events: Iterable[Mapping[str, Any]],
              audit: LogAudit | None = None) -> dict[str, Any]:
    """The AAR/IP of one exercise as JSON data, from its event log and frozen snapshots."""
    log = _Log(exercise_info)
    fed = log.feed(events)
    check = audit.check(fed) if audit is not None else verify_chain(fed)
    for _ in fed:  # a broken chain stops the check, not the report: read the rest
        pass
    return log.report(check)


# -- the one pass over the log ---------------------------------------------------------------------


class _Log:
    """What the report needs, accumulated event by event."""

    def __init__(self, info: Mapping[str, Any]):
        self.info = info
        self.scenario: Mapping[str, Any] = info.get("scenario") or {}
        self.checklist: Mapping[str, Any] = info.get("checklist") or {}
        self.scenario_injects = {i["id"]: i for i in self.scenario.get("injects") or []}
        self.step_agencies = {s["id"]: set(s["agencies"]) for s in self.checklist.get("steps") or []}
        self.teams: list[dict[str, Any]] = [dict(t) for t in info.get("teams") or []]
        # The shared state of the exercise (engine.projection), as of the last event fed.
        self.state = projection.initial_state({**info, "teams": self.teams})
        self.created: dict[str, Any] = {}
        self.created_wall: str | None = None
        self.started_wall: str | None = None
        self.ended_wall: str | None = None
        self.ended_s: float | None = None
        self.pauses = 0
        self.speed_changes = 0
        self.last_s = 0.0
        # Event-log digest.
        self.counts: dict[str, int] = {}
        self.first: Mapping[str, Any] | None = None
        self.last: Mapping[str, Any] | None = None
        # Releases as the report tells them: the teams each inject reached and what it asked of them.
        self.releases: dict[str, dict[str, Any]] = {}  # inject id -> release record, in release order
        self.acks: set[tuple[str, str]] = set()  # (inject, team) acknowledged at least once
        self.waiting: dict[tuple[str, str], list[dict[str, Any]]] = {}  # (team, step) -> responses awaiting it
        self.responses: list[dict[str, Any]] = []
        self.response_of: dict[tuple[str, str], dict[str, Any]] = {}  # (inject, team) -> its response
        # Staff work.
        self.staff: dict[str, dict[str, Any]] = {}
        # Zones drawn and the spatial rules' verdicts (engine/spatial_report.py).
        self.spatial = SpatialHistory(self.scenario, self.checklist)
        # Responders' moves, measurements, doses and alarms (engine/radiological_report.py).
        self.radiological = RadiologicalHistory(self.scenario, self.checklist)

    def feed(self, events: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
        """Take each event into the report, then hand it on (to the chain check)."""
        exercise_id = self.info.get("id")
        handlers = _HANDLERS
        counts = self.counts
        for ev in events:
            if "exercise_id" not in ev:
                ev = {**ev, "exercise_id": exercise_id}
            kind = ev["type"]
            counts[kind] = counts.get(kind, 0) + 1
            if self.first is None:
                self.first = ev
            self.last = ev
            at_s = ev["exercise_time_s"]
            if at_s is not None and at_s > self.last_s:
                self.last_s = at_s
            handler = handlers.get(kind)
            if handler is not None:  # before the projection: it reads the state as it was before the event
                handler(self, ev, ev.get("payload") or {})
            if kind.startswith("zone.") or kind in ("step.rule", "observation"):
                self.spatial.take(ev)
            if kind in RadiologicalHistory.TYPES:
                self.radiological.take(ev)
            projection.apply(self.state, ev)
            if kind in _CONTROL_TYPES or kind in _EVALUATION_TYPES or kind == "message":
                self._staff_activity(ev, kind)
            yield ev

    # -- the exercise -----------------------------------------------------------------------------

    def _created(self, ev, data):
        self.created = dict(data)
        self.created_wall = ev["wall_time"]
        if not self.teams:
            self.teams = [dict(t) for t in data.get("teams") or []]

    def _started(self, ev, data):
        self.started_wall = self.started_wall or ev["wall_time"]

    def _paused(self, ev, data):
        self.pauses += 1

    def _speed(self, ev, data):
        self.speed_changes += 1

    def _ended(self, ev, data):
        self.ended_wall = ev["wall_time"]
        self.ended_s = ev["exercise_time_s"]

    # -- injects ----------------------------------------------------------------------------------

    def _released(self, ev, data):
        inject_id = data.get("id")
        if inject_id is None or inject_id in self.releases:
            return
        visible = ev.get("visible_to")
        teams = [t["key"] for t in self.teams] if visible is None else list(visible)
        definition = self.state["injects"].get(inject_id) or {}  # the staff's copy before this release
        expects = [(e["step"], float(e["within_s"])) for e in definition.get("expects") or []]
        at_s = ev["exercise_time_s"]
        record = {
            "id": inject_id,
            "title": data.get("title", definition.get("title", "")),
            "body": data.get("body", ""),
            "from": data.get("from", definition.get("from", "")),
            "to": data.get("to"),
            "channel": data.get("channel"),
            "type": data.get("type", definition.get("type")),
            "teams": teams,
            "released_at_s": at_s,
            "released_by": ev["actor"],
            "delayed": bool(data.get("delayed")),
            "scheduled_at_s": definition.get("scheduled_at_s", definition.get("at_s")),
            "objective": definition.get("objective"),
            "adhoc": bool(definition.get("adhoc")) or inject_id not in self.scenario_injects,
            "expects": [{"step": step, "within_s": within} for step, within in expects],
            "seq": ev["seq"],
        }
        self.releases[inject_id] = record
        agency_of = {t["key"]: t["agency"] for t in self.teams}
        for team in teams:
            # What the inject asks of this team: the expected steps its agency is responsible for.
            steps = sorted({step for step, _ in expects if agency_of.get(team) in self.step_agencies.get(step, ())})
            response = {"inject": inject_id, "team": team, "released_at_s": at_s, "expects": steps,
                        "ack_at_s": None, "first_action_at_s": None, "first_action_step": None}
            self.responses.append(response)
            self.response_of[(inject_id, team)] = response
            for step in steps:
                self.waiting.setdefault((team, step), []).append(response)

    def _acknowledged(self, ev, data):
        key = (data.get("inject_id"), data.get("team") or ev.get("team"))
        if key in self.acks:
            return
        self.acks.add(key)
        response = self.response_of.get(key)
        if response is not None:
            response["ack_at_s"] = ev["exercise_time_s"]

    # -- what teams did ---------------------------------------------------------------------------

    def _action(self, ev, data):
        action = data.get("action") or {}
        team = action.get("team") or ev.get("team")
        step = action.get("step")
        if not step or action.get("client_id") in self.state["actions"]:
            return
        at_s = action.get("exercise_time_s", ev["exercise_time_s"])
        waiting = self.waiting.pop((team, step), None)
        for response in waiting or ():
            response["first_action_at_s"] = at_s
            response["first_action_step"] = step

    # -- what the report reads from the shared state -----------------------------------------------

    @property
    def narrative(self) -> dict[str, dict[str, Any]]:
        return self.state["narrative"]

    @property
    def lead_evaluator(self) -> str | None:
        return self.state["exercise"]["lead_evaluator"]

    @property
    def observations(self) -> dict[str, dict[str, Any]]:
        return {key: {k: v for k, v in obs.items() if k != "seq"} for key, obs in self.state["observations"].items()}

    @property
    def ratings(self) -> dict[tuple[str, str], dict[str, Any]]:
        return {(objective, evaluator): rating for objective, by_evaluator in self.state["ratings"].items()
                for evaluator, rating in by_evaluator.items()}

    @property
    def consensus(self) -> dict[str, dict[str, Any]]:
        return self.state["consensus"]

    @property
    def plan(self) -> dict[str, dict[str, Any]]:
        return self.state["corrective_actions"]

    @property
    def feedback(self) -> list[dict[str, Any]]:
        return self.state["feedback"]

    @property
    def prompts(self) -> dict[str, dict[str, Any]]:
        return self.state["prompts"]

    @property
    def messages(self) -> int:
        return len(self.state["messages"])

    @property
    def participants(self) -> dict[str, list[str]]:
        people: dict[str, list[str]] = {}
        for person in self.state["participants"].values():
            names = people.setdefault(person["team"], [])
            if person["name"] not in names:
                names.append(person["name"])
        return people

    @property
    def actions_per_team(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for action in self.state["actions"].values():
            counts[action["team"]] = counts.get(action["team"], 0) + 1
        return counts

    @property
    def completions(self) -> list[Completion]:
        taps = [(a["team"], a["step"], a["exercise_time_s"]) for a in self.state["actions"].values() if a.get("step")]
        verdicts = {(team, step): verdict for team, steps in self.state["rules"].items()
                    for step, verdict in steps.items()}
        return completions_with_rules(taps, verdicts, ruled_steps(self.scenario, self.checklist))

    @property
    def waivers(self) -> list[Waiver]:
        return [Waiver(team=w["team"], step=w["step"], reason=w["reason"], at_s=w["at_s"])
                for w in self.state["waivers"].values()]

    def definition(self, inject_id: str) -> Mapping[str, Any]:
        """The exercise's copy of an inject: the scenario's, as staff edited it, with its status."""
        return self.state["injects"].get(inject_id) or self.scenario_injects.get(inject_id) or {}

    def _staff_activity(self, ev, kind):
        actor = ev["actor"]
        if actor in SYSTEM_ACTORS:
            return
        if kind == "message" and "control" not in ((ev.get("payload") or {}).get("from") or {}):
            return  # a team's message
        entry = self.staff.setdefault(actor, {"name": actor, "activities": [], "events": 0})
        entry["events"] += 1
        activity = "evaluation" if kind in _EVALUATION_TYPES else "control"
        if activity not in entry["activities"]:
            entry["activities"].append(activity)

    # -- the report -------------------------------------------------------------------------------

    def report(self, check: ChainCheck | AuditResult) -> dict[str, Any]:
        ended = self.ended_s is not None or self.info.get("status") == "ended"
        if self.ended_s is not None:
            now_s = self.ended_s
        elif self.info.get("now_s") is not None:
            now_s = float(self.info["now_s"])
        else:
            now_s = self.last_s
        compliance = self._compliance(now_s, ended)
        objectives = self._analysis(compliance)
        return {
            "format": FORMAT,
            "generated_at": self.info.get("generated_at"),
            "exercise_id": self.info.get("id"),
            "draft": not ended,
            "overview": self._overview(now_s, ended),
            "narrative": self.narrative,
            "narrative_sections": narrative_sections(self.scenario),
            "analysis": {
                "rating_definitions": self.info.get("rating_definitions"),
                "lead_evaluator": self.lead_evaluator,
                "objectives": objectives,
                "unassigned_observations": self._unassigned_observations(),
            },
            "strengths_and_improvements": self._strengths_and_improvements(),
            "observations": sorted(self.observations.values(), key=_observation_order),
            "compliance": compliance,
            "injects": list(self.releases.values()),
            "injects_not_released": self._not_released(),
            "response_times": self._response_times(),
            "contingencies": self._contingencies(),
            "spatial": self.spatial.section(self.teams),
            "radiological": self.radiological.section(now_s),
            "feedback": self._feedback_summary(),
            "improvement_plan": sorted(self.plan.values(), key=_plan_order),
            "participants": self._participants(),
            "event_log": self._digest(),
            "audit": check.as_dict(),
        }

    def _overview(self, now_s: float, ended: bool) -> dict[str, Any]:
        scenario_ref = self.created.get("scenario") or {}
        checklist_ref = self.created.get("checklist") or {}
        agency_names = {a["key"]: a.get("name", a["key"]) for a in self.checklist.get("agencies") or []}
        agencies: dict[str, dict[str, Any]] = {}
        for team in self.teams:
            entry = agencies.setdefault(team["agency"], {"key": team["agency"],
                                                         "name": agency_names.get(team["agency"], team["agency"]),
                                                         "teams": []})
            entry["teams"].append(team["key"])
        return {
            "name": self.info.get("name") or self.created.get("name"),
            "status": self.info.get("status") or ("ended" if ended else None),
            "created_at": self.created_wall,
            "started_at": self.started_wall,
            "ended_at": self.ended_wall,
            "duration_s": now_s,
            "wall_duration_s": _seconds_between(self.started_wall, self.ended_wall),
            "planned_duration_s": self.scenario.get("duration_s"),
            "pauses": self.pauses,
            "speed_changes": self.speed_changes,
            "scenario": {
                "id": scenario_ref.get("id", self.scenario.get("id")),
                "title": scenario_ref.get("title", self.scenario.get("title")),
                "version": str(scenario_ref.get("version", self.scenario.get("version", ""))),
                "hash": scenario_ref.get("hash", self.info.get("scenario_hash", self.scenario.get("hash"))),
                "summary": self.scenario.get("summary", ""),
            },
            "checklist": {
                "id": checklist_ref.get("id", self.checklist.get("id")),
                "title": self.checklist.get("title"),
                "version": str(checklist_ref.get("version", self.checklist.get("version", ""))),
                "hash": checklist_ref.get("hash", self.info.get("checklist_hash", self.checklist.get("hash"))),
            },
            "hazard": self.scenario.get("hazard", ""),
            "objectives": [{"id": o["id"], "text": o.get("text", ""), "capability": o.get("capability")}
                           for o in self.scenario.get("objectives") or []],
            "capabilities": list(dict.fromkeys(o.get("capability") for o in self.scenario.get("objectives") or []
                                               if o.get("capability"))),
            "teams": [{"key": t["key"], "name": t.get("name", t["key"]), "agency": t["agency"],
                       "agency_name": agency_names.get(t["agency"], t["agency"]),
                       "participants": len(self.participants.get(t["key"], [])),
                       "actions": self.actions_per_team.get(t["key"], 0)} for t in self.teams],
            "agencies": list(agencies.values()),
            "staff": sorted(self.staff.values(), key=lambda s: s["name"].lower()),
            "lead_evaluator": self.lead_evaluator,
            "messages": self.messages,
        }

    def _compliance(self, now_s: float, ended: bool) -> dict[str, Any]:
        step_rows = self.checklist.get("steps") or []
        steps = [StepDef(id=s["id"], agencies=tuple(s["agencies"]), mode=s.get("mode", "each"),
                         critical=bool(s.get("critical")), after=tuple(s.get("after") or ()), phase=s.get("phase"))
                 for s in step_rows]
        texts = {s["id"]: s for s in step_rows}
        releases = [Release(inject_id=r["id"], teams=tuple(r["teams"]), released_at_s=r["released_at_s"],
                            expects=tuple((e["step"], e["within_s"]) for e in r["expects"]))
                    for r in self.releases.values() if r["expects"]]
        result = evaluate(steps, [TeamDef(key=t["key"], agency=t["agency"]) for t in self.teams], releases,
                          self.completions, self.waivers, now_s, ended)
        names = {t["key"]: t.get("name", t["key"]) for t in self.teams}
        agency_names = {a["key"]: a.get("name", a["key"]) for a in self.checklist.get("agencies") or []}
        teams = []
        for team in result.teams:
            counts: dict[str, int] = {}
            rows = []
            for s in team.steps:
                status = s.status.value
                counts[status] = counts.get(status, 0) + 1
                counts["out_of_order"] = counts.get("out_of_order", 0) + int(s.out_of_order)
                delay = s.done_at_s - s.due_at_s if s.done_at_s is not None and s.due_at_s is not None else None
                rows.append({"step": s.step, "text": texts[s.step].get("text", ""),
                             "phase": texts[s.step].get("phase"), "critical": s.critical, "status": status,
                             "due_at_s": s.due_at_s, "triggered_at_s": s.triggered_at_s, "done_at_s": s.done_at_s,
                             "delay_s": delay, "time_to_complete_s": s.time_to_complete_s,
                             "out_of_order": s.out_of_order, "done_by": s.done_by,
                             "waiver_reason": s.waiver_reason, "weight": s.weight, "credit": s.credit})
            teams.append({"key": team.key, "name": names.get(team.key, team.key), "agency": team.agency,
                          "score": team.score, "counts": counts, "steps": rows})
        return {"now_s": result.now_s, "ended": result.ended, "teams": teams,
                "agencies": [{"agency": a.agency, "name": agency_names.get(a.agency, a.agency), "score": a.score,
                              "teams": list(a.teams)} for a in result.agencies]}

    def _analysis(self, compliance: dict[str, Any]) -> list[dict[str, Any]]:
        by_objective: dict[str | None, list[dict[str, Any]]] = {}
        for obs in sorted(self.observations.values(), key=_observation_order):
            by_objective.setdefault(obs.get("objective"), []).append(obs)
        statuses = {(t["key"], s["step"]): s["status"] for t in compliance["teams"] for s in t["steps"]}
        objectives = []
        for objective in self.scenario.get("objectives") or []:
            oid = objective["id"]
            observed = by_objective.get(oid, [])
            expected = []
            for release in self.releases.values():
                if release["objective"] != oid:
                    continue
                for expect in release["expects"]:
                    for team in release["teams"]:
                        status = statuses.get((team, expect["step"]))
                        if status is not None:
                            expected.append({"inject": release["id"], "step": expect["step"], "team": team,
                                             "status": status})
            objectives.append({
                "id": oid,
                "text": objective.get("text", ""),
                "capability": objective.get("capability"),
                "ratings": sorted((r for (o, _), r in self.ratings.items() if o == oid),
                                  key=lambda r: (r["updated_at"] or "", r["evaluator"])),
                "consensus": self.consensus.get(oid),
                "narrative": self.narrative.get(OBJECTIVE_PREFIX + oid),
                "strengths": [o for o in observed if o.get("tag") == "strength"],
                "improvements": [o for o in observed if o.get("tag") == "improvement"],
                "other_observations": [o for o in observed if o.get("tag") not in ("strength", "improvement")],
                "expected_actions": expected,
            })
        return objectives

    def _strengths_and_improvements(self) -> list[dict[str, Any]]:
        """Tagged observations grouped by objective, else by capability, else general."""
        objectives = {o["id"]: o for o in self.scenario.get("objectives") or []}
        groups: dict[tuple[str | None, str | None], dict[str, Any]] = {
            (oid, o.get("capability")): {"objective": oid, "capability": o.get("capability"),
                                         "strengths": [], "improvements": []}
            for oid, o in objectives.items()}
        for obs in sorted(self.observations.values(), key=_observation_order):
            tag = obs.get("tag")
            if tag not in ("strength", "improvement"):
                continue
            oid = obs.get("objective") if obs.get("objective") in objectives else None
            capability = objectives[oid].get("capability") if oid else obs.get("capability")
            group = groups.setdefault((oid, capability), {"objective": oid, "capability": capability,
                                                          "strengths": [], "improvements": []})
            group["strengths" if tag == "strength" else "improvements"].append(obs)
        return [g for g in groups.values() if g["strengths"] or g["improvements"]]

    def _unassigned_observations(self) -> list[dict[str, Any]]:
        """Untagged observations about no objective of the scenario (tagged ones are grouped above)."""
        objectives = {o["id"] for o in self.scenario.get("objectives") or []}
        return [o for o in sorted(self.observations.values(), key=_observation_order)
                if o.get("objective") not in objectives and o.get("tag") not in ("strength", "improvement")]

    def _not_released(self) -> list[dict[str, Any]]:
        rows = []
        for inject_id, inject in self.scenario_injects.items():
            if inject_id in self.releases:
                continue
            if self.definition(inject_id).get("status") == "skipped":
                outcome = "skipped"
            elif inject.get("when_overdue") or inject.get("type") == "contingency":
                outcome = "contingency not needed"
            elif inject.get("at_s") is None:
                outcome = "reserve not used"
            else:
                outcome = "not reached"
            rows.append({"id": inject_id, "title": inject.get("title", ""), "at_s": inject.get("at_s"),
                         "outcome": outcome})
        return rows

    def _response_times(self) -> dict[str, Any]:
        per_team: dict[str, dict[str, list[float]]] = {t["key"]: {"ack": [], "action": []} for t in self.teams}
        received: dict[str, int] = {}
        rows = []
        for response in self.responses:
            release = response["released_at_s"]
            ack = response["ack_at_s"]
            action = response["first_action_at_s"]
            row = {**response,
                   "ack_delay_s": ack - release if ack is not None else None,
                   "action_delay_s": action - release if action is not None else None}
            rows.append(row)
            team = per_team.setdefault(response["team"], {"ack": [], "action": []})
            received[response["team"]] = received.get(response["team"], 0) + 1
            if row["ack_delay_s"] is not None:
                team["ack"].append(row["ack_delay_s"])
            if row["action_delay_s"] is not None:
                team["action"].append(row["action_delay_s"])
        expecting: dict[str, int] = {}
        for response in self.responses:
            if response["expects"]:
                expecting[response["team"]] = expecting.get(response["team"], 0) + 1
        teams = [{"team": key, "injects": received.get(key, 0), "expecting_action": expecting.get(key, 0),
                  "acknowledgement": _stats(values["ack"]), "first_action": _stats(values["action"])}
                 for key, values in per_team.items()]
        return {"teams": teams, "injects": rows}

    def _contingencies(self) -> dict[str, Any]:
        fired = []
        for release in self.releases.values():
            definition = self.definition(release["id"])
            trigger = definition.get("when_overdue")
            prompt = self.prompts.get(release["id"])
            if release["released_by"] == "contingency":
                mode = "auto"
            elif prompt is not None:
                mode = "prompt"
                prompt.update(outcome="released", decided_by=release["released_by"],
                              decided_at_s=release["released_at_s"])
            elif trigger or definition.get("type") == "contingency":
                mode = "manual"
            else:
                continue
            fired.append({"inject": release["id"], "title": release["title"], "teams": release["teams"],
                          "released_at_s": release["released_at_s"], "released_by": release["released_by"],
                          "mode": mode, "trigger": trigger,
                          "prompted_at_s": prompt["prompted_at_s"] if prompt else None})
        prompts = list(self.prompts.values())
        return {"fired": fired, "prompts": prompts,
                "dismissed": [p for p in prompts if p["outcome"] == "dismissed"]}

    def _feedback_summary(self) -> dict[str, Any]:
        questions_text: Mapping[str, str] = self.info.get("feedback_questions") or {}
        keys = list(questions_text)
        for form in self.feedback:
            for key in (form.get("ratings") or {}):
                if key not in questions_text and key not in keys:
                    keys.append(key)
        questions = []
        for key in keys:
            answers = [f["ratings"][key] for f in self.feedback
                       if isinstance((f.get("ratings") or {}).get(key), (int, float))
                       and not isinstance(f["ratings"][key], bool)]
            distribution = {str(n): 0 for n in range(1, 6)}
            for answer in answers:
                distribution[str(int(answer))] = distribution.get(str(int(answer)), 0) + 1
            questions.append({"key": key, "text": questions_text.get(key, key), "answered": len(answers),
                              "average": round(sum(answers) / len(answers), 2) if answers else None,
                              "distribution": distribution})
        by_team: dict[str, int] = {}
        for form in self.feedback:
            by_team[form["team"]] = by_team.get(form["team"], 0) + 1
        comments = [{"team": f["team"], "role": f.get("role", ""), "strengths": f.get("strengths", ""),
                     "improvements": f.get("improvements", ""), "comments": f.get("comments", "")}
                    for f in self.feedback
                    if any((f.get(k) or "").strip() for k in ("strengths", "improvements", "comments"))]
        return {"responses": len(self.feedback), "by_team": by_team, "questions": questions, "comments": comments}

    def _participants(self) -> list[dict[str, Any]]:
        return [{"team": t["key"], "name": t.get("name", t["key"]), "agency": t["agency"],
                 "people": self.participants.get(t["key"], [])} for t in self.teams]

    def _digest(self) -> dict[str, Any]:
        first, last = self.first or {}, self.last or {}
        return {"events": sum(self.counts.values()),
                "first_seq": first.get("seq"), "last_seq": last.get("seq"), "last_hash": last.get("hash"),
                "first_wall_time": first.get("wall_time"), "last_wall_time": last.get("wall_time"),
                "counts": dict(sorted(self.counts.items()))}


_HANDLERS = {
    "exercise.created": _Log._created,
    "exercise.started": _Log._started,
    "exercise.paused": _Log._paused,
    "exercise.speed": _Log._speed,
    "exercise.ended": _Log._ended,
    "inject.released": _Log._released,
    "inject.acknowledged": _Log._acknowledged,
    "action.logged": _Log._action,
}


# -- small helpers --------------------------------------------------------------------------------


def _stats(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"count": 0, "median_s": None, "worst_s": None, "best_s": None}
    return {"count": len(values), "median_s": statistics.median(values), "worst_s": max(values),
            "best_s": min(values)}


def _seconds_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def _observation_order(obs: Mapping[str, Any]) -> tuple:
    return (obs.get("exercise_time_s") or 0.0, obs.get("id") if isinstance(obs.get("id"), int) else 0)


def _plan_order(row: Mapping[str, Any]) -> tuple:
    return (0, row["id"]) if isinstance(row.get("id"), int) else (1, str(row.get("id")))
