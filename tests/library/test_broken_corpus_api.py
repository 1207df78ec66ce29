"""The bad-content corpus (tests/content/broken) gives the same problems through the editor's API
as through `flask content check`: the same messages, placed by field path instead of line.

A JSON document has no lines, so where a message points at another place it names its path
(`first at injects[0].id`) where the file's names a line (`first at line 27`); the path must
lead to exactly that line. Problems of the YAML text itself (syntax, a key written twice, not a
mapping) only exist in text: those files are sent as YAML text and answered by line.
"""
import re
import shutil
from pathlib import Path

import pytest

from app.content import load_library
from app.content.documents import check_document, plain_document
from app.content.yamlsrc import LineDict, line_of, load_yaml

HERE = Path(__file__).resolve().parent.parent / "content"
CORPUS = sorted((HERE / "broken").glob("*.yaml"))
CHECKLIST = HERE / "fixtures" / "sop" / "mini-response.yaml"
CHECKLIST_CONTENT = load_library([CHECKLIST]).checklists["mini-response"]
# What the editor is told instead of what a file is told: a document has a library id, not a file name.
LIBRARY_WORDING = [
    (re.compile(r"does not match the file name '([^']+)': the id is the file name without \.yaml"),
     r"does not match the library id '\1': clone it to change its id"),
    (re.compile(r"unknown checklist '([^']+)': there is no .*"),
     r"unknown checklist '\1': no checklist with that id is published in the library"),
]


@pytest.fixture
def checked(app, tmp_path, staff, client):
    """POST a document (or YAML text) to the check endpoint: the problems as (line, path, message)."""
    root = tmp_path / "content"
    (root / "sop").mkdir(parents=True)
    shutil.copy(CHECKLIST, root / "sop")
    app.config["CORDON_CONTENT_ROOT"] = str(root)

    def check(kind: str, ident: str, **content) -> list[dict]:
        response = client.post(f"/api/v1/library/{kind}s/check", headers=staff["evaluator"],
                               json={"id": ident, **content})
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body["valid"] is False
        return body["errors"]

    return check


def resolve(raw, path: str) -> int | None:
    """The line a field path leads to in the YAML it was read from (as the file check places it)."""
    container, tokens = raw, re.findall(r"[^.\[\]]+|\[\d+\]", path)
    for position, token in enumerate(tokens):
        key = int(token[1:-1]) if token.startswith("[") else token
        if position == len(tokens) - 1:
            return line_of(container, key)
        try:
            container = container[key]
        except (KeyError, IndexError, TypeError):
            return getattr(container, "line", None)
    return getattr(container, "line", None) or 1


def in_file_words(raw, message: str) -> str:
    """A document's message as the file check says it: places by line instead of by path."""
    message = re.sub(r"\(first at ([^)]+)\)", lambda m: f"(first at line {resolve(raw, m.group(1))})", message)
    # `#steps[3]` names a record that has no id by its path (a file names it by its line: `#14`).
    return re.sub(r"#([A-Za-z_][\w-]*(?:\.[\w-]+|\[\d+\])*)", lambda m: f"#{resolve(raw, m.group(1))}", message)


def file_problems(file: Path) -> list[tuple[int | None, str]]:
    library = load_library([file, CHECKLIST])
    name = file.relative_to(HERE.parent.parent).as_posix()
    problems = [(error.line, error.message) for error in library.errors if error.path == name]
    assert problems
    for pattern, replacement in LIBRARY_WORDING:
        problems = [(line, pattern.sub(replacement, message)) for line, message in problems]
    return problems


@pytest.mark.parametrize("file", CORPUS, ids=lambda file: file.stem)
def test_the_editor_is_told_what_the_content_check_says(checked, file):
    text = file.read_text(encoding="utf-8")
    raw, yaml_problems = load_yaml(text, file.name)
    kind = "checklist" if file.stem.startswith("cl-") else "scenario"
    expected = sorted(file_problems(file), key=repr)
    if yaml_problems or not isinstance(raw, LineDict):
        # Only text can be wrong this way: the editor's YAML view gets them by line.
        found = checked(kind, file.stem, yaml=text)
        assert sorted(((p["line"], p["message"]) for p in found), key=repr) == expected
        return
    if "site" in raw:
        # A site plan is a file beside the scenario: the editor's rules are run with the corpus folder,
        # where a document loaded from a content file finds its plan (the check endpoint cannot know one).
        found = [problem._asdict() for problem in
                 check_document(kind, file.stem, plain_document(raw), lambda sop: CHECKLIST_CONTENT, HERE / "broken")
                 .errors]
    else:
        found = checked(kind, file.stem, document=plain_document(raw))
    assert all(problem["line"] is None and problem["path"] is not None for problem in found), found
    placed = sorted(((resolve(raw, p["path"]) if p["path"] else raw.line, in_file_words(raw, p["message"]))
                     for p in found), key=repr)
    assert placed == expected


def test_the_corpus_has_documents_and_texts(checked):
    texts = [file for file in CORPUS if load_yaml(file.read_text(), file.name)[1]
             or not isinstance(load_yaml(file.read_text(), file.name)[0], LineDict)]
    assert 3 <= len(texts) <= 6 and len(CORPUS) - len(texts) >= 20


def test_yaml_text_is_checked_by_line_and_by_path(checked):
    errors = checked("scenario", "sc-x", yaml=(HERE / "broken" / "sc-many-errors.yaml").read_text()
                     .replace("id: sc-many-errors", "id: sc-x"))
    assert {"line": 29, "path": "injects[0].to[1]", "message": "inject I-01: unknown team 'ems'"} in errors


def test_a_site_plan_named_in_the_editor_is_looked_for_in_the_librarys_scenario_folder(checked):
    """A scenario made in the app has no folder of its own: its site plan is looked for among the
    library's scenario files (`injects/plans/...`), where this one is not."""
    raw, _ = load_yaml((HERE / "broken" / "sc-rad-polygons.yaml").read_text(encoding="utf-8"), "x.yaml")
    found = checked("scenario", "sc-rad-polygons", document=plain_document(raw))
    problems = [(p["path"], p["message"]) for p in found]
    plan = [message for path, message in problems if path == "site.plan"]
    assert len(plan) == 1 and plan[0].startswith("site: plan image 'plans/site.svg' not found (looked for ")
    assert plan[0].endswith(f"{Path('injects') / 'plans' / 'site.svg'}); the path is relative to the scenario "
                            "file's folder")
    # The rest of the blocks is still checked.
    assert ("radiation.shields[0].polygon", "shield van: polygon is not valid (Self-intersection[5 5]): its outline "
                                            "must not cross itself") in problems
