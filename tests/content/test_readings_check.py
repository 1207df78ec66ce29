"""A reading typed into an inject body is checked against the scenario's own field (factor of 3)."""
import shutil
from pathlib import Path

from app.content import load_library

ROOT = Path(__file__).parents[2]


def load(tmp_path, replace=None):
    for folder in ("injects", "sop"):
        (tmp_path / folder).mkdir(exist_ok=True)
    shutil.copytree(ROOT / "injects" / "plans", tmp_path / "injects" / "plans", dirs_exist_ok=True)
    scenario = tmp_path / "injects" / "rdd-urban.yaml"
    text = (ROOT / "injects" / "rdd-urban.yaml").read_text(encoding="utf-8")
    for old, new in (replace or {}).items():
        assert old in text
        text = text.replace(old, new)
    scenario.write_text(text, encoding="utf-8")
    checklist = tmp_path / "sop" / "rad-first-response.yaml"
    shutil.copy(ROOT / "sop" / "rad-first-response.yaml", checklist)
    return load_library([scenario, checklist])


def test_the_shipped_readings_agree_with_the_field(tmp_path):
    library = load(tmp_path)
    assert library.errors == [] and library.warnings == []


def test_a_reading_ten_times_the_field_is_flagged_at_the_body_with_the_call_to_use(tmp_path):
    library = load(tmp_path, {"at 1 m from it we read **150 mSv/h**": "at 1 m from it we read **1500 mSv/h**"})
    assert library.errors == []
    [warning] = library.warnings
    assert warning.path.endswith("rdd-urban.yaml") and warning.line is not None
    assert "inject I-11: 1500 mSv/h at East doorway disagrees with the scenario's field there (1.39e+05 µSv/h at " \
           "0:50:00)" in warning.message
    assert "{{ reading('east-doorway', 'survey-meter') }}" in warning.message


def test_a_sentence_naming_two_places_is_not_judged(tmp_path):
    library = load(tmp_path, {"at the west doorway of the fish hall, about 60 m from the blast seat, it\n      reads **0.4 mSv/h**":
                              "at the west doorway of the fish hall, about 60 m from the blast seat, it\n      reads **40 mSv/h**"})
    assert library.warnings == []
