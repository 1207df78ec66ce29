"""Round trips through the library: every shipped scenario and checklist, file -> library -> YAML ->
library, keeps its content hash; an MSEL imported, edited in the editor and exported keeps every field."""
import csv
import io
import shutil

import pytest
from openpyxl import load_workbook

from app.services.library import export_text
from app.content import REPO_ROOT, load_library
from app.content.documents import parse_document_text, plain_document
from app.content.yamlout import document_yaml
from app.extensions import db
from app.models import LibraryVersion
from app.services import library

SHIPPED = load_library(root=REPO_ROOT)
KINDS = (("scenario", "injects", SHIPPED.scenarios), ("checklist", "sop", SHIPPED.checklists))


def test_the_shipped_library_is_all_there():
    assert SHIPPED.errors == []
    assert set(SHIPPED.scenarios) == {p.stem for p in (REPO_ROOT / "injects").glob("*.yaml")}
    assert set(SHIPPED.checklists) == {p.stem for p in (REPO_ROOT / "sop").glob("*.yaml")}


def test_every_shipped_file_round_trips_through_the_library_with_its_hash(app, tmp_path):
    shutil.copytree(REPO_ROOT / "injects" / "plans", tmp_path / "injects" / "plans")  # site plans go beside
    for kind, folder, contents in KINDS:
        (tmp_path / folder).mkdir(exist_ok=True)
        for key, content in contents.items():
            published = library.published(kind, key)
            assert published.content_hash == content["hash"], key
            assert {**published.content, "path": None} == {**content, "path": None}, key
            # Written out from the stored document (not the file's own text), as the editor's versions are.
            (tmp_path / folder / f"{key}.yaml").write_text(export_text(kind, key, published, as_written=False))
    written = load_library(root=tmp_path)
    assert written.errors == []
    for kind, _, contents in KINDS:
        reloaded = written.scenarios if kind == "scenario" else written.checklists
        assert {key: c["hash"] for key, c in reloaded.items()} == {key: c["hash"] for key, c in contents.items()}
    # And back into the library: the same content, so nothing new.
    before = db.session.query(LibraryVersion).count()
    app.config["CORDON_CONTENT_ROOT"] = str(tmp_path)
    assert len(library.documents("scenario")) == len(SHIPPED.scenarios)
    assert db.session.query(LibraryVersion).count() == before


def test_flask_content_export_writes_a_file_the_content_check_accepts(app, runner, tmp_path):
    shutil.copytree(REPO_ROOT / "injects" / "plans", tmp_path / "injects" / "plans")  # its site plan goes beside it
    shutil.copytree(REPO_ROOT / "sop", tmp_path / "sop")
    result = runner.invoke(args=["content", "export", "scenario", "rdd-urban", "--from-document",
                                 "-o", str(tmp_path / "injects" / "rdd-urban.yaml")])
    assert result.exit_code == 0, result.output
    assert "version 1, published" in result.output
    text = (tmp_path / "injects" / "rdd-urban.yaml").read_text()
    assert text.startswith("# Cordon scenario: Explosion with radioactive material at Central Market\n")
    check = runner.invoke(args=["content", "check", str(tmp_path / "injects" / "rdd-urban.yaml"),
                                str(tmp_path / "sop")])
    assert check.exit_code == 0, check.output
    assert load_library(root=tmp_path).scenarios["rdd-urban"]["hash"] == SHIPPED.scenarios["rdd-urban"]["hash"]
    as_written = runner.invoke(args=["content", "export", "scenario", "rdd-urban"])
    assert as_written.output == (REPO_ROOT / "injects" / "rdd-urban.yaml").read_text()  # comments and all
    assert runner.invoke(args=["content", "export", "scenario", "nope"]).exit_code == 1


AWKWARD = ["=HYPERLINK(\"x\")", "- a Markdown list\n- second item\n", "  indented first line\nthen not",
           "trailing spaces   ", "yes", "1:20", "08:30", "# not a comment", "key: value", "ends with two newlines\n\n",
           "µSv/h ≥ 100 — “quotes”", "tab\tinside", "x" * 300, "null", "1e3", "", "'single'", '"double"']


@pytest.mark.parametrize("text", AWKWARD)
def test_awkward_text_in_a_document_survives_being_written_as_yaml(text):
    document = {"id": "x", "title": text, "items": [{"id": "a", "body": text, "to": [text or "t", "b"]}],
                "numbers": [1, 2.5, -3, True, None]}
    raw, problems = parse_document_text(document_yaml(document, comment=text), "x.yaml")
    assert problems == [] and plain_document(raw) == document


def _msel_rows(data: bytes, fmt: str) -> list[list[str]]:
    if fmt == "csv":
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return [["" if cell is None else str(cell) for cell in row] for row in load_workbook(io.BytesIO(data)).active
            .iter_rows(values_only=True)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_msel_imported_edited_in_the_editor_and_exported_keeps_every_field(library_app, client, staff, fmt):
    shipped = client.get(f"/api/v1/scenarios/mini-drill/msel.{fmt}", headers=staff["controller"]).get_data()
    # Every MSEL column Cordon writes, on an inject that uses all of them.
    original = _msel_rows(shipped, fmt)
    assert original[0][:3] == ["MSEL #", "Scenario Time", "Event Type"]
    imported = client.post("/api/v1/scenarios/import", headers=staff["controller"], content_type="multipart/form-data",
                           data={"file": (io.BytesIO(shipped), f"mini.{fmt}"), "base": "mini-drill",
                                 "id": "mini-msel", "save": "true"})
    assert imported.status_code == 200, imported.get_json()
    scenario = imported.get_json()["scenario"]

    # The editor loads the draft, changes one title, saves and publishes.
    draft = client.get("/api/v1/library/scenarios/mini-msel/versions/1", headers=staff["controller"]).get_json()
    document = draft["document"]
    document["injects"][2]["title"] = "Count every crew"
    saved = client.post("/api/v1/library/scenarios/mini-msel/versions", headers=staff["controller"],
                        json={"base": 1, "document": document})
    assert saved.status_code == 201 and saved.get_json()["check"]["valid"], saved.get_json()
    assert client.post("/api/v1/library/scenarios/mini-msel/versions/2/publish",
                       headers=staff["controller"]).status_code == 200

    published = client.get("/api/v1/scenarios/mini-msel", headers=staff["controller"]).get_json()
    expected = [dict(inject, title="Count every crew") if inject["id"] == "I-03" else inject
                for inject in scenario["injects"]]
    assert published["injects"] == expected
    assert {k: v for k, v in published.items() if k not in ("injects", "hash", "path", "id")} == {
        k: v for k, v in scenario.items() if k not in ("injects", "hash", "path", "id")}
    exported = _msel_rows(client.get(f"/api/v1/scenarios/mini-msel/msel.{fmt}", headers=staff["controller"])
                          .get_data(), fmt)
    title = original[0].index("Title")
    assert [row[title] for row in exported] == [row[title] if row[0] != "3" else "Count every crew"
                                                for row in original]
    assert [row[:title] + row[title + 1:] for row in exported] == [row[:title] + row[title + 1:] for row in original]

