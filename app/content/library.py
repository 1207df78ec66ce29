"""Load and validate the scenario library: `injects/*.yaml` against the `sop/*.yaml` they name.

Every problem becomes a ContentError with file and line (a FieldError, which also names the
field, e.g. `injects[4].expects[1].within`); a file with any problem is left out of the Library.
The same rules check documents that come from the editor as JSON (`lined_document`): there the
field path is the place, as there are no lines. Loaded scenarios and checklists are normalized,
JSON-able dicts (times in float seconds, defaults filled) with their `path` and `hash`, ready to
be frozen into an exercise.
"""
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path


from app.engine.timefmt import format_duration
from app.schemas.content import KEY_PATTERN, TASK_TYPES, ChecklistSchema, InjectSchema, ScenarioSchema
from app.errors import InvalidInput, NotFound

from .checks import (Problem, ProblemList, Spot, did_you_mean, load_with_schema, path_join, record_ref, records,
                     spot_of, text_of, texts_of, time_of, unique)
from .radiation import take_radiological_blocks
from .readings_check import reading_warnings
from .zones import rule_problems, take_zones_block
from .yamlsrc import ContentError, LineDict, LineList, line_of, read_yaml_file
from flask_babel import gettext

__all__ = [
    "REPO_ROOT", "ContentError", "ContentInvalid", "ContentNotFound", "FieldError", "Library", "Problem",
    "assign_paths", "check_checklist", "check_inject", "check_scenario", "content_hash", "gap_report", "lined_document",
    "load_checklist", "load_library", "load_scenario", "validate_scenario",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
_CHECKLIST_SCHEMA = ChecklistSchema()
_SCENARIO_SCHEMA = ScenarioSchema()


@dataclass(frozen=True)
class FieldError(ContentError):
    """A problem of a content file that also names its field: `injects[4].expects[1].within`
    (`""` for the whole document, None when it is about no one field)."""

    field: str | None = None


class ContentNotFound(NotFound):
    """No scenario or checklist file with that id."""


class ContentInvalid(InvalidInput):
    """The file (or the checklist it names) has problems; `errors` lists them all."""

    def __init__(self, errors: Iterable[ContentError]):
        self.errors = list(errors)
        first = str(self.errors[0]) if self.errors else "invalid content"
        more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
        problems: dict[str, list[str]] = {}
        for error in self.errors:
            problems.setdefault(error.path, []).append(
                error.message if error.line is None else f"line {error.line}: {error.message}")
        super().__init__(f"{first}{more}", fields=problems)


@dataclass
class Library:
    """Valid scenarios and checklists by id, and every problem found. Every scenario's
    checklist (`sop`) is in `checklists`, also when it was found next to the scenario."""

    scenarios: dict[str, dict] = field(default_factory=dict)
    checklists: dict[str, dict] = field(default_factory=dict)
    errors: list[ContentError] = field(default_factory=list)
    warnings: list[ContentError] = field(default_factory=list)  # not errors: the file still loads


def content_hash(obj) -> str:
    """SHA-256 hex of the canonical JSON of `obj` (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def gap_report(checklist: dict) -> dict[str, list[str]]:
    """Per agency with a crosswalk: the steps it is responsible for that none of its clauses covers."""
    report = {}
    for agency, crosswalk in checklist.get("crosswalk", {}).items():
        covered = {step for clause in crosswalk["clauses"] for step in clause["steps"]}
        report[agency] = [
            step["id"] for step in checklist["steps"]
            if agency in step["agencies"] and step["id"] not in covered
        ]
    return report


def load_library(paths: Iterable[str | Path] | None = None, root: Path | None = None) -> Library:
    """Load and check content files (files or directories; default root/injects and root/sop).

    A scenario is checked against the checklist it names: one of the given files, else
    `<scenario dir>/../sop/<id>.yaml`.
    """
    return _LibraryLoader(Path(root).resolve() if root is not None else REPO_ROOT).load(paths)


def load_scenario(scenario_id: str, root: Path | None = None) -> tuple[dict, dict]:
    """The scenario `injects/<id>.yaml` and its checklist, both normalized and valid."""
    root = Path(root).resolve() if root is not None else REPO_ROOT
    library = load_library([_library_file(root, "injects", scenario_id, "scenario")], root)
    if library.errors:
        raise ContentInvalid(library.errors)
    scenario = library.scenarios[scenario_id]
    return scenario, library.checklists[scenario["sop"]]


def load_checklist(checklist_id: str, root: Path | None = None) -> dict:
    """The checklist `sop/<id>.yaml`, normalized and valid."""
    root = Path(root).resolve() if root is not None else REPO_ROOT
    library = load_library([_library_file(root, "sop", checklist_id, "checklist")], root)
    if library.errors:
        raise ContentInvalid(library.errors)
    return library.checklists[checklist_id]


MAX_ID_LENGTH = 100  # library ids become file names; longer ones name no file


def _library_file(root: Path, folder: str, ident: str, what: str) -> Path:
    """The file of a library id; ids are checked first so that no id can point outside the folder."""
    if isinstance(ident, str) and len(ident) <= MAX_ID_LENGTH and re.match(KEY_PATTERN, ident):
        file = root / folder / f"{ident}.yaml"
        if file.is_file():
            return file
    raise ContentNotFound(f"no {what} '{ident}' in {folder}/")


# --- loading files -------------------------------------------------------------------------

@dataclass
class _Source:
    """One file as read: its kind (scenario, checklist, or None when unknown) and raw YAML."""

    file: Path
    name: str
    kind: str | None
    raw: LineDict | None
    errors: list[ContentError]


@dataclass
class _Checked:
    """One file's outcome: `data` is the normalized dict, or None when it has problems."""

    kind: str | None
    name: str
    data: dict | None
    errors: list[ContentError]
    warnings: list[ContentError] = field(default_factory=list)


class _LibraryLoader:
    def __init__(self, root: Path):
        self.root = root
        self.checked: dict[Path, _Checked] = {}  # by resolved file, so nothing is checked twice

    def load(self, paths) -> Library:
        missing: list[ContentError] = []
        sources = [self._read(file) for file in self._expand(paths, missing)]

        checklists: dict[str, _Checked] = {}
        for source in sources:
            if source.kind == "checklist":
                _index(self._check_checklist(source), source, checklists)
        scenarios: dict[str, _Checked] = {}
        for source in sources:
            if source.kind == "scenario":
                _index(self._check_scenario(source, checklists), source, scenarios)
            elif source.kind is None:
                self.checked[source.file] = _Checked(None, source.name, None, source.errors)

        library = Library(errors=missing)
        for checked in self.checked.values():
            library.errors.extend(checked.errors)
            library.warnings.extend(checked.warnings)
            if checked.kind == "checklist" and checked.data is not None:
                # given files first, then those found next to a scenario
                library.checklists.setdefault(checked.data["id"], checked.data)
        library.scenarios = {key: checked.data for key, checked in scenarios.items() if checked.data}
        library.errors.sort(key=lambda error: (error.path, error.line or 0))
        library.warnings.sort(key=lambda warning: (warning.path, warning.line or 0))
        return library

    def _expand(self, paths, errors: list[ContentError]) -> list[Path]:
        """Files to load: each given file, and the *.yaml/*.yml files of each given directory."""
        required = paths is not None
        if paths is None:
            paths = [self.root / "injects", self.root / "sop"]
        files: list[Path] = []
        for path in paths:
            path = Path(path).resolve()
            if path.is_dir():
                found = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
                if required and not found:
                    errors.append(ContentError(self._name(path), None, gettext("no .yaml files in this directory")))
                files.extend(found)
            elif path.is_file():
                files.append(path)
            elif required:
                errors.append(ContentError(self._name(path), None, gettext("no such file or directory")))
        return list(dict.fromkeys(files))

    def _name(self, file: Path) -> str:
        """How messages name a file: relative to the root when inside it."""
        try:
            return file.relative_to(self.root).as_posix()
        except ValueError:
            return str(file)

    def _read(self, file: Path) -> _Source:
        name = self._name(file)
        raw, errors = read_yaml_file(file, name)
        assign_paths(raw)
        if raw is None and not errors:
            errors.append(ContentError(name, None, gettext("the file is empty")))
        elif raw is not None and not isinstance(raw, LineDict):
            errors.append(ContentError(name, getattr(raw, "line", None) or 1,
                                       gettext("the file must be a mapping of 'key: value' lines")))
            raw = None
        kind = _kind(file, raw)
        if kind is None and raw is not None:
            errors.append(ContentError(
                name, raw.line, gettext("cannot tell a scenario (with injects:) from a checklist (with steps:); "
                "put scenarios in injects/ and checklists in sop/")))
        return _Source(file, name, kind, raw, errors)

    def _check_checklist(self, source: _Source) -> _Checked:
        if source.file in self.checked:
            return self.checked[source.file]
        checked = self.checked[source.file] = _Checked("checklist", source.name, None, list(source.errors))
        if source.raw is not None:
            data, problems, warnings = check_checklist(source.raw, source.file.stem)
            checked.errors += _file_errors(source.name, problems)
            checked.warnings += _file_errors(source.name, warnings)
            if not checked.errors:
                checked.data = _finish(data, source.name)
        return checked

    def _check_scenario(self, source: _Source, given: dict[str, _Checked]) -> _Checked:
        checked = self.checked[source.file] = _Checked("scenario", source.name, None, list(source.errors))
        if source.raw is None:
            return checked
        checklist, sop_problem = self._checklist_for(source, given)
        data, problems = check_scenario(source.raw, source.file.stem, checklist, folder=source.file.parent)
        if sop_problem:
            problems.append(Problem(*spot_of(source.raw, "sop"), sop_problem))
        checked.errors += _file_errors(source.name, problems)
        if not checked.errors:
            checked.warnings += _file_errors(source.name, reading_warnings(source.raw, data))
            checked.data = _finish(data, source.name)
        return checked

    def _checklist_for(self, source: _Source, given: dict[str, _Checked]) -> tuple[dict | None, str | None]:
        """The normalized checklist a scenario names, or a problem to report at its `sop:` line."""
        sop = source.raw.get("sop")
        if not isinstance(sop, str) or not re.match(KEY_PATTERN, sop):
            return None, None  # the schema reports it
        found = given.get(sop)
        if found is None:
            candidate = (source.file.parent.parent / "sop" / f"{sop}.yaml").resolve()
            if not candidate.is_file():
                return None, (f"unknown checklist '{sop}': there is no {self._name(candidate)} "
                              "and no checklist with that id among the files given")
            found = self._check_checklist(self._read(candidate))
        if found.data is None:
            return None, f"checklist '{sop}' ({found.name}) has errors, so this scenario cannot be checked"
        return found.data, None


def validate_scenario(raw: LineDict, stem: str, checklist: dict | None,
                      folder: Path | None = None) -> tuple[dict | None, list[tuple[int | None, str]]]:
    """Check one scenario as read (a file's YAML, or what the MSEL import builds) against its checklist.

    Returns (normalized scenario without path and hash, []) or (None, [(line, message), ...]);
    `stem` is the id the scenario must have, `checklist` None when it could not be found;
    `folder` is where its file is (the site plan is looked for there; docs/radiation.md).
    """
    data, problems = check_scenario(raw, stem, checklist, folder=folder)
    return data, [(problem.line, problem.message) for problem in problems]


def check_scenario(raw: LineDict, stem: str, checklist: dict | None, *, id_is: str = "the file name",
                   folder: Path | None = None) -> tuple[dict | None, list[Problem]]:
    """Like validate_scenario, each problem with its line and field path; `id_is` names what the
    id must match in messages (a file's name, or the library id of an edited document)."""
    raw, radiological = take_radiological_blocks(raw)
    raw, zones = take_zones_block(raw)
    data, problems = load_with_schema(_SCENARIO_SCHEMA, raw)
    problems += _scenario_problems(raw, stem, checklist, id_is)
    problems += radiological.check(data, folder)
    if not problems:
        problems += zones.check(data, checklist)
    return (None if problems else data), problems


def check_checklist(raw: LineDict, stem: str, *,
                    id_is: str = "the file name") -> tuple[dict | None, list[Problem], list[Problem]]:
    """A checklist as read: (normalized or None, problems, warnings), each with line and field path."""
    data, problems = load_with_schema(_CHECKLIST_SCHEMA, raw)
    problems += _checklist_problems(raw, stem, id_is)
    return (None if problems else data), problems, unsourced_thresholds(raw)


def _file_errors(name: str, problems: list[Problem]) -> list[FieldError]:
    return [FieldError(name, problem.line, problem.message, problem.path) for problem in problems]


# --- field paths: where each mapping and list sits in its document -------------------------


def assign_paths(node, path: str = "") -> None:
    """Give every LineDict and LineList of a document its field path (`injects[4].expects[1]`)."""
    stack = [(node, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, LineDict):
            item.path = where
            stack.extend((value, path_join(where, key)) for key, value in item.items())
        elif isinstance(item, LineList):
            item.path = where
            stack.extend((value, path_join(where, index)) for index, value in enumerate(item))


def lined_document(document) -> object:
    """A JSON document (from the editor) as the rules read YAML: LineDict/LineList with field paths
    and no lines, so that every problem is placed by its path."""
    def convert(value):
        if isinstance(value, Mapping):
            out = LineDict()
            for key, item in value.items():
                out[key] = convert(item)
            return out
        if isinstance(value, list):
            return LineList(convert(item) for item in value)
        return value

    converted = convert(document)
    assign_paths(converted)
    return converted


def _index(checked: _Checked, source: _Source, registry: dict[str, _Checked]) -> None:
    """Index a file by its id; a second file with the same id is an error of that file."""
    ident = source.raw.get("id") if source.raw is not None else None
    if not isinstance(ident, str):
        ident = source.file.stem
    first = registry.get(ident)
    if first is None:
        registry[ident] = checked
    elif first is not checked:
        checked.errors.append(FieldError(
            checked.name, line_of(source.raw, "id"), gettext("%(kind)s id '%(ident)s' is also used by %(name)s", kind=checked.kind, ident=ident, name=first.name), "id"))
        checked.data = None


def _kind(file: Path, raw) -> str | None:
    """A file's kind: by its folder (injects/, sop/), else by its fields."""
    folder = file.parent.name
    if folder == "injects":
        return "scenario"
    if folder == "sop":
        return "checklist"
    if isinstance(raw, Mapping):
        if "injects" in raw or "sop" in raw:
            return "scenario"
        if "steps" in raw or "agencies" in raw:
            return "checklist"
    return None


def _finish(data: dict, name: str) -> dict:
    """Add `path` and `hash` (of everything else) to a normalized file."""
    data["hash"] = content_hash(data)
    data["path"] = name
    return data


# --- shape: the marshmallow schemas, with messages placed on lines -------------------------


# --- references: ids, time limits, the checklist -------------------------------------------


def _check_file_id(raw: LineDict, stem: str, problems: ProblemList, id_is: str) -> None:
    ident = text_of(raw, "id")
    if ident is not None and ident != stem:
        why = "the id is the file name without .yaml" if id_is == "the file name" else "clone it to change its id"
        problems.add(spot_of(raw, "id"), gettext("id '%(ident)s' does not match %(id_is)s '%(stem)s': %(why)s", ident=ident, id_is=id_is, stem=stem, why=why))


def _check_sources(record, label: str, sources: dict, problems: ProblemList) -> None:
    for source, spot in texts_of(record, "sources"):
        if source not in sources:
            problems.add(spot, gettext("%(label)s: unknown source '%(source)s'%(value)s", label=label, source=source, value=did_you_mean(source, sources)))


def _checklist_problems(raw: LineDict, stem: str, id_is: str = "the file name") -> list[Problem]:
    problems = ProblemList()
    _check_file_id(raw, stem, problems, id_is)
    sources = unique(records(raw, "sources"), "id", "source id", problems)
    agencies = unique(records(raw, "agencies"), "key", "agency key", problems)
    phases = unique(records(raw, "phases"), "key", "phase key", problems)
    steps = unique(records(raw, "steps"), "id", "step id", problems)

    for step in records(raw, "steps"):
        label = f"step {text_of(step, 'id') or record_ref(step)}"
        for agency, spot in texts_of(step, "agencies"):
            if agency not in agencies:
                problems.add(spot, gettext("%(label)s: unknown agency '%(agency)s'%(value)s", label=label, agency=agency, value=did_you_mean(agency, agencies)))
        phase = text_of(step, "phase")
        if phase is not None and phase not in phases:
            problems.add(spot_of(step, "phase"), gettext("%(label)s: unknown phase '%(phase)s'%(value)s", label=label, phase=phase, value=did_you_mean(phase, phases)))
        for prior, spot in texts_of(step, "after"):
            if prior not in steps:
                problems.add(spot, gettext("%(label)s: after names unknown step '%(prior)s'%(value)s", label=label, prior=prior, value=did_you_mean(prior, steps)))
        _check_sources(step, label, sources, problems)
        if isinstance(step.get("rule"), Mapping):
            problems.extend(rule_problems(step["rule"], spot_of(step, "rule"), prefix=f"{label}: rule: "))
    _check_after_cycles(steps, problems)

    _check_dose_guidance(raw.get("dose_guidance"), sources, problems)

    crosswalk = raw.get("crosswalk")
    if isinstance(crosswalk, Mapping):
        for agency, entry in crosswalk.items():
            if isinstance(agency, str) and agency not in agencies:
                problems.add(spot_of(crosswalk, agency),
                             gettext("crosswalk for unknown agency '%(agency)s'%(value)s", agency=agency, value=did_you_mean(agency, agencies)))
            for clause in records(entry, "clauses"):
                label = f"crosswalk {agency} clause {clause.get('clause', record_ref(clause))}"
                for step, spot in texts_of(clause, "steps"):
                    if step not in steps:
                        problems.add(spot, gettext("%(label)s: unknown step '%(step)s'%(value)s", label=label, step=step, value=did_you_mean(step, steps)))
    return problems


def _check_dose_guidance(guidance, sources: dict, problems: ProblemList) -> None:
    """Set ids unique, the default one of them, every task type given, sources known."""
    if not isinstance(guidance, Mapping):
        return  # absent, or the schema reports it
    sets = unique(records(guidance, "sets"), "id", "dose guidance set id", problems)
    default = text_of(guidance, "default")
    if default is not None and sets and default not in sets:
        problems.add(spot_of(guidance, "default"),
                     gettext("dose_guidance: default '%(default)s' is not one of its sets%(value)s", default=default, value=did_you_mean(default, sets)))
    for ident, guidance_set in sets.items():
        label = f"dose guidance set {ident}"
        tasks = guidance_set.get("tasks")
        if isinstance(tasks, Mapping):
            missing = [task for task in TASK_TYPES if task not in tasks]
            if missing:
                problems.add(spot_of(guidance_set, "tasks"),
                             gettext("%(label)s: tasks must give a value for every task type; missing: %(names)s", label=label, names=', '.join(missing)))
        _check_sources(guidance_set, label, sources, problems)


# A number with a unit a responder may act on: a dose rate, a dose, an activity or a distance.
_THRESHOLD = re.compile(
    r"(?<![A-Za-z]-)(?<![\w.])\d+(?:[.,]\d+)?\s*(?:[µu]Sv/h|mSv/h|Sv/h|nSv/h|[µu]Sv|mSv|Sv|mGy|Gy|m?R/h|rem"
    r"|[kMGT]?Bq(?:/\w+)?|km|m)(?![\w/])")


def unsourced_thresholds(raw: LineDict) -> list[Problem]:
    """Warnings: a step whose guidance has a threshold-looking number but that names no source."""
    warnings = []
    for step in records(raw, "steps"):
        guidance = text_of(step, "guidance")
        if not guidance or texts_of(step, "sources"):
            continue
        found = _THRESHOLD.search(guidance)
        if found:
            warnings.append(Problem(*spot_of(step, "guidance"),
                                    f"step {text_of(step, 'id') or record_ref(step)}: guidance gives "
                             f"'{found.group(0)}' but the step names no source; add sources: [...]"))
    return warnings


def _check_after_cycles(steps: dict[str, LineDict], problems: ProblemList) -> None:
    """Report each group of steps whose `after` lists wait on each other, with one cycle spelled out."""
    graph = {ident: [prior for prior, _ in texts_of(step, "after") if prior in steps]
             for ident, step in steps.items()}
    for group in _cycles(graph):
        start = group[0]  # the first of the group in the file
        path = _cycle_path(graph, start, set(group))
        after_spots = dict(texts_of(steps[start], "after"))
        problems.add(after_spots.get(path[1], spot_of(steps[start], "after")),
                     gettext("step %(start)s: cycle in after: %(names)s", start=start, names=' -> '.join(path)))


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected groups of `graph` that contain a cycle (Tarjan), each in file order."""
    order = {node: i for i, node in enumerate(graph)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            advanced = False
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = len(index)
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(graph[succ])))
                    advanced = True
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in graph[node]:
                    groups.append(sorted(group, key=order.get))
    return sorted(groups, key=lambda group: order[group[0]])


def _cycle_path(graph: dict[str, list[str]], start: str, group: set[str]) -> list[str]:
    """The shortest path start -> ... -> start inside one strongly connected group."""
    came_from: dict[str, str | None] = {start: None}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for succ in graph[node]:
                if succ == start:
                    path = [node]
                    while came_from[path[-1]] is not None:
                        path.append(came_from[path[-1]])
                    return [*reversed(path), start]
                if succ in group and succ not in came_from:
                    came_from[succ] = node
                    following.append(succ)
        frontier = following
    return [start, start]  # not reached: every node of the group is on a cycle through start


def _scenario_problems(raw: LineDict, stem: str, checklist: dict | None,
                       id_is: str = "the file name") -> list[Problem]:
    problems = ProblemList()
    _check_file_id(raw, stem, problems, id_is)
    sources = unique(records(raw, "sources"), "id", "source id", problems)
    objectives = unique(records(raw, "objectives"), "id", "objective id", problems)
    teams = unique(records(raw, "teams"), "key", "team key", problems)
    unique(records(raw, "injects"), "id", "inject id", problems)
    duration = time_of(raw, "duration")
    agency_of = {key: text_of(team, "agency") for key, team in teams.items()}

    steps = {step["id"]: step for step in checklist["steps"]} if checklist else None
    if checklist:
        agencies = {agency["key"] for agency in checklist["agencies"]}
        for key, team in teams.items():
            agency = agency_of[key]
            if agency is not None and agency not in agencies:
                problems.add(spot_of(team, "agency"),
                             gettext("team %(key)s: agency '%(agency)s' is not an agency of checklist '%(id)s'%(value)s", key=key, agency=agency, id=checklist['id'], value=did_you_mean(agency, agencies)))

    expected: set[str] = set()
    contingencies: list[tuple[LineDict, str, list[str]]] = []
    for inject in records(raw, "injects"):
        reached = _inject_problems(inject, _InjectContext(teams, agency_of, steps, objectives, sources, duration),
                                   problems, expected)
        overdue = inject.get("when_overdue")
        step = text_of(overdue, "step")
        if steps is not None and step is not None and step in steps:
            contingencies.append((overdue, f"inject {text_of(inject, 'id') or record_ref(inject)}", reached))

    for overdue, label, reached in contingencies:
        step = overdue["step"]
        if step not in expected:
            problems.add(spot_of(overdue, "step"),
                         gettext("%(label)s: no inject expects step %(step)s, so it never becomes overdue and this inject is never prompted", label=label, step=step))
        else:
            _check_responsible(steps[step], reached, agency_of, spot_of(overdue, "step"),
                               f"{label}: when_overdue step {step}", problems)
    return problems


@dataclass
class _InjectContext:
    """What one inject is checked against: the scenario's teams (and their agencies), the
    checklist's steps, the objectives and sources; `duration` None when no end applies."""

    teams: dict
    agency_of: dict
    steps: dict | None
    objectives: dict
    sources: dict
    duration: float | None


def _inject_problems(inject: LineDict, context: _InjectContext, problems: ProblemList, expected: set[str]) -> list[str]:
    """The rules of one inject; adds the steps it makes due to `expected`; returns the teams it reaches."""
    label = f"inject {text_of(inject, 'id') or record_ref(inject)}"
    overdue = inject.get("when_overdue")
    if "at" in inject and (isinstance(overdue, Mapping) or inject.get("type") == "contingency"):
        problems.add(spot_of(inject, "at"),
                     gettext("%(label)s: a contingency inject has no 'at': it is released by when_overdue or by hand; remove 'at'", label=label))
    else:
        at = time_of(inject, "at")
        if at is not None and context.duration is not None and at > context.duration:
            problems.add(spot_of(inject, "at"),
                         gettext("%(label)s: at %(value)s is after the end of the scenario (duration %(value2)s)", label=label, value=format_duration(at), value2=format_duration(context.duration)))

    steps = context.steps
    reached = _check_recipients(inject, label, context.teams, problems)
    for expect in records(inject, "expects"):
        step = text_of(expect, "step")
        if steps is None or step is None:
            continue
        if step not in steps:
            problems.add(spot_of(expect, "step"),
                         gettext("%(label)s: expects unknown step '%(step)s'%(value)s", label=label, step=step, value=did_you_mean(step, steps)))
            continue
        expected.add(step)
        _check_responsible(steps[step], reached, context.agency_of, spot_of(expect, "step"),
                           f"{label}: expects step {step}", problems)

    objective = text_of(inject, "objective")
    if objective is not None and objective not in context.objectives:
        problems.add(spot_of(inject, "objective"),
                     gettext("%(label)s: unknown objective '%(objective)s'%(value)s", label=label, objective=objective, value=did_you_mean(objective, context.objectives)))
    _check_sources(inject, label, context.sources, problems)

    step = text_of(overdue, "step")
    if steps is not None and step is not None and step not in steps:
        problems.add(spot_of(overdue, "step"),
                     gettext("%(label)s: when_overdue names unknown step '%(step)s'%(value)s", label=label, step=step, value=did_you_mean(step, steps)))
    # Whether another inject makes a when_overdue step due is a rule of the whole scenario.
    return reached


_INJECT_SCHEMA = InjectSchema()


def check_inject(inject_document: dict, *, teams: list[dict], objectives: list[dict], sources: list[str],
                 checklist: dict) -> tuple[dict | None, list[Problem]]:
    """One inject (as a content file writes it) by the rules of a scenario's injects, against
    given teams, objectives, sources and checklist; for edits of a running exercise's injects,
    where the scenario's end does not bind. Returns (normalized inject or None, problems)."""
    raw = lined_document(inject_document)
    data, problems = load_with_schema(_INJECT_SCHEMA, raw)
    found = ProblemList()
    steps = {step["id"]: step for step in checklist["steps"]}
    context = _InjectContext({team["key"]: team for team in teams}, {team["key"]: team["agency"] for team in teams},
                             steps, {o["id"]: o for o in objectives}, {ident: None for ident in sources}, None)
    _inject_problems(raw, context, found, set())
    problems += found
    return (None if problems else data), problems


def _check_recipients(inject: LineDict, label: str, teams: dict, problems: ProblemList) -> list[str]:
    """Check `to`; return the known team keys it reaches."""
    to = inject.get("to")
    if to == "all":
        return list(teams)
    reached = []
    for key, spot in texts_of(inject, "to"):
        if key in teams:
            reached.append(key)
        elif key == "all":
            problems.add(spot, gettext("%(label)s: write 'to: all' on its own, not inside a list", label=label))
        else:
            problems.add(spot, gettext("%(label)s: unknown team '%(key)s'%(value)s", label=label, key=key, value=did_you_mean(key, teams)))
    return reached


def _check_responsible(step: dict, reached: list[str], agency_of: dict, spot: Spot, label: str,
                       problems: ProblemList) -> None:
    """A step made due for teams none of which is responsible for it would never be checked."""
    if reached and not any(agency_of.get(team) in step["agencies"] for team in reached):
        problems.add(spot, gettext("%(label)s, but no team it reaches is responsible for that step (agencies: %(names)s)", label=label, names=', '.join(step['agencies'])))
