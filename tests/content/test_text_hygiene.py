"""A content file with control characters, or that is not UTF-8, is reported as `file:line:`
like every other problem, so its author can find the character to delete."""
import shutil

from app.content import load_library
from app.content.yamlsrc import load_yaml

from ..helpers import FIXTURE_LIBRARY


def _library_with(tmp_path, raw: bytes):
    """The fixture library with its scenario replaced by `raw`."""
    root = tmp_path / "library"
    shutil.copytree(FIXTURE_LIBRARY, root)
    (root / "injects" / "mini-drill.yaml").write_bytes(raw)
    return load_library(root=root)


def _scenario_text() -> str:
    return (FIXTURE_LIBRARY / "injects" / "mini-drill.yaml").read_text(encoding="utf-8")


def test_a_control_character_is_reported_with_its_file_and_line(tmp_path):
    lines = _scenario_text().splitlines(keepends=True)
    title_line = next(n for n, line in enumerate(lines, 1) if line.startswith("title:"))
    lines[title_line - 1] = lines[title_line - 1].replace("title: ", "title: Mini\x01 ")
    errors = [str(e) for e in _library_with(tmp_path, "".join(lines).encode()).errors]
    assert errors == [f"injects/mini-drill.yaml:{title_line}: character U+0001 at column 12 is a control character, "
                      "not text; delete it (or write it as an escape in a double-quoted string)"]


def test_every_control_character_is_reported_not_only_the_first():
    data, errors = load_yaml("a: 1\nb: x\x7fy\nc: \x1b[0m\nd: ok\t# a tab is fine\n", "f.yaml")
    assert data is None
    assert [(e.line, e.message.split(" at ")[0]) for e in errors] == [(2, "character U+007F"), (3, "character U+001B")]


def test_a_file_that_is_not_utf8_is_reported_with_its_line(tmp_path):
    text = _scenario_text().replace("Mini drill", "Zürich drill", 1)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "Zürich" in row)
    errors = [str(e) for e in _library_with(tmp_path, text.encode("latin-1")).errors]
    assert len(errors) == 1
    assert errors[0].startswith(f"injects/mini-drill.yaml:{line}: not UTF-8 text: byte 0xFC at column ")
    assert errors[0].endswith("save the file as UTF-8")


def test_the_content_check_command_prints_file_and_line(app, runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"id: bad\ntitle: \x00\n")
    result = runner.invoke(args=["content", "check", str(bad)])
    assert result.exit_code == 1
    assert "bad.yaml:2: character U+0000 at column 8" in result.output
