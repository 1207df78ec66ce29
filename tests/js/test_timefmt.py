"""The pages' time parser and formatter (static/js/timefmt.js) over the server's own cases
(tests/engine/test_timefmt.py): a page never accepts a time the server refuses, or the reverse."""
import re

import pytest

from ..engine.test_timefmt import BARE_NUMBERS, FORMATTED, NOT_FINITE, NOT_TIMES, PARSED, ROUND_TRIPS, UNREADABLE

MODULE = "/static/js/timefmt.js"
PARSE = """
  try { return { seconds: m.parseDuration(arg) }; }
  catch (err) { return { error: err.message, kind: err.name }; }
"""
FORMAT = """
  try { return { text: m.formatDuration(arg) }; }
  catch (err) { return { error: err.message, kind: err.name }; }
"""


@pytest.mark.parametrize("text, seconds", PARSED)
def test_parses_clock_and_unit_forms(modules, text, seconds):
    assert modules.run(MODULE, PARSE, text) == {"seconds": seconds}


@pytest.mark.parametrize("value", BARE_NUMBERS)
def test_refuses_bare_numbers_and_says_what_to_write(modules, value):
    result = modules.run(MODULE, PARSE, value)
    assert result["kind"] == "TimeFormatError"
    assert re.search(r"bare number.*90s, 90m or 1:30:00", result["error"])


@pytest.mark.parametrize("text, message", UNREADABLE)
def test_rejects_unreadable_times_with_a_clear_message(modules, text, message):
    result = modules.run(MODULE, PARSE, text)
    assert result["kind"] == "TimeFormatError"
    assert re.search(message, result["error"])


@pytest.mark.parametrize("value", NOT_TIMES)
def test_rejects_values_that_are_not_times(modules, value):
    result = modules.run(MODULE, PARSE, value)
    assert result["kind"] == "TimeFormatError" and "expected a time" in result["error"]


@pytest.mark.parametrize("seconds, text", FORMATTED)
def test_formats_as_h_mm_ss(modules, seconds, text):
    assert modules.run(MODULE, FORMAT, seconds) == {"text": text}


@pytest.mark.parametrize("seconds", ROUND_TRIPS)
def test_formatted_times_parse_back(modules, seconds):
    assert modules.run(MODULE, "return m.parseDuration(m.formatDuration(arg));", seconds) == seconds


@pytest.mark.parametrize("value", NOT_FINITE)
def test_format_refuses_non_finite_values(modules, value):
    assert modules.run(MODULE, FORMAT, value)["kind"] == "TimeFormatError"


@pytest.mark.parametrize("value", NOT_FINITE)
def test_a_page_shows_a_dash_for_no_time(modules, value):
    assert modules.run(MODULE, "return m.clockTime(arg);", value) == "—"


def test_reading_what_is_typed_gives_null_for_what_is_not_a_time(modules):
    assert modules.run(MODULE, "return ['25m', 'soon', '90', ''].map(m.readDuration);") == [1500, None, None, None]


def test_a_countdown_says_in_or_ago(modules):
    assert modules.run(MODULE, "return [m.countdown(250, 0), m.countdown(0, 250), m.countdown(null, 0)];") == [
        "in 04:10", "04:10 ago", ""]
