"""The values table of docs/content.md against the shipped content: a threshold changed in one
place and not the other fails here, so trainers can trust the table they read."""
import re

import pytest

from app.content import REPO_ROOT, load_library
from app.schemas.content import TASK_TYPES

SHIPPED = load_library(root=REPO_ROOT)
HEADING = "### Values the content uses"


def table_rows() -> list[dict]:
    text = (REPO_ROOT / "docs" / "content.md").read_text(encoding="utf-8")
    section = text[text.index(HEADING):]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == ["value", "unit", "meaning", "where", "source", "confidence"]
    rows = []
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows.append(dict(zip(header, cells)))
    return rows


ROWS = table_rows()
PLACES = [(row, place.strip()) for row in ROWS for place in row["where"].split(";")]


def plain(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("**", ""))


def mentions(text: str, value: str, unit: str) -> bool:
    pattern = rf"(?<![\d.]){re.escape(value)}\s*{re.escape(unit)}(?![\w/])"
    return re.search(pattern, plain(text)) is not None


def test_the_table_has_the_thresholds_the_issue_names():
    units = {(row["value"], row["unit"]) for row in ROWS}
    for expected in [("30", "m"), ("100", "m"), ("300", "m"), ("400", "m"), ("100", "µSv/h"), ("100", "mSv/h"),
                     ("1000", "µSv/h"), ("100", "mSv"), ("50", "mSv"), ("3-5", "km"), ("15-30", "km")]:
        assert expected in units, expected
    assert all(row["confidence"] in ("V", "S", "U") for row in ROWS)
    assert all(row["source"] and row["meaning"] for row in ROWS)


@pytest.mark.parametrize("row,place", PLACES, ids=[f"{r['value']} {r['unit']} @ {p}" for r, p in PLACES])
def test_each_row_agrees_with_the_content_it_names(row, place):
    checklist_id, _, target = place.partition(":")
    checklist = SHIPPED.checklists[checklist_id.strip()]
    words = target.split()
    if words[0] == "dose_guidance":
        _, set_id, task = words
        guidance_set = next(s for s in checklist["dose_guidance"]["sets"] if s["id"] == set_id)
        shipped = guidance_set["volunteers_above_msv"] if task == "volunteers" else guidance_set["tasks"][task]["msv"]
        assert row["unit"] == "mSv" and float(row["value"]) == shipped, f"{place}: the file says {shipped} mSv"
    else:
        (step_id,) = words
        step = next(s for s in checklist["steps"] if s["id"] == step_id)
        assert mentions(step["guidance"] or "", row["value"], row["unit"]), (
            f"{place}: its guidance does not say {row['value']} {row['unit']}")


def test_every_shipped_dose_guidance_value_has_a_row():
    documented = {place for _, place in PLACES}
    for checklist in SHIPPED.checklists.values():
        for guidance_set in (checklist["dose_guidance"] or {}).get("sets", []):
            for task in TASK_TYPES:
                assert f"{checklist['id']}: dose_guidance {guidance_set['id']} {task}" in documented
            if guidance_set["volunteers_above_msv"] is not None:
                assert f"{checklist['id']}: dose_guidance {guidance_set['id']} volunteers" in documented


def test_the_check_would_catch_a_changed_cordon():
    """The comparison itself: a guidance text that says 300 m does not pass for 400 m."""
    assert mentions("cordon of **400 m radius**", "400", "m")
    assert not mentions("cordon of **300 m radius**", "400", "m")
    assert not mentions("within 1000 µSv/h", "100", "µSv/h") and not mentions("1 mm", "1", "m")
