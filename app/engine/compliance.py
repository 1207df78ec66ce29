"""SOP compliance (DESIGN.md §4): each team's checklist status as a pure function of plain data.

``evaluate`` takes the checklist steps, the teams, the inject releases that actually happened,
the steps teams completed, staff waivers, the exercise time ``now_s`` and whether the exercise
has ended. It is the state *as of* ``now_s``: releases, completions and waivers stamped later
are ignored, so the same call replays the checklist at any past moment (AAR, replay).

Decisions, in the words of the exercise:

* A step applies to a team when the team's agency is in ``step.agencies``.
* **Due.** A step becomes due for a team when an inject that expects it is released *to that
  team*; ``due_at = release + within``. A step expected by several released injects takes the
  earliest deadline. ``triggered_at_s`` is the first such release (when the team was first
  asked), which is what response times are measured from.
* **Joint steps** (``mode: any``) have one shared state for all responsible teams (all teams
  whose agency is responsible): the deadline is the earliest among releases to *any*
  responsible team, and the earliest completion by *any* responsible team counts for all of
  them (``done_by`` says who). Shared credit, shared blame: the team that received the inject
  is expected to coordinate with the others. A waiver is still per team.
* **Completion.** A team's first completion of a step counts; later ones are ignored.
* **Status**, first match wins: WAIVED (staff said not applicable); DONE when completed at or
  before the deadline, or with no deadline at all (proactive); LATE when completed after the
  deadline; PENDING when not due; OPEN while ``now < due_at``; otherwise OVERDUE, which becomes
  MISSED when the exercise ends. Ending the exercise changes nothing else: a step whose
  deadline had not yet come stays OPEN (the team was not yet in default).
* **Out of order.** A DONE/LATE step is out of order when a step in its ``after`` list had not
  been completed *at or before* its completion (equal times are in order: a tablet may send
  two ticks in the same second). Prerequisites are judged for the team that did the step;
  a prerequisite that does not apply to that team, or that staff waived for it, is ignored;
  a joint prerequisite counts when any of its responsible teams completed it.
* **Score** = sum(weight x credit) / sum(weight) over the *counted* steps, where weight is 3
  for critical steps and 1 otherwise, and credit is 1 for DONE, 0.5 for LATE, halved again
  when out of order, and 0 for OVERDUE/MISSED. Counted steps are DONE, LATE, OVERDUE and
  MISSED; OPEN (a fresh inject must not drop a score), PENDING and WAIVED are not counted.
  A proactive DONE step is counted: doing the right thing unasked earns credit. The score is
  None when nothing is counted. An agency's score pools the counted steps of its teams the
  same way.

Unknown step ids, unknown team keys and steps that do not apply to a team are ignored rather
than raised: content and actions are validated upstream, and a live console must not break.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..vocabulary import StepStatus

CRITICAL_WEIGHT = 3
NORMAL_WEIGHT = 1



# Credit per counted status, before the out-of-order halving.
_CREDIT = {
    StepStatus.DONE: 1.0,
    StepStatus.LATE: 0.5,
    StepStatus.OVERDUE: 0.0,
    StepStatus.MISSED: 0.0,
}


# -- inputs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepDef:
    """A harmonized checklist step, as far as compliance needs it."""

    id: str
    agencies: tuple[str, ...]
    mode: Literal["each", "any"] = "each"
    critical: bool = False
    after: tuple[str, ...] = ()
    phase: str | None = None

    @property
    def weight(self) -> int:
        return CRITICAL_WEIGHT if self.critical else NORMAL_WEIGHT


@dataclass(frozen=True)
class TeamDef:
    key: str
    agency: str


@dataclass(frozen=True)
class Release:
    """An inject actually released to ``teams`` at ``released_at_s``, expecting steps within a time."""

    inject_id: str
    teams: tuple[str, ...]
    released_at_s: float
    expects: tuple[tuple[str, float], ...] = ()  # (step id, within seconds)


@dataclass(frozen=True)
class Completion:
    """A team did (ticked) a step at exercise time ``at_s``."""

    team: str
    step: str
    at_s: float


@dataclass(frozen=True)
class Waiver:
    """Staff marked a step not applicable for a team (from exercise time ``at_s``)."""

    team: str
    step: str
    reason: str
    at_s: float = 0.0


# -- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepResult:
    step: str
    status: StepStatus
    out_of_order: bool
    due_at_s: float | None  # earliest deadline among triggering releases
    triggered_at_s: float | None  # first triggering release
    done_at_s: float | None
    done_by: str | None  # team key; another team's for joint steps
    time_to_complete_s: float | None  # done - triggered; None if not done or done before asked
    critical: bool
    weight: int
    credit: float | None  # 0..1 share earned; None when the step is not counted in the score
    waiver_reason: str | None = None


@dataclass(frozen=True)
class TeamCompliance:
    key: str
    agency: str
    score: float | None
    steps: tuple[StepResult, ...]

    def step(self, step_id: str) -> StepResult:
        """This team's result for one step (KeyError if it does not apply to the team)."""
        for result in self.steps:
            if result.step == step_id:
                return result
        raise KeyError(step_id)


