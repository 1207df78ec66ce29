"""Readings written into inject bodies, resolved from the simulated field.

An author writes `{{ reading('grain-corner', 'survey-meter') }}` (what that instrument shows at a
place of the site) or `{{ dose_rate('grain-corner') }}` (the true H*(10) rate there) instead of
typing a number, so an inject agrees with what teams measure. The body keeps the call in the
library; it is resolved when the inject is released, at the exercise time of the release.

This module only finds and replaces the calls; what a call evaluates to is the caller's
`resolve(call) -> str` (the services ask the field model and the instrument catalogue).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

FUNCTIONS = ("reading", "dose_rate")

# {{ name('arg'[, 'arg']) }} with single or double quotes; anything else between {{ }} is an error.
_CALL = re.compile(r"\{\{\s*(?P<body>.*?)\s*\}\}", re.DOTALL)
_ARGS = re.compile(r"""^(?P<name>[a-z_]+)\(\s*(?P<args>(?:(?:'[^'\n]*'|"[^"\n]*")\s*(?:,\s*)?)*)\)$""")
_ARG = re.compile(r"""'([^'\n]*)'|"([^"\n]*)\"""")


@dataclass(frozen=True)
class ReadingCall:
    """One `{{ ... }}` in a body: the function, its arguments, and where it is."""

    function: str
    place: str
    instrument: str | None
    start: int
    end: int
    text: str

    @property
    def line(self) -> int:
        """1-based line of the call within the body."""
        return self.text.count("\n", 0, self.start) + 1


class ReadingSyntaxError(ValueError):
    """A `{{ ... }}` that is not a known call with the right arguments."""

    def __init__(self, message: str, start: int):
        super().__init__(message)
        self.message = message
        self.start = start


def find_calls(body: str) -> list[ReadingCall]:
    """Every reading call in the body, in order; raise ReadingSyntaxError for a malformed one."""
    calls = []
    for match in _CALL.finditer(body or ""):
        inner = match.group("body")
        parsed = _ARGS.match(inner)
        if parsed is None:
            raise ReadingSyntaxError(
                f"'{{{{ {inner} }}}}' is not a reading: write {{{{ reading('place-id', 'survey-meter') }}}} "
                f"or {{{{ dose_rate('place-id') }}}}", match.start())
        name = parsed.group("name")
        args = [a or b for a, b in _ARG.findall(parsed.group("args"))]
        if name not in FUNCTIONS:
            raise ReadingSyntaxError(f"unknown function '{name}' in {{{{ }}}}; known: {', '.join(FUNCTIONS)}",
                                     match.start())
        expected = 2 if name == "reading" else 1
        if len(args) != expected:
            usage = "reading('place-id', 'instrument-kind')" if name == "reading" else "dose_rate('place-id')"
            raise ReadingSyntaxError(f"{name} takes {expected} argument(s): {usage}", match.start())
        calls.append(ReadingCall(function=name, place=args[0], instrument=args[1] if name == "reading" else None,
                                 start=match.start(), end=match.end(), text=body))
    return calls


def has_calls(body: str) -> bool:
    return bool(body) and "{{" in body


def render(body: str, resolve: Callable[[ReadingCall], str]) -> str:
    """The body with every call replaced by `resolve(call)`."""
    calls = find_calls(body)
    if not calls:
        return body
    out, last = [], 0
    for call in calls:
        out.append(body[last:call.start])
        out.append(resolve(call))
        last = call.end
    out.append(body[last:])
    return "".join(out)
