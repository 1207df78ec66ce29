"""Reading one MSEL sheet into a scenario checked by the content validator, and the problems found.

Every cell becomes part of a scenario mapping as a content file would have it; the validator of
`injects/*.yaml` then checks it. Its messages point at "lines": here each line number stands for
a cell (or a parameter), so every message is put back on its row and column.
"""
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path, PurePath

from app.engine.timefmt import format_units, parse_duration
from app.schemas.content import ID_PATTERN
from app.errors import InvalidInput, ServiceError

from .library import content_hash, validate_scenario
from .msel_columns import (ABSOLUTE, ALIASES, CHANNELS, CLOCK, EVENT_TYPES, EXPECTED_STEP, FIELD_HEADERS,
                           HEADER_SEARCH_ROWS, KNOWN_NAMES, NO, STEP_LIKE, TARGETS, YES, norm, parse_msel_time,
                           within_seconds)
from .tables import Sheet
from .yamlout import scenario_content
from .yamlsrc import LineDict, LineList


# --- problems ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportProblem:
    """One problem of an import: where (`row 7` and a column, `line 12`, a parameter, or `file`) and what."""

    key: str
    message: str
    column: str | None = None
    order: tuple = ()

    def text(self) -> str:
        return f'column "{self.column}": {self.message}' if self.column else self.message

    def __str__(self) -> str:
        return f"{self.key}, {self.text()}" if self.column else f"{self.key}: {self.message}"


class ImportInvalid(InvalidInput):
    """The upload is not a valid scenario; `problems` lists all of them, `fields` groups them by row."""

    def __init__(self, problems: Iterable[ImportProblem]):
        self.problems = sorted(problems, key=lambda p: p.order)
        fields: dict[str, list[str]] = {}
        for problem in self.problems:
            fields.setdefault(problem.key, []).append(problem.text())
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"{self.problems[0]}{more}", fields=fields)


def file_problem(message: str) -> ImportProblem:
    return ImportProblem("file", message, order=(0,))


def param_problem(name: str, message: str) -> ImportProblem:
    return ImportProblem(name, message, order=(1, name))


@dataclass
class ScenarioImport:
    """A valid scenario from an upload: normalized (with `hash`, `path` None), the columns that
    were not imported, the file's kind, and for a YAML upload its own text (saved as it is)."""

    scenario: dict
    unmapped_columns: list[str] = field(default_factory=list)
    kind: str = "csv"
    text: str | None = None


ChecklistLookup = Callable[[str], dict]


# --- reading an MSEL table -----------------------------------------------------------------

@dataclass(frozen=True)
class _Cell:
    row: int
    column: str | None
    index: int = 0


@dataclass(frozen=True)
class _Param:
    name: str


class _Places:
    """Stand-in "line numbers" for the validator: each number is a cell or a parameter, so its
    messages (made for file lines) can be put back on the row and column they are about."""

    def __init__(self):
        self.spots: list[_Cell | _Param] = []

    def at(self, spot: _Cell | _Param) -> int:
        self.spots.append(spot)
        return len(self.spots)

    def spot(self, line: int | None) -> _Cell | _Param | None:
        return self.spots[line - 1] if line and 0 < line <= len(self.spots) else None

    def describe(self, line: int) -> str:
        spot = self.spot(line)
        return f"row {spot.row}" if isinstance(spot, _Cell) else f"{spot.name}" if spot else f"line {line}"


def _lined(value, line: int):
    """A plain value as the validator reads YAML: LineDict/LineList all placed on `line`."""
    if isinstance(value, Mapping):
        out = LineDict()
        out.line = line
        for key, item in value.items():
            out[key] = _lined(item, line)
            out.lines[key] = line
        return out
    if isinstance(value, list):
        out = LineList(_lined(item, line) for item in value)
        out.line, out.lines = line, [line] * len(value)
        return out
    return value


