"""Loading the scenario library: normalized output, checklist lookup, the loader API and hashing."""
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from app.content import (
    REPO_ROOT,
    ContentError,
    ContentInvalid,
    ContentNotFound,
    content_hash,
    gap_report,
    load_checklist,
    load_library,
    load_scenario,
)
from app.content.yamlsrc import load_yaml

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def library_root(tmp_path):
    """A copy of the fixture library (injects/ and sop/) that a test may edit."""
    shutil.copytree(FIXTURES, tmp_path, dirs_exist_ok=True)
    return tmp_path


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- the valid fixtures --------------------------------------------------------------------

def test_fixture_library_loads_cleanly_from_its_root():
    library = load_library(root=FIXTURES)
    assert library.errors == []
    assert list(library.scenarios) == ["bus-station"]
    assert list(library.checklists) == ["mini-response"]


def test_fixture_files_load_cleanly_when_named_one_by_one():
    library = load_library([FIXTURES / "injects" / "bus-station.yaml", FIXTURES / "sop" / "mini-response.yaml"])
    assert library.errors == []
    assert library.scenarios["bus-station"]["path"] == "tests/content/fixtures/injects/bus-station.yaml"


def test_scenario_is_normalized_with_times_in_seconds_and_defaults_filled():
    scenario = load_library(root=FIXTURES).scenarios["bus-station"]
    assert scenario["duration_s"] == 5400.0
    assert scenario["sop"] == "mini-response"
    assert scenario["path"] == "injects/bus-station.yaml"
    injects = {inject["id"]: inject for inject in scenario["injects"]}

    first = injects["I-01"]
    assert first["at_s"] == 0.0 and first["to"] == "all" and first["from"] == "Dispatch centre"
    assert first["expects"] == [{"step": "IC-01", "within_s": 300.0}]
    assert first["requires_ack"] is True and first["when_overdue"] is None

    meter = injects["I-02"]
    assert meter["at_s"] == 510.0  # unquoted 08:30, not YAML's base-60 integer
    assert meter["to"] == ["fire", "ic"]
    assert meter["type"] == "information" and meter["requires_ack"] is False
    assert meter["expects"] == [{"step": "FB-01", "within_s": 1200.0}]
    assert injects["I-03"]["at_s"] == 4800.0  # unquoted 1:20:00

    reserve = injects["R-01"]
    assert reserve["at_s"] is None and reserve["from"] is None and reserve["sources"] == []
    contingency = injects["C-01"]
    assert contingency["at_s"] is None
    assert contingency["when_overdue"] == {"step": "FB-01", "mode": "auto"}
    assert contingency["channel"] == "other" and contingency["expects"] == []
    assert set(first) == {"id", "at_s", "from", "to", "channel", "type", "title", "body", "expects",
                          "objective", "requires_ack", "notes", "when_overdue", "sources"}


def test_when_overdue_mode_defaults_to_prompt(library_root):
    edit(library_root / "injects" / "bus-station.yaml", "{step: FB-01, mode: auto}", "{step: FB-01}")
    scenario = load_library(root=library_root).scenarios["bus-station"]
    assert scenario["injects"][3]["when_overdue"] == {"step": "FB-01", "mode": "prompt"}


def test_checklist_is_normalized_with_defaults_filled():
    checklist = load_library(root=FIXTURES).checklists["mini-response"]
    steps = {step["id"]: step for step in checklist["steps"]}
    assert steps["IC-01"]["mode"] == "each" and steps["IC-01"]["critical"] is True
    assert steps["IC-01"]["after"] == [] and steps["IC-01"]["guidance"].startswith("Do not delay")
    assert steps["FB-01"]["mode"] == "any" and steps["FB-01"]["critical"] is False
    assert steps["FB-01"]["sources"] == [] and steps["FB-01"]["after"] == ["IC-01"]
    assert checklist["sources"][1]["confidence"] == "U" and checklist["sources"][1]["where"] is None
    assert checklist["crosswalk"]["fire"]["clauses"][1] == {
        "clause": "7.3.9", "title": "Decontaminate equipment", "steps": []}
    assert checklist["path"] == "sop/mini-response.yaml"


def test_loaded_content_is_plain_json_and_hashed_without_path_and_hash():
    library = load_library(root=FIXTURES)
    for item in [*library.scenarios.values(), *library.checklists.values()]:
        assert json.loads(json.dumps(item)) == item
        assert type(item) is dict and type(item["steps" if "steps" in item else "injects"]) is list
        rest = {key: value for key, value in item.items() if key not in ("path", "hash")}
        assert item["hash"] == content_hash(rest)


