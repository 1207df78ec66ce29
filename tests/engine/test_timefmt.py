"""Times as content authors write them, and as the console shows them."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.engine.timefmt import format_duration, format_units, parse_duration


# The cases are named so that tests/js/test_timefmt.py runs the pages' parser over them too.
PARSED = [
    ("1:20:00", 4800), ("0:08:00", 480), ("08:30", 510), ("8:30", 510), ("00:00", 0),
    ("90:00", 5400), ("1:02:03.5", 3723.5),
    ("90s", 90), ("5m", 300), ("2h", 7200), ("1h30m", 5400), ("1h30m15s", 5415),
    ("1h15s", 3615), ("0m", 0), ("1.5h", 5400), (" 1h 30m ", 5400), ("1H30M", 5400),
]
BARE_NUMBERS = [90, 90.0, "90", " 90 ", "1.5", 0]
UNREADABLE = [
    ("30m1h", "cannot read '30m1h'"),
    ("1h30", "cannot read"),
    ("soon", "cannot read 'soon'"),
    ("5 minutes", "cannot read"),
    ("1:75", "seconds must be below 60"),
    ("1:60:00", "minutes and seconds must be below 60"),
    ("1:2:3:4", "cannot read"),
    ("-5m", "negative"),
    ("", "empty"),
    ("   ", "empty"),
]
NOT_TIMES = [None, True, [1], {"m": 5}]
FORMATTED = [
    (0, "0:00:00"), (480, "0:08:00"), (4800, "1:20:00"), (510.9, "0:08:30"),
    (-30, "-0:00:30"), (-4800, "-1:20:00"), (-0.4, "0:00:00"), (36000, "10:00:00"),
]
ROUND_TRIPS = [0, 59, 60, 510, 3599, 3600, 5415, 86399, 360000]
NOT_FINITE = [float("nan"), float("inf"), None]


@pytest.mark.parametrize("text, seconds", PARSED)
def test_parses_clock_and_unit_forms(text, seconds):
    assert parse_duration(text) == seconds
    assert isinstance(parse_duration(text), float)


@pytest.mark.parametrize("value", BARE_NUMBERS)
def test_refuses_bare_numbers_and_says_what_to_write(value):
    with pytest.raises(ValueError, match=r"bare number.*90s, 90m or 1:30:00"):
        parse_duration(value)


@pytest.mark.parametrize("text, message", UNREADABLE)
def test_rejects_unreadable_times_with_a_clear_message(text, message):
    with pytest.raises(ValueError, match=message):
        parse_duration(text)


@pytest.mark.parametrize("value", NOT_TIMES)
def test_rejects_values_that_are_not_times(value):
    with pytest.raises(ValueError, match="expected a time"):
        parse_duration(value)


@pytest.mark.parametrize("seconds, text", FORMATTED)
def test_formats_as_h_mm_ss(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize("seconds", ROUND_TRIPS)
def test_formatted_times_parse_back(seconds):
    assert parse_duration(format_duration(seconds)) == seconds


@pytest.mark.parametrize("value", NOT_FINITE)
def test_format_refuses_non_finite_values(value):
    with pytest.raises(ValueError):
        format_duration(value)


@pytest.mark.parametrize("seconds, text", [
    (0, "0m"), (45, "45s"), (90, "1m30s"), (480, "8m"), (3600, "1h"), (4800, "1h20m"), (5415, "1h30m15s"),
    (90000, "25h"), (30.5, "30.5s"), (1e-7, "0.0000001s"),
])
def test_formats_the_unit_form_content_files_prefer(seconds, text):
    assert format_units(seconds) == text


@given(st.floats(min_value=0, max_value=30 * 86400, allow_nan=False))
def test_the_unit_form_reads_back_exactly(seconds):
    assert parse_duration(format_units(seconds)) == seconds


@pytest.mark.parametrize("value", [-1, float("inf"), None, True])
def test_the_unit_form_refuses_what_is_not_a_time(value):
    with pytest.raises(ValueError):
        format_units(value)
