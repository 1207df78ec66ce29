"""MSEL import and export: a scenario as the Master Scenario Events List planners keep in a
spreadsheet (HSEEP), and such a spreadsheet back into a scenario (docs/content.md, "MSEL import
and export").

Export writes the HSEEP columns and Cordon's own (inject id, acknowledgement, contingency,
sources), so that export -> import gives back the same scenario. Import reads CSV or XLSX with
the column names HSEEP templates and other tools use, turns each row into an inject and checks
the whole scenario with the same validator as `injects/*.yaml`; every problem of the file is
reported at once with its row and column. No Flask here: callers pass the checklist lookup.
"""
import re
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePath

from app.engine.timefmt import format_duration, format_units
from app.schemas.content import KEY_PATTERN
from app.errors import ServiceError

from .library import content_hash, validate_scenario
from .msel_columns import ALIASES, parse_msel_time
from .msel_reader import (ChecklistLookup, ImportInvalid, ImportProblem, MselReader, ScenarioImport,
                          file_problem)
from .tables import TableError, csv_bytes, read_csv, read_xlsx, xlsx_bytes
from .yamlsrc import LineDict, load_yaml

__all__ = ["ALIASES", "EXERCISE_COLUMNS", "MSEL_COLUMNS", "ImportInvalid", "ImportProblem", "ScenarioImport",
           "import_scenario_file", "msel_csv", "msel_rows", "msel_xlsx", "parse_msel_time"]

# --- export --------------------------------------------------------------------------------

MSEL_COLUMNS = ("MSEL #", "Scenario Time", "Event Type", "Delivery Method", "From", "To", "Title", "Message",
                "Expected Action", "Objective", "Notes", "Inject ID", "Requires Ack", "When Overdue", "Sources")
EXERCISE_COLUMNS = (*MSEL_COLUMNS, "Status", "Released At")
_WIDTHS = {"MSEL #": 8, "Scenario Time": 11, "Event Type": 12, "Delivery Method": 13, "From": 22, "To": 22,
           "Title": 34, "Message": 70, "Expected Action": 28, "Objective": 11, "Notes": 50, "Inject ID": 10,
           "Requires Ack": 9, "When Overdue": 17, "Sources": 22, "Status": 10, "Released At": 11}


def _clock(seconds: float | None) -> str:
    """h:mm:ss for whole seconds; unit form (exact) for fractions; empty for a reserve inject."""
    if seconds is None:
        return ""
    return format_duration(seconds) if seconds == int(seconds) else format_units(seconds)


def expects_text(expects: Iterable[Mapping]) -> str:
    """`IC-02 within 10m; FB-01 within 5m`: the Expected Action column, read back by the import."""
    return "; ".join(f"{e['step']} within {format_units(e['within_s'])}" for e in expects)


def msel_rows(injects: Iterable[Mapping], *, exercise: bool = False) -> list[list]:
    """One row per inject, in MSEL_COLUMNS order (EXERCISE_COLUMNS with `exercise`, where each
    inject also carries `status` and `released_at_s`)."""
    rows = []
    for number, inject in enumerate(injects, start=1):
        to = inject["to"]
        overdue = inject.get("when_overdue")
        row = [
            number, _clock(inject.get("at_s")), inject.get("type") or "information", inject.get("channel") or "other",
            inject.get("from") or "", to if to == "all" else "; ".join(to), inject["title"],
            inject.get("body") or "", expects_text(inject.get("expects") or []), inject.get("objective") or "",
            inject.get("notes") or "", inject["id"], "no" if inject.get("requires_ack") is False else "yes",
            f"{overdue['step']} {overdue.get('mode') or 'prompt'}" if overdue else "",
            "; ".join(inject.get("sources") or []),
        ]
        if exercise:
            row += [inject.get("status") or "", _clock(inject.get("released_at_s"))]
        rows.append(row)
    return rows


def msel_csv(injects: Iterable[Mapping], *, exercise: bool = False) -> bytes:
    return csv_bytes(EXERCISE_COLUMNS if exercise else MSEL_COLUMNS, msel_rows(injects, exercise=exercise))