def test_hash_is_stable_and_follows_the_content_not_the_comments(library_root):
    before = load_library(root=library_root).scenarios["bus-station"]["hash"]
    assert load_library(root=library_root).scenarios["bus-station"]["hash"] == before
    scenario_file = library_root / "injects" / "bus-station.yaml"
    edit(scenario_file, "# A small valid", "# An edited comment on a small valid")
    edit(scenario_file, "at: 08:30 ", 'at: "8m30s"')
    assert load_library(root=library_root).scenarios["bus-station"]["hash"] == before
    edit(scenario_file, "within: 5m", "within: 6m")
    assert load_library(root=library_root).scenarios["bus-station"]["hash"] != before


def test_content_hash_is_sha256_of_canonical_json():
    obj = {"b": [1, 2.5, None], "a": "Cs-137 µSv/h"}
    canonical = '{"a":"Cs-137 µSv/h","b":[1,2.5,null]}'
    assert content_hash(obj) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert content_hash({"a": "Cs-137 µSv/h", "b": [1, 2.5, None]}) == content_hash(obj)


# --- which checklist a scenario is checked against -----------------------------------------

def test_scenario_finds_its_checklist_next_to_it_and_the_library_includes_it(library_root):
    library = load_library([library_root / "injects" / "bus-station.yaml"], root=library_root)
    assert library.errors == []
    assert list(library.checklists) == ["mini-response"]
    assert library.checklists["mini-response"]["path"] == "sop/mini-response.yaml"


def test_a_checklist_among_the_files_given_wins_over_the_one_next_to_the_scenario(library_root, tmp_path_factory):
    other = tmp_path_factory.mktemp("elsewhere") / "mini-response.yaml"
    other.write_text((library_root / "sop" / "mini-response.yaml").read_text().replace("police", "law"))
    library = load_library([library_root / "injects" / "bus-station.yaml", other], root=library_root)
    assert [(error.path, error.line, error.message) for error in library.errors] == [
        ("injects/bus-station.yaml", 26, "team police: agency 'police' is not an agency of checklist 'mini-response'"),
    ]
    assert library.scenarios == {} and library.checklists["mini-response"]["agencies"][2]["key"] == "law"


def test_scenario_is_checked_against_the_given_checklist(library_root, tmp_path_factory):
    other = tmp_path_factory.mktemp("elsewhere") / "mini-response.yaml"
    shutil.copy(library_root / "sop" / "mini-response.yaml", other)
    edit(other, "  - id: PO-01", "  - id: PO-02")
    library = load_library([library_root / "injects" / "bus-station.yaml", other], root=library_root)
    assert library.errors == []  # the scenario does not use PO-01
    assert library.checklists["mini-response"]["steps"][2]["id"] == "PO-02"
    assert library.checklists["mini-response"]["path"] == str(other)


def test_an_invalid_checklist_is_reported_and_keeps_its_scenarios_out(library_root):
    edit(library_root / "sop" / "mini-response.yaml", "critical: true", "critical: sometimes")
    library = load_library(root=library_root)
    assert [str(error) for error in library.errors] == [
        "injects/bus-station.yaml:8: checklist 'mini-response' (sop/mini-response.yaml) has errors, "
        "so this scenario cannot be checked",
        "sop/mini-response.yaml:31: steps[IC-01].critical: must be true or false",
    ]
    assert library.scenarios == {} and library.checklists == {}


def test_a_valid_file_still_loads_when_another_is_broken(library_root):
    (library_root / "injects" / "broken.yaml").write_text("id: broken\ntitle: [\n", encoding="utf-8")
    library = load_library(root=library_root)
    assert [error.path for error in library.errors] == ["injects/broken.yaml"]
    assert list(library.scenarios) == ["bus-station"]


def test_the_folder_decides_the_kind_of_a_file(library_root):
    shutil.copy(library_root / "sop" / "mini-response.yaml", library_root / "injects" / "mini-response.yaml")
    library = load_library([library_root / "injects" / "mini-response.yaml"], root=library_root)
    messages = [error.message for error in library.errors]
    assert "unknown field 'steps'" in messages and "missing required field 'injects'" in messages


def test_the_same_id_in_two_files_is_reported(library_root, tmp_path_factory):
    copy = tmp_path_factory.mktemp("copy") / "sop" / "mini-response.yaml"
    copy.parent.mkdir()
    shutil.copy(library_root / "sop" / "mini-response.yaml", copy)
    library = load_library([library_root / "sop", copy.parent], root=library_root)
    assert len(library.errors) == 1
    assert library.errors[0].message == "checklist id 'mini-response' is also used by sop/mini-response.yaml"
    assert library.errors[0].path == str(copy) and library.errors[0].line == 2


def test_a_file_given_twice_is_loaded_once(library_root):
    library = load_library([library_root / "sop", library_root / "sop" / "mini-response.yaml"], root=library_root)
    assert library.errors == [] and list(library.checklists) == ["mini-response"]


def test_missing_paths_and_empty_directories_are_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    library = load_library([tmp_path / "nope.yaml", tmp_path / "empty"], root=tmp_path)
    assert [str(error) for error in library.errors] == [
        "empty: no .yaml files in this directory", "nope.yaml: no such file or directory"]


