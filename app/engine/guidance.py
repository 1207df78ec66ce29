"""Dose guidance for responders: which dose a task may cost, and when a responder nears it.

Guidance sets are content data (a ``dose_guidance`` block of a checklist, schema in
``app/schemas/dose.py``); two sets are built in:

* ``gsr-part-7`` (the default) — IAEA GSR Part 7 (2015), Appendix I, Table I.1, guidance values
  for restricting the exposure of emergency workers, in Hp(10): life-saving actions < 500 mSv,
  which may be exceeded only where the benefit to others clearly outweighs the worker's own
  risk and the worker volunteers, informed; actions to prevent severe deterministic effects or
  the development of catastrophic conditions < 500 mSv; actions to avert a large collective dose
  < 100 mSv. Workers are informed and volunteer above 50 mSv. Confidence U: these are the values
  two independent reviews recall and that the IAEA's current requirements are known for; the
  text itself was not read for this table. Jurisdictions differ: a checklist can define its own.
* ``legacy-remm`` — the older IAEA turn-back values as HHS REMM lists them
  (https://remm.hhs.gov/IAEA_guidelines.htm): 50 mSv to avert a large collective dose, 500 mSv
  to prevent severe health effects and catastrophic conditions, 1000 mSv for life-saving;
  volunteers only above 500 mSv. Labelled legacy: kept for exercises that still train on it.

Task types are the keys of a set's limits. Source recovery, evidence collection and sampling
are not turn-back work: they are planned under occupational dose limits at the radiological
assessor's direction (IAEA EPR-First Responders, personnel protection), so their "limit" is
the assessor's dose constraint when the set gives one (``occupational_mSv``), else none.

``guidance_crossings`` tells which fractions of a limit (50 %, 80 %, 100 % by default) one
advance of a dose account crossed. Doses never decrease, so each fraction is crossed exactly
once: the service announces each as one ``dose.guidance_reached`` event.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

DEFAULT_SET = "gsr-part-7"
DEFAULT_FRACTIONS = (0.5, 0.8, 1.0)

LIFE_SAVING = "life-saving"
PREVENT_SEVERE_EFFECTS = "prevent-severe-effects"
AVERT_COLLECTIVE_DOSE = "avert-collective-dose"
TURN_BACK_TASKS = (LIFE_SAVING, PREVENT_SEVERE_EFFECTS, AVERT_COLLECTIVE_DOSE)
OCCUPATIONAL_TASKS = ("source-recovery", "evidence-collection", "sampling")

OCCUPATIONAL_NOTE = (
    "not turn-back work: occupational dose limits apply, under the radiological assessor's direction"
)


class UnknownTaskType(ValueError):
    """A task type the guidance set does not know."""


class UnknownGuidanceSet(ValueError):
    """A guidance set id that is neither built in nor defined by the checklist."""


@dataclass(frozen=True)
class GuidanceSet:
    """Dose guidance by task type, in mSv (Hp(10))."""

    id: str
    title: str
    limits_mSv: Mapping[str, float]
    occupational_tasks: tuple[str, ...] = OCCUPATIONAL_TASKS
    occupational_mSv: float | None = None  # the assessor's dose constraint for occupational tasks
    may_exceed: tuple[str, ...] = ()  # tasks whose value informed volunteers may exceed
    volunteers_above_mSv: float | None = None  # above this, workers are informed and volunteer
    status: Literal["current", "legacy", "custom"] = "custom"
    reference: str = ""
    confidence: str = "U"
    notes: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for task, value in self.limits_mSv.items():
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"the dose guidance for {task} must be a positive number of mSv")
        overlap = set(self.limits_mSv) & set(self.occupational_tasks)
        if overlap:
            raise ValueError(f"{', '.join(sorted(overlap))} cannot be both turn-back and occupational")

    @property
    def task_types(self) -> tuple[str, ...]:
        return (*self.limits_mSv, *self.occupational_tasks)


@dataclass(frozen=True)
class GuidanceLimit:
    """The guidance that applies to one task: a turn-back value, or occupational limits."""

    task_type: str
    limit_mSv: float | None  # None: no number to count against (occupational, no constraint given)
    kind: Literal["turn-back", "occupational"]
    may_exceed: bool = False
    volunteers_above_mSv: float | None = None
    note: str = ""


BUILTIN_SETS: dict[str, GuidanceSet] = {
    "gsr-part-7": GuidanceSet(
        id="gsr-part-7",
        title="IAEA GSR Part 7 (2015): guidance values for emergency workers",
        limits_mSv={LIFE_SAVING: 500.0, PREVENT_SEVERE_EFFECTS: 500.0, AVERT_COLLECTIVE_DOSE: 100.0},
        may_exceed=(LIFE_SAVING,),
        volunteers_above_mSv=50.0,
        status="current",
        reference="IAEA GSR Part 7 (2015), Appendix I, Table I.1",
        confidence="U",
        notes={
            LIFE_SAVING: "may be exceeded only where the benefit to others clearly outweighs the "
            "worker's own risk, by an informed volunteer",
        },
    ),
    "legacy-remm": GuidanceSet(
        id="legacy-remm",
        title="Legacy IAEA turn-back values (as listed by HHS REMM)",
        limits_mSv={LIFE_SAVING: 1000.0, PREVENT_SEVERE_EFFECTS: 500.0, AVERT_COLLECTIVE_DOSE: 50.0},
        volunteers_above_mSv=500.0,
        status="legacy",
        reference="https://remm.hhs.gov/IAEA_guidelines.htm (older IAEA guidance, superseded by GSR Part 7)",
        confidence="V",
    ),
}


def guidance_sets(custom: Iterable[GuidanceSet] = ()) -> dict[str, GuidanceSet]:
    """The built-in sets plus a checklist's own (a custom set may not reuse a built-in id)."""
    sets = dict(BUILTIN_SETS)
    for guidance in custom:
        if guidance.id in sets:
            raise ValueError(f"guidance set {guidance.id!r} is already defined")
        sets[guidance.id] = guidance
    return sets


