"""Simulated instruments: displays, lag, alarms, contamination, identification, deterministic noise."""
import statistics

import pytest

from app.engine.dose import AlarmState, RateAlarmLevel
from app.engine.instruments import (
    CATALOGUE,
    KINDS,
    ContaminationTruth,
    DosimeterTruth,
    IdentifierTruth,
    InstrumentError,
    SurveyTruth,
    contamination_cps,
    contamination_truth,
    format_dose,
    format_rate,
    identifier_truth,
    make_instrument,
    oil4_exceeded,
    read,
    reading_seed,
    standing_time,
    survey_truth,
)
from app.engine.movement import WALKING_SPEED_M_S, Track
from tests.fields import HalfPlaneField, PointSourceField, UniformField

SURVEY = make_instrument("fire/survey-meter-1", "survey-meter")
PED = make_instrument("fire/personal-dosimeter-1", "personal-dosimeter")
MONITOR = make_instrument("rad/contamination-monitor-1", "contamination-monitor")
IDENTIFIER = make_instrument("rad/identifier-1", "identifier")


def seed(t_s=0.0, instrument="i1"):
    return reading_seed("ex-1", instrument, t_s)


def test_every_catalogue_entry_says_where_its_characteristics_come_from():
    assert set(CATALOGUE) == set(KINDS)
    for spec in CATALOGUE.values():
        assert "typical" in spec.title
        assert spec.citations and all(c.confidence in ("V", "D", "U") and c.text for c in spec.citations)


# -- survey meter ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, text",
    [
        (0.0, "0.00 µSv/h"),
        (0.084, "0.08 µSv/h"),
        (0.123, "0.12 µSv/h"),
        (12.34, "12.3 µSv/h"),
        (123.4, "123 µSv/h"),
        (999.6, "1.00 mSv/h"),  # rounding up switches the unit
        (1234.0, "1.23 mSv/h"),
        (45_678.0, "45.7 mSv/h"),
        (2_345_000.0, "2.35 Sv/h"),
    ],
)
def test_rates_show_three_significant_digits_and_switch_units(value, text):
    assert format_rate(value)[2] == text


def test_doses_show_whole_microsieverts_then_millisieverts():
    assert format_dose(12.4)[2] == "12 µSv"
    assert format_dose(1234.6)[2] == "1.235 mSv"
    assert format_dose(2_500_000)[2] == "2.500 Sv"


def test_a_survey_meter_reads_across_its_range_and_shows_over_above_it():
    low = read(SURVEY, SurveyTruth(0.12), seed())
    assert low.unit == "µSv/h" and not low.over_range
    high = read(SURVEY, SurveyTruth(5_000.0), seed())
    assert high.unit == "mSv/h" and high.display.endswith("mSv/h")
    assert high.value == pytest.approx(5.0, rel=0.1)
    over = read(SURVEY, SurveyTruth(250_000.0), seed())
    assert over.over_range and over.display == "OVER" and over.value is None


def test_a_survey_meter_alarm_when_set():
    meter = make_instrument("m", "survey-meter", {"alarm_uSv_h": 100.0})
    assert read(meter, SurveyTruth(500.0), seed()).alarm
    assert not read(meter, SurveyTruth(5.0), seed()).alarm


def test_a_reading_right_after_walking_into_a_hot_zone_lags_behind_the_rate():
    field = HalfPlaneField(low=0.1, high=50.0)
    track = Track.placed((-60, 0), 0).move(0, [(60, 0)])
    crossing = 60 / WALKING_SPEED_M_S
    just_in = survey_truth(SURVEY, field, track, crossing + 1.0).rate_uSv_h
    settled = survey_truth(SURVEY, field, track, crossing + 30).rate_uSv_h
    assert 0.4 * 50 < just_in < 0.8 * 50  # one time constant (1 s at this rate) in: about 63 %
    assert settled == pytest.approx(50, rel=1e-3)


def test_after_leaving_a_hot_zone_the_slow_low_range_filter_lingers():
    field = HalfPlaneField(low=0.1, high=50.0)
    track = Track.placed((-10, 0), 0).move(0, [(10, 0)]).move(60, [(-60, 0)])
    left_at = 60 + 10 / WALKING_SPEED_M_S
    lingering = survey_truth(SURVEY, field, track, left_at + 10).rate_uSv_h
    assert lingering > 10 * 0.1  # 10 s after leaving, still far above the 0.1 µSv/h of the new place
    standing = Track.placed((-10, 0), 0)
    assert survey_truth(SURVEY, field, standing, 500).rate_uSv_h == pytest.approx(0.1)


