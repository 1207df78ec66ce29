"""Dose guidance sets in checklists, a scenario's language, and the warning for a threshold with no source."""
import shutil
from pathlib import Path

import pytest

from app.content import load_library

FIXTURES = Path(__file__).parent / "fixtures"

GUIDANCE = """
dose_guidance:
  default: gsr-part-7
  sets:
    - id: gsr-part-7
      title: IAEA GSR Part 7 (2015), Appendix I, Table I.1
      status: current
      volunteers_above_msv: 50
      sources: [iaea-epr-fr-2006]
      tasks:
        life-saving: {msv: 500, notes: May be exceeded only by informed volunteers}
        prevent-severe-effects: {msv: 500}
        catastrophic: {msv: 500}
        avert-collective-dose: {msv: 100}
        occupational: {msv: 20}
"""


@pytest.fixture
def root(tmp_path):
    shutil.copytree(FIXTURES, tmp_path, dirs_exist_ok=True)
    return tmp_path


def append(file: Path, text: str) -> None:
    file.write_text(file.read_text(encoding="utf-8") + text, encoding="utf-8")


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_dose_guidance_loads_as_numbers_in_msv_by_task_type(root):
    append(root / "sop" / "mini-response.yaml", GUIDANCE)
    library = load_library(root=root)
    assert library.errors == []
    guidance = library.checklists["mini-response"]["dose_guidance"]
    assert guidance["default"] == "gsr-part-7"
    (first,) = guidance["sets"]
    assert first["quantity"] == "Hp(10)" and first["status"] == "current"
    assert first["volunteers_above_msv"] == 50.0
    assert first["tasks"]["life-saving"] == {"msv": 500.0, "notes": "May be exceeded only by informed volunteers"}
    assert first["tasks"]["occupational"] == {"msv": 20.0, "notes": None}
    assert all(isinstance(task["msv"], float) for task in first["tasks"].values())


def test_a_checklist_without_dose_guidance_has_none(root):
    assert load_library(root=root).checklists["mini-response"]["dose_guidance"] is None


def test_a_step_may_name_its_task_type(root):
    edit(root / "sop" / "mini-response.yaml", "    after: [IC-01]\n", "    after: [IC-01]\n    task_type: life-saving\n")
    steps = {s["id"]: s for s in load_library(root=root).checklists["mini-response"]["steps"]}
    assert steps["FB-01"]["task_type"] == "life-saving" and steps["IC-01"]["task_type"] is None


def test_language_defaults_to_english_and_is_kept(root):
    scenario_file = root / "injects" / "bus-station.yaml"
    assert load_library(root=root).scenarios["bus-station"]["language"] == "en"
    edit(scenario_file, "title:", "language: pt-BR\ntitle:")
    assert load_library(root=root).scenarios["bus-station"]["language"] == "pt-BR"


# --- the warning for a threshold-looking number in guidance with no source ----------------

@pytest.mark.parametrize("guidance", [
    "Cordon off 400 m around the van.", "Turn back at 100 mSv.", "No entry above 10 mSv/h.",
    "Isolate anything above 100 µSv/h at 1 m.", "Stay 1.5 km away.", "A 3.7 TBq source.", "Hot zone 10 mR/h.",
])
def test_a_threshold_in_guidance_without_sources_is_a_warning_not_an_error(root, guidance):
    edit(root / "sop" / "mini-response.yaml", "    after: [IC-01]\n", f"    after: [IC-01]\n    guidance: {guidance}\n")
    library = load_library(root=root)
    assert library.errors == [] and "mini-response" in library.checklists
    (warning,) = library.warnings
    assert warning.path == "sop/mini-response.yaml" and warning.line == 42
    assert warning.message.startswith("step FB-01: guidance gives '") and "names no source" in warning.message


@pytest.mark.parametrize("guidance", [
    "Approach from upwind.", "Tell 3 hospitals.", "Ask for 2 readings.", "Use form A-12m.", "Within 5 minutes.",
])
def test_text_without_a_threshold_gives_no_warning(root, guidance):
    edit(root / "sop" / "mini-response.yaml", "    after: [IC-01]\n", f"    after: [IC-01]\n    guidance: {guidance}\n")
    assert load_library(root=root).warnings == []


def test_a_threshold_in_guidance_with_a_source_gives_no_warning(root):
    edit(root / "sop" / "mini-response.yaml", "    after: [IC-01]\n",
         "    after: [IC-01]\n    guidance: Cordon 400 m.\n    sources: [iaea-epr-fr-2006]\n")
    assert load_library(root=root).warnings == []


def test_content_check_prints_warnings_and_fails_on_them_only_when_strict(app, runner, root):
    edit(root / "sop" / "mini-response.yaml", "    after: [IC-01]\n", "    after: [IC-01]\n    guidance: Cordon 400 m.\n")
    app.config["CORDON_CONTENT_ROOT"] = str(root)
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert "sop/mini-response.yaml:42: warning: step FB-01: guidance gives '400 m'" in result.output
    assert "ok: 1 scenario(s), 1 checklist(s), 1 warning(s)" in result.output
    strict = runner.invoke(args=["content", "check", "--strict"])
    assert strict.exit_code == 1
    assert "0 error(s), 1 warning(s) in 1 file(s)" in strict.output


def test_the_shipped_library_has_no_warnings(runner):
    result = runner.invoke(args=["content", "check", "--strict"])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
