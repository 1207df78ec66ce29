"""The scenario and checklist library (read-only here; files are edited in injects/ and sop/)."""
from pathlib import Path

from flask import current_app

from ..auth import current_principal
from ..content import gap_report, load_library
from ..errors import NotFound
from .base import api_blueprint

blp = api_blueprint("library", __name__, url_prefix="/api/v1", description="Scenario and checklist library")


def _library():
    return load_library(root=Path(current_app.config["CORDON_CONTENT_ROOT"]))


def scenario_summary(s: dict) -> dict:
    return {"id": s["id"], "title": s["title"], "version": s["version"], "summary": s.get("summary", ""),
            "language": s.get("language", "en"), "hazard": s.get("hazard", ""), "duration_s": s["duration_s"], "sop": s["sop"], "hash": s["hash"],
            "teams": s["teams"], "injects": len(s["injects"]), "objectives": s.get("objectives", [])}


@blp.route("/scenarios", methods=["GET"])
def list_scenarios():
    """Valid scenarios in the library (files with errors are left out; `flask content check` lists them)."""
    current_principal().require_staff()
    return [scenario_summary(s) for s in sorted(_library().scenarios.values(), key=lambda s: s["title"])]


@blp.route("/scenarios/<scenario_id>", methods=["GET"])
def get_scenario(scenario_id: str):
    """A scenario with its injects (the MSEL)."""
    current_principal().require_staff()
    scenario = _library().scenarios.get(scenario_id)
    if scenario is None:
        raise NotFound(f"no scenario '{scenario_id}'")
    return scenario


@blp.route("/sops", methods=["GET"])
def list_sops():
    """Harmonized checklists in the library."""
    current_principal().require_staff()
    return [{"id": c["id"], "title": c["title"], "version": c["version"], "summary": c.get("summary", ""),
             "steps": len(c["steps"]), "agencies": c["agencies"], "hash": c["hash"]}
            for c in sorted(_library().checklists.values(), key=lambda c: c["title"])]


@blp.route("/sops/<sop_id>", methods=["GET"])
def get_sop(sop_id: str):
    """A checklist with its steps, crosswalk and harmonization gap report."""
    current_principal().require_staff()
    checklist = _library().checklists.get(sop_id)
    if checklist is None:
        raise NotFound(f"no checklist '{sop_id}'")
    return {**checklist, "gaps": gap_report(checklist)}