def guidance_set(sets: Mapping[str, GuidanceSet], set_id: str | None = None) -> GuidanceSet:
    """The set with ``set_id`` (the default, GSR Part 7, when None)."""
    set_id = set_id or DEFAULT_SET
    try:
        return sets[set_id]
    except KeyError:
        known = ", ".join(sorted(sets))
        raise UnknownGuidanceSet(f"unknown dose guidance set {set_id!r}; known: {known}") from None


def applicable_limit(guidance: GuidanceSet, task_type: str) -> GuidanceLimit:
    """The guidance for ``task_type`` in ``guidance``; UnknownTaskType lists the known task types."""
    if task_type in guidance.limits_mSv:
        return GuidanceLimit(
            task_type=task_type,
            limit_mSv=float(guidance.limits_mSv[task_type]),
            kind="turn-back",
            may_exceed=task_type in guidance.may_exceed,
            volunteers_above_mSv=guidance.volunteers_above_mSv,
            note=guidance.notes.get(task_type, ""),
        )
    if task_type in guidance.occupational_tasks:
        return GuidanceLimit(
            task_type=task_type,
            limit_mSv=guidance.occupational_mSv,
            kind="occupational",
            note=OCCUPATIONAL_NOTE,
        )
    known = ", ".join(guidance.task_types)
    raise UnknownTaskType(f"unknown task type {task_type!r} for {guidance.id}; known: {known}")


@dataclass(frozen=True)
class GuidanceCrossing:
    """A fraction of a task's dose guidance reached: becomes a ``dose.guidance_reached`` event."""

    fraction: float
    threshold_mSv: float
    limit_mSv: float


def guidance_crossings(
    previous_dose_mSv: float,
    new_dose_mSv: float,
    limit_mSv: float | None,
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
) -> list[GuidanceCrossing]:
    """The fractions of ``limit_mSv`` this advance crossed (previous < f × limit <= new), lowest first.

    A dose that jumps over several fractions in one advance crosses all of them, in order. No
    limit (occupational work without a constraint) crosses nothing.
    """
    if limit_mSv is None:
        return []
    if not (math.isfinite(limit_mSv) and limit_mSv > 0):
        raise ValueError("a dose limit must be a positive number of mSv")
    if any(not (math.isfinite(f) and f > 0) for f in fractions):
        raise ValueError("fractions must be positive numbers")
    return [
        GuidanceCrossing(fraction=f, threshold_mSv=f * limit_mSv, limit_mSv=limit_mSv)
        for f in sorted(set(fractions))
        if previous_dose_mSv < f * limit_mSv <= new_dose_mSv
    ]


@dataclass(frozen=True)
class DoseGuidance:
    """A checklist's dose guidance: every set it can use, the one it uses, the fractions announced."""

    sets: Mapping[str, GuidanceSet]
    default: str = DEFAULT_SET
    fractions: tuple[float, ...] = DEFAULT_FRACTIONS

    def limit(self, task_type: str, set_id: str | None = None) -> GuidanceLimit:
        """The guidance for ``task_type`` in the set ``set_id`` (the checklist's default when None)."""
        return applicable_limit(guidance_set(self.sets, set_id or self.default), task_type)


def dose_guidance_from_content(block: Mapping | None) -> DoseGuidance:
    """The dose guidance from a checklist's loaded ``dose_guidance`` block (None: the built-in default)."""
    if not block:
        return DoseGuidance(guidance_sets())
    custom = [
        GuidanceSet(
            id=s["id"],
            title=s["title"],
            limits_mSv=dict(s["limits_mSv"]),
            occupational_tasks=tuple(s["occupational_tasks"]),
            occupational_mSv=s["occupational_mSv"],
            may_exceed=tuple(s["may_exceed"]),
            volunteers_above_mSv=s["volunteers_above_mSv"],
            status=s["status"],
            reference=s["reference"],
            confidence=s["confidence"],
            notes=dict(s["notes"]),
        )
        for s in block.get("sets", [])
    ]
    sets = guidance_sets(custom)
    guidance_set(sets, block.get("default"))  # refuses an unknown default
    return DoseGuidance(sets, block.get("default") or DEFAULT_SET, tuple(block.get("fractions") or DEFAULT_FRACTIONS))
