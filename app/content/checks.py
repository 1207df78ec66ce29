"""The machinery that checks content documents: problems placed by line and field path, schema
loading with messages on the right lines, and the small readers of a document's records.

Scenarios, checklists and the radiological blocks of a scenario are all checked with it
(`app/content/library.py`, `app/content/radiation.py`): a file's problem names its line, an
editor document's (JSON, no lines) its field path (`injects[4].expects[1].within`).
"""
import difflib
import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import NamedTuple

from marshmallow import Schema, ValidationError, fields

from app.engine.timefmt import parse_duration

from .yamlsrc import LineDict, line_of
from flask_babel import gettext


class Spot(NamedTuple):
    """Where a problem is: the line in a file (None in a JSON document) and the field path."""

    line: int | None
    path: str | None


class Problem(NamedTuple):
    """One problem of a document: where it is and what is wrong."""

    line: int | None
    path: str | None
    message: str


def path_join(base: str | None, key) -> str | None:
    if base is None:
        return None
    if isinstance(key, int) and not isinstance(key, bool):
        return f"{base}[{key}]"
    return f"{base}.{key}" if base else str(key)


def spot_of(container, key) -> Spot:
    """The line and field path of `container[key]` (or where it would be, when it is missing)."""
    return Spot(line_of(container, key), path_join(getattr(container, "path", None), key))


def spot_here(container) -> Spot:
    """The line and field path of a mapping or list itself."""
    return Spot(getattr(container, "line", None) or None, getattr(container, "path", None))


def where_is(container, key) -> str:
    """How a message points at another place: its line in a file, its field path in a document."""
    spot = spot_of(container, key)
    return f"line {spot.line}" if spot.line else spot.path or "the document"


def record_ref(record) -> str:
    """How a message names a record that has no id: `#<line>`, or `#<path>` in a document."""
    return "#" + str(record.line if getattr(record, "line", None) else getattr(record, "path", "?"))


def load_with_schema(schema: Schema, raw: LineDict) -> tuple[dict | None, list[Problem]]:
    """Load `raw` with `schema`: (normalized data, []) or (None, [problem, ...])."""
    try:
        return schema.load(raw), []
    except ValidationError as exc:
        return None, [Problem(spot.line, spot.path, message) for spot, message in
                      _schema_messages(exc.messages, raw, schema, "", spot_here(raw))]


def _schema_messages(messages: dict, raw, schema: Schema, where: str, spot: Spot):
    """Walk marshmallow's error dict alongside the YAML it came from, yielding (spot, message).

    `where` names the place in messages by ids (`injects[I-04].expects[IC-02]`), the spot's path
    by position (`injects[3].expects[0]`), which is what the editor highlights.
    """
    spot = Spot(getattr(raw, "line", None) or spot.line, spot.path)
    by_key = {f.data_key or name: f for name, f in schema.load_fields.items()}
    for key, value in messages.items():
        inner = Spot(line_of(raw, key, spot.line), path_join(spot.path, key))
        if key == "_schema":
            yield from ((spot, _at(where, message)) for message in value)
        elif key not in by_key:
            yield inner, _at(where, f"unknown field '{key}'{did_you_mean(key, by_key)}")
        elif isinstance(raw, Mapping) and key in raw:
            yield from _field_messages(value, raw[key], by_key[key], _join(where, key), inner)
        else:
            yield Spot(spot.line, inner.path), _at(where, f"missing required field '{key}'")


