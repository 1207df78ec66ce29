"""Every shipped scenario has its site and sources, and the field gives the readings its injects
and notes speak of (docs/radiation.md, "The shipped content")."""
import re
from pathlib import Path

import pytest

from app.content.library import load_library
from app.engine.field import FieldModel
ROOT = Path(__file__).resolve().parents[2]

_CALL = re.compile(r"\{\{\s*(?:reading|dose_rate)\(\s*'([^']+)'")


@pytest.fixture(scope="module")
def library():
    library = load_library([ROOT / "injects", ROOT / "sop"])
    assert not library.errors, library.errors
    return library


def _model(scenario):
    return FieldModel.from_content(scenario["site"], scenario["radiation"])


def test_every_shipped_scenario_has_a_site_and_radiation(library):
    missing = [sid for sid, scenario in library.scenarios.items() if not scenario.get("site") or not scenario.get("radiation")]
    assert not missing, f"scenarios without a site: {missing}"


def test_every_reading_call_names_a_place_of_its_site(library):
    for sid, scenario in library.scenarios.items():
        places = {place["id"] for place in scenario["site"]["places"]}
        for inject in scenario["injects"]:
            for place in _CALL.findall(inject.get("body") or ""):
                assert place in places, (sid, inject["id"], place)


@pytest.mark.parametrize("scenario_id, place, at, expected_uSv_h", [
    ("border-rpm-alarm", "trailer-side", "0:10:00", 0.6),        # I-02: NORM, far below 100 µSv/h
    ("border-rpm-alarm", "beside-traveller", "0:25:00", 4.0),    # I-03: the thyroid patient
    ("border-rpm-alarm", "rear-bumper", "0:40:00", 3.0),         # I-04: the shielded source
    ("border-rpm-alarm", "trailer-side", "0:40:00", 0.1),        # the lorry has gone
    ("forensics-crime-scene", "hallway", "0:00:00", 45.0),       # I-01
    ("forensics-crime-scene", "kitchen-door", "0:40:00", 1800.0),  # I-04
    ("forensics-crime-scene", "command-post", "0:40:00", 0.1),   # beyond 400 m: background
    ("hospital-casualties", "beside-patient", "0:15:00", 140.0),  # I-03: over 100 µSv/h at 1 m
    ("npp-transboundary", "kessel-crossroads", "2:55:00", 900.0),  # I-06, in the plume
    ("npp-transboundary", "kessel-school", "3:40:00", 1300.0),   # I-07: above OIL1 (1000 µSv/h)
    ("npp-transboundary", "kessel-school", "2:30:00", 0.1),      # before the cloud arrives
])
def test_the_field_gives_what_the_injects_say(library, scenario_id, place, at, expected_uSv_h):
    scenario = library.scenarios[scenario_id]
    spot = next(p["at"] for p in scenario["site"]["places"] if p["id"] == place)
    h, m, s = (int(part) for part in at.split(":"))
    rate = _model(scenario).rate_at(*spot, h * 3600 + m * 60 + s)
    assert rate == pytest.approx(expected_uSv_h, rel=0.2)


def test_the_npp_ground_reading_after_passage_is_above_oil1_and_the_in_plume_one_is_not_judged(library):
    scenario = library.scenarios["npp-transboundary"]
    model = _model(scenario)
    school = next(p["at"] for p in scenario["site"]["places"] if p["id"] == "kessel-school")
    assert model.rate_at(*school, 3 * 3600 + 40 * 60) > 1000.0 > model.rate_at(*school, 2 * 3600 + 55 * 60)
