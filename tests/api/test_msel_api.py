"""MSEL import/export and the exercise data exports over HTTP: who may, what the files hold."""
import csv
import io
import json
import shutil
from datetime import date

import pytest
from openpyxl import load_workbook
from werkzeug.security import generate_password_hash

from app.content import load_library
from app.engine.eventlog import verify_chain
from app.extensions import db
from app.models import CorrectiveAction, Event, Participant, User
from app.services import lifecycle
from app.services.participation import log_action
from app.services.scheduler import run_once

from ..helpers import FIXTURE_LIBRARY, PASSWORD, bearer, gen_exercise, gen_tablet, token_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_PASSWORD_HASH = generate_password_hash(PASSWORD)


@pytest.fixture
def library(app, tmp_path):
    """A copy of the fixture library the app reads and the import may write into."""
    root = tmp_path / "library"
    shutil.copytree(FIXTURE_LIBRARY, root)
    app.config["CORDON_CONTENT_ROOT"] = str(root)
    return root


@pytest.fixture
def staff(library):
    """Bearer headers of a controller, an evaluator and an admin (sharing one password hash: hashing is slow)."""
    users = {role: User(username=name, role=role, password_hash=_PASSWORD_HASH)
             for name, role in (("ctl", "controller"), ("eva", "evaluator"), ("adm", "admin"))}
    db.session.add_all(users.values())
    db.session.commit()
    return {role: bearer(token_for(user)) for role, user in users.items()}


def upload(client, headers, data: bytes, filename: str, **form):
    fields = {"file": (io.BytesIO(data), filename), **{k: str(v).lower() if isinstance(v, bool) else v
                                                        for k, v in form.items()}}
    return client.post("/api/v1/scenarios/import", data=fields, headers=headers, content_type="multipart/form-data")


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def sheet_of(response):
    return load_workbook(io.BytesIO(response.get_data())).active


# --- who may ---------------------------------------------------------------------------------

def test_who_may_download_and_import(app, client, clock, library, staff):
    exercise = gen_exercise()
    tablet = gen_tablet(exercise, "fire")
    downloads = [f"/api/v1/scenarios/mini-drill/msel.{fmt}" for fmt in ("csv", "xlsx")] + [
        "/api/v1/scenarios/mini-drill.yaml"] + [
        f"/api/v1/exercises/{exercise.id}/{name}" for name in (
            "msel.csv", "msel.xlsx", "events.jsonl", "events.csv", "improvement-plan.csv",
            "improvement-plan.xlsx")]
    msel = client.get("/api/v1/scenarios/mini-drill/msel.csv", headers=staff["evaluator"]).get_data()

    for url in downloads:
        assert client.get(url).status_code == 401, url
        assert client.get(url, headers=bearer(tablet.token)).status_code == 403, url
        for role in ("evaluator", "controller", "admin"):
            assert client.get(url, headers=staff[role]).status_code == 200, (url, role)

    assert upload(client, {}, msel, "m.csv", base="mini-drill").status_code == 401
    assert upload(client, bearer(tablet.token), msel, "m.csv", base="mini-drill").status_code == 403
    refused = upload(client, staff["evaluator"], msel, "m.csv", base="mini-drill")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert upload(client, staff["controller"], msel, "m.csv", base="mini-drill").status_code == 200
    assert upload(client, staff["admin"], msel, "m.csv", base="mini-drill").status_code == 200


def test_the_wrong_caller_is_refused_before_the_upload_is_read(client, library, staff):
    assert client.post("/api/v1/scenarios/import", data={"junk": "x"}).status_code == 401
    assert client.post("/api/v1/scenarios/import", data={"junk": "x"},
                       headers=staff["evaluator"]).status_code == 403


def test_unknown_scenarios_and_exercises_are_404(client, library, staff):
    for url in ("/api/v1/scenarios/nope/msel.csv", "/api/v1/scenarios/nope.yaml", "/api/v1/exercises/99/msel.csv",
                "/api/v1/exercises/99/events.jsonl", "/api/v1/exercises/99/improvement-plan.xlsx",
                "/api/v1/scenarios/mini-drill/msel.pdf"):
        assert client.get(url, headers=staff["evaluator"]).status_code == 404, url


# --- scenario downloads ----------------------------------------------------------------------

