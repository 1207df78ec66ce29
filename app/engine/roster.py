"""Who is on an exercise's site with what (docs/dose-and-instruments.md): every team's responders, where
they start, the task their dose guidance is for, and the instruments the team was issued.

Read from a scenario's normalized `responders` and `instruments` blocks (app/content/radiation.py),
with defaults for what they leave out, so the services, replay and the report agree on the roster.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .guidance import AVERT_COLLECTIVE_DOSE
from .instruments import DosimeterSpec, Instrument, issue_instruments


@dataclass(frozen=True)
class Responder:
    id: str
    team: str
    name: str
    task: str
    start: tuple[float, float]
    mode: str
    dosimeter: str | None  # the id of the personal dosimeter the responder wears

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "team": self.team, "name": self.name, "task": self.task, "mode": self.mode,
                "dosimeter": self.dosimeter}


def _start(site: Mapping) -> tuple[float, float]:
    places = {p["id"]: p["at"] for p in site.get("places") or []}
    if "command-post" in places:
        return tuple(places["command-post"])
    if places:
        return tuple(next(iter(places.values())))
    return (0.0, 0.0)


def roster(scenario: Mapping) -> tuple[list[Responder], dict[str, list[Instrument]]]:
    """Every team's responders and instruments. A team the `responders` block leaves out has one
    responder named after it; a team the `instruments` block leaves out has a personal dosimeter
    for each responder and one survey meter. Dosimeters go to the responders in order."""
    site = scenario.get("site") or {}
    block = scenario.get("responders") or {}
    written = scenario.get("instruments") or {}
    default_start = _start(site)
    responders: list[Responder] = []
    issue = {}
    for team in scenario.get("teams") or []:
        key = team["key"]
        crew_block = block.get(key) or {}
        members = list(crew_block.get("crew") or [])
        if not members:
            count = crew_block.get("count") or 1
            members = [{"name": team["name"] if count == 1 else f"{team['name']} {n}"} for n in range(1, count + 1)]
        start = tuple(crew_block.get("start") or default_start)
        team_responders = [
            (f"{key}/{n}", m["name"], m.get("task") or crew_block.get("task") or AVERT_COLLECTIVE_DOSE,
             tuple(m.get("start") or start))
            for n, m in enumerate(members, start=1)]
        issue[key] = written.get(key) if key in written else [
            {"kind": "personal-dosimeter", "count": len(team_responders), "settings": {}},
            {"kind": "survey-meter", "count": 1, "settings": {}}]
        issued = issue_instruments({key: issue[key]}).get(key, [])
        dosimeters = [i.id for i in issued if isinstance(i.spec, DosimeterSpec)]
        for index, (ident, name, task, at) in enumerate(team_responders):
            responders.append(Responder(ident, key, name, task, (float(at[0]), float(at[1])),
                                        crew_block.get("mode") or "walk",
                                        dosimeters[index] if index < len(dosimeters) else None))
    return responders, issue_instruments(issue)
