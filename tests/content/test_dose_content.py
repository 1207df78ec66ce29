"""The instruments block of a scenario and the dose_guidance block of a checklist: loading and errors."""
import pytest
from marshmallow import ValidationError

from app.engine.dose import RateAlarmLevel
from app.engine.guidance import dose_guidance_from_content
from app.engine.instruments import issue_instruments
from app.schemas.dose import DoseGuidanceSchema, DoseRate
from app.schemas.instruments import InstrumentsSchema

BLOCK = {
    "fire": [
        {"kind": "personal-dosimeter", "count": 3},
        {"kind": "survey-meter", "settings": {"alarm": "100 µSv/h", "range_high": "10 mSv/h"}},
    ],
    "rad-assessor": [
        {"kind": "identifier", "settings": {"dwell": "2m"}},
        {
            "kind": "personal-dosimeter",
            "count": 2,
            "settings": {"rate_alarms": ["20 µSv/h", {"on": "1 mSv/h", "off": "500 uSv/h"}], "dose_alarms": ["0.5 mSv", "5 mSv"]},
        },
        {"kind": "contamination-monitor", "settings": {"probe_area_cm2": 20, "background": "60 cpm", "range_high": "5000 cps"}},
    ],
}


def load(block):
    return InstrumentsSchema().load_block(block)


def errors(block):
    with pytest.raises(ValidationError) as caught:
        load(block)
    return caught.value.messages


def test_the_instruments_block_loads_and_issues_numbered_instruments():
    issued = issue_instruments(load(BLOCK))
    assert [i.id for i in issued["fire"]] == [
        "fire/personal-dosimeter-1", "fire/personal-dosimeter-2", "fire/personal-dosimeter-3", "fire/survey-meter-1",
    ]
    survey = issued["fire"][3].spec
    assert (survey.alarm_uSv_h, survey.range_high_uSv_h) == (100.0, 10_000.0)
    identifier, ped, _, monitor = issued["rad-assessor"]
    assert identifier.spec.dwell_s == 120.0
    assert ped.spec.rate_alarms == (RateAlarmLevel(20.0, 16.0), RateAlarmLevel(1000.0, 500.0))
    assert ped.spec.dose_alarms_uSv == (500.0, 5000.0)
    assert (monitor.spec.probe_area_cm2, monitor.spec.background_cps, monitor.spec.range_high_cps) == (20.0, 1.0, 5000.0)


@pytest.mark.parametrize(
    "block, where, message",
    [
        ({"fire": [{"kind": "geiger"}]}, ("fire", "value", 0, "kind"), "not one of"),
        ({"fire": [{"kind": "survey-meter", "count": 0}]}, ("fire", "value", 0, "count"), "from 1"),
        ({"fire": [{"kind": "survey-meter", "colour": "red"}]}, ("fire", "value", 0, "colour"), "unknown field"),
        ({"fire": [{"kind": "survey-meter", "settings": {"dwell": "1m"}}]}, ("fire", "value", 0, "settings", "dwell"), "unknown field"),
        ({"fire": [{"kind": "survey-meter", "settings": {"alarm": 100}}]}, ("fire", "value", 0, "settings", "alarm"), "write the unit"),
        ({"fire": [{"kind": "survey-meter", "settings": {"alarm": "100 mR/h"}}]}, ("fire", "value", 0, "settings", "alarm"), "unknown unit"),
        ({"fire": [{"kind": "survey-meter", "settings": {"alarm": "-5 µSv/h"}}]}, ("fire", "value", 0, "settings", "alarm"), "number and a unit"),
        ({"fire": [{"kind": "personal-dosimeter", "settings": {"dose_alarms": ["5 mSv", "1 mSv"]}}]}, ("fire", "value", 0, "settings", "dose_alarms"), "increasing"),
        ({"fire": [{"kind": "personal-dosimeter", "settings": {"rate_alarms": [{"on": "1 µSv/h", "off": "2 µSv/h"}]}}]}, ("fire", "value", 0, "settings", "rate_alarms", 0), "off threshold"),
        ({"Fire Team": []}, ("Fire Team", "key"), "not a valid team key"),
    ],
)
def test_bad_instrument_entries_name_the_field_and_the_reason(block, where, message):
    found = errors(block)["teams"]
    for key in where:
        found = found[key]
    assert message in str(found)


def test_dose_rates_accept_the_usual_spellings_of_micro():
    for text in ("2 µSv/h", "2 μSv/h", "2 uSv/h", "0.002 mSv/h", "2e-6 Sv/h", "2000 nSv/h"):
        assert DoseRate().deserialize(text) == pytest.approx(2.0)


def test_a_checklist_without_dose_guidance_uses_gsr_part_7():
    guidance = dose_guidance_from_content(None)
    assert guidance.default == "gsr-part-7"
    assert guidance.limit("avert-collective-dose").limit_mSv == 100.0


def test_a_custom_guidance_set_loads_and_can_be_the_default():
    block = DoseGuidanceSchema().load({
        "default": "county",
        "fractions": [0.25, 0.5, 1.0],
        "sets": [{
            "id": "county",
            "title": "County fire service dose guidance",
            "limits": {"life-saving": "250 mSv", "avert-collective-dose": "50 mSv"},
            "occupational_constraint": "5 mSv",
            "may_exceed": ["life-saving"],
        }],
    })
    guidance = dose_guidance_from_content(block)
    assert guidance.fractions == (0.25, 0.5, 1.0)
    assert guidance.limit("life-saving").limit_mSv == 250.0 and guidance.limit("life-saving").may_exceed
    assert guidance.limit("sampling").limit_mSv == 5.0
    assert guidance.limit("life-saving", "legacy-remm").limit_mSv == 1000.0


@pytest.mark.parametrize(
    "block, field, message",
    [
        ({"default": "nrc"}, "default", "not a guidance set"),
        ({"sets": [{"id": "gsr-part-7", "title": "x", "limits": {}}]}, "sets", "already defined"),
        ({"fractions": [0.8, 0.5]}, "fractions", "increasing"),
        ({"sets": [{"id": "x", "title": "x", "limits": {"life-saving": "500"}}]}, "sets", "write the unit"),
        ({"sets": [{"id": "x", "title": "x", "limits": {"life-saving": "5 Sv"}, "may_exceed": ["sampling"]}]}, "sets", "no value in limits"),
        ({"sets": [{"id": "x", "title": "x", "limits": {"sampling": "5 mSv"}}]}, "sets", "both in limits and occupational"),
    ],
)
def test_bad_dose_guidance_names_the_field_and_the_reason(block, field, message):
    with pytest.raises(ValidationError) as caught:
        DoseGuidanceSchema().load(block)
    assert message in str(caught.value.messages[field])


def test_yaml_on_and_off_keys_of_a_rate_alarm_are_read_as_written():
    # YAML 1.1 reads a bare `on:` as true; the block must still load as the author meant
    block = {"fire": [{"kind": "personal-dosimeter", "settings": {"rate_alarms": [{True: "1 mSv/h", False: "800 µSv/h"}]}}]}
    assert load(block)["fire"][0]["settings"]["rate_alarms"] == [(1000.0, 800.0)]
