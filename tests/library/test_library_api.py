"""The library over HTTP: a scenario written from nothing, drafts, publishing, history, diffs,
restore, clone, the check as you type, the Markdown preview, and the library's own log."""
from sqlalchemy import update

from app.extensions import db
from app.models import LibraryEvent

LIB = "/api/v1/library"

NEW_SCENARIO = {
    "id": "harbor-drill", "title": "Harbor drill", "version": 1, "duration": "1h", "sop": "mini-sop",
    "objectives": [{"id": "OBJ-1", "text": "Set the perimeter.", "capability": "Operational Coordination"}],
    "teams": [{"key": "ic", "name": "Incident Command", "agency": "incident-command"},
              {"key": "fire", "name": "Fire", "agency": "fire"}],
    "injects": [
        {"id": "I-01", "at": "1m", "from": "Dispatch", "to": "all", "channel": "radio", "title": "Smoke at pier 4",
         "body": "Smoke **rising**.", "expects": [{"step": "IC-01", "within": "5m"}], "objective": "OBJ-1"},
        {"id": "I-02", "at": "5m", "to": ["fire"], "title": "Count your crews",
         "expects": [{"step": "FB-01", "within": "10m"}]},
        {"id": "C-01", "to": ["ic"], "type": "contingency", "title": "The mayor calls",
         "when_overdue": {"step": "IC-01", "mode": "prompt"}},
    ],
}


