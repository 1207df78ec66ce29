"""A scenario's site: and radiation: blocks load, normalize into SI units and hash with the plan."""
import json
import shutil
from pathlib import Path

import pytest

from app.content import content_hash, load_library
from app.content.radiation import plan_size_px
from app.engine.field import FieldModel
from app.schemas.radiation import parse_quantity

FIXTURES = Path(__file__).parents[1] / "fixtures" / "radiological"
SCENARIO = FIXTURES / "site-drill.yaml"
CHECKLIST = Path(__file__).parent / "fixtures" / "sop" / "mini-response.yaml"


def load(scenario=SCENARIO):
    library = load_library([scenario, CHECKLIST])
    assert library.errors == []
    return library.scenarios[scenario.stem]


def test_the_site_is_placed_from_the_plan_image_and_its_origin():
    site = load()["site"]
    assert site["plan_size_px"] == [1000.0, 800.0]
    assert site["bounds"] == [-500.0, -400.0, 500.0, 400.0]
    assert site["places"][1] == {"id": "grain-corner", "name": "Grain Street corner", "at": [120.0, 30.0]}
    assert len(site["plan_sha256"]) == 64


def test_sources_shields_and_deposition_are_normalized_to_si_units():
    radiation = load()["radiation"]
    s1, s2 = radiation["sources"]
    assert radiation["background_usv_h"] == 0.1
    assert (s1["activity_bq"], s1["at"], s1["place"], s1["height_m"]) == (3.7e13, [0.0, 0.0], "blast-seat", 1.0)
    assert s1["changes"] == [{"at_s": 4200.0, "shield": {"material": "lead", "thickness_m": 0.05}},
                             {"at_s": 7200.0, "moved_to": [10.0, 5.0]}]
    assert (s2["from_s"], s2["until_s"], s2["shield"]) == (1200.0, None, {"material": "steel", "thickness_m": 0.003})
    assert [(s["id"], s["kind"]) for s in radiation["shields"]] == [("shop-a", "enclosure"), ("barrier", "wall")]
    area, plume = radiation["deposition"]
    assert area["activity_bq_m2"] == 5e5
    assert (plume["release"], plume["wind_speed_m_s"], plume["deposition_velocity_m_s"]) == ([0.0, 0.0], 3.0, 0.003)


def test_the_scenario_stays_plain_json_and_its_hash_covers_the_blocks():
    scenario = load()
    assert json.loads(json.dumps(scenario)) == scenario
    rest = {key: value for key, value in scenario.items() if key not in ("path", "hash")}
    assert scenario["hash"] == content_hash(rest)


def test_changing_the_plan_image_changes_the_scenario_hash(tmp_path):
    shutil.copytree(FIXTURES, tmp_path / "radiological")
    copy = tmp_path / "radiological" / "site-drill.yaml"
    before = load(copy)["hash"]
    plan = tmp_path / "radiological" / "plans" / "market.svg"
    plan.write_text(plan.read_text().replace("Blast seat", "Blast site"))
    assert load(copy)["hash"] != before


def test_a_scenario_without_the_blocks_has_neither_key():
    scenario = load_library([CHECKLIST.parents[1] / "injects" / "bus-station.yaml", CHECKLIST]).scenarios["bus-station"]
    assert "site" not in scenario and "radiation" not in scenario


def test_the_field_model_is_built_from_the_loaded_scenario():
    scenario = load()
    field = FieldModel.from_content(scenario["site"], scenario["radiation"])
    assert field.bounds == (-500.0, -400.0, 500.0, 400.0)
    # 50 m north of the 37 TBq Cs-137 source, clear of the shop, the market floor and the plume
    assert field.contributions_at(0, 50, 0) == pytest.approx({"Cs-137": 37000 * 92.55 / 2500}, rel=1e-3)
    before, after = field.contributions_at(0, 50, 4100), field.contributions_at(0, 50, 4300)
    assert after["Cs-137"] < before["Cs-137"] / 100  # in its lead pig from 1:10:00
    assert "Ir-192" not in field.contributions_at(-60, 140, 600) and "Ir-192" in field.contributions_at(-60, 140, 1300)


@pytest.mark.parametrize("text, kind, value", [
    ("37 TBq", "activity", 3.7e13), ("1 Ci", "activity", 3.7e10), ("500 kBq/m²", "areal activity", 5e5),
    ("0.1 µSv/h", "dose rate", 0.1), ("0.1 uSv/h", "dose rate", 0.1), ("100 mSv/h", "dose rate", 1e5),
    ("5 cm", "length", 0.05), ("3mm", "length", 0.003), ("1.5e2 m", "length", 150.0), ("36 km/h", "speed", 10.0),
])
def test_quantities_are_read_with_their_units(text, kind, value):
    assert parse_quantity(text, kind) == pytest.approx(value)


@pytest.mark.parametrize("text, message", [
    (37, "has no unit"), ("37", "has no unit"), ("37 TB", "unknown unit 'TB'"), ("TBq", "cannot read"),
    (True, "with its unit"),
])
def test_bad_quantities_say_what_to_write(text, message):
    with pytest.raises(ValueError, match=message):
        parse_quantity(text, "activity")


def test_plan_size_comes_from_the_svg_view_box_or_a_png_header(tmp_path):
    assert plan_size_px(FIXTURES / "plans" / "market.svg") == (1000.0, 800.0)
    from PIL import Image
    Image.new("RGB", (64, 32)).save(tmp_path / "plan.png")
    assert plan_size_px(tmp_path / "plan.png") == (64.0, 32.0)
