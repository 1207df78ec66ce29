"""engine.snapshots: typed lookups over a frozen checklist and scenario."""
from app.engine.snapshots import Checklist, Scenario

CHECKLIST = Checklist({"id": "sop", "version": 2, "agencies": [{"key": "fire", "name": "Fire brigade"}, {"key": "ems"}],
                       "steps": [{"id": "FB-01", "text": "Count crews", "agencies": ["fire"]},
                                 {"id": "J-01", "text": "Joint", "agencies": ["fire", "ems"]},
                                 {"id": "EMS-01", "text": "Triage", "agencies": ["ems"]}]})


def test_steps_for_an_agency_in_file_order():
    assert [s["id"] for s in CHECKLIST.steps_for("fire")] == ["FB-01", "J-01"]
    assert [s["id"] for s in CHECKLIST.steps_for_any({"ems", "police"})] == ["J-01", "EMS-01"]
    assert CHECKLIST.steps_for("police") == []


def test_step_lookups():
    assert CHECKLIST.step("J-01")["text"] == "Joint" and CHECKLIST.step("X") is None
    assert CHECKLIST.is_responsible("ems", "J-01") and not CHECKLIST.is_responsible("ems", "FB-01")
    assert not CHECKLIST.is_responsible("ems", "X")
    assert CHECKLIST.text("X") == "X" and CHECKLIST.step_ids() == {"FB-01", "J-01", "EMS-01"}
    assert CHECKLIST.version == "2" and CHECKLIST.agency_keys() == {"fire", "ems"}
    assert CHECKLIST.agency_name("fire") == "Fire brigade" and CHECKLIST.agency_name("ems") == "ems"


def test_scenario_lookups():
    scenario = Scenario({"id": "s", "objectives": [{"id": "OBJ-1", "text": "t"}],
                         "injects": [{"id": "I-01", "title": "a"}]})
    assert scenario.objective("OBJ-1")["text"] == "t" and scenario.objective("OBJ-2") is None
    assert scenario.inject("I-01")["title"] == "a" and scenario.inject("I-02") is None
    assert Scenario({}).injects == [] and Scenario({}).teams == []