def test_survey_noise_is_larger_at_low_rates_and_centred_on_the_truth():
    for truth, max_spread in ((0.2, 0.4), (5.0, 0.25), (500.0, 0.05)):
        values = [read(SURVEY, SurveyTruth(truth), seed(t)).value for t in range(2000)]
        # value is what the display shows (rounded); compare in µSv/h
        assert statistics.fmean(values) == pytest.approx(truth, rel=0.03)
        assert statistics.pstdev(values) / truth < max_spread
    low_spread = statistics.pstdev([read(SURVEY, SurveyTruth(0.2), seed(t)).value for t in range(500)]) / 0.2
    high_spread = statistics.pstdev([read(SURVEY, SurveyTruth(500.0), seed(t)).value for t in range(500)]) / 500
    assert low_spread > 3 * high_spread


def test_a_reading_is_a_pure_function_of_truth_instrument_and_seed():
    first = read(SURVEY, SurveyTruth(3.7), seed(42.3))
    assert read(SURVEY, SurveyTruth(3.7), seed(42.9)) == first  # same one-second bucket
    assert read(SURVEY, SurveyTruth(3.7), reading_seed("ex-1", "i1", 42.3)) == first
    others = {read(SURVEY, SurveyTruth(3.7), seed(t)).display for t in range(43, 63)}
    assert len(others) > 5  # another bucket, another fluctuation
    one = [read(SURVEY, SurveyTruth(3.7), seed(t, "i1")).value for t in range(20)]
    two = [read(SURVEY, SurveyTruth(3.7), seed(t, "i2")).value for t in range(20)]
    assert one != two  # another instrument in the same room fluctuates on its own
    assert reading_seed("ex-1", "i1", 10) != reading_seed("ex-2", "i1", 10)
    assert reading_seed("ex-1", "i1", 10) != reading_seed("ex-1", "i2", 10)


# -- personal dosimeter ----------------------------------------------------------------------


def test_a_dosimeter_shows_dose_and_rate_and_its_alarm_state():
    quiet = read(PED, DosimeterTruth(12.4, 0.1), seed())
    assert quiet.value == 12 and quiet.unit == "µSv" and quiet.display.startswith("12 µSv · ")
    assert not quiet.alarm
    alarming = read(PED, DosimeterTruth(1500.0, 250.0, AlarmState((True, False), 1)), seed())
    assert alarming.alarm and alarming.display.startswith("1.500 mSv")
    assert alarming.details["rate_alarms_on"] == [1] and alarming.details["dose_alarm_levels"] == 1
    assert alarming.details["rate"] == pytest.approx(250, rel=0.3)


def test_a_dosimeter_is_over_range_above_one_sievert_per_hour_or_one_sievert():
    assert read(PED, DosimeterTruth(10, 2_000_000.0), seed()).over_range
    assert read(PED, DosimeterTruth(1_200_000, 1.0), seed()).over_range
    assert not read(PED, DosimeterTruth(10, 1.0), seed()).over_range


def test_dosimeter_alarm_thresholds_are_settings():
    ped = make_instrument("p", "personal-dosimeter", {"rate_alarms": [(20.0, 15.0)], "dose_alarms_uSv": [500.0]})
    assert ped.spec.thresholds.rate == (RateAlarmLevel(20.0, 15.0),)
    with pytest.raises(InstrumentError, match="off threshold"):
        make_instrument("p", "personal-dosimeter", {"rate_alarms": [(20.0, 25.0)]})


# -- contamination monitor -------------------------------------------------------------------


def test_counts_from_deposited_activity_over_the_probe_area():
    spec = MONITOR.spec
    # 1 MBq/m² of Cs-137 = 100 Bq/cm²; 15 cm² at 20 % surface efficiency = 300 counts/s
    assert contamination_cps(spec, {"Cs-137": 1e6}) == pytest.approx(300.0)
    values = [read(MONITOR, ContaminationTruth({"Cs-137": 1e6}), seed(t)).value for t in range(300)]
    assert statistics.fmean(values) == pytest.approx(301.0, rel=0.03)


def test_background_only_reads_the_background():
    values = [read(MONITOR, ContaminationTruth({}), seed(t)).value for t in range(1000)]
    assert statistics.fmean(values) == pytest.approx(1.0, abs=0.1)


def test_the_oil4_skin_criterion():
    assert oil4_exceeded(beta_cps=1000) and not oil4_exceeded(beta_cps=999)
    assert oil4_exceeded(gamma_uSv_h_at_10cm=1.0) and not oil4_exceeded(gamma_uSv_h_at_10cm=0.5)
    hot = read(MONITOR, ContaminationTruth({"Cs-137": 5e6}), seed())
    assert hot.details["oil4_exceeded"] and hot.alarm and hot.display.endswith("cps")
    cold = read(MONITOR, ContaminationTruth({"Cs-137": 1e5}), seed())
    assert not cold.details["oil4_exceeded"]