def test_scenario_downloads_are_attachments_of_the_right_type(client, library, staff):
    as_csv = client.get("/api/v1/scenarios/mini-drill/msel.csv", headers=staff["evaluator"])
    assert as_csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert as_csv.headers["Content-Disposition"] == 'attachment; filename="mini-drill-msel.csv"'
    assert as_csv.get_data().startswith(b"\xef\xbb\xbfMSEL #,Scenario Time,Event Type,Delivery Method,From,To,")
    assert [row[0] for row in csv_rows(as_csv)[1:]] == ["1", "2", "3", "4", "5", "6"]

    as_xlsx = client.get("/api/v1/scenarios/mini-drill/msel.xlsx", headers=staff["evaluator"])
    assert as_xlsx.headers["Content-Type"] == XLSX
    assert as_xlsx.headers["Content-Disposition"] == 'attachment; filename="mini-drill-msel.xlsx"'
    assert [cell.value for cell in sheet_of(as_xlsx)[1]][:3] == ["MSEL #", "Scenario Time", "Event Type"]

    as_yaml = client.get("/api/v1/scenarios/mini-drill.yaml", headers=staff["evaluator"])
    assert as_yaml.headers["Content-Type"] == "application/yaml; charset=utf-8"
    assert as_yaml.headers["Content-Disposition"] == 'attachment; filename="mini-drill.yaml"'
    assert as_yaml.get_data() == (library / "injects" / "mini-drill.yaml").read_bytes()  # comments and all
    assert client.get("/api/v1/scenarios/mini-drill", headers=staff["evaluator"]).get_json()["id"] == "mini-drill"


# --- import ----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_exported_msel_imports_back_unchanged(client, library, staff, fmt):
    original = client.get("/api/v1/scenarios/mini-drill", headers=staff["controller"]).get_json()
    msel = client.get(f"/api/v1/scenarios/mini-drill/msel.{fmt}", headers=staff["controller"]).get_data()

    response = upload(client, staff["controller"], msel, f"mini.{fmt}", base="mini-drill")

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["unmapped_columns"] == [] and "saved_path" not in body
    assert {**body["scenario"], "path": None} == {**original, "path": None}


def test_an_msel_saved_into_the_library_is_a_draft_whose_file_passes_the_content_check(app, client, library, staff,
                                                                                       tmp_path):
    rows = [["MSEL #", "Scenario Time", "Inject Mode", "Intended Player", "Event Description",
             "Expected Player Action", "Controller"],
            [1, "00:01", "Radio", "All", "Explosion at the market.\n\nSmoke drifts east.", "IC-01 within 5m", "Ann"],
            [2, "00:20", "Phone", "Fire", "Count your crews.", "FB-01 within 10 min", "Ben"],
            [3, "", "TV", "EMS", "Reporters at the hospital.", "", ""]]
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)

    response = upload(client, staff["controller"], ("\ufeff" + out.getvalue()).encode(), "Harbor MSEL.csv",
                      base="mini-drill", id="harbor", title="Harbor drill", save=True)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["saved"] == {"id": "harbor", "number": 1, "state": "draft"}
    assert body["unmapped_columns"] == ["Controller"]
    assert sorted(p.name for p in (library / "injects").iterdir()) == ["mini-drill.yaml"]  # no file written
    version = client.get("/api/v1/library/scenarios/harbor/versions/1", headers=staff["evaluator"]).get_json()
    assert (version["origin"], version["state"], version["author"]) == ("import", "draft", "ctl")
    assert version["note"].startswith("imported from Harbor MSEL.csv on ")
    assert version["check"]["valid"] and version["check"]["hash"] == body["scenario"]["hash"]
    # A draft: not yet what exercises are made from.
    assert client.get("/api/v1/scenarios/harbor", headers=staff["controller"]).status_code == 404

    text = client.get("/api/v1/library/scenarios/harbor/versions/1.yaml", headers=staff["evaluator"]).get_data(
        as_text=True)
    assert text.startswith("# Cordon scenario: Harbor drill\n# Version 1 of 'harbor' in the library (draft, saved by ctl")
    assert "    at: 20m\n" in text and "  - id: I-03\n    from:" not in text
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(library, elsewhere)
    (elsewhere / "injects" / "harbor.yaml").write_text(text)
    check = app.test_cli_runner().invoke(args=["content", "check", str(elsewhere / "injects"), str(elsewhere / "sop")])
    assert check.exit_code == 0, check.output
    assert "ok: 2 scenario(s), 1 checklist(s)" in check.output
    saved = load_library(root=elsewhere).scenarios["harbor"]
    assert {**saved, "path": None} == {**body["scenario"], "path": None}

    published = client.post("/api/v1/library/scenarios/harbor/versions/1/publish", headers=staff["controller"])
    assert published.status_code == 200, published.get_json()
    assert client.get("/api/v1/scenarios/harbor", headers=staff["controller"]).status_code == 200