@dataclass(frozen=True)
class AgencyScore:
    agency: str
    score: float | None
    teams: tuple[str, ...]


@dataclass(frozen=True)
class ComplianceResult:
    now_s: float
    ended: bool
    teams: tuple[TeamCompliance, ...]
    agencies: tuple[AgencyScore, ...]

    def team(self, key: str) -> TeamCompliance:
        """One team's compliance (KeyError if unknown)."""
        for team in self.teams:
            if team.key == key:
                return team
        raise KeyError(key)

    def agency_score(self, agency: str) -> float | None:
        """The pooled score of an agency's teams (KeyError if no team has that agency)."""
        for entry in self.agencies:
            if entry.agency == agency:
                return entry.score
        raise KeyError(agency)


@dataclass(frozen=True)
class StatusChange:
    team: str
    step: str
    old: StepStatus | None  # None when the pair was not in the earlier result
    new: StepStatus
    result: StepResult


# -- evaluation --------------------------------------------------------------------------------


def evaluate(
    steps: Sequence[StepDef],
    teams: Sequence[TeamDef],
    releases: Iterable[Release],
    completions: Iterable[Completion],
    waivers: Iterable[Waiver],
    now_s: float,
    ended: bool,
) -> ComplianceResult:
    """Every team's checklist status and score as of exercise time ``now_s``."""
    _require_unique([s.id for s in steps], "step ids")
    _require_unique([t.key for t in teams], "team keys")
    steps_by_id = {s.id: s for s in steps}
    # step id -> keys of the teams responsible for it, in team order.
    responsible = {s.id: tuple(t.key for t in teams if t.agency in s.agencies) for s in steps}

    def applies(step_id: str, team_key: str) -> bool:
        return team_key in responsible.get(step_id, ())

    # (team, step) -> (due_at, triggered_at), from releases addressed to that team.
    triggers: dict[tuple[str, str], tuple[float, float]] = {}
    for release in releases:
        if release.released_at_s > now_s:
            continue
        for step_id, within_s in release.expects:
            for team_key in release.teams:
                if applies(step_id, team_key):
                    key = (team_key, step_id)
                    due, released = release.released_at_s + within_s, release.released_at_s
                    old_due, old_released = triggers.get(key, (due, released))
                    triggers[key] = (min(old_due, due), min(old_released, released))

    # (team, step) -> first completion time.
    done: dict[tuple[str, str], float] = {}
    for completion in completions:
        key = (completion.team, completion.step)
        if completion.at_s <= now_s and applies(completion.step, completion.team):
            done[key] = min(done.get(key, completion.at_s), completion.at_s)

    waived: dict[tuple[str, str], str] = {}
    for waiver in waivers:  # the last waiver given for a pair carries the reason
        if waiver.at_s <= now_s and applies(waiver.step, waiver.team):
            waived[(waiver.team, waiver.step)] = waiver.reason

    def holders(team_key: str, step: StepDef) -> tuple[str, ...]:
        # A joint step's state is pooled over all responsible teams; otherwise it is the team's own.
        return responsible[step.id] if step.mode == "any" else (team_key,)

    def trigger_of(team_key: str, step: StepDef) -> tuple[float | None, float | None]:
        found = [triggers[(k, step.id)] for k in holders(team_key, step) if (k, step.id) in triggers]
        if not found:
            return None, None
        return min(due for due, _ in found), min(released for _, released in found)

    def completion_of(team_key: str, step: StepDef) -> tuple[float | None, str | None]:
        # Earliest completion; a tie goes to the team listed first, so that a joint step
        # reads the same for every responsible team.
        found = [(done[(k, step.id)], k) for k in holders(team_key, step) if (k, step.id) in done]
        if not found:
            return None, None
        return min(found, key=lambda entry: entry[0])

    def out_of_order(doer: str, step: StepDef, done_at: float) -> bool:
        for before_id in step.after:
            before = steps_by_id.get(before_id)
            if before is None or not applies(before_id, doer) or (doer, before_id) in waived:
                continue
            before_done_at, _ = completion_of(doer, before)
            if before_done_at is None or before_done_at > done_at:
                return True
        return False

    team_results = []
    for team in teams:
        results = []
        for step in steps:
            if not applies(step.id, team.key):
                continue
            due_at, triggered_at = trigger_of(team.key, step)
            done_at, done_by = completion_of(team.key, step)
            waiver_reason = waived.get((team.key, step.id))
            status = _status(due_at, done_at, waiver_reason is not None, now_s, ended)
            flagged = status in (StepStatus.DONE, StepStatus.LATE) and out_of_order(
                done_by, step, done_at
            )
            credit = _CREDIT.get(status)
            if credit is not None and flagged:
                credit /= 2
            results.append(
                StepResult(
                    step=step.id,
                    status=status,
                    out_of_order=flagged,
                    due_at_s=due_at,
                    triggered_at_s=triggered_at,
                    done_at_s=done_at,
                    done_by=done_by,
                    time_to_complete_s=_time_to_complete(triggered_at, done_at),
                    critical=step.critical,
                    weight=step.weight,
                    credit=credit,
                    waiver_reason=waiver_reason,
                )
            )
        team_results.append(
            TeamCompliance(team.key, team.agency, _score(results), tuple(results))
        )

    agencies: dict[str, list[TeamCompliance]] = {}
    for result in team_results:
        agencies.setdefault(result.agency, []).append(result)
    agency_scores = tuple(
        AgencyScore(agency, _score([s for t in members for s in t.steps]), tuple(t.key for t in members))
        for agency, members in agencies.items()
    )
    return ComplianceResult(now_s, ended, tuple(team_results), agency_scores)