def test_a_monitor_over_its_range_and_a_nuclide_it_cannot_see():
    over = read(MONITOR, ContaminationTruth({"Cs-137": 1e9}), seed())
    assert over.over_range and over.display == "OVER"
    unseen = read(MONITOR, ContaminationTruth({"H-3": 1e9}), seed())
    assert unseen.details["not_detected"] == ["H-3"] and unseen.value < 10


def test_contamination_truth_reads_the_deposition_where_the_responder_stands():
    field = UniformField(0.2, deposition_Bq_m2={"Cs-137": 2e5})
    assert contamination_truth(field, Track.placed((1, 2)), 10).deposition_Bq_m2 == {"Cs-137": 2e5}


# -- identifier ------------------------------------------------------------------------------


def test_a_clear_source_is_identified_with_high_confidence():
    reading = read(IDENTIFIER, IdentifierTruth({"Cs-137": 1.0}, 0.1, 60), seed())
    assert reading.display == "Cs-137 (high)"
    assert reading.details["nuclides"][0]["confidence"] > 0.85


def test_no_id_without_dwell_or_below_the_signal_threshold():
    assert read(IDENTIFIER, IdentifierTruth({"Cs-137": 1.0}, 0.1, 0), seed()).display == "No ID"
    weak = [read(IDENTIFIER, IdentifierTruth({"Cs-137": 0.003}, 0.1, 60), seed(t)).display for t in range(50)]
    assert weak.count("No ID") == 50


def test_a_shielded_source_is_harder_to_identify():
    open_ = read(IDENTIFIER, IdentifierTruth({"Co-60": 0.3}, 0.1, 60), seed())
    shielded = read(IDENTIFIER, IdentifierTruth({"Co-60": 0.3}, 0.1, 60, {"Co-60": 0.002}), seed())
    assert shielded.details["nuclides"] == [] or (
        shielded.details["nuclides"][0]["confidence"] < open_.details["nuclides"][0]["confidence"]
    )
    ids = [read(IDENTIFIER, IdentifierTruth({"Co-60": 0.3}, 0.1, 60, {"Co-60": 0.002}), seed(t)).display for t in range(40)]
    open_ids = [read(IDENTIFIER, IdentifierTruth({"Co-60": 0.3}, 0.1, 60), seed(t)).display for t in range(40)]
    assert open_ids.count("Co-60 (high)") > ids.count("Co-60 (high)")


def test_the_dominant_nuclide_comes_first_and_a_saturated_spectrum_is_over():
    both = read(IDENTIFIER, IdentifierTruth({"Co-60": 1.0, "Cs-137": 3.0}, 0.1, 60), seed())
    assert [n["nuclide"] for n in both.details["nuclides"]] == ["Cs-137", "Co-60"]
    # A weak nuclide under a strong one's scatter continuum is missed, as on a real spectrum.
    hidden = read(IDENTIFIER, IdentifierTruth({"Co-60": 0.1, "Cs-137": 5.0}, 0.1, 60), seed())
    assert [n["nuclide"] for n in hidden.details["nuclides"]] == ["Cs-137"]
    assert read(IDENTIFIER, IdentifierTruth({"Cs-137": 5000.0}, 0.1, 60), seed()).display == "OVER"


def test_the_identifier_measures_only_while_its_holder_stands_still():
    field = PointSourceField(0, 0, k_uSv_h_m2=10.0, background_uSv_h=0.1)
    track = Track.placed((-12, 1), 0).move(0, [(0, 1)]).stop(100).move(200, [(50, 50)])
    assert standing_time(track, 5, 60) == 0  # walking
    assert standing_time(track, 30, 60) == pytest.approx(20)  # arrived at t = 10
    assert standing_time(track, 150, 60) == 60  # the stop at 100 does not restart the count
    truth = identifier_truth(IDENTIFIER, field, track, 40)
    assert truth.dwell_s == pytest.approx(30) and truth.contributions_uSv_h["Cs-137"] == pytest.approx(10.0)
    assert truth.other_uSv_h == pytest.approx(0.1)
    assert read(IDENTIFIER, truth, seed()).display.startswith("Cs-137")


# -- issuing ---------------------------------------------------------------------------------


def test_make_instrument_refuses_unknown_kinds_and_settings():
    with pytest.raises(InstrumentError, match="known: survey-meter"):
        make_instrument("x", "geiger")
    with pytest.raises(InstrumentError, match="has no setting colour"):
        make_instrument("x", "survey-meter", {"colour": "red"})
    with pytest.raises(InstrumentError, match="positive"):
        make_instrument("x", "identifier", {"dwell_s": -5.0})


def test_a_reader_refuses_the_wrong_kind_of_truth():
    with pytest.raises(InstrumentError, match="cannot read"):
        read(SURVEY, ContaminationTruth({}), seed())


def test_readings_serialize_for_the_event_log():
    data = read(PED, DosimeterTruth(3.0, 0.2), seed()).as_dict()
    assert set(data) == {"kind", "value", "unit", "display", "over_range", "alarm", "details"}