def test_saving_never_replaces_a_scenario_unless_asked_and_then_keeps_its_history(client, library, staff):
    msel = client.get("/api/v1/scenarios/mini-drill/msel.csv", headers=staff["controller"]).get_data()
    before = client.get("/api/v1/library/scenarios/mini-drill", headers=staff["controller"]).get_json()

    refused = upload(client, staff["controller"], msel, "m.csv", base="mini-drill", save=True)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["message"] == (
        "scenario 'mini-drill' is already in the library; send overwrite=true to save the import as a new draft "
        "version of it")
    assert client.get("/api/v1/library/scenarios/mini-drill", headers=staff["controller"]).get_json() == before

    edited = msel.replace(b"Three casualties.", b"Five casualties.")
    replaced = upload(client, staff["controller"], edited, "m.csv", base="mini-drill", save=True, overwrite=True)
    assert replaced.status_code == 200
    assert replaced.get_json()["saved"] == {"id": "mini-drill", "number": 2, "state": "draft"}
    draft = client.get("/api/v1/library/scenarios/mini-drill/versions/2", headers=staff["controller"]).get_json()
    assert [i["body"] for i in draft["document"]["injects"] if i["id"] == "I-04"] == ["Five casualties."]
    # The published version, from which exercises are made, is unchanged until the draft is published.
    published = client.get("/api/v1/scenarios/mini-drill", headers=staff["controller"]).get_json()
    assert [i["body"] for i in published["injects"] if i["id"] == "I-04"] == ["Three casualties."]
    assert sorted(p.name for p in (library / "injects").iterdir()) == ["mini-drill.yaml"]  # no file written


def test_bad_rows_are_a_422_with_every_problem_by_row(client, library, staff):
    msel = ("MSEL #,Scenario Time,To,Message,Expected Action\n"
            "1,0:01,all,Explosion.,IC-01 within 5m\n"
            "2,soon,nobody,Alarm.,IC-09 within 5m\n"
            "2,0:03,fire,,\n").encode()

    response = upload(client, staff["controller"], msel, "bad.csv", base="mini-drill", save=True)

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {
        "row 3": ['column "Scenario Time": "soon" is not a time: write h:mm (1:20 is 1 h 20 min), h:mm:ss, '
                  "T+1:20, D+0 H+1 M+20 or 80m",
                  "column \"To\": unknown team 'nobody'",
                  "column \"Expected Action\": unknown step 'IC-09' (did you mean 'IC-02'?)"],
        "row 4": ["column \"MSEL #\": duplicate inject id 'I-02' (first at row 3)",
                  'column "Message": is empty: every inject needs a message (or at least a title)'],
    }
    assert error["message"].startswith('row 3, column "Scenario Time": "soon" is not a time')
    listed = client.get("/api/v1/library/scenarios", headers=staff["controller"]).get_json()
    assert [(doc["id"], doc["head"]) for doc in listed] == [("mini-drill", 1)]  # nothing saved


def test_an_unknown_column_is_reported_and_a_mapping_maps_it(client, library, staff):
    msel = "Seq,When,Message,Controller\n1,0:10,Smoke.,Ann\n".encode()
    missing = upload(client, staff["controller"], msel, "m.csv", base="mini-drill")
    assert missing.status_code == 422
    assert list(missing.get_json()["error"]["fields"]) == ["file"]

    mapped = upload(client, staff["controller"], msel, "m.csv", base="mini-drill", mapping='{"When": "time"}')
    assert mapped.status_code == 200
    assert mapped.get_json()["unmapped_columns"] == ["Controller"]
    assert mapped.get_json()["scenario"]["injects"][0]["at_s"] == 600.0


def test_bad_form_fields_are_422_by_field(client, library, staff):
    msel = b"MSEL #,Time,Message\n1,0:01,x\n"
    cases = {
        "mapping": ({"mapping": "{not json"}, "must be JSON"),
        "base": ({"base": "nope"}, "no scenario 'nope' in the library"),
        "teams": ({"teams": '{"key": "x"}'}, "must be a JSON list"),
        "save": ({"save": "perhaps"}, "Not a valid boolean."),
        "colour": ({"colour": "red"}, "Unknown field."),
    }
    for name, (form, message) in cases.items():
        response = upload(client, staff["controller"], msel, "m.csv", **form)
        assert response.status_code == 422, name
        assert message in response.get_json()["error"]["fields"][name][0], response.get_json()
    no_file = client.post("/api/v1/scenarios/import", data={"base": "mini-drill"}, headers=staff["controller"],
                          content_type="multipart/form-data")
    assert no_file.status_code == 422 and "file" in no_file.get_json()["error"]["fields"]