def _cell_text(value) -> str:
    """A cell as text: numbers without a needless .0, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-")


class MselReader:
    """Turns one MSEL sheet into a validated scenario, collecting every problem on the way."""

    def __init__(self, filename: str, params: dict, base: dict | None, mapping: Mapping[str, str],
                 checklist_for: ChecklistLookup, base_blocks: Mapping | None = None, plans: Path | None = None):
        self.filename = filename
        self.params = params
        self.base = base
        # the base's site, radiation, zones, responders, instruments: kept as written
        self.base_blocks = dict(base_blocks or (base or {}).get("as_written") or {})
        self.plans = plans
        self.mapping = mapping
        self.checklist_for = checklist_for
        self.places = _Places()
        self.problems: list[ImportProblem] = []

    def fail(self, row: int, column: tuple[int, str] | None, message: str) -> None:
        index, name = column if column else (0, None)
        self.problems.append(ImportProblem(f"row {row}", message, name, order=(2, row, index)))

    # -- the scenario's own fields ----------------------------------------------------------

    def header(self) -> tuple[dict, dict | None]:
        """The scenario's fields but injects (content-file form), and its checklist."""
        base = scenario_content(self.base) if self.base else {}
        base.pop("injects", None)
        stem = PurePath(self.filename or "msel").stem
        given = {key: value for key, value in self.params.items() if value not in (None, "")}
        header: dict = {
            "id": given.get("id") or base.get("id") or _slug(stem) or "imported-msel",
            "title": given.get("title") or base.get("title") or stem.replace("_", " ").strip() or "Imported MSEL",
            "version": given.get("version", base.get("version", 1)),
        }
        for key in ("summary", "hazard"):
            if key in given or key in base:
                header[key] = given.get(key, base.get(key))
        if "duration" in given:
            try:  # read like the sheet's times: 2:30 is two and a half hours
                header["duration"] = format_units(within_seconds(given["duration"]))
            except ValueError as exc:
                self.problems.append(param_problem("duration", str(exc)))
        elif "duration" in base:
            header["duration"] = base["duration"]
        sop = given.get("sop") or base.get("sop")
        checklist = None
        if not sop:
            self.problems.append(param_problem("sop", "name the checklist the teams are held to (sop), "
                                                      "or give a base scenario"))
        else:
            header["sop"] = sop
            try:
                checklist = self.checklist_for(sop)
            except ServiceError as exc:
                self.problems.append(param_problem("sop", exc.message))
        for key in ("sources", "objectives", "teams"):
            if key in given or key in base:
                header[key] = given.get(key, base.get(key))
        header.update(self.base_blocks)
        if "teams" not in header and checklist:
            # One team per agency of the checklist, keyed like the agency.
            header["teams"] = [{"key": agency["key"], "name": agency["name"], "agency": agency["key"]}
                               for agency in checklist["agencies"]]
        return header, checklist

    # -- columns ----------------------------------------------------------------------------

    def find_header(self, sheet: Sheet) -> int | None:
        """Index in sheet.rows of the header row: the first that names two known columns."""
        mapped = {norm(name) for name in self.mapping}
        for position, (_, cells) in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
            names = [norm(cell) for cell in cells if isinstance(cell, str) and cell.strip()]
            if sum(name in KNOWN_NAMES or name in mapped for name in names) >= min(2, len(names)) and names:
                return position
        return None

    def columns(self, cells: Sequence) -> tuple[dict[str, tuple[int, str]], list[str]]:
        """field -> (column index, header text); and the headers left unmapped."""
        headers = [(index, str(cell).strip()) for index, cell in enumerate(cells)
                   if cell is not None and str(cell).strip()]
        fields: dict[str, tuple[int, str]] = {}
        taken: set[int] = set()
        by_name = {name: index for index, name in reversed(headers)}
        by_norm = {norm(name): index for index, name in reversed(headers)}
        for column, target in self.mapping.items():
            index = by_name.get(column, by_norm.get(norm(column)))
            if index is None:
                self.problems.append(param_problem("mapping", f'there is no column "{column}" in the file'))
                continue
            name = TARGETS.get(norm(target)) or next(
                (f for f, names in ALIASES.items() if norm(target) in names), None)
            if name is None:
                self.problems.append(param_problem(
                    "mapping", f'"{column}": unknown field "{target}"; use one of {", ".join(sorted(ALIASES))} '
                               "or ignore"))
                continue
            taken.add(index)
            if name != "ignore":
                fields.setdefault(name, (index, dict(headers)[index]))
        for name, aliases in ALIASES.items():
            if name in fields:
                continue
            for alias in aliases:
                found = next((i for i, h in headers if norm(h) == alias and i not in taken), None)
                if found is not None:
                    fields[name] = (found, dict(headers)[found])
                    taken.add(found)
                    break
        unmapped = [header for index, header in headers if index not in taken]
        return fields, unmapped

    # -- the whole file ---------------------------------------------------------------------

    def read(self, sheets: list[Sheet], kind: str, sheet_name: str | None) -> ScenarioImport:
        header, checklist = self.header()
        if checklist is None:  # nothing about the rows (teams, steps) can be checked without it
            raise ImportInvalid(self.problems)
        sheet, at = self._pick_sheet(sheets, sheet_name)
        if sheet is None:
            raise ImportInvalid(self.problems)
        header_row, header_cells = sheet.rows[at]
        fields, unmapped = self.columns(header_cells)
        if "body" not in fields and "title" not in fields:
            self.problems.append(file_problem(
                f"no message column in row {header_row}: name one Message, Event Description, Inject, "
                'Description or Title, or map yours, e.g. {"Your column": "message"}'))
        if "time" not in fields:
            self.problems.append(file_problem(
                f"no time column in row {header_row}: name one Scenario Time, Time or T+, or map yours, "
                'e.g. {"Your column": "time"}'))
        if any(p.order[0] == 0 or p.key == "mapping" for p in self.problems):
            raise ImportInvalid(self.problems)

        rows = sheet.rows[at + 1:]
        context = _RowContext(header, checklist, fields, self.params.get("startex"), self)
        injects = context.injects(rows)
        if not injects:
            self.problems.append(file_problem(f"no injects: the rows under the header (row {header_row}) are empty"))
            raise ImportInvalid(self.problems)
        if "duration" not in header:
            header["duration"] = format_units(_default_duration(injects))
        raw = _lined({}, self.places.at(_Param("scenario")))
        for key, value in header.items():
            line = self.places.at(_Param(key))
            raw[key], raw.lines[key] = _lined(value, line), line
        raw["injects"] = LineList(injects)
        raw["injects"].line = self.places.at(_Param("file"))
        raw["injects"].lines = [inject.line for inject in injects]
        raw.lines["injects"] = raw["injects"].line
        stem = header["id"] if isinstance(header["id"], str) else ""
        scenario, found = validate_scenario(raw, stem, checklist, folder=self.plans)
        reported = {problem.key for problem in self.problems}
        for line, message in found:
            problem = self._translate(line, message)
            if not (problem.order[0] == 1 and problem.key in reported):  # said better already
                self.problems.append(problem)
        if self.problems:
            raise ImportInvalid(self.problems)
        scenario["hash"], scenario["path"] = content_hash(scenario), None
        return ScenarioImport(scenario, unmapped, kind)

    def _pick_sheet(self, sheets: list[Sheet], name: str | None) -> tuple[Sheet | None, int]:
        if name:
            chosen = [s for s in sheets if s.name.casefold() == name.casefold()]
            if not chosen:
                self.problems.append(param_problem(
                    "sheet", f"no sheet '{name}'; the workbook has {', '.join(s.name for s in sheets)}"))
                return None, 0
            sheets = chosen
        for sheet in sheets:
            at = self.find_header(sheet)
            if at is not None:
                return sheet, at
        if not any(sheet.rows for sheet in sheets):
            self.problems.append(file_problem("the file is empty"))
        else:
            self.problems.append(file_problem(
                f"no header row: none of the first {HEADER_SEARCH_ROWS} rows names two known columns such as "
                '"MSEL #", "Scenario Time", "To", "Message"; rename them or map yours, e.g. {"When": "time"}'))
        return None, 0

    def _translate(self, line: int | None, message: str) -> ImportProblem:
        """A validator message about a stand-in line, said about its row and column (or parameter)."""
        spot = self.places.spot(line)
        message = re.sub(r"\bline (\d+)\b", lambda m: self.places.describe(int(m.group(1))), message)
        for yaml_words, msel_words in _WORDING:
            message = message.replace(yaml_words, msel_words)
        if isinstance(spot, _Cell):
            nested = re.match(r"^injects(?:\[[^\]]*\]| #\d+)(?:\.([^:]*))?: (.*)$", message, re.S)
            if nested:
                path, message = nested.groups()
                if path and ("." in path or "[" in path):
                    path = re.sub(r"^expects\[([^\]]*)\]\.within$", r"\1 within", path)
                    message = f"{path}: {message}"
            else:
                message = re.sub(r"^inject [^:]+: ", "", message)
            return ImportProblem(f"row {spot.row}", message, spot.column, order=(2, spot.row, spot.index))
        if isinstance(spot, _Param) and spot.name not in ("scenario", "file"):
            prefix = f"{spot.name}: "
            return param_problem(spot.name, message[len(prefix):] if message.startswith(prefix) else message)
        missing = re.match(r"^missing required field '(\w+)'$", message)
        if missing:
            return param_problem(missing.group(1), "is required: give it, or a base scenario to take it from")
        return file_problem(message)


