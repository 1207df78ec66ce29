"""A scenario library written for the real-time tests: the fixture checklist and a longer drill.

`write_library(root)` copies the fixture checklist (mini-sop) and writes `relay-drill`, whose
timed injects come every 30 s of exercise time, addressed in turn to everyone, to one team or
to two, so each team gets a different share. `ADDRESSED` says which injects each team should see.
"""
from pathlib import Path

import yaml

from ..helpers import FIXTURE_LIBRARY

SCENARIO = "relay-drill"
TEAMS = ("ic", "fire", "ems")
# Who each timed inject goes to, in schedule order.
RECIPIENTS = ["all", ["ic"], ["fire"], ["ems"], ["fire", "ems"], ["ic", "ems"], ["ems"], "all", ["ic"],
              ["fire"], ["ems"], ["ic", "fire"], ["ems"], "all", ["fire", "ems"], ["ems"]]
INTERVAL_S = 30


def inject_ids() -> list[str]:
    return [f"T-{n:02d}" for n in range(1, len(RECIPIENTS) + 1)]


def addressed(team: str, skipped: tuple[str, ...] = ()) -> list[str]:
    """The timed injects `team` should receive, in schedule order."""
    return [key for key, to in zip(inject_ids(), RECIPIENTS)
            if (to == "all" or team in to) and key not in skipped]


def write_library(root: Path) -> Path:
    (root / "sop").mkdir(parents=True, exist_ok=True)
    (root / "injects").mkdir(parents=True, exist_ok=True)
    (root / "sop" / "mini-sop.yaml").write_text((FIXTURE_LIBRARY / "sop" / "mini-sop.yaml").read_text())
    scenario = {
        "id": SCENARIO, "title": "Relay drill for real-time tests", "version": 1,
        "summary": "Timed injects every 30 s to changing teams.", "hazard": "Test hazard", "duration": "2h",
        "sop": "mini-sop",
        "sources": [{"id": "test", "title": "Test fixture", "confidence": "U"}],
        "objectives": [{"id": "OBJ-1", "text": "Keep every team informed.", "capability": "Operational Communications"}],
        "teams": [{"key": "ic", "name": "Incident Command", "agency": "incident-command"},
                  {"key": "fire", "name": "Fire", "agency": "fire"},
                  {"key": "ems", "name": "EMS", "agency": "ems"}],
        "injects": [
            {"id": key, "at": f"{(n + 1) * INTERVAL_S}s", "from": "Dispatch", "to": to, "channel": "radio",
             "title": f"Update {n + 1}", "body": f"Relay message {n + 1}."}
            for n, (key, to) in enumerate(zip(inject_ids(), RECIPIENTS))
        ] + [{"id": "R-01", "from": "Media", "to": "all", "channel": "media", "title": "Reserve",
              "body": "Released by hand only."}],
    }
    (root / "injects" / f"{SCENARIO}.yaml").write_text(yaml.safe_dump(scenario, sort_keys=False))
    return root
