"""Write content back as hand-editable YAML (docs/content.md format): a normalized scenario as
`injects/<id>.yaml`, and any library document (a mapping as written) as its content file.

The inverse of loading: times in unit form (`1h20m`), defaults left out, fields in the order the
docs show them, multi-line text as `|` blocks, team lists in flow style, a blank line between
injects. Loading the text again gives the same normalized scenario.
"""
from collections.abc import Mapping
from typing import Any

import yaml

from app.engine.timefmt import format_units

__all__ = ["document_yaml", "scenario_content", "scenario_yaml"]


class _Flow(list):
    """A list written on one line: `to: [fire, police]`."""


class _FlowMap(dict):
    """A mapping written on one line: `when_overdue: {step: IC-03, mode: prompt}`."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)  # "  - item" under a key, as the docs write it


def _str(dumper: yaml.SafeDumper, text: str):
    # Multi-line text as a literal block, long lines folded (`>-`) as people write them by hand;
    # PyYAML falls back to quotes where a block cannot hold the text exactly.
    # Text ending in blank lines is quoted instead: a `|+` block would swallow the blank line
    # written after it.
    style = None if text.endswith("\n\n") else "|" if "\n" in text else ">" if len(text) > 80 else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(_Flow, lambda d, data: d.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True))
_Dumper.add_representer(_FlowMap, lambda d, data: d.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True))


def _put(out: dict, key: str, value, skip=(None, "", [])) -> None:
    if not any(value == s and type(value) is type(s) for s in skip):
        out[key] = value


def scenario_content(scenario: dict) -> dict[str, Any]:
    """A normalized scenario as the content-file mapping (plain dicts and lists, times as text)."""
    out: dict[str, Any] = {}
    for key in ("id", "title", "version", "summary"):
        _put(out, key, scenario.get(key))
    _put(out, "language", scenario.get("language"), skip=(None, "", "en"))
    _put(out, "hazard", scenario.get("hazard"))
    out["duration"] = format_units(scenario["duration_s"])
    out["sop"] = scenario["sop"]
    sources = []
    for source in scenario.get("sources") or []:
        item: dict[str, Any] = {"id": source["id"], "title": source["title"]}
        _put(item, "where", source.get("where"))
        _put(item, "url", source.get("url"))
        item["confidence"] = source.get("confidence") or "U"
        sources.append(item)
    _put(out, "sources", sources)
    objectives = []
    for objective in scenario.get("objectives") or []:
        item = {"id": objective["id"], "text": objective["text"]}
        _put(item, "capability", objective.get("capability"))
        objectives.append(item)
    _put(out, "objectives", objectives)
    out["teams"] = [{"key": t["key"], "name": t["name"], "agency": t["agency"]} for t in scenario["teams"]]
    # site, radiation, responders, instruments, zones: as the author wrote them (units, place names)
    out.update(scenario.get("as_written") or {})
    out["injects"] = [_inject_content(inject) for inject in scenario["injects"]]
    return out


def _inject_content(inject: dict) -> dict[str, Any]:
    out: dict[str, Any] = {"id": inject["id"]}
    if inject.get("at_s") is not None:
        out["at"] = format_units(inject["at_s"])
    _put(out, "from", inject.get("from"))
    out["to"] = inject["to"] if inject["to"] == "all" else _Flow(inject["to"])
    out["channel"] = inject.get("channel") or "other"
    out["type"] = inject.get("type") or "information"
    out["title"] = inject["title"]
    _put(out, "body", inject.get("body"))
    expects = [{"step": e["step"], "within": format_units(e["within_s"])} for e in inject.get("expects") or []]
    _put(out, "expects", expects)
    _put(out, "objective", inject.get("objective"))
    if inject.get("requires_ack") is False:
        out["requires_ack"] = False
    _put(out, "notes", inject.get("notes"))
    overdue = inject.get("when_overdue")
    if overdue:
        out["when_overdue"] = _FlowMap(step=overdue["step"], mode=overdue.get("mode") or "prompt")
    if inject.get("sources"):
        out["sources"] = _Flow(inject["sources"])
    return out


def _dump(data) -> str:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=96,
                     default_flow_style=False)
    return text.removesuffix("...\n")  # a document-end marker: the parts are joined into one document


def scenario_yaml(scenario: dict, comment: str = "") -> str:
    """The scenario file's text, with `comment` (one or more lines) as a header comment."""
    content = scenario_content(scenario)
    injects = content.pop("injects")
    parts = ["".join(f"# {line}".rstrip() + "\n" for line in comment.splitlines())] if comment else []
    scalars = {key: value for key, value in content.items() if not isinstance(value, (list, dict))}
    parts.append(("\n" if comment else "") + _dump(scalars))
    parts += ["\n" + _dump({key: value}) for key, value in content.items() if isinstance(value, (list, dict))]
    items = []
    for inject in injects:
        # Each inject dumped on its own and indented as one item of `injects:`; indenting every
        # non-empty line the same keeps block scalars intact.
        text = _dump([inject])
        items.append("".join(f"  {line}" if line.strip() else line for line in text.splitlines(keepends=True)))
    parts.append("\ninjects:\n" + "\n".join(items))
    return "".join(parts)


# --- any library document -------------------------------------------------------------------

def _flowing(value, depth: int = 0):
    """Short lists of plain values written on one line (`to: [fire, police]`), as people write them."""
    if isinstance(value, Mapping):
        return {key: _flowing(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        if value and depth > 0 and all(isinstance(item, str) and "\n" not in item and len(item) < 40
                                       for item in value) and sum(len(item) + 2 for item in value) < 60:
            return _Flow(value)
        return [_flowing(item, depth + 1) for item in value]
    return value


def document_yaml(document: Mapping, comment: str = "") -> str:
    """The document as a content file: its plain fields first, then each list with a blank line
    between its records; `comment` (one or more lines) as a header. Loading the text gives the
    same document."""
    parts = ["".join(f"# {line}".rstrip() + "\n" for line in comment.splitlines()) + "\n"] if comment else []
    document = _flowing(dict(document))
    scalars = {key: value for key, value in document.items() if not isinstance(value, (list, dict))}
    if scalars:
        parts.append(_dump(scalars))
    for key, value in document.items():
        if key in scalars:
            continue
        if isinstance(value, list) and value and all(isinstance(item, Mapping) for item in value):
            items = []
            for item in value:
                text = _dump([item])
                items.append("".join(f"  {line}" if line.strip() else line for line in text.splitlines(keepends=True)))
            parts.append(f"\n{_dump({key: []}).split(':')[0]}:\n" + "\n".join(items))
        else:
            parts.append("\n" + _dump({key: value}))
    text = "".join(parts)
    return text if comment else text.lstrip("\n")
