"""Typed access to the frozen content an exercise keeps (its checklist and scenario snapshots).

An exercise stores the normalized JSON of the checklist and scenario it was built from; code
asks these wrappers for what it needs (`steps_for(agency)`, `step(id)`, `objectives`...)
instead of indexing the raw dicts by hand. Snapshots never change, so lookups are cached per
snapshot.
"""
from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

Step = Mapping[str, Any]


class Checklist:
    """A checklist snapshot: agencies, phases, steps."""

    def __init__(self, snapshot: Mapping[str, Any]):
        self.snapshot = snapshot

    @property
    def id(self) -> str:
        return self.snapshot.get("id", "")

    @property
    def title(self) -> str:
        return self.snapshot.get("title", "")

    @property
    def version(self) -> str:
        return str(self.snapshot.get("version", ""))

    @property
    def steps(self) -> list[Step]:
        return list(self.snapshot.get("steps") or [])

    @cached_property
    def _by_id(self) -> dict[str, Step]:
        return {s["id"]: s for s in self.snapshot.get("steps") or []}

    def step(self, step_id: str) -> Step | None:
        return self._by_id.get(step_id)

    def has_step(self, step_id: str) -> bool:
        return step_id in self._by_id

    def step_ids(self) -> set[str]:
        return set(self._by_id)

    def steps_for(self, agency: str) -> list[Step]:
        """The steps an agency is responsible for, in file order."""
        return [s for s in self.steps if agency in s["agencies"]]

    def steps_for_any(self, agencies: set[str]) -> list[Step]:
        """The steps at least one of these agencies is responsible for, in file order."""
        return [s for s in self.steps if agencies & set(s["agencies"])]

    def is_responsible(self, agency: str, step_id: str) -> bool:
        step = self.step(step_id)
        return step is not None and agency in step["agencies"]

    def text(self, step_id: str) -> str:
        step = self.step(step_id)
        return step["text"] if step is not None else step_id

    @property
    def agencies(self) -> list[Mapping[str, Any]]:
        return list(self.snapshot.get("agencies") or [])

    def agency_keys(self) -> set[str]:
        return {a["key"] for a in self.agencies}

    def agency_name(self, key: str) -> str:
        return next((a.get("name", key) for a in self.agencies if a["key"] == key), key)

    @property
    def phases(self) -> list[Mapping[str, Any]]:
        return list(self.snapshot.get("phases") or [])


class Scenario:
    """A scenario snapshot: metadata, teams, objectives, injects."""

    def __init__(self, snapshot: Mapping[str, Any]):
        self.snapshot = snapshot

    @property
    def id(self) -> str:
        return self.snapshot.get("id", "")

    @property
    def title(self) -> str:
        return self.snapshot.get("title", "")

    @property
    def objectives(self) -> list[Mapping[str, Any]]:
        return list(self.snapshot.get("objectives") or [])

    def objective(self, objective_id: str) -> Mapping[str, Any] | None:
        return next((o for o in self.objectives if o["id"] == objective_id), None)

    @property
    def teams(self) -> list[Mapping[str, Any]]:
        return list(self.snapshot.get("teams") or [])

    @property
    def injects(self) -> list[Mapping[str, Any]]:
        return list(self.snapshot.get("injects") or [])

    @cached_property
    def _injects_by_id(self) -> dict[str, Mapping[str, Any]]:
        return {i["id"]: i for i in self.snapshot.get("injects") or []}

    def inject(self, inject_id: str) -> Mapping[str, Any] | None:
        return self._injects_by_id.get(inject_id)

    @property
    def site(self) -> Mapping[str, Any] | None:
        """The site plan block (docs/radiation.md), or None."""
        return self.snapshot.get("site")

    @property
    def radiation(self) -> Mapping[str, Any] | None:
        """The radiation block (docs/radiation.md), or None."""
        return self.snapshot.get("radiation")

    @property
    def zones(self) -> Mapping[str, Any]:
        """The zones block (docs/zones.md): who draws which kinds, rules by step, expected zones, wind."""
        return self.snapshot.get("zones") or {}