def _status(
    due_at: float | None, done_at: float | None, is_waived: bool, now_s: float, ended: bool
) -> StepStatus:
    if is_waived:
        return StepStatus.WAIVED
    if done_at is not None:
        # Done exactly at the deadline is on time.
        return StepStatus.DONE if due_at is None or done_at <= due_at else StepStatus.LATE
    if due_at is None:
        return StepStatus.PENDING
    if now_s < due_at:
        return StepStatus.OPEN
    return StepStatus.MISSED if ended else StepStatus.OVERDUE


def _time_to_complete(triggered_at: float | None, done_at: float | None) -> float | None:
    # A step done before anyone asked for it has no response time (it was proactive).
    if triggered_at is None or done_at is None or done_at < triggered_at:
        return None
    return done_at - triggered_at


def _score(results: Iterable[StepResult]) -> float | None:
    earned = total = 0.0
    for result in results:
        if result.credit is not None:
            earned += result.weight * result.credit
            total += result.weight
    return earned / total if total else None


def _require_unique(keys: list[str], what: str) -> None:
    # Duplicates are a programming error upstream, not something to paper over.
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate {what}")


# -- helpers for the live console and the scheduler --------------------------------------------


def step_statuses_changed(before: ComplianceResult, after: ComplianceResult) -> list[StatusChange]:
    """The (team, step) pairs whose status differs between two evaluations, in ``after``'s order."""
    old = {(t.key, s.step): s.status for t in before.teams for s in t.steps}
    return [
        StatusChange(team.key, step.step, old.get((team.key, step.step)), step.status, step)
        for team in after.teams
        for step in team.steps
        if old.get((team.key, step.step)) != step.status
    ]


def next_deadline(result: ComplianceResult) -> float | None:
    """The earliest exercise time at which an OPEN step turns OVERDUE; None if none will."""
    if result.ended:
        return None
    deadlines = [
        step.due_at_s
        for team in result.teams
        for step in team.steps
        if step.status is StepStatus.OPEN
    ]
    return min(deadlines, default=None)


# -- steps done by a zone -----------------------------------------------------------------------------

def ruled_steps(scenario: Mapping[str, Any], checklist: Mapping[str, Any]) -> dict[str, str]:
    """Step id -> how it is done (`zone`, `zone-or-tap`, `zone-and-tap`) for each step with a spatial
    rule in this scenario: the checklist's `rule`, or the scenario's `zones.rules` (null: none), and
    only on a scenario with a site (docs/zones.md)."""
    if not scenario.get("site"):
        return {}
    own = (scenario.get("zones") or {}).get("rules") or {}
    out = {}
    for step in checklist.get("steps") or []:
        rule = own[step["id"]] if step["id"] in own else step.get("rule")
        if rule is not None:
            out[step["id"]] = step.get("completed_by") or "zone"
    return out


def completions_with_rules(taps: Iterable[tuple[str, str, float]], verdicts: Mapping[tuple[str, str], Mapping],
                           ruled: Mapping[str, str]) -> list[Completion]:
    """What compliance counts as done: taps, except on a step with a spatial rule, which is done from
    the moment its rule last became true (`since_s` of a verdict that holds) — by the zone alone, by the
    zone or a tap (the earlier), or by both (the later); a rule that stops holding opens it again."""
    first_tap: dict[tuple[str, str], float] = {}
    out = []
    for team, step, at_s in taps:
        if step in ruled and ruled[step] != "zone-or-tap":
            first_tap[(team, step)] = min(at_s, first_tap.get((team, step), at_s))
        else:
            out.append(Completion(team=team, step=step, at_s=at_s))
    for (team, step), verdict in verdicts.items():
        if step not in ruled or not verdict.get("ok"):
            continue
        if ruled[step] == "zone-and-tap":
            if (team, step) in first_tap:
                out.append(Completion(team=team, step=step, at_s=max(verdict["since_s"], first_tap[(team, step)])))
        else:
            out.append(Completion(team=team, step=step, at_s=verdict["since_s"]))
    return out
