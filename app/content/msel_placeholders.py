"""An MSEL import for the editor: teams and objectives the library does not know become placeholders.

A real HSEEP MSEL names the exercise plan's objectives (they are not in the MSEL) and sometimes
players the scenario has no team for. The plain import refuses such rows, one by one; the editor
instead adds a placeholder for each (a team on the checklist agency its name suggests, an
objective with the text the sheet gives), imports again, and says what it added, so that the
draft can be completed in the editor. Any other problem is still refused, by row and column.
"""
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from app.schemas.content import ID_PATTERN

from .msel import ImportInvalid, ScenarioImport, import_scenario_file
from .msel_columns import norm
from .msel_reader import ChecklistLookup

__all__ = ["PlaceholderImport", "import_with_placeholders"]

UNKNOWN_TEAM = re.compile(r"unknown team '(.+?)'")
UNKNOWN_OBJECTIVE = re.compile(r"unknown objective '(.+?)'")


@dataclass
class PlaceholderImport:
    result: ScenarioImport
    warnings: list[str] = field(default_factory=list)


def import_with_placeholders(data: bytes, filename: str, *, checklist_for: ChecklistLookup,
                             params: Mapping | None = None, base: dict | None = None,
                             mapping: Mapping[str, str] | None = None, sheet: str | None = None,
                             plans: Path | None = None, base_blocks: Mapping | None = None) -> PlaceholderImport:
    """Import an MSEL; unknown teams and objectives become placeholders (with a warning each)."""
    params = dict(params or {})
    try:
        return PlaceholderImport(import_scenario_file(data, filename, checklist_for=checklist_for, params=params,
                                                      base=base, mapping=mapping, sheet=sheet, plans=plans,
                                                      base_blocks=base_blocks))
    except ImportInvalid as refused:
        teams, objectives = _unknown(refused)
        if not teams and not objectives:
            raise
    checklist = _checklist(params, base, checklist_for)
    warnings: list[str] = []
    if teams:
        known = list(params.get("teams") or (base or {}).get("teams") or _teams_of(checklist))
        for name in teams:
            team = _placeholder_team(name, known, checklist)
            known.append(team)
            warnings.append(f"team '{name}' is not in the scenario: added as team '{team['key']}' "
                            f"on agency '{team['agency']}'; check its name and agency")
        params["teams"] = known
    if objectives:
        known = list(params.get("objectives") or (base or {}).get("objectives") or [])
        for text in objectives:
            objective = _placeholder_objective(text, known)
            known.append(objective)
            warnings.append(f"objective '{text}' is not in the scenario: added as objective "
                            f"'{objective['id']}'; complete its text and core capability from the exercise plan")
        params["objectives"] = known
    result = import_scenario_file(data, filename, checklist_for=checklist_for, params=params, base=base,
                                  mapping=mapping, sheet=sheet, plans=plans,
                                  base_blocks=base_blocks)  # any other problem is refused as before
    return PlaceholderImport(result, warnings)


def _unknown(refused: ImportInvalid) -> tuple[list[str], list[str]]:
    teams: dict[str, None] = {}
    objectives: dict[str, None] = {}
    for problem in refused.problems:
        for pattern, found in ((UNKNOWN_TEAM, teams), (UNKNOWN_OBJECTIVE, objectives)):
            match = pattern.search(problem.message)
            if match and not problem.key.startswith(("teams", "objectives")):
                found[match.group(1)] = None
    return list(teams), list(objectives)


def _checklist(params: Mapping, base: dict | None, checklist_for: ChecklistLookup) -> dict:
    sop = params.get("sop") or (base or {}).get("sop")
    try:
        return checklist_for(sop) if sop else {"agencies": []}
    except Exception:  # noqa: BLE001 (the import reports an unknown checklist itself)
        return {"agencies": []}


def _teams_of(checklist: dict) -> list[dict]:
    """The import's default teams: one per agency of the checklist, keyed like the agency."""
    return [{"key": a["key"], "name": a["name"], "agency": a["key"]} for a in checklist.get("agencies", [])]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:40].strip("-")


def _placeholder_team(name: str, known: list[dict], checklist: dict) -> dict:
    taken = {team.get("key") for team in known}
    key = _slug(name) or "team"
    base_key, number = key, 2
    while key in taken:
        key, number = f"{base_key}-{number}", number + 1
    agencies = checklist.get("agencies", [])
    wanted = norm(name)
    agency = next((a["key"] for a in agencies if norm(a["key"]) in wanted or norm(a["name"]) in wanted or
                   wanted in norm(a["name"])), agencies[0]["key"] if agencies else "")
    return {"key": key, "name": name, "agency": agency}


def _placeholder_objective(text: str, known: list[dict]) -> dict:
    taken = {objective.get("id") for objective in known}
    ident = text if re.match(ID_PATTERN, text) and len(text) <= 40 else None
    number = 1
    while ident is None or ident in taken:
        ident, number = f"OBJ-X{number}", number + 1
    return {"id": ident, "text": text}  # the sheet's words, so that its rows find it
