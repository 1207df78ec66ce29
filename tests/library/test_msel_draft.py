"""An MSEL imported for the editor: unknown teams and objectives become placeholders with a warning,
and a column mapping is saved once and reused."""
import io

LIB = "/api/v1/library"
# An HSEEP sheet: objectives by their text in the exercise plan, a player the scenario has no team for.
HSEEP = ("MSEL #,When,Intended Player,Event Description,Objective,Controller\n"
         "1,0:01,Fire,Smoke at pier 4.,Set the perimeter within 10 minutes.,Ann\n"
         "2,0:05,Port Authority,Close the harbour gate.,Protect the public,Ben\n"
         "3,0:08,Fire Brigade Hazmat,Monitor the plume.,OBJ-4,Ann\n").encode()


def upload(client, headers, data: bytes, name: str = "harbor.csv", **form):
    fields = {"file": (io.BytesIO(data), name), **{k: str(v).lower() if isinstance(v, bool) else v
                                                   for k, v in form.items()}}
    return client.post("/api/v1/scenarios/import", data=fields, headers=headers, content_type="multipart/form-data")


def test_unknown_teams_and_objectives_are_refused_by_the_plain_import(library_app, client, staff):
    refused = upload(client, staff["controller"], HSEEP, base="mini-drill", mapping='{"When": "time"}')
    assert refused.status_code == 422
    fields = refused.get_json()["error"]["fields"]
    assert fields["row 3"] == ['column "Intended Player": unknown team \'Port Authority\'',
                               'column "Objective": unknown objective \'Protect the public\'']


def test_the_editor_import_adds_placeholders_and_says_so(library_app, client, staff):
    response = upload(client, staff["controller"], HSEEP, base="mini-drill", id="harbor", title="Harbor",
                      mapping='{"When": "time"}', placeholders=True, save=True)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["warnings"] == [
        "team 'Port Authority' is not in the scenario: added as team 'port-authority' on agency 'incident-command'; "
        "check its name and agency",
        "team 'Fire Brigade Hazmat' is not in the scenario: added as team 'fire-brigade-hazmat' on agency 'fire'; "
        "check its name and agency",
        "objective 'Protect the public' is not in the scenario: added as objective 'OBJ-X1'; complete its text and "
        "core capability from the exercise plan",
        "objective 'OBJ-4' is not in the scenario: added as objective 'OBJ-4'; complete its text and core "
        "capability from the exercise plan"]
    scenario = body["scenario"]
    assert [(t["key"], t["agency"]) for t in scenario["teams"]][-2:] == [
        ("port-authority", "incident-command"), ("fire-brigade-hazmat", "fire")]
    assert [(i["to"], i["objective"]) for i in scenario["injects"]] == [
        (["fire"], "OBJ-1"), (["port-authority"], "OBJ-X1"), (["fire-brigade-hazmat"], "OBJ-4")]
    assert body["saved"] == {"id": "harbor", "number": 1, "state": "draft"}


def test_other_problems_are_still_refused_by_row(library_app, client, staff):
    bad = HSEEP.replace(b"0:08", b"soon")
    refused = upload(client, staff["controller"], bad, base="mini-drill", mapping='{"When": "time"}',
                     placeholders=True)
    assert refused.status_code == 422
    assert list(refused.get_json()["error"]["fields"]) == ["row 4"]


def test_a_column_mapping_is_remembered_and_reused(library_app, client, staff):
    first = upload(client, staff["controller"], HSEEP, base="mini-drill", placeholders=True,
                   mapping='{"When": "time", "Controller": "ignore"}', remember_mapping="county template")
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["unmapped_columns"] == []
    saved = client.get(f"{LIB}/msel-mappings", headers=staff["evaluator"]).get_json()
    assert [(m["name"], m["mapping"]) for m in saved] == [("county template", {"When": "time", "Controller": "ignore"})]

    again = upload(client, staff["controller"], HSEEP, base="mini-drill", placeholders=True,
                   mapping_name="county template")
    assert again.status_code == 200 and again.get_json()["unmapped_columns"] == []
    assert again.get_json()["scenario"]["injects"][2]["at_s"] == 480.0
    unknown = upload(client, staff["controller"], HSEEP, base="mini-drill", mapping_name="nope")
    assert unknown.status_code == 422 and "mapping_name" in unknown.get_json()["error"]["fields"]
