"""engine.readings: reading calls in inject bodies, found and resolved."""
import pytest

from app.engine.readings import ReadingSyntaxError, find_calls, has_calls, render

BODY = ("Engine 12 reports from the corner.\n"
        "Their meter shows {{ reading('grain-corner', 'survey-meter') }} at the kerb;\n"
        "the true rate at the gate is {{dose_rate(\"yard-gate\")}}.")


def test_calls_are_found_with_their_arguments_and_lines():
    first, second = find_calls(BODY)
    assert (first.function, first.place, first.instrument, first.line) == ("reading", "grain-corner",
                                                                          "survey-meter", 2)
    assert (second.function, second.place, second.instrument, second.line) == ("dose_rate", "yard-gate", None, 3)
    assert has_calls(BODY) and not has_calls("no readings here") and find_calls("") == []


def test_render_replaces_each_call_with_what_the_resolver_says():
    text = render(BODY, lambda call: f"<{call.place}>")
    assert text == ("Engine 12 reports from the corner.\nTheir meter shows <grain-corner> at the kerb;\n"
                    "the true rate at the gate is <yard-gate>.")
    assert render("plain text", lambda call: "x") == "plain text"


@pytest.mark.parametrize("body, message", [
    ("{{ reading('a') }}", "reading takes 2 argument(s)"),
    ("{{ dose_rate('a', 'b') }}", "dose_rate takes 1 argument(s)"),
    ("{{ temperature('a') }}", "unknown function 'temperature'"),
    ("{{ reading(a, b) }}", "is not a reading"),
    ("{{ }}", "is not a reading"),
])
def test_malformed_calls_are_refused_with_a_reason(body, message):
    with pytest.raises(ReadingSyntaxError) as caught:
        find_calls("text " + body)
    assert message in caught.value.message and caught.value.start == 5