def test_a_root_without_content_is_an_empty_library(tmp_path):
    library = load_library(root=tmp_path)
    assert (library.scenarios, library.checklists, library.errors) == ({}, {}, [])


def test_a_file_of_unknown_kind_and_a_file_not_in_utf8(tmp_path):
    (tmp_path / "notes.yaml").write_text("title: Shopping list\n", encoding="utf-8")
    (tmp_path / "latin.yaml").write_bytes("title: Zürich\n".encode("latin-1"))
    errors = load_library([tmp_path], root=tmp_path).errors
    assert errors[0].path == "latin.yaml" and errors[0].line == 1 and "not UTF-8" in errors[0].message
    assert errors[1].path == "notes.yaml" and errors[1].line == 1
    assert "cannot tell a scenario" in errors[1].message


# --- the API the rest of the app calls -----------------------------------------------------

def test_load_scenario_returns_the_scenario_and_its_checklist():
    scenario, checklist = load_scenario("bus-station", root=FIXTURES)
    assert scenario["id"] == "bus-station" and checklist["id"] == "mini-response"


@pytest.mark.parametrize("ident", ["no-such-scenario", "../sop/mini-response", "Mini-Drill", ""])
def test_load_scenario_raises_not_found(ident):
    with pytest.raises(ContentNotFound) as caught:
        load_scenario(ident, root=FIXTURES)
    assert caught.value.status == 404


def test_load_scenario_raises_invalid_with_every_error(library_root):
    scenario_file = library_root / "injects" / "bus-station.yaml"
    edit(scenario_file, "within: 5m", "within: 0m")
    edit(scenario_file, "to: [police]", "to: [polize]")
    with pytest.raises(ContentInvalid) as caught:
        load_scenario("bus-station", root=library_root)
    assert [(error.line, error.message) for error in caught.value.errors] == [
        (39, "injects[I-01].expects[IC-01].within: must be more than 0"),
        (55, "inject I-03: unknown team 'polize' (did you mean 'police'?)"),
    ]
    assert caught.value.status == 422
    assert caught.value.fields == {"injects/bus-station.yaml": [
        "line 39: injects[I-01].expects[IC-01].within: must be more than 0",
        "line 55: inject I-03: unknown team 'polize' (did you mean 'police'?)"]}


def test_load_checklist():
    assert load_checklist("mini-response", root=FIXTURES)["version"] == 2
    with pytest.raises(ContentNotFound):
        load_checklist("bus-station", root=FIXTURES)


def test_gap_report_lists_uncovered_steps_of_agencies_with_a_crosswalk():
    checklist = load_checklist("mini-response", root=FIXTURES)
    # fire covers FB-01; police's only clause maps to IC-01, so its own PO-01 is a gap;
    # incident-command has no crosswalk and so no entry.
    assert gap_report(checklist) == {"fire": [], "police": ["PO-01"]}


def test_gap_report_of_a_checklist_without_crosswalk_is_empty():
    assert gap_report({"steps": [{"id": "A-1", "agencies": ["fire"]}], "crosswalk": {}}) == {}


def test_content_error_prints_as_file_line_message():
    assert str(ContentError("sop/x.yaml", 12, "unknown step 'IC-99'")) == "sop/x.yaml:12: unknown step 'IC-99'"
    assert str(ContentError("sop/x.yaml", None, "the file is empty")) == "sop/x.yaml: the file is empty"


# --- YAML details ---------------------------------------------------------------------------

def test_yaml_keeps_lines_and_does_not_read_base_60_numbers():
    data, problems = load_yaml("a: 8:30\nb: 1:20:00\nc: 1:30.5\nd: 12\ne: 1.5\nf:\n  - x\n  - {y: 1}\n", "f")
    assert problems == []
    assert data == {"a": "8:30", "b": "1:20:00", "c": "1:30.5", "d": 12, "e": 1.5, "f": ["x", {"y": 1}]}
    assert data.lines == {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6}
    assert data["f"].lines == [7, 8] and data["f"][1].line == 8


def test_yaml_merge_keys_still_work():
    data, problems = load_yaml("base: &b {mode: any}\nstep:\n  <<: *b\n  id: A-1\n", "f")
    assert problems == [] and data["step"] == {"mode": "any", "id": "A-1"}


# --- the shipped library (written separately; see docs/content.md) ---------------------------

def test_shipped_library_loads_without_errors():
    if not any((REPO_ROOT / folder).glob("*.yaml") for folder in ("injects", "sop")):
        pytest.skip("no shipped content in injects/ or sop/ yet")
    library = load_library()
    assert [str(error) for error in library.errors] == []
    assert library.scenarios or library.checklists
    for scenario in library.scenarios.values():
        assert scenario["sop"] in library.checklists