def test_a_scenario_written_from_nothing_is_published_and_runs(library_app, client, staff):
    ctl = staff["controller"]
    broken = dict(NEW_SCENARIO, injects=[dict(NEW_SCENARIO["injects"][0], to=["ic", "police"])])
    created = client.post(f"{LIB}/scenarios", headers=ctl, json={"id": "harbor-drill", "document": broken,
                                                                 "note": "first lines"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["number"], body["state"], body["origin"], body["author"], body["saved"]) == (
        1, "draft", "editor", "ctl", True)
    assert body["check"]["errors"] == [{"path": "injects[0].to[1]", "line": None,
                                        "message": "inject I-01: unknown team 'police'"}]
    # A draft with errors is kept, but cannot be published.
    refused = client.post(f"{LIB}/scenarios/harbor-drill/versions/1/publish", headers=ctl)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"] == {"injects[0].to[1]": ["inject I-01: unknown team 'police'"]}
    assert client.post("/api/v1/exercises", headers=ctl, json={"name": "x", "scenario": "harbor-drill"}
                       ).status_code == 422

    fixed = client.post(f"{LIB}/scenarios/harbor-drill/versions", headers=ctl,
                        json={"base": 1, "document": NEW_SCENARIO, "note": "teams fixed"})
    assert fixed.status_code == 201 and fixed.get_json()["check"]["valid"], fixed.get_json()
    published = client.post(f"{LIB}/scenarios/harbor-drill/versions/2/publish", headers=ctl)
    assert published.status_code == 200 and published.get_json()["state"] == "published"

    exercise = client.post("/api/v1/exercises", headers=ctl, json={"name": "Harbor", "scenario": "harbor-drill"})
    assert exercise.status_code == 201, exercise.get_json()
    injects = {i["id"]: i for i in exercise.get_json()["injects"]}
    assert (injects["I-01"]["at_s"], injects["I-02"]["to"], injects["C-01"]["when_overdue"]) == (
        60.0, ["fire"], {"step": "IC-01", "mode": "prompt"})
    assert exercise.get_json()["scenario"]["hash"] == published.get_json()["content_hash"]
    created_event = client.get(f"/api/v1/exercises/{exercise.get_json()['id']}/events", headers=ctl).get_json()[0]
    assert created_event["data"]["scenario"]["library_version"] == 2


def test_history_diff_restore_and_clone(library_app, client, staff):
    ctl, eva = staff["controller"], staff["evaluator"]
    document = client.get(f"{LIB}/scenarios/mini-drill/versions/1", headers=eva).get_json()["document"]
    retimed = dict(document, injects=[dict(document["injects"][0], at="2m30s"), *document["injects"][2:]])
    client.post(f"{LIB}/scenarios/mini-drill/versions", headers=ctl, json={"base": 1, "document": retimed})

    history = client.get(f"{LIB}/scenarios/mini-drill", headers=eva).get_json()
    assert [(v["number"], v["state"], v["author"]) for v in history["versions"]] == [
        (2, "draft", "ctl"), (1, "published", "system")]
    assert (history["head"], history["published"], history["draft"]) == (2, 1, True)

    diff = client.get(f"{LIB}/scenarios/mini-drill/diff", headers=eva).get_json()
    assert (diff["from"], diff["to"]) == (1, 2)
    assert diff["changes"]["sections"]["injects"] == {
        "added": [], "removed": ["I-02"], "reordered": False,
        "changed": [{"id": "I-01", "fields": [{"field": "at", "old": "1m", "new": "2m30s"}]}]}
    assert diff["summary"] == ["inject I-02 removed", "inject I-01: at: '1m' -> '2m30s'"]

    restored = client.post(f"{LIB}/scenarios/mini-drill/versions/1/restore", headers=ctl)
    assert restored.status_code == 201
    assert (restored.get_json()["number"], restored.get_json()["note"]) == (3, "restored from version 1")
    assert restored.get_json()["document"] == document
    assert client.get(f"{LIB}/scenarios/mini-drill/diff?from=1&to=3", headers=eva).get_json()["summary"] == []

    cloned = client.post(f"{LIB}/scenarios/mini-drill/clone", headers=ctl,
                         json={"id": "mini-night", "title": "Mini drill at night", "number": 2})
    assert cloned.status_code == 201, cloned.get_json()
    copy = cloned.get_json()
    assert (copy["id"], copy["number"], copy["state"], copy["origin"]) == ("mini-night", 1, "draft", "clone")
    assert copy["document"]["id"] == "mini-night" and copy["document"]["injects"][0]["at"] == "2m30s"
    # Version 2 dropped I-02, which made IC-02 due: the contingency waiting on it is reported, as it was there.
    assert [e["path"] for e in copy["check"]["errors"]] == ["injects[4].when_overdue.step"]
    assert "no inject expects step IC-02" in copy["check"]["errors"][0]["message"]
    taken = client.post(f"{LIB}/scenarios/mini-drill/clone", headers=ctl, json={"id": "mini-night"})
    assert taken.status_code == 409
    listed = client.get(f"{LIB}/scenarios", headers=eva).get_json()
    assert [(d["id"], d["published"], d["head"]) for d in listed] == [("mini-night", None, 1), ("mini-drill", 1, 3)]
    # Published content (what exercises are made from) is still version 1.
    assert client.get("/api/v1/scenarios", headers=eva).get_json()[0]["id"] == "mini-drill"
    assert [s["id"] for s in client.get("/api/v1/scenarios", headers=eva).get_json()] == ["mini-drill"]


def test_publishing_needs_the_latest_version_and_saving_the_same_content_saves_nothing(library_app, client, staff):
    ctl = staff["controller"]
    document = client.get(f"{LIB}/scenarios/mini-drill/versions/1", headers=ctl).get_json()["document"]
    same = client.post(f"{LIB}/scenarios/mini-drill/versions", headers=ctl, json={"base": 1, "document": document})
    assert same.status_code == 200 and same.get_json()["saved"] is False and same.get_json()["number"] == 1
    assert client.post(f"{LIB}/scenarios/mini-drill/versions/1/publish", headers=ctl).status_code == 409
    client.post(f"{LIB}/scenarios/mini-drill/versions", headers=ctl,
                json={"base": 1, "document": dict(document, summary="Two")})
    client.post(f"{LIB}/scenarios/mini-drill/versions", headers=ctl,
                json={"base": 2, "document": dict(document, summary="Three")})
    stale = client.post(f"{LIB}/scenarios/mini-drill/versions/2/publish", headers=ctl)
    assert stale.status_code == 409 and "restore it as a new draft" in stale.get_json()["error"]["message"]
    assert client.post(f"{LIB}/scenarios/mini-drill/versions/9/publish", headers=ctl).status_code == 404
    assert client.post(f"{LIB}/scenarios/mini-drill/versions", headers=ctl,
                       json={"base": 9, "document": document}).status_code == 422


def test_the_check_as_you_type_places_problems_by_path_or_by_line(library_app, client, staff):
    eva = staff["evaluator"]
    document = dict(NEW_SCENARIO, injects=[dict(NEW_SCENARIO["injects"][1],
                                                expects=[{"step": "FB-01", "within": "-3m"}])])
    as_json = client.post(f"{LIB}/scenarios/check", headers=eva, json={"document": document}).get_json()
    assert as_json["valid"] is False
    assert as_json["errors"] == [{"path": "injects[0].expects[0].within", "line": None,
                                  "message": "injects[I-02].expects[FB-01].within: time '-3m' is negative; "
                                             "exercise times start at 0"}]
    text = "id: harbor-drill\ntitle: Harbor\nversion: 1\nduration: 1h\nsop: mini-sop\nteams: []\ninjects: []\n"
    as_yaml = client.post(f"{LIB}/scenarios/check", headers=eva, json={"yaml": text}).get_json()
    assert {"path": "teams", "line": 6, "message": "teams: must not be empty"} in as_yaml["errors"]
    renamed = client.post(f"{LIB}/scenarios/check", headers=eva, json={"id": "other", "document": NEW_SCENARIO})
    assert renamed.get_json()["errors"] == [{
        "path": "id", "line": None,
        "message": "id 'harbor-drill' does not match the library id 'other': clone it to change its id"}]
    assert client.post(f"{LIB}/scenarios/check", headers=eva, json={"document": NEW_SCENARIO}).get_json()["valid"]
    both = client.post(f"{LIB}/scenarios/check", headers=eva, json={"document": NEW_SCENARIO, "yaml": text})
    assert both.status_code == 422 and "document" in both.get_json()["error"]["fields"]
    unknown = client.post(f"{LIB}/checklists/check", headers=eva, json={"document": {"id": "x", "steps": "no"}})
    messages = [e["message"] for e in unknown.get_json()["errors"]]
    assert "steps: must be a list: [a, b] or one '- item' per line" in messages


def test_a_yaml_save_keeps_the_text_and_a_broken_one_is_a_422_by_line(library_app, client, staff):
    ctl = staff["controller"]
    text = "# Written by hand\n" + (library_app.config["CORDON_CONTENT_ROOT"] + "/injects/mini-drill.yaml")
    text = open(text[len("# Written by hand\n"):]).read().replace("Headcount please.", "Headcount, please.")
    saved = client.post(f"{LIB}/scenarios/mini-drill/versions", headers=ctl, json={"base": 1, "yaml": text})
    assert saved.status_code == 201 and saved.get_json()["check"]["valid"]
    assert client.get(f"{LIB}/scenarios/mini-drill/versions/2.yaml", headers=ctl).get_data(as_text=True) == text
    broken = client.post(f"{LIB}/scenarios/mini-drill/versions", headers=ctl,
                         json={"base": 2, "yaml": "id: mini-drill\nteams: [unclosed\n"})
    assert broken.status_code == 422
    assert broken.get_json()["error"]["fields"]["yaml"][0].startswith("line 3: YAML syntax error")


def test_documents_must_be_sane(library_app, client, staff):
    ctl = staff["controller"]
    deep: dict = {"id": "deep"}
    node = deep
    for _ in range(20):
        node["x"] = {}
        node = node["x"]
    for document, message in ((deep, "nested more than 12 levels deep"),
                              ({"id": "x", "title": "a\x00b"}, "must not contain NUL characters"),
                              ([], "must be a JSON object")):
        response = client.post(f"{LIB}/scenarios", headers=ctl, json={"id": "deep", "document": document})
        assert response.status_code == 422
        fields = response.get_json()["error"]["fields"]  # the whole document, or the field inside it
        assert any(message in reason for name, reasons in fields.items() if name.split(".")[0] == "document"
                   for reason in reasons), fields
    bad_id = client.post(f"{LIB}/scenarios", headers=ctl, json={"id": "Bad Id", "document": {"id": "x"}})
    assert bad_id.status_code == 422 and "id" in bad_id.get_json()["error"]["fields"]
    assert client.post(f"{LIB}/scenarios", headers=ctl, json={"id": "mini-drill", "document": {}}).status_code == 409


def test_the_markdown_preview_is_what_tablets_show(library_app, client, staff):
    response = client.post(f"{LIB}/preview", headers=staff["evaluator"],
                           json={"body": "**Smoke** at <script>alert(1)</script> pier 4"})
    assert response.get_json() == {
        "html": "<p><strong>Smoke</strong> at &lt;script&gt;alert(1)&lt;/script&gt; pier 4</p>\n"}


def test_the_library_log_records_every_version_and_detects_tampering(library_app, client, staff, runner):
    ctl = staff["controller"]
    document = client.get(f"{LIB}/scenarios/mini-drill/versions/1", headers=ctl).get_json()["document"]
    client.post(f"{LIB}/scenarios/mini-drill/versions", headers=ctl,
                json={"base": 1, "document": dict(document, summary="Shorter"), "note": "shorter"})
    client.post(f"{LIB}/scenarios/mini-drill/versions/2/publish", headers=ctl)
    client.post(f"{LIB}/msel-mappings", headers=ctl, json={"name": "county", "mapping": {"When": "time"}})
    events = client.get(f"{LIB}/events", headers=staff["evaluator"]).get_json()
    assert [(e["seq"], e["type"], e["actor"]) for e in events][4:] == [
        (5, "library.version_saved", "ctl"), (6, "library.version_published", "ctl"),
        (7, "library.mapping_saved", "ctl")]
    assert events[4]["data"] | {"document_hash": None, "content_hash": None} == {
        "kind": "scenario", "id": "mini-drill", "number": 2, "state": "draft", "origin": "editor", "base": 1,
        "document_hash": None, "content_hash": None, "errors": 0, "note": "shorter"}
    assert events[5]["data"]["previous"] == 1
    assert all(e["prev_hash"] == before["hash"] for before, e in zip(events, events[1:]))
    assert client.get(f"{LIB}/audit", headers=staff["evaluator"]).get_json() == {
        "ok": True, "events": 7, "first_broken_seq": None, "reason": None, "last_hash": events[-1]["hash"]}
    assert runner.invoke(args=["content", "verify-log"]).output.startswith("OK: library log, 7 events")

    db.session.execute(update(LibraryEvent).where(LibraryEvent.seq == 5).values(actor="someone else"))
    db.session.commit()
    audit = client.get(f"{LIB}/audit", headers=staff["evaluator"]).get_json()
    assert (audit["ok"], audit["events"], audit["first_broken_seq"]) == (False, 4, 5)
    assert "altered" in audit["reason"]
    assert runner.invoke(args=["content", "verify-log"]).exit_code == 1


def test_saved_msel_mappings_are_listed_and_replaced_by_name(library_app, client, staff):
    ctl = staff["controller"]
    client.post(f"{LIB}/msel-mappings", headers=ctl, json={"name": "county", "mapping": {"When": "time"}})
    client.post(f"{LIB}/msel-mappings", headers=ctl, json={"name": "county", "mapping": {"Wann": "time"}})
    listed = client.get(f"{LIB}/msel-mappings", headers=staff["evaluator"]).get_json()
    assert [(m["name"], m["mapping"], m["updated_by"]) for m in listed] == [("county", {"Wann": "time"}, "ctl")]


def test_publishing_a_checklist_names_the_published_scenarios_it_no_longer_fits(library_app, client, staff):
    ctl = staff["controller"]
    checklist = client.get(f"{LIB}/checklists/mini-sop/versions/1", headers=ctl).get_json()["document"]
    fine = client.post(f"{LIB}/checklists/mini-sop/versions", headers=ctl,
                       json={"base": 1, "document": dict(checklist, summary="Shorter.")})
    assert client.post(f"{LIB}/checklists/mini-sop/versions/2/publish", headers=ctl).get_json()[
        "scenarios_that_do_not_fit"] == [] and fine.status_code == 201
    steps = [step for step in checklist["steps"] if step["id"] != "FB-01"]
    client.post(f"{LIB}/checklists/mini-sop/versions", headers=ctl, json={"base": 2, "document": dict(
        checklist, steps=steps, crosswalk={})})
    published = client.post(f"{LIB}/checklists/mini-sop/versions/3/publish", headers=ctl).get_json()
    assert published["scenarios_that_do_not_fit"] == ["mini-drill"]
    refused = client.post("/api/v1/exercises", headers=ctl, json={"name": "x", "scenario": "mini-drill"})
    assert refused.status_code == 422 and "FB-01" in refused.get_json()["error"]["message"]
