"""What changed between two versions of a library document, field by field (pure).

Documents are content mappings as written (a scenario's `injects`, a checklist's `steps`...).
Lists of records that have an identity (`id`, else `key`) are compared record by record: added,
removed, changed (each changed field with its old and new value) and reordered; a mapping of
records (a checklist's `crosswalk`, by agency) likewise by key. Any other field is compared as a
whole value. The result is JSON data, and `change_lines` says it in short sentences.
"""
from collections.abc import Mapping
from typing import Any

__all__ = ["diff_documents", "change_lines", "is_empty"]

IDENTITY_KEYS = ("id", "key")
# What a record is called in sentences, by the list it is in.
SINGULAR = {"injects": "inject", "steps": "step", "teams": "team", "objectives": "objective",
            "sources": "source", "agencies": "agency", "phases": "phase", "crosswalk": "crosswalk",
            "sets": "set", "clauses": "clause"}


def diff_documents(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> dict[str, Any]:
    """The changes from `old` to `new`: `{"fields": [...], "sections": {name: {...}}}`.

    `fields` lists top-level values that changed (`{"field", "old", "new"}`; a missing value is
    None with `"added"` or `"removed"` set); `sections` holds, per list or mapping of records,
    `added` and `removed` ids, `changed` records (`{"id", "fields": [...]}`) and `reordered`.
    """
    old, new = old or {}, new or {}
    fields: list[dict[str, Any]] = []
    sections: dict[str, dict[str, Any]] = {}
    for name in _keys(old, new):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        section = _section(before, after)
        if section is not None:
            sections[name] = section
        else:
            fields.append(_change(name, old, new))
    return {"fields": fields, "sections": sections}


def is_empty(diff: Mapping[str, Any]) -> bool:
    return not diff["fields"] and not diff["sections"]


def change_lines(diff: Mapping[str, Any]) -> list[str]:
    """The diff as short sentences: `inject I-04: at 8m -> 10m`, `step FB-09 added`."""
    lines = [f"{change['field']}: {_show(change)}" for change in diff["fields"]]
    for name, section in diff["sections"].items():
        what = SINGULAR.get(name, name)
        lines += [f"{what} {ident} added" for ident in section["added"]]
        lines += [f"{what} {ident} removed" for ident in section["removed"]]
        for record in section["changed"]:
            lines += [f"{what} {record['id']}: {change['field']}: {_show(change)}" for change in record["fields"]]
        if section["reordered"]:
            lines.append(f"{name} reordered")
    return lines


def _keys(old: Mapping, new: Mapping) -> list[str]:
    """Keys of both, in the order of `new`, then those only `old` has."""
    return list(dict.fromkeys([*new.keys(), *old.keys()]))


def _change(name: str, old: Mapping, new: Mapping) -> dict[str, Any]:
    change = {"field": name, "old": old.get(name), "new": new.get(name)}
    if name not in old:
        change["added"] = True
    elif name not in new:
        change["removed"] = True
    return change


def _identity(record) -> str | None:
    if isinstance(record, Mapping):
        for key in IDENTITY_KEYS:
            value = record.get(key)
            if isinstance(value, str) and value:
                return value
    return None


def _records(value) -> dict[str, Mapping] | None:
    """A list of records with unique identities, or a mapping of mappings, by identity; else None."""
    if isinstance(value, list) and value:
        ids = [_identity(item) for item in value]
        if all(ids) and len(set(ids)) == len(ids):
            return dict(zip(ids, value))
    if isinstance(value, Mapping) and value and all(isinstance(item, Mapping) for item in value.values()):
        return {str(key): item for key, item in value.items()}
    return None


def _section(before, after) -> dict[str, Any] | None:
    """A record-by-record diff when both sides are records (or one side is absent or empty)."""
    old = _records(before) if before not in (None, [], {}) else {}
    new = _records(after) if after not in (None, [], {}) else {}
    if old is None or new is None or (not old and not new):
        return None
    added = [ident for ident in new if ident not in old]
    removed = [ident for ident in old if ident not in new]
    changed = []
    for ident, record in new.items():
        if ident in old and old[ident] != record:
            changed.append({"id": ident, "fields": [_change(name, old[ident], record)
                                                    for name in _keys(old[ident], record)
                                                    if old[ident].get(name) != record.get(name)]})
    common_old = [ident for ident in old if ident in new]
    common_new = [ident for ident in new if ident in old]
    return {"added": added, "removed": removed, "changed": changed, "reordered": common_old != common_new}


def _show(change: Mapping[str, Any]) -> str:
    if change.get("added"):
        return f"set to {_value(change['new'])}"
    if change.get("removed"):
        return f"removed (was {_value(change['old'])})"
    return f"{_value(change['old'])} -> {_value(change['new'])}"


def _value(value, limit: int = 60) -> str:
    if isinstance(value, str):
        text = value if len(value) <= limit else value[:limit - 1] + "…"
        return repr(text) if "\n" not in text else repr(text.replace("\n", " "))
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return "[" + ", ".join(value) + "]"
    if isinstance(value, Mapping) or isinstance(value, list):
        return f"({len(value)} item{'s' if len(value) != 1 else ''})"
    return str(value)
