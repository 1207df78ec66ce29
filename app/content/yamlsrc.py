"""Read hand-written YAML while remembering the line of every key and list item.

Mappings load as `LineDict` and sequences as `LineList`: plain dict/list subclasses that also
carry `line` (where the mapping or sequence starts) and `lines` (key -> line, or one line per
item), so every validation message can point at the line to fix. Lines count from 1.
"""
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..text import unprintable_characters
from flask_babel import gettext

__all__ = ["ContentError", "LineDict", "LineList", "line_of", "load_yaml", "read_yaml_file"]


@dataclass(frozen=True)
class ContentError:
    """One problem in a content file, printed as `path:line: message`."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


class LineDict(dict):
    """A mapping from YAML: `line` of its first key, `lines[key]` for each key."""

    line: int = 0
    lines: dict

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = {}


class LineList(list):
    """A sequence from YAML: `line` of its start, `lines[i]` for each item."""

    line: int = 0
    lines: list

    def __init__(self, *args):
        super().__init__(*args)
        self.lines = []


def line_of(container, key, default: int | None = None) -> int | None:
    """Line of `container[key]` (a LineDict key or LineList index), else the container's line."""
    lines = getattr(container, "lines", None)
    if isinstance(container, LineDict) and key in lines:
        return lines[key]
    if isinstance(container, LineList) and isinstance(key, int) and 0 <= key < len(lines):
        return lines[key]
    return getattr(container, "line", None) or default


# YAML 1.1 reads unquoted 1:30 as the integer 90 (base 60) and 1:30.5 as a float; in content
# files `at: 08:30` must stay text so the time parser reads it as 8 min 30 s. These are
# PyYAML's own int/float patterns without the base-60 alternatives.
_INT = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+)$""",
    re.X,
)
_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"


# libyaml's parser when installed (several times faster); construction stays in Python either way.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ContentLoader(_SafeLoader):
    """SafeLoader without base-60 numbers, building LineDict/LineList and noting duplicate keys."""

    yaml_implicit_resolvers = {
        first: [
            (tag, _INT if tag == _INT_TAG else _FLOAT if tag == _FLOAT_TAG else regexp)
            for tag, regexp in resolvers
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream):
        super().__init__(stream)
        self.problems: list[tuple[int, str]] = []


def _construct_mapping(loader: ContentLoader, node: yaml.MappingNode):
    data = LineDict()
    data.line = node.start_mark.line + 1
    yield data
    seen: dict = {}
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
            key = key_node.value
            if key in seen:
                loader.problems.append(
                    (key_node.start_mark.line + 1, f"key '{key}' appears twice in this mapping "
                     f"(first at line {seen[key]}); the second would silently win")
                )
            else:
                seen[key] = key_node.start_mark.line + 1
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            loader.problems.append((key_node.start_mark.line + 1, "a key must be plain text"))
            continue
        data[key] = loader.construct_object(value_node)
        data.lines[key] = key_node.start_mark.line + 1


def _construct_sequence(loader: ContentLoader, node: yaml.SequenceNode):
    data = LineList()
    data.line = node.start_mark.line + 1
    yield data
    for item_node in node.value:
        data.append(loader.construct_object(item_node))
        data.lines.append(item_node.start_mark.line + 1)


ContentLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
ContentLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def load_yaml(text: str, path: str) -> tuple[object, list[ContentError]]:
    """Parse one YAML document; return (data, problems). Data is None after a syntax error."""
    unprintable = [ContentError(path, line, gettext("character U+%(value)s at column %(column)s is a control character, not text; delete it (or write it as an escape in a double-quoted string)", value=format(ord(char), "04X"), column=column))
                   for line, column, char in unprintable_characters(text)]
    if unprintable:
        # PyYAML would stop at the first with a character offset; every one, by line, is more use.
        return None, unprintable
    loader = ContentLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "cannot parse"
        if exc.problem and exc.context:
            where = f" started at line {exc.context_mark.line + 1}" if exc.context_mark else ""
            what += f" ({exc.context}{where})"
        return None, [ContentError(path, line, gettext("YAML syntax error: %(what)s", what=what))]
    except yaml.YAMLError as exc:
        return None, [ContentError(path, None, gettext("YAML syntax error: %(exc)s", exc=exc))]
    finally:
        loader.dispose()
    return data, [ContentError(path, line, message) for line, message in loader.problems]


def read_yaml_file(file: Path, path: str) -> tuple[object, list[ContentError]]:
    """Read and parse `file`; `path` is the name used in messages."""
    try:
        raw = file.read_bytes()
    except OSError as exc:
        return None, [ContentError(path, None, gettext("cannot read: %(value)s", value=exc.strerror or exc))]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [ContentError(path, line, gettext("not UTF-8 text: byte 0x%(value)s at column %(column)s (%(reason)s); save the file as UTF-8", value=format(raw[exc.start], "02X"), column=column, reason=exc.reason))]
    return load_yaml(text, path)
