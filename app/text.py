"""Text hygiene: what text Cordon accepts from outside, decided in one place.

Every string that arrives (REST bodies and query strings, Socket.IO payloads, web forms,
multipart fields and file names) is checked here before it reaches a service. Refused:

- NUL: PostgreSQL text cannot hold it;
- lone UTF-16 surrogates (a JSON "\\ud800" with no partner): not Unicode text at all; they
  cannot be encoded as UTF-8, so hashing the event log or writing to the database would fail;
- in one-line text (the sign-in and join forms' fields, field names, uploaded file names), any
  other control character as well. Payload values may hold line breaks and tabs.

Content files (injects/, sop/) have their own rule, YAML's printable set: `unprintable_characters`.
"""
import re
from collections.abc import Mapping
from typing import Any, Iterator

_SURROGATE = re.compile(r"[\ud800-\udfff]")
# C0 controls except tab, DEL and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
# YAML 1.1's printable characters are tab, LF, CR, x20-x7E, NEL, xA0-xD7FF, xE000-xFFFD and
# beyond the BMP; anything else makes the parser stop with a character position.
_UNPRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def text_problem(value: str, *, one_line: bool = False) -> str | None:
    """Why `value` is refused, or None when it is acceptable text."""
    if "\x00" in value:
        return "must not contain NUL characters"
    if _SURROGATE.search(value):
        return "must be valid Unicode text (it holds a lone UTF-16 surrogate such as \\ud800)"
    if one_line and _CONTROL.search(value):
        return "must not contain control characters such as line breaks"
    return None


def shown(value: str) -> str:
    """A key or value as it can be quoted in an error message (surrogates and controls escaped)."""
    return value.encode("unicode_escape").decode("ascii") if text_problem(value, one_line=True) else value


def problems_in(data: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """(path, reason) for every refused string in nested mappings, lists and uploaded files.

    Keys are checked as well as values; an uploaded file's name counts as a one-line string.
    """
    if isinstance(data, str):
        reason = text_problem(data)
        if reason:
            yield path, reason
    elif isinstance(data, Mapping) or hasattr(data, "items") and callable(data.items):
        for key, value in data.items():
            if isinstance(key, str):
                reason = text_problem(key, one_line=True)
                if reason:
                    yield path + (shown(key),), f"field name {reason}"
                    continue
            yield from problems_in(value, path + (key,))
    elif isinstance(data, (list, tuple)):
        for index, item in enumerate(data):
            yield from problems_in(item, path + (index,))
    else:
        filename = getattr(data, "filename", None)  # werkzeug's FileStorage
        if isinstance(filename, str):
            reason = text_problem(filename, one_line=True)
            if reason:
                yield path, f"file name {reason}"


def nested_errors(found: list[tuple[tuple, str]]) -> dict:
    """[(("teams", 0, "name"), reason)] -> {"teams": {0: {"name": [reason]}}}, marshmallow's shape."""
    errors: dict = {}
    for path, reason in found:
        node = errors
        keys = path or ("_schema",)
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node.setdefault(keys[-1], []).append(reason)
    return errors


def unprintable_characters(text: str) -> Iterator[tuple[int, int, str]]:
    """(line, column, character) of each character YAML does not allow in a file; lines and
    columns count from 1."""
    for match in _UNPRINTABLE.finditer(text):
        start = match.start()
        line = text.count("\n", 0, start) + 1
        column = start - (text.rfind("\n", 0, start) + 1) + 1
        yield line, column, match.group()