# The validator speaks of the YAML fields; an MSEL has columns.
_WORDING = (("has no 'at'", "has no time"), ("remove 'at'", "leave its time empty"),
            ("expects unknown step", "unknown step"), ("when_overdue names unknown step", "unknown step"))


def _default_duration(injects: list[LineDict]) -> float:
    """When none is given: past the last inject and its longest time limit, in whole half hours."""
    ends = []
    for inject in injects:
        at = inject.get("at")
        if isinstance(at, str):
            at_s = parse_duration(at)
            withins = [parse_duration(e["within"]) for e in inject.get("expects", [])
                       if isinstance(e.get("within"), str)]
            ends.append(at_s + max(withins, default=0))
    return max(1800.0, math.ceil(max(ends, default=3600) / 1800) * 1800)


class _RowContext:
    """What reading a row needs: the teams, steps and objectives it may name, and the columns."""

    def __init__(self, header: dict, checklist: dict | None, fields: dict, startex, reader: MselReader):
        self.reader = reader
        self.fields = fields
        teams = [t for t in header.get("teams") or [] if isinstance(t, Mapping) and isinstance(t.get("key"), str)]
        self.team_by_name: dict[str, str] = {}
        agency_names = {norm(a["key"]): a["key"] for a in (checklist or {}).get("agencies", [])}
        agency_names |= {norm(a["name"]): a["key"] for a in (checklist or {}).get("agencies", [])}
        by_agency: dict[str, list[str]] = {}
        for team in teams:
            by_agency.setdefault(str(team.get("agency")), []).append(team["key"])
        for name, agency in agency_names.items():  # an agency's name reaches its team when it has one
            if len(by_agency.get(agency, [])) == 1:
                self.team_by_name[name] = by_agency[agency][0]
        for team in teams:
            self.team_by_name[norm(team["key"])] = team["key"]
            if isinstance(team.get("name"), str):
                self.team_by_name[norm(team["name"])] = team["key"]
        self.steps = {step["id"] for step in (checklist or {}).get("steps", [])}
        objectives = [o for o in header.get("objectives") or [] if isinstance(o, Mapping)]
        self.objectives = {str(o.get("id")): str(o.get("text", "")) for o in objectives}
        self.startex = None
        if startex not in (None, ""):
            try:
                value, kind = parse_msel_time(startex)
                if kind == ABSOLUTE:
                    raise ValueError("give STARTEX as a time of day, e.g. 09:00")
                self.startex = value
            except ValueError as exc:
                reader.problems.append(param_problem("startex", str(exc)))

    def column(self, name: str) -> tuple[int, str] | None:
        return self.fields.get(name)

    def place(self, row: int, name: str) -> int:
        column = self.fields.get(name)
        return self.reader.places.at(_Cell(row, column[1] if column else FIELD_HEADERS[name],
                                           column[0] if column else 0))

    def value(self, cells: list, name: str):
        column = self.fields.get(name)
        if column is None or column[0] >= len(cells):
            return None
        value = cells[column[0]]
        return None if isinstance(value, str) and not value.strip() else value

    # -- rows -------------------------------------------------------------------------------

    def injects(self, rows: list[tuple[int, list]]) -> list[LineDict]:
        times = {row: self.time(row, cells) for row, cells in rows}
        absolute = [t for t in times.values() if isinstance(t, datetime)]
        origin = None
        if absolute:
            first = min(absolute)
            origin = (datetime.combine(first.date(), time()) + timedelta(seconds=self.startex)
                      if self.startex is not None else first)
        injects = []
        for number, (row, cells) in enumerate(rows, start=1):
            at = times[row]
            if isinstance(at, datetime):
                at = (at - origin).total_seconds()
                if at < 0:
                    self.reader.fail(row, self.column("time"), "is before STARTEX")
                    at = None
            injects.append(self.inject(number, row, cells, at))
        return injects

    def time(self, row: int, cells: list) -> float | datetime | None:
        value = self.value(cells, "time")
        if value is None:
            return None
        try:
            seconds, kind = parse_msel_time(value)
        except ValueError as exc:
            self.reader.fail(row, self.column("time"), str(exc))
            return None
        if kind == CLOCK and self.startex is not None:
            seconds -= self.startex
            if seconds < 0:
                self.reader.fail(row, self.column("time"), f"{_cell_text(value)} is before STARTEX")
                return None
        return seconds

    def inject(self, number: int, row: int, cells: list, at: float | None) -> LineDict:
        fail = self.reader.fail
        inject = LineDict()
        inject.line = self.place(row, "id" if "id" in self.fields else "number")

        def put(key: str, value, name: str) -> None:
            line = self.place(row, name)
            inject[key] = _lined(value, line)
            inject.lines[key] = line

        put("id", self.inject_id(number, row, cells), "id" if self.value(cells, "id") is not None else "number")
        if at is not None:
            put("at", format_units(at), "time")
        sender = self.value(cells, "from")
        if sender is not None:
            put("from", _cell_text(sender).strip(), "from")
        put("to", self.recipients(row, cells), "to")
        put("channel", self.channel(cells), "channel")
        put("type", self.type(cells), "type")

        body = self.value(cells, "body")
        body = _cell_text(body) if body is not None else ""
        title = _cell_text(self.value(cells, "title")).strip()
        if not title and not body:
            fail(row, self.column("body") or self.column("title") or (0, "Message"),
                 "is empty: every inject needs a message (or at least a title)")
            title = "(empty)"
        put("title", title or _title_from(body), "title" if title else "body")
        if body:
            put("body", body, "body")

        notes = [_cell_text(self.value(cells, "notes"))] if self.value(cells, "notes") is not None else []
        expected = self.value(cells, "expects")
        if expected is not None:
            expects, free = self.expects(row, _cell_text(expected))
            if expects:
                put("expects", expects, "expects")
            if free:
                notes.append("Expected action: " + "; ".join(free))
        objective = self.value(cells, "objective")
        if objective is not None:
            chosen, others = self.objective(_cell_text(objective).strip())
            put("objective", chosen, "objective")
            if others:
                notes.append("Also objectives: " + ", ".join(others))
        ack = self.value(cells, "requires_ack")
        if ack is not None:
            word = _cell_text(ack).strip().casefold()
            if word in YES or word in NO:
                put("requires_ack", word in YES, "requires_ack")
            else:
                fail(row, self.column("requires_ack"), f'"{_cell_text(ack).strip()}" is not yes or no')
        if notes:
            put("notes", "\n\n".join(notes), "notes")
        overdue = self.value(cells, "when_overdue")
        if overdue is not None:
            parsed = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9-]*)(?:[\s,(]+([A-Za-z]+)\)?)?\s*", _cell_text(overdue))
            if parsed:
                put("when_overdue", {"step": parsed.group(1)} | (
                    {"mode": parsed.group(2).lower()} if parsed.group(2) else {}), "when_overdue")
            else:
                fail(row, self.column("when_overdue"),
                     f'"{_cell_text(overdue).strip()}": write the step and prompt or auto, e.g. "IC-03 prompt"')
        sources = self.value(cells, "sources")
        if sources is not None:
            put("sources", [s.strip() for s in re.split(r"[;,\n]", _cell_text(sources)) if s.strip()], "sources")
        return inject

    # -- cells ------------------------------------------------------------------------------

    def inject_id(self, number: int, row: int, cells: list) -> str:
        """The Inject ID column, else one made from the MSEL number (7 -> I-07), else from the row order."""
        given = self.value(cells, "id")
        if given is not None:
            return _cell_text(given).strip()
        msel_number = self.value(cells, "number")
        if msel_number is None:
            return f"I-{number:02d}" if "number" not in self.fields else f"ROW-{row}"
        text = _cell_text(msel_number).strip()
        if re.fullmatch(r"\d+(\.\d+)*", text):
            first, *rest = text.split(".")
            return "-".join([f"I-{int(first):02d}", *rest])
        if re.match(ID_PATTERN, text):
            return text
        return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or f"ROW-{row}"

    def recipients(self, row: int, cells: list) -> str | list[str]:
        if "to" not in self.fields:
            return "all"  # an MSEL without a recipient column goes to everyone
        value = self.value(cells, "to")
        if value is None:
            self.reader.fail(row, self.column("to"), "is empty: name the team(s) it goes to, or all")
            return "all"
        keys: list[str] = []
        for token in (t.strip() for t in re.split(r"[;,\n]", _cell_text(value))):
            if not token:
                continue
            if norm(token) in ("all", "allteams", "allplayers", "everyone", "allagencies"):
                return "all"
            key = self.team_by_name.get(norm(token))
            if key is None and re.search(r"[/&]", token):
                parts = [self.team_by_name.get(norm(p)) for p in re.split(r"[/&]", token) if p.strip()]
                if parts and all(parts):
                    keys += parts
                    continue
            keys.append(key or token)  # an unknown team is reported by the validator
        return list(dict.fromkeys(keys)) or "all"

    def channel(self, cells: list) -> str:
        value = self.value(cells, "channel")
        for word in re.split(r"[/,;]", _cell_text(value)) if value is not None else []:
            if norm(word) in CHANNELS:
                return CHANNELS[norm(word)]
        return "other"

    def type(self, cells: list) -> str:
        value = self.value(cells, "type")
        word = norm(_cell_text(value)) if value is not None else ""
        return EVENT_TYPES.get(word) or EVENT_TYPES.get(re.sub(r"(inject|message)$", "", word)) or "information"

    def expects(self, row: int, text: str) -> tuple[list[dict], list[str]]:
        """`IC-02 within 10m; FB-01 within 5m` -> expects; text that names no step is kept as free text."""
        expects, free = [], []
        for part in (p.strip() for p in re.split(r"[;\n]", text)):
            if not part:
                continue
            pieces = [part]
            if not EXPECTED_STEP.match(part) and "," in part:
                commas = [p.strip() for p in part.split(",") if p.strip()]
                if all(EXPECTED_STEP.match(p) for p in commas):
                    pieces = commas
            for piece in pieces:
                found = EXPECTED_STEP.match(piece)
                if found and (found.group(1) in self.steps or STEP_LIKE.match(found.group(1))):
                    try:
                        within = within_seconds(found.group(2))
                        expects.append({"step": found.group(1), "within": format_units(within)})
                    except ValueError as exc:
                        self.reader.fail(row, self.column("expects"), f"{found.group(1)} within: {exc}")
                elif piece in self.steps or STEP_LIKE.match(piece):
                    self.reader.fail(row, self.column("expects"),
                                     f'step {piece} has no time limit: write "{piece} within 10m"')
                else:
                    free.append(piece)
        return expects, free

    def objective(self, text: str) -> tuple[str, list[str]]:
        """An objective id from `OBJ-1`, `obj-1`, `OBJ-1: text`, `1`, `Objective 1` or its text;
        with several, the first (the others go to the notes)."""
        found = self.objective_id(text)
        if found:
            return found, []
        parts = [p.strip() for p in re.split(r"[,;/\n]", text) if p.strip()]
        ids = [self.objective_id(p) for p in parts]
        if len(parts) > 1 and all(ids):
            return ids[0], ids[1:]
        return text, []  # reported by the validator as an unknown objective

    def objective_id(self, text: str) -> str | None:
        if text in self.objectives:
            return text
        folded = {ident.casefold(): ident for ident in self.objectives}
        prefix = re.match(r"^([A-Za-z0-9][A-Za-z0-9-]*)\s*(?:[:.)]\s*|\s+-\s+|$)", text)
        if prefix and prefix.group(1).casefold() in folded:
            return folded[prefix.group(1).casefold()]
        by_text = {re.sub(r"\s+", " ", t).strip().casefold(): ident for ident, t in self.objectives.items()}
        if re.sub(r"\s+", " ", text).casefold() in by_text:
            return by_text[re.sub(r"\s+", " ", text).casefold()]
        number = re.fullmatch(r"(?:objective|obj)?\s*#?\s*(\d+)", text, re.I)
        if number:
            matches = [i for i in self.objectives if re.sub(r"\D", "", i).lstrip("0") == number.group(1).lstrip("0")]
            if len(matches) == 1:
                return matches[0]
        return None


def _title_from(body: str) -> str:
    """A title for a row that has none: the message's first 80 characters, cut at a word."""
    text = re.sub(r"\s+", " ", re.sub(r"[*_`#>]", "", body)).strip()
    if len(text) <= 80:
        return text
    cut = text[:80].rsplit(" ", 1)[0] if " " in text[:80] else text[:80]
    return cut.rstrip(",;:.-") + "…"