def test_a_scenario_without_base_takes_its_fields_from_the_form(client, library, staff):
    msel = b"MSEL #,Time,To,Message\n1,0:05,Fire,Smoke.\n2,1:10,EMS,Casualties.\n"
    teams = json.dumps([{"key": "fire", "name": "Fire", "agency": "fire"}, {"key": "ems", "name": "EMS",
                                                                          "agency": "ems"}])
    response = upload(client, staff["controller"], msel, "Port drill.csv", teams=teams, duration="2:00",
                      summary="A port.", hazard="Cs-137")
    assert response.status_code == 200, response.get_json()
    scenario = response.get_json()["scenario"]
    assert (scenario["id"], scenario["title"], scenario["sop"]) == ("port-drill", "Port drill", "mini-sop")
    assert scenario["duration_s"] == 7200.0 and scenario["summary"] == "A port." and scenario["hazard"] == "Cs-137"
    assert [i["to"] for i in scenario["injects"]] == [["fire"], ["ems"]]


def test_a_yaml_scenario_imports_and_is_saved_as_written(client, library, staff):
    text = (library / "injects" / "mini-drill.yaml").read_bytes().replace(b"id: mini-drill", b"id: mini-two")
    response = upload(client, staff["controller"], text, "mini-two.yaml", save=True)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["saved"] == {"id": "mini-two", "number": 1, "state": "draft"}
    exported = client.get("/api/v1/library/scenarios/mini-two/versions/1.yaml", headers=staff["controller"])
    assert exported.get_data() == text  # comments and all

    broken = text.replace(b"to: [ems]", b"to: [medics]")
    refused = upload(client, staff["controller"], broken, "mini-two.yaml", id="mini-three", save=True)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"] == {
        "line 2": ["id 'mini-two' does not match the file name 'mini-three': the id is the file name without .yaml"],
        "line 62": ["inject I-04: unknown team 'medics'"]}


def test_an_upload_too_large_is_413(app, client, library, staff):
    app.config["CORDON_IMPORT_MAX_BYTES"] = 1000
    response = upload(client, staff["controller"], b"MSEL #,Time,Message\n" + b"1,0:01,x\n" * 200, "big.csv")
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"


# --- exercise exports ------------------------------------------------------------------------

@pytest.fixture
def drill(app, clock, library, staff):
    """The mini drill run to 4 min: I-01..I-04 out, fire ticked FB-01, an ad-hoc inject, two IP rows."""
    exercise = gen_exercise(name="Market drill / Nov", creator=None)
    fire = gen_tablet(exercise, "fire", "=cmd|' /C calc'!A0")  # a name that a spreadsheet would run
    lifecycle.start_exercise(exercise.id, "ctl")
    db.session.commit()
    clock.advance(240)
    run_once(app)
    log_action(_participant(fire), "tablet-0001", step="FB-01", text="Headcount done")
    db.session.commit()
    for capability, issue in (("Operational Coordination", "Perimeter set late"),
                              ("Environmental Response/Health and Safety", "No dosimeters")):
        db.session.add(CorrectiveAction(exercise_id=exercise.id, capability=capability, issue=issue,
                                        corrective_action="Train it", capability_element="Training",
                                        responsible_org="Metro Fire", point_of_contact="Chief Ray",
                                        start_date=date(2026, 12, 1), completion_date=date(2027, 3, 1),
                                        status="open"))
    db.session.commit()
    return exercise


def _participant(tablet):
    return db.session.get(Participant, tablet.participant_id)