def msel_xlsx(injects: Iterable[Mapping], *, exercise: bool = False, title: str = "MSEL") -> bytes:
    return xlsx_bytes(EXERCISE_COLUMNS if exercise else MSEL_COLUMNS, msel_rows(injects, exercise=exercise),
                      title=title, widths=_WIDTHS)


# --- import --------------------------------------------------------------------------------

def file_kind(filename: str, data: bytes) -> str:
    """csv, xlsx or yaml, by the file name's extension (a zip without one is taken for xlsx)."""
    suffix = PurePath(filename or "").suffix.lower()
    kinds = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
             ".yaml": "yaml", ".yml": "yaml"}
    if suffix in kinds:
        return kinds[suffix]
    if suffix == ".xls":
        raise ImportInvalid([file_problem("the old .xls format cannot be read: save it as Excel Workbook (.xlsx)")])
    if not suffix and data.startswith(b"PK"):
        return "xlsx"
    raise ImportInvalid([file_problem(f"cannot tell what '{filename}' is: upload .csv, .xlsx or .yaml")])


def import_scenario_file(data: bytes, filename: str, *, checklist_for: ChecklistLookup,
                         params: Mapping | None = None, base: dict | None = None,
                         mapping: Mapping[str, str] | None = None, sheet: str | None = None,
                         plans: Path | None = None, base_blocks: Mapping | None = None) -> ScenarioImport:
    """A scenario from an uploaded MSEL (CSV, XLSX) or scenario file (YAML); raise ImportInvalid.

    For an MSEL the scenario's own fields (id, title, version, summary, hazard, duration, sop,
    objectives, teams) come from `params`, else from the `base` scenario (normalized), else from
    defaults; `mapping` maps column names the import does not know to fields (or "ignore").
    `checklist_for(sop)` returns a normalized checklist or raises a ServiceError; `plans` is the
    folder a scenario's site plan is looked for in (the library's scenario folder); `base_blocks`
    the base scenario's `site`, `radiation`, `zones`, `responders` and `instruments` as written (default: the
    base's own `as_written`), which an MSEL does not carry.
    """
    params = dict(params or {})
    kind = file_kind(filename, data)
    if kind == "yaml":
        return _import_yaml(data, filename, params, checklist_for, plans)
    try:
        sheets = [read_csv(data, filename)] if kind == "csv" else read_xlsx(data, filename)
    except TableError as exc:
        raise ImportInvalid([file_problem(str(exc))]) from None
    return MselReader(filename, params, base, mapping or {}, checklist_for, base_blocks, plans).read(sheets, kind, sheet)


def _import_yaml(data: bytes, filename: str, params: dict, checklist_for: ChecklistLookup,
                 plans: Path | None) -> ScenarioImport:
    """A scenario file as it is: the same checks as `flask content check`, errors by line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportInvalid([file_problem(f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    raw, errors = load_yaml(text, filename)
    problems = [_line_problem(error.line, error.message) for error in errors]
    if raw is None or not isinstance(raw, LineDict):
        problems.append(file_problem("not a scenario: the file must be a mapping of 'key: value' lines"))
        raise ImportInvalid(problems)
    stem = params.get("id") or (raw.get("id") if isinstance(raw.get("id"), str) else "")
    checklist = None
    sop = raw.get("sop")
    if isinstance(sop, str) and re.match(KEY_PATTERN, sop):
        try:
            checklist = checklist_for(sop)
        except ServiceError as exc:
            problems.append(_line_problem(raw.lines.get("sop"), f"checklist '{sop}': {exc.message}"))
    scenario, found = validate_scenario(raw, stem, checklist, folder=plans)
    problems += [_line_problem(line, message) for line, message in found]
    if problems:
        raise ImportInvalid(problems)
    scenario["hash"], scenario["path"] = content_hash(scenario), None
    return ScenarioImport(scenario, [], "yaml", text)


def _line_problem(line: int | None, message: str) -> ImportProblem:
    return ImportProblem(f"line {line}", message, order=(2, line)) if line else file_problem(message)