def _field_messages(messages, value, field_obj: fields.Field, where: str, spot: Spot):
    if isinstance(messages, list):
        yield from ((spot, _at(where, message)) for message in messages)
    elif isinstance(field_obj, fields.Nested):
        yield from _schema_messages(messages, value, field_obj.schema, where, spot)
    elif isinstance(field_obj, fields.List):
        for index, item_messages in messages.items():
            item = value[index] if isinstance(value, list) and index < len(value) else None
            yield from _field_messages(item_messages, item, field_obj.inner, _item(where, index, item),
                                       Spot(line_of(value, index, spot.line), path_join(spot.path, index)))
    elif isinstance(field_obj, fields.Dict):
        for key, parts in messages.items():
            key_spot = Spot(line_of(value, key, spot.line), path_join(spot.path, key))
            item = value.get(key) if isinstance(value, Mapping) else None
            if not (isinstance(parts, Mapping) and set(parts) <= {"key", "value"}):
                # a schema loaded inside the mapping's post_load (settings of a kind): its own messages
                yield from _loose_messages(parts, item, _join(where, key), key_spot)
                continue
            for message in parts.get("key", []):
                yield key_spot, _at(_join(where, key), message)
            if "value" in parts:
                yield from _field_messages(parts["value"], item, field_obj.value_field, _join(where, key), key_spot)
    else:
        yield spot, _at(where, str(messages))


def _loose_messages(messages, value, where: str, spot: Spot):
    """Messages of a part no field describes: followed by key through the YAML as far as it goes."""
    if isinstance(messages, (list, tuple)):
        yield from ((spot, _at(where, str(message))) for message in messages)
        return
    if not isinstance(messages, Mapping):
        yield spot, _at(where, str(messages))
        return
    for key, inner in messages.items():
        item = value[key] if isinstance(value, (Mapping, list)) and _has(value, key) else None
        inner_spot = Spot(line_of(value, key, spot.line), path_join(spot.path, key))
        yield from _loose_messages(inner, item, _join(where, key), inner_spot)


def _has(container, key) -> bool:
    if isinstance(container, Mapping):
        return key in container
    return isinstance(key, int) and 0 <= key < len(container)


def _at(where: str, message: str) -> str:
    return f"{where}: {message}" if where else message


def _join(where: str, key) -> str:
    return f"{where}.{key}" if where else str(key)


def _item(where: str, index: int, item) -> str:
    """Name a list item by its id or key when it has one: steps[IC-03], else steps #4."""
    if isinstance(item, Mapping):
        for name in ("id", "key", "clause", "step"):
            if isinstance(item.get(name), (str, int, float)) and not isinstance(item.get(name), bool):
                return f"{where}[{item[name]}]"
    return f"{where} #{index + 1}"


def did_you_mean(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), [str(k) for k in known], n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""


class ProblemList(list):
    """The problems of one document."""

    def add(self, spot: Spot, message: str) -> None:
        self.append(Problem(spot.line, spot.path, message))


def records(container, key: str) -> list[LineDict]:
    """The mapping items of the list `container[key]`, skipping malformed ones (the schema reports them)."""
    items = container.get(key) if isinstance(container, Mapping) else None
    return [item for item in items if isinstance(item, LineDict)] if isinstance(items, list) else []


def text_of(record, key: str) -> str | None:
    value = record.get(key) if isinstance(record, Mapping) else None
    return value if isinstance(value, str) else None


def texts_of(record, key: str) -> list[tuple[str, Spot]]:
    """The text items of the list `record[key]`, each with its spot."""
    items = record.get(key) if isinstance(record, Mapping) else None
    if not isinstance(items, list):
        return []
    return [(item, spot_of(items, index)) for index, item in enumerate(items) if isinstance(item, str)]


def time_of(record, key: str) -> float | None:
    try:
        return parse_duration(record.get(key))
    except ValueError:
        return None  # the schema reports it


def unique(records: list[LineDict], key: str, what: str, problems: ProblemList) -> dict[str, LineDict]:
    """Records by `key`; a repeated one is reported with the line (or path) of the first."""
    first: dict[str, LineDict] = {}
    for record in records:
        ident = text_of(record, key)
        if ident is None:
            continue
        if ident in first:
            problems.add(spot_of(record, key),
                         gettext("duplicate %(what)s '%(ident)s' (first at %(value)s)", what=what, ident=ident, value=where_is(first[ident], key)))
        else:
            first[ident] = record
    return first


def plain_document(value):
    """A document as JSON data: YAML's dates and times become their ISO text, NaN and infinities
    text, keys text; LineDict/LineList become plain dicts and lists."""
    if isinstance(value, Mapping):
        return {str(key) if not isinstance(key, str) else key: plain_document(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_document(item) for item in value]
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