def test_the_exercise_msel_has_status_and_release_times(client, drill, staff):
    response = client.get(f"/api/v1/exercises/{drill.id}/msel.csv", headers=staff["evaluator"])
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="exercise-{drill.id}-market-drill-nov-msel.csv"')
    rows = csv_rows(response)
    header, by_id = rows[0], {row[11]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert header[-2:] == ["Status", "Released At"]
    assert by_id["I-02"]["Status"] == "released" and by_id["I-02"]["Released At"] == "0:04:00"  # at 4 min
    assert by_id["R-01"]["Status"] == "pending" and by_id["R-01"]["Released At"] == ""

    sheet = sheet_of(client.get(f"/api/v1/exercises/{drill.id}/msel.xlsx", headers=staff["evaluator"]))
    assert [cell.value for cell in sheet[1]][-2:] == ["Status", "Released At"] and sheet.max_row == 7


def test_an_exercise_msel_imports_as_a_scenario_with_status_columns_unmapped(client, drill, staff):
    msel = client.get(f"/api/v1/exercises/{drill.id}/msel.xlsx", headers=staff["controller"]).get_data()
    response = upload(client, staff["controller"], msel, "run.xlsx", base="mini-drill")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["unmapped_columns"] == ["Status", "Released At"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_the_event_log_export_has_every_event_with_its_hashes(client, drill, staff, fmt):
    stored = db.session.scalars(db.select(Event).filter_by(exercise_id=drill.id).order_by(Event.seq)).all()
    assert len(stored) > 5

    response = client.get(f"/api/v1/exercises/{drill.id}/events.{fmt}", headers=staff["evaluator"])

    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="exercise-{drill.id}-market-drill-nov-events.{fmt}"')
    if fmt == "jsonl":
        assert response.headers["Content-Type"] == "application/x-ndjson; charset=utf-8"
        records = [json.loads(line) for line in response.get_data().decode().splitlines()]
    else:
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        rows = csv_rows(response)
        assert rows[0] == ["exercise_id", "seq", "type", "actor", "team", "visible_to", "exercise_time_s",
                           "wall_time", "payload", "prev_hash", "hash"]
        records = [dict(zip(rows[0], row)) for row in rows[1:]]
        assert any(r["actor"] == "'=cmd|' /C calc'!A0" for r in records)  # escaped, not a formula
        for record in records:
            record.update(exercise_id=int(record["exercise_id"]), seq=int(record["seq"]),
                          exercise_time_s=float(record["exercise_time_s"]), team=record["team"] or None,
                          visible_to=json.loads(record["visible_to"]), payload=json.loads(record["payload"]),
                          actor=record["actor"].removeprefix("'") if record["actor"].startswith("'=") else
                          record["actor"])
    assert [r["seq"] for r in records] == [e.seq for e in stored]
    assert [(r["hash"], r["prev_hash"], r["type"]) for r in records] == [(e.hash, e.prev_hash, e.type)
                                                                       for e in stored]
    assert verify_chain(records).ok  # the export alone is enough to check the chain


def test_the_event_log_export_streams_a_long_log(app, client, drill, staff):
    from app.services.events import append_event

    for n in range(600):
        append_event(drill, "message", {"text": f"note {n}"}, actor="ctl", exercise_time_s=240.0)
    db.session.commit()
    response = client.get(f"/api/v1/exercises/{drill.id}/events.jsonl", headers=staff["controller"])
    chunks = list(response.response)
    assert len(chunks) > 600  # written as it is read, not built whole
    records = [json.loads(line) for line in b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
               .decode().splitlines()]
    assert len(records) == drill.last_seq and verify_chain(records).ok


def test_the_improvement_plan_has_the_hseep_columns(client, drill, staff):
    header = ["Core Capability", "Issue/Area for Improvement", "Corrective Action", "Capability Element",
              "Primary Responsible Organization", "Organization POC", "Start Date", "Completion Date", "Status"]
    as_csv = client.get(f"/api/v1/exercises/{drill.id}/improvement-plan.csv", headers=staff["evaluator"])
    assert as_csv.headers["Content-Disposition"] == (
        f'attachment; filename="exercise-{drill.id}-market-drill-nov-improvement-plan.csv"')
    assert csv_rows(as_csv) == [header,
                                ["Environmental Response/Health and Safety", "No dosimeters", "Train it", "Training",
                                 "Metro Fire", "Chief Ray", "2026-12-01", "2027-03-01", "open"],
                                ["Operational Coordination", "Perimeter set late", "Train it", "Training",
                                 "Metro Fire", "Chief Ray", "2026-12-01", "2027-03-01", "open"]]

    as_xlsx = client.get(f"/api/v1/exercises/{drill.id}/improvement-plan.xlsx", headers=staff["evaluator"])
    assert as_xlsx.headers["Content-Type"] == XLSX
    sheet = sheet_of(as_xlsx)
    assert [cell.value for cell in sheet[1]] == header and sheet[1][0].font.bold and sheet.freeze_panes == "A2"
    assert sheet["G2"].value.date() == date(2026, 12, 1) and sheet["G2"].number_format == "yyyy-mm-dd"
    assert sheet.title == "Improvement Plan" and sheet.max_row == 3
