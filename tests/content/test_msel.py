"""MSEL import and export: round trips, the column names other tools use, times, and row/column errors."""
import csv
import io
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from app.content import REPO_ROOT, load_library, validate_scenario
from app.content.msel import (EXERCISE_COLUMNS, MSEL_COLUMNS, ImportInvalid, import_scenario_file, msel_csv,
                              msel_rows, msel_xlsx, parse_msel_time)
from app.content.yamlout import scenario_yaml
from app.content.yamlsrc import load_yaml
from app.errors import NotFound

from ..helpers import FIXTURE_LIBRARY

CONTENT_FIXTURES = Path(__file__).parent / "fixtures"
SHIPPED = load_library(root=REPO_ROOT)
MINI = load_library(root=FIXTURE_LIBRARY)  # mini-drill against mini-sop: teams ic, fire, ems


def checklists(library):
    def lookup(sop: str) -> dict:
        if sop not in library.checklists:
            raise NotFound(f"no checklist '{sop}' in sop/")
        return library.checklists[sop]
    return lookup


def without_path(scenario: dict) -> dict:
    return {key: value for key, value in scenario.items() if key != "path"}


def csv_file(rows: list[list], delimiter: str = ",", bom: bool = False, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode(encoding)


def xlsx_file(rows: list[list], number_formats: dict[str, str] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for ref, number_format in (number_formats or {}).items():
        sheet[ref].number_format = number_format
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def import_mini(data: bytes, name: str = "msel.csv", base: str | None = "mini-drill", **kwargs):
    return import_scenario_file(data, name, checklist_for=checklists(MINI),
                                base=MINI.scenarios[base] if base else None, **kwargs)


def problems_of(data: bytes, name: str = "msel.csv", **kwargs) -> list[str]:
    with pytest.raises(ImportInvalid) as caught:
        import_mini(data, name, **kwargs)
    return [str(problem) for problem in caught.value.problems]


HSEEP_HEADER = ["MSEL #", "Scenario Time", "Inject Mode", "From", "Intended Player", "Event Description",
                "Expected Player Action", "Objective"]


# --- export -> import gives the same scenario ----------------------------------------------

ALL_SCENARIOS = [(SHIPPED, sid) for sid in sorted(SHIPPED.scenarios)] + [
    (load_library(root=CONTENT_FIXTURES), "bus-station"), (MINI, "mini-drill")]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("library,scenario_id", ALL_SCENARIOS,
                         ids=[f"{s.scenarios[i]['path']}" for s, i in ALL_SCENARIOS])
def test_export_then_import_gives_back_the_same_scenario(library, scenario_id, fmt):
    original = library.scenarios[scenario_id]
    data = msel_csv(original["injects"]) if fmt == "csv" else msel_xlsx(original["injects"])

    imported = import_scenario_file(data, f"{scenario_id}.{fmt}", checklist_for=checklists(library), base=original,
                                    plans=REPO_ROOT / "injects")  # a scenario with a site finds its plan there

    assert without_path(imported.scenario) == without_path(original)  # the hash too
    assert imported.unmapped_columns == []


def test_the_shipped_library_is_what_the_round_trip_covers():
    assert set(SHIPPED.scenarios) == {p.stem for p in (REPO_ROOT / "injects").glob("*.yaml")}
    assert SHIPPED.errors == []


@pytest.mark.parametrize("library,scenario_id", ALL_SCENARIOS, ids=[i for _, i in ALL_SCENARIOS])
def test_a_scenario_written_as_yaml_loads_back_the_same(library, scenario_id):
    original = library.scenarios[scenario_id]
    raw, errors = load_yaml(scenario_yaml(original, "A comment\non two lines"), "x.yaml")
    assert errors == []
    data, problems = validate_scenario(raw, scenario_id, library.checklists[original["sop"]],
                                       folder=REPO_ROOT / "injects")
    assert problems == []
    assert data == {key: value for key, value in original.items() if key not in ("path", "hash")}


AWKWARD_TEXTS = [
    "=HYPERLINK(\"http://evil\")", "+1 555 0100", "-5 °C and falling", "@channel", "'=quoted already",
    "- a Markdown list\n- second item\n", "  indented first line\nthen not", "trailing spaces   ",
    "yes", "1:20", "# not a comment", "key: value", "ends with two newlines\n\n", "µSv/h ≥ 100 — “quotes”",
    "tab\tinside", "x" * 300,
]


@pytest.mark.parametrize("text", AWKWARD_TEXTS)
def test_awkward_text_survives_csv_xlsx_and_yaml(text):
    original = MINI.scenarios["mini-drill"]
    scenario = {**original, "injects": [{**inject, "body": text, "notes": text, "from": text.strip() or None}
                                        for inject in original["injects"]]}
    for data, name in ((msel_csv(scenario["injects"]), "x.csv"), (msel_xlsx(scenario["injects"]), "x.xlsx")):
        imported = import_scenario_file(data, name, checklist_for=checklists(MINI), base=scenario)
        assert [i["body"] for i in imported.scenario["injects"]] == [text] * len(scenario["injects"])
        assert [i["notes"] for i in imported.scenario["injects"]] == [text] * len(scenario["injects"])
    raw, _ = load_yaml(scenario_yaml(scenario), "x.yaml")
    data, problems = validate_scenario(raw, "mini-drill", MINI.checklists["mini-sop"])
    assert problems == [] and [i["body"] for i in data["injects"]] == [text] * len(scenario["injects"])


def test_csv_cells_that_would_run_as_formulas_are_escaped_and_xlsx_cells_are_text():
    inject = {**MINI.scenarios["mini-drill"]["injects"][0], "body": "=1+2", "title": "@SUM(A1)"}
    rows = list(csv.reader(io.StringIO(msel_csv([inject]).decode("utf-8-sig"))))
    assert rows[1][MSEL_COLUMNS.index("Message")] == "'=1+2"
    assert rows[1][MSEL_COLUMNS.index("Title")] == "'@SUM(A1)"
    sheet = load_workbook(io.BytesIO(msel_xlsx([inject]))).active
    cell = sheet.cell(row=2, column=MSEL_COLUMNS.index("Message") + 1)
    assert cell.value == "=1+2" and cell.data_type == "s"


def test_msel_columns_and_cells_of_an_export():
    injects = {i["id"]: i for i in MINI.scenarios["mini-drill"]["injects"]}
    rows = {row[MSEL_COLUMNS.index("Inject ID")]: dict(zip(MSEL_COLUMNS, row))
            for row in msel_rows(MINI.scenarios["mini-drill"]["injects"])}
    assert MSEL_COLUMNS[:11] == ("MSEL #", "Scenario Time", "Event Type", "Delivery Method", "From", "To", "Title",
                                 "Message", "Expected Action", "Objective", "Notes")
    assert rows["I-04"] == {
        "MSEL #": 4, "Scenario Time": "0:04:00", "Event Type": "information", "Delivery Method": "phone",
        "From": "Hospital", "To": "ems", "Title": "Casualties incoming", "Message": "Three casualties.",
        "Expected Action": "EMS-01 within 5m; J-01 within 10m", "Objective": "", "Notes": "", "Inject ID": "I-04",
        "Requires Ack": "yes", "When Overdue": "", "Sources": ""}
    assert rows["I-01"]["To"] == "all"
    assert rows["R-01"]["Scenario Time"] == ""  # a reserve inject
    assert rows["C-01"]["When Overdue"] == "IC-02 auto" and rows["C-01"]["Event Type"] == "contingency"
    assert injects["I-02"]["objective"] == "OBJ-1" and rows["I-02"]["Objective"] == "OBJ-1"


def test_an_exercise_export_adds_status_and_released_at():
    inject = {**MINI.scenarios["mini-drill"]["injects"][0], "status": "released", "released_at_s": 61.0}
    row = dict(zip(EXERCISE_COLUMNS, msel_rows([inject], exercise=True)[0]))
    assert EXERCISE_COLUMNS[-2:] == ("Status", "Released At")
    assert row["Status"] == "released" and row["Released At"] == "0:01:01"


def test_the_xlsx_export_has_a_bold_frozen_header_set_widths_and_wrapped_text():
    sheet = load_workbook(io.BytesIO(msel_xlsx(MINI.scenarios["mini-drill"]["injects"]))).active
    assert [cell.value for cell in sheet[1]] == list(MSEL_COLUMNS)
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["H"].width == 70  # Message
    assert sheet["H2"].alignment.wrap_text


# --- other tools' spreadsheets ---------------------------------------------------------------

def test_an_hseep_template_sheet_imports():
    data = xlsx_file([
        ["Master Scenario Events List"],
        ["Exercise: Market drill", None, None, "Date: 2026-05-01"],
        [],
        HSEEP_HEADER + ["Controller", "Remarks"],
        [1, "00:01", "Radio", "Dispatch", "All Players", "**Explosion** at the market.", "IC-01 within 5 min",
         "Objective 1", "Anna", "STARTEX"],
        [2, "01:20", "Telephone", "Engine 1", "Incident Command", "Detector alarm at 60 m.",
         "IC-02 within 00:10; notify the EOC", "OBJ-1", "Ben", None],
        [3, "T+00:08", "Paper/Handout", "Dispatch", "Fire; EMS", "Headcount please.",
         "FB-01 within 5m, J-01 within 10m", None, None, None],
        [4, None, "sim-media", "Channel 6", "ems", "Live TV at the cordon.", None, None, None, None],
    ])
    scenario = import_mini(data, "HSEEP MSEL.xlsx", base=None,
                           params={"id": "market", "title": "Market", "sop": "mini-sop", "objectives": [
                               {"id": "OBJ-1", "text": "Set the perimeter."}]}).scenario

    assert scenario["id"] == "market" and scenario["sop"] == "mini-sop"
    assert [t["key"] for t in scenario["teams"]] == ["incident-command", "fire", "ems"]  # one per agency
    first, second, third, fourth = scenario["injects"]
    assert [i["id"] for i in scenario["injects"]] == ["I-01", "I-02", "I-03", "I-04"]
    assert [i["at_s"] for i in scenario["injects"]] == [60.0, 4800.0, 480.0, None]  # 01:20 is 1 h 20 min
    assert [i["channel"] for i in scenario["injects"]] == ["radio", "phone", "field-report", "media"]
    assert first["to"] == "all" and second["to"] == ["incident-command"] and third["to"] == ["fire", "ems"]
    assert first["title"] == "Explosion at the market." and first["body"] == "**Explosion** at the market."
    assert first["expects"] == [{"step": "IC-01", "within_s": 300.0}]
    assert second["expects"] == [{"step": "IC-02", "within_s": 600.0}]
    assert second["notes"] == "Expected action: notify the EOC"
    assert first["notes"] == "STARTEX"
    assert third["expects"] == [{"step": "FB-01", "within_s": 300.0}, {"step": "J-01", "within_s": 600.0}]
    assert scenario["duration_s"] == 5400.0  # past 1:20 + 10 min, in whole half hours
    assert scenario["objectives"] == [{"id": "OBJ-1", "text": "Set the perimeter.", "capability": None}]
    assert first["objective"] == second["objective"] == "OBJ-1"


def test_team_names_map_to_team_keys_and_objectives_are_found_by_number_or_text():
    rows = [["Event #", "Time", "To", "Message", "Objective"],
            [1, "0:05", "Incident Command", "One", "OBJ-1"],
            [2, "0:06", "incident command, FIRE", "Two", "obj-1: Set the perimeter"],
            [3, "0:07", "EMS/Fire", "Three", "1"],
            [4, "0:08", "ic", "Four", "Set the perimeter within 10 minutes."]]
    injects = import_mini(csv_file(rows)).scenario["injects"]
    assert [i["to"] for i in injects] == [["ic"], ["ic", "fire"], ["ems", "fire"], ["ic"]]
    assert [i["objective"] for i in injects] == ["OBJ-1"] * 4


@pytest.mark.parametrize("header", ["MSEL #", "Event #", "Seq No", "No.", "Inject #", "Inject No"])
def test_number_columns_make_inject_ids(header):
    rows = [[header, "Scenario Time", "Message"], ["7", "0:10", "Seven"], ["7.1", "0:11", "Seven one"],
            ["A-3", "0:12", "Letters"]]
    assert [i["id"] for i in import_mini(csv_file(rows)).scenario["injects"]] == ["I-07", "I-07-1", "A-3"]


@pytest.mark.parametrize("header", ["Scenario Time", "Time", "T+", "Date/Time Delivered", "Exercise Time"])
def test_time_columns(header):
    rows = [["MSEL #", header, "Message"], [1, "0:20", "Twenty minutes"]]
    assert import_mini(csv_file(rows)).scenario["injects"][0]["at_s"] == 1200.0


@pytest.mark.parametrize("headers", [
    ("Event #", "Time", "Event Type", "Delivery Method", "Originator", "Recipient", "Subject", "Inject",
     "Expected Response", "Exercise Objective", "Controller Notes"),
    ("Seq No", "T+", "Inject Type", "Method", "Sender", "Player", "Event Title", "Synopsis", "Expected Outcome",
     "Objectives", "Learning Points"),
    ("No.", "Exercise Time", "Type", "Channel", "Simulator", "To", "Title", "Description", "Expected Action",
     "Objective", "Remarks"),
])
def test_recognised_column_names_of_other_templates(headers):
    rows = [list(headers), [1, "0:10", "Media", "e-mail", "City Hall", "Fire", "Press call", "Reporters ask.",
                            "FB-01 within 5m", "OBJ-1", "Watch the PIO"]]
    inject = import_mini(csv_file(rows)).scenario["injects"][0]
    assert inject == {"id": "I-01", "at_s": 600.0, "type": "media", "channel": "email", "from": "City Hall",
                      "to": ["fire"], "title": "Press call", "body": "Reporters ask.",
                      "expects": [{"step": "FB-01", "within_s": 300.0}], "objective": "OBJ-1",
                      "notes": "Watch the PIO", "requires_ack": True, "when_overdue": None, "sources": []}


def test_event_is_the_message_unless_a_description_is_there_then_it_is_the_title():
    only_event = [["MSEL #", "Time", "Event"], [1, "0:01", "Smoke over the market"]]
    both = [["MSEL #", "Time", "Event", "Event Description"], [1, "0:01", "Smoke", "Black smoke rising."]]
    first = import_mini(csv_file(only_event)).scenario["injects"][0]
    second = import_mini(csv_file(both)).scenario["injects"][0]
    assert (first["title"], first["body"]) == ("Smoke over the market", "Smoke over the market")
    assert (second["title"], second["body"]) == ("Smoke", "Black smoke rising.")


@pytest.mark.parametrize("written,expected", [
    ("Information", "information"), ("info", "information"), ("Event", "event"), ("Media Inject", "media"),
    ("Contingency", "contingency"), ("Request for Information", "request"), ("RFI", "request"),
    ("Something else", "information"), ("", "information"),
])
def test_event_types_map(written, expected):
    rows = [["MSEL #", "Time", "Event Type", "Message"], [1, "" if expected == "contingency" else "0:01", written, "x"]]
    assert import_mini(csv_file(rows)).scenario["injects"][0]["type"] == expected


@pytest.mark.parametrize("written,expected", [
    ("Verbal", "other"), ("Phone", "phone"), ("Telephone", "phone"), ("email", "email"), ("E-mail", "email"),
    ("Radio", "radio"), ("Paper", "field-report"), ("Handout", "field-report"), ("Video", "media"),
    ("TV", "media"), ("Social", "media"), ("Sim-Media", "media"), ("sensor", "sensor"), ("Carrier pigeon", "other"),
])
def test_delivery_methods_map_to_channels(written, expected):
    rows = [["MSEL #", "Time", "Delivery Method", "Message"], [1, "0:01", written, "x"]]
    assert import_mini(csv_file(rows)).scenario["injects"][0]["channel"] == expected


def test_a_sheet_without_titles_gets_them_from_the_message():
    body = "Dispatch to all units: multiple calls report an explosion inside the covered fish hall, many injured."
    inject = import_mini(csv_file([["MSEL #", "Time", "Message"], [1, "0:01", body]])).scenario["injects"][0]
    assert inject["title"] == "Dispatch to all units: multiple calls report an explosion inside the covered…"
    assert len(inject["title"]) <= 81 and inject["body"] == body


def test_a_sheet_without_a_recipient_column_goes_to_everyone():
    inject = import_mini(csv_file([["MSEL #", "Time", "Message"], [1, "0:01", "x"]])).scenario["injects"][0]
    assert inject["to"] == "all"


# --- unknown columns and the mapping ---------------------------------------------------------

def test_an_unknown_column_is_reported_and_can_be_mapped():
    rows = [["MSEL #", "When", "Message", "Controller"], [1, "0:10", "x", "Anna"]]
    with pytest.raises(ImportInvalid) as caught:
        import_mini(csv_file(rows))
    assert [str(p) for p in caught.value.problems] == [
        'file: no time column in row 1: name one Scenario Time, Time or T+, or map yours, e.g. {"Your column": "time"}']

    mapped = import_mini(csv_file(rows), mapping={"When": "time"})
    assert mapped.scenario["injects"][0]["at_s"] == 600.0
    assert mapped.unmapped_columns == ["Controller"]  # reported, not an error
    assert import_mini(csv_file(rows), mapping={"when": "Scenario Time", "Controller": "ignore"}).unmapped_columns == []


def test_a_mapping_overrides_a_recognised_column():
    rows = [["MSEL #", "Time", "Planned", "Message"], [1, "9:00", "0:15", "x"]]
    imported = import_mini(csv_file(rows), mapping={"Planned": "time"})
    assert imported.scenario["injects"][0]["at_s"] == 900.0 and imported.unmapped_columns == ["Time"]


def test_a_wrong_mapping_is_an_error_of_the_mapping():
    rows = [["MSEL #", "Time", "Message"], [1, "0:01", "x"]]
    assert problems_of(csv_file(rows), mapping={"Nope": "time", "Time": "tiem"}) == [
        'mapping: there is no column "Nope" in the file',
        'mapping: "Time": unknown field "tiem"; use one of body, channel, expects, from, id, notes, number, '
        "objective, requires_ack, sources, time, title, to, type, when_overdue or ignore"]


# --- bad rows: every problem of the file, by row and column ----------------------------------

def test_bad_rows_are_reported_all_at_once_by_row_and_column():
    rows = [HSEEP_HEADER,
            [1, "0:01", "Radio", "Dispatch", "all", "Explosion.", "IC-01 within 5m", ""],
            [2, "soon", "Radio", "Engine 1", "ic", "Alarm.", "", ""],
            [3, "0:03", "Phone", "Dispatch", "fire; police", "Headcount.", "FB-01 within 5m", ""],
            [4, "0:04", "Phone", "Hospital", "ems", "Casualties.", "EMS-99 within 5m", ""],
            [4, "0:05", "Phone", "Hospital", "ems", "Again.", "", ""],
            [6, "0:06", "Phone", "Hospital", "ems", "", "", ""],
            [7, "0:07", "Phone", "Hospital", "ems", "Late.", "EMS-01 within later", "OBJ-7"]]
    assert problems_of(csv_file(rows)) == [
        'row 3, column "Scenario Time": "soon" is not a time: write h:mm (1:20 is 1 h 20 min), h:mm:ss, T+1:20, '
        "D+0 H+1 M+20 or 80m",
        "row 4, column \"Intended Player\": unknown team 'police'",
        "row 5, column \"Expected Player Action\": unknown step 'EMS-99'",
        "row 6, column \"MSEL #\": duplicate inject id 'I-04' (first at row 5)",
        'row 7, column "Event Description": is empty: every inject needs a message (or at least a title)',
        'row 8, column "Expected Player Action": EMS-01 within: "later" is not a time: write h:mm (1:20 is 1 h '
        "20 min), h:mm:ss, T+1:20, D+0 H+1 M+20 or 80m",
        "row 8, column \"Objective\": unknown objective 'OBJ-7' (did you mean 'OBJ-1'?)",
    ]


def test_the_error_lists_problems_by_row_for_the_api():
    rows = [["MSEL #", "Time", "To", "Message"], [1, "soon", "nobody", "x"]]
    with pytest.raises(ImportInvalid) as caught:
        import_mini(csv_file(rows))
    error = caught.value
    assert error.status == 422
    assert error.fields == {"row 2": ['column "Time": "soon" is not a time: write h:mm (1:20 is 1 h 20 min), '
                                      "h:mm:ss, T+1:20, D+0 H+1 M+20 or 80m",
                                      "column \"To\": unknown team 'nobody'"]}
    assert error.message.startswith('row 2, column "Time": "soon" is not a time') and "(and 1 more)" in error.message


def test_checks_of_the_content_validator_apply_to_rows():
    rows = [["MSEL #", "Time", "Event Type", "To", "Message", "Expected Action", "When Overdue", "Requires Ack"],
            [1, "2:00", "event", "fire", "After the end.", "", "", "maybe"],
            [2, "0:10", "contingency", "fire", "Has a time.", "", "FB-01 prompt", ""],
            [3, "0:11", "event", "ems", "Not responsible.", "IC-01 within 5m", "", "no"],
            [4, "", "event", "ic", "Overdue never.", "", "EMS-01 later", ""],
            [5, "0:12", "event", "ic", "bare step", "IC-02", "", ""]]
    assert problems_of(csv_file(rows)) == [
        'row 2, column "Time": at 2:00:00 is after the end of the scenario (duration 1:00:00)',
        'row 2, column "Requires Ack": "maybe" is not yes or no',
        'row 3, column "Time": a contingency inject has no time: it is released by when_overdue or by hand; '
        "leave its time empty",
        "row 3, column \"When Overdue\": no inject expects step FB-01, so it never becomes overdue and this "
        "inject is never prompted",
        'row 4, column "Expected Action": expects step IC-01, but no team it reaches is responsible for that step '
        "(agencies: incident-command)",
        "row 5, column \"When Overdue\": when_overdue.mode: 'later' is not one of: prompt, auto",
        "row 5, column \"When Overdue\": no inject expects step EMS-01, so it never becomes overdue and this "
        "inject is never prompted",
        'row 6, column "Expected Action": step IC-02 has no time limit: write "IC-02 within 10m"',
    ]


def test_header_fields_from_parameters_are_checked_too():
    rows = [["MSEL #", "Time", "Message"], [1, "0:01", "x"]]
    assert problems_of(csv_file(rows), base=None, params={"id": "Bad Id", "duration": "soon", "sop": "mini-sop", "teams": [
        {"key": "fire", "name": "Fire", "agency": "firefighters"}]}) == [
        'duration: "soon" is not a time: write h:mm (1:20 is 1 h 20 min), h:mm:ss, T+1:20, D+0 H+1 M+20 or 80m',
        "id: 'Bad Id' is not a valid scenario id: use a-z, 0-9 and '-'",
        "teams: team fire: agency 'firefighters' is not an agency of checklist 'mini-sop'",
    ]
    assert problems_of(csv_file(rows), base=None, params={"sop": "nope"}) == ["sop: no checklist 'nope' in sop/"]


def test_a_file_that_is_not_an_msel():
    assert problems_of(b"", "empty.csv") == ["file: the file is empty"]
    assert problems_of(csv_file([["Name", "Address"], ["Ann", "Main St"]])) == [
        'file: no header row: none of the first 30 rows names two known columns such as "MSEL #", "Scenario Time", '
        '"To", "Message"; rename them or map yours, e.g. {"When": "time"}']
    assert problems_of(b"PK\x03\x04 not really", "x.xlsx")[0].startswith("file: not a readable .xlsx workbook")
    assert problems_of(b"...", "old.xls") == [
        "file: the old .xls format cannot be read: save it as Excel Workbook (.xlsx)"]
    assert problems_of(b"...", "notes.pdf") == ["file: cannot tell what 'notes.pdf' is: upload .csv, .xlsx or .yaml"]
    assert problems_of(csv_file([["MSEL #", "Time", "Message"]])) == [
        "file: no injects: the rows under the header (row 1) are empty"]


# --- what Excel writes ---------------------------------------------------------------------

def test_csv_from_excel_with_a_bom_and_semicolons_imports():
    rows = [HSEEP_HEADER, [1, "0:01", "Radio", "Leitstelle", "all", "Explosion; Rauch über dem Markt", "", ""],
            [2, "0:02", "Phone", "Engine 1", "ic", "Alarm at 60 m: 0,4 mSv/h", "IC-02 within 10m", ""]]
    injects = import_mini(csv_file(rows, delimiter=";", bom=True)).scenario["injects"]
    assert [i["body"] for i in injects] == ["Explosion; Rauch über dem Markt", "Alarm at 60 m: 0,4 mSv/h"]
    assert injects[0]["from"] == "Leitstelle"


def test_the_delimiter_is_found_when_cells_hold_the_others():
    rows = [["Master Scenario Events List", "", "", ""], ["MSEL #", "Time", "Message", "Notes"],
            [1, "0:01", "Alarm at 60 m: 0,4 mSv/h, 0,5 mSv/h,\nthen 0,6, 0,7, 0,8, 0,9, 1,0 mSv/h", "a, b, c, d, e"],
            [2, "0:02", "x", "y"], [3, "0:03", "Smoke, dust, debris, glass, noise", ""]]
    injects = import_mini(csv_file(rows, delimiter=";")).scenario["injects"]
    assert [i["body"] for i in injects][0] == "Alarm at 60 m: 0,4 mSv/h, 0,5 mSv/h,\nthen 0,6, 0,7, 0,8, 0,9, 1,0 mSv/h"
    comma = [["MSEL #", "Time", "Message"], [1, "0:01", "a; b; c; d; e; f; g"], [2, "0:02", "x;y;z;w"]]
    assert import_mini(csv_file(comma)).scenario["injects"][1]["body"] == "x;y;z;w"


def test_csv_in_windows_1252_with_excels_sep_line_imports():
    data = b"sep=;\r\n" + csv_file([["MSEL #", "Time", "Message"], [1, "0:01", "Rauch über dem Markt"],
                                    [2, "soon", "x"]], delimiter=";", encoding="cp1252")
    assert problems_of(data)[0].startswith('row 3, column "Time": "soon"')  # Excel does not show the sep line
    rows = [["MSEL #", "Time", "Message"], [1, "0:01", "Rauch über dem Markt"]]
    data = b"sep=;\r\n" + csv_file(rows, delimiter=";", encoding="cp1252")
    assert import_mini(data).scenario["injects"][0]["body"] == "Rauch über dem Markt"


def test_tab_separated_text_imports():
    rows = [["MSEL #", "Time", "Message"], [1, "0:01", "a, b; c"]]
    assert import_mini(csv_file(rows, delimiter="\t"), "msel.txt").scenario["injects"][0]["body"] == "a, b; c"


def test_xlsx_times_stored_as_excel_times_and_numbers_import():
    data = xlsx_file([
        ["MSEL #", "Scenario Time", "Message"],
        [1, time(0, 8), "time cell"],
        [2, 1 / 72, "day fraction: 20 minutes"],
        [3, timedelta(minutes=50), "[h]:mm duration"],
        [4, 0, "zero"],
        [5, "0:59:30", "text"],
    ], number_formats={"B2": "h:mm", "B4": "[h]:mm:ss"})
    injects = import_mini(data, "msel.xlsx").scenario["injects"]
    assert [i["at_s"] for i in injects] == [480.0, 1200.0, 3000.0, 0.0, 3570.0]


def test_xlsx_reads_the_first_sheet_with_a_header_or_the_one_named():
    workbook = Workbook()
    workbook.active.title = "Cover"
    workbook.active.append(["Harbor drill", "2026"])
    for title, text in (("MSEL", "from MSEL"), ("Backup", "from Backup")):
        sheet = workbook.create_sheet(title)
        sheet.append(["MSEL #", "Time", "Message"])
        sheet.append([1, "0:01", text])
    out = io.BytesIO()
    workbook.save(out)
    assert import_mini(out.getvalue(), "m.xlsx").scenario["injects"][0]["body"] == "from MSEL"
    assert import_mini(out.getvalue(), "m.xlsx", sheet="backup").scenario["injects"][0]["body"] == "from Backup"
    assert problems_of(out.getvalue(), "m.xlsx", sheet="Nope") == [
        "sheet: no sheet 'Nope'; the workbook has Cover, MSEL, Backup"]


def test_absolute_date_times_count_from_the_first_or_from_startex():
    rows = [["MSEL #", "Date/Time Delivered", "Message"],
            [1, datetime(2026, 5, 1, 9, 5), "first"], [2, datetime(2026, 5, 1, 9, 45), "second"]]
    assert [i["at_s"] for i in import_mini(xlsx_file(rows), "m.xlsx").scenario["injects"]] == [0.0, 2400.0]
    shifted = import_mini(xlsx_file(rows), "m.xlsx", params={"startex": "09:00"}).scenario["injects"]
    assert [i["at_s"] for i in shifted] == [300.0, 2700.0]
    text = [["MSEL #", "Time", "Message"], [1, "2026-05-01 09:05", "a"], [2, "2026-05-01T09:20", "b"]]
    assert [i["at_s"] for i in import_mini(csv_file(text)).scenario["injects"]] == [0.0, 900.0]


def test_clock_times_of_day_with_startex():
    rows = [["MSEL #", "Time", "Message"], [1, "09:00", "a"], [2, "09:20", "b"], [3, "T+0:05", "relative"],
            [4, "08:50", "early"]]
    assert problems_of(csv_file(rows), params={"startex": "9:00"}) == [
        'row 5, column "Time": 08:50 is before STARTEX']
    injects = import_mini(csv_file(rows[:4]), params={"startex": "9:00"}).scenario["injects"]
    assert [i["at_s"] for i in injects] == [0.0, 1200.0, 300.0]


@pytest.mark.parametrize("written,seconds", [
    ("01:20", 4800.0), ("1:20", 4800.0), ("0:08", 480.0), ("1:20:30", 4830.0), ("T+00:08", 480.0),
    ("T + 1:20", 4800.0), ("t+0:00:30", 30.0), ("D+0 H+1 M+20", 4800.0), ("D+1 H+0 M+5", 86700.0), ("H+2", 7200.0),
    ("80m", 4800.0), ("1h20m", 4800.0), ("1 h 20 min", 4800.0), ("20 minutes", 1200.0), ("90 sec", 90.0),
    ("STARTEX", 0.0), ("0", 0.0), (0, 0.0), (time(1, 20), 4800.0), (timedelta(hours=26), 93600.0),
    (0.5, 43200.0), (datetime(1900, 1, 1, 2, 0), 93600.0),  # Excel's 1.0833: a day and 2 h
])
def test_msel_times(written, seconds):
    assert parse_msel_time(written)[0] == seconds


@pytest.mark.parametrize("written,message", [
    ("soon", '"soon" is not a time'), ("80", '"80" is a bare number'), (80, "80 is a bare number"),
    ("1:75", "minutes must be below 60"), ("1:20:75", "must be below 60"), (True, "is not a time"),
    ("T+", "is not a time"), ("2026-13-01 09:00", "is not a date and time"),
])
def test_msel_times_that_are_refused(written, message):
    with pytest.raises(ValueError, match=message):
        parse_msel_time(written)


# --- size ----------------------------------------------------------------------------------

def test_more_than_a_hundred_injects_import_without_loss_or_duplicates():
    rows = [["MSEL #", "Scenario Time", "To", "Message", "Expected Action"]]
    rows += [[n, f"0:{n % 60:02d}:{n // 60:02d}", ["ic", "fire", "ems"][n % 3], f"Inject number {n}",
              "IC-01 within 5m" if n % 3 == 0 else ""] for n in range(1, 251)]
    for data, name in ((csv_file(rows), "big.csv"), (xlsx_file(rows), "big.xlsx")):
        injects = import_mini(data, name).scenario["injects"]
        assert len(injects) == 250
        assert [i["id"] for i in injects] == [f"I-{n:02d}" for n in range(1, 251)]
        assert [i["body"] for i in injects] == [f"Inject number {n}" for n in range(1, 251)]
        assert len({i["id"] for i in injects}) == 250


def test_a_large_scenario_round_trips_through_both_formats():
    base = MINI.scenarios["mini-drill"]
    many = {**base, "injects": [{**base["injects"][n % 4], "id": f"X-{n:03d}", "at_s": float(n * 10)}
                                for n in range(300)], "duration_s": 3600.0}
    for data, name in ((msel_csv(many["injects"]), "m.csv"), (msel_xlsx(many["injects"]), "m.xlsx")):
        imported = import_scenario_file(data, name, checklist_for=checklists(MINI), base=many)
        assert without_path(imported.scenario)["injects"] == many["injects"]


# --- YAML uploads --------------------------------------------------------------------------

def test_a_yaml_scenario_is_checked_like_a_library_file():
    text = (FIXTURE_LIBRARY / "injects" / "mini-drill.yaml").read_bytes()
    imported = import_mini(text, "mini-drill.yaml", base=None)
    assert without_path(imported.scenario) == without_path(MINI.scenarios["mini-drill"])
    assert imported.kind == "yaml" and imported.text == text.decode()

    broken = text.replace(b"to: [fire]", b"to: [firemen]").replace(b"at: 4m", b"at: soon")
    assert problems_of(broken, "mini-drill.yaml", base=None) == [
        "line 52: inject I-03: unknown team 'firemen'",
        "line 60: injects[I-04].at: cannot read 'soon' as a time; write h:mm:ss (1:20:00), mm:ss (08:30) or units "
        "largest first (90s, 5m, 1h30m, 1h30m15s)"]
    assert problems_of(text, "mini-drill.yaml", base=None, params={"id": "other"}) == [
        "line 2: id 'mini-drill' does not match the file name 'other': the id is the file name without .yaml"]
