"""Every file in broken/ must fail with exactly the problems its `# expect: LINE: text` header lists.

LINE is the line number (`-` for a problem of the whole file) and text a part of the message.
Scenarios in broken/ name the checklist fixtures/sop/mini-response.yaml, given alongside.
"""
import re
from pathlib import Path

import pytest

from app.content import load_library

HERE = Path(__file__).parent
CORPUS = sorted((HERE / "broken").glob("*.yaml"))
CHECKLIST = HERE / "fixtures" / "sop" / "mini-response.yaml"
EXPECT = re.compile(r"^# expect: (-|\d+): (.+)$", re.M)


def expectations(file: Path) -> list[tuple[int | None, str]]:
    return [(None if line == "-" else int(line), text.strip())
            for line, text in EXPECT.findall(file.read_text(encoding="utf-8"))]


def test_the_corpus_is_large_enough_and_every_file_expects_something():
    assert len(CORPUS) >= 20
    for file in CORPUS:
        assert expectations(file), f"{file.name} has no '# expect:' line"
    assert max(len(expectations(file)) for file in CORPUS) >= 5, "no file with several errors"


@pytest.mark.parametrize("file", CORPUS, ids=lambda file: file.stem)
def test_broken_file_reports_exactly_its_problems(file):
    library = load_library([file, CHECKLIST])
    name = file.relative_to(HERE.parent.parent).as_posix()
    errors = [error for error in library.errors if error.path == name]
    assert [error for error in library.errors if error.path != name] == []
    unmatched = list(errors)
    for line, text in expectations(file):
        match = next((e for e in unmatched if e.line == line and text in e.message), None)
        assert match is not None, (
            f"expected {name}:{line if line is not None else ''}: ...{text}... among\n"
            + "\n".join(map(str, errors)))
        unmatched.remove(match)
    assert unmatched == [], "unexpected problems:\n" + "\n".join(map(str, unmatched))
    assert [e.line or 0 for e in errors] == sorted(e.line or 0 for e in errors)
    assert library.scenarios == {} and set(library.checklists) <= {"mini-response"}
