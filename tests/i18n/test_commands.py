"""Commands speak the language of CORDON_LANGUAGE (else LANG): the content check in French and in
Russian, its file:line positions unchanged; English when the language is not shipped."""
from pathlib import Path

import pytest

from .test_language_choice import translation

BROKEN = Path(__file__).resolve().parents[1] / "content" / "broken"


@pytest.mark.parametrize("code", ["fr", "ru"])
def test_the_content_check_speaks_the_shells_language(runner, monkeypatch, code):
    monkeypatch.setenv("CORDON_LANGUAGE", code)
    result = runner.invoke(args=["content", "check", str(BROKEN / "sc-many-errors.yaml")])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if "sc-many-errors.yaml:" in line]
    assert lines and all(line.split(":")[1].strip().isdigit() or line.split(":")[1].strip() == "" for line in lines)
    english = translation(code, "ok: %(count)s scenario(s), %(count2)s checklist(s)%(warned)s")
    ok = runner.invoke(args=["content", "check", "injects/rdd-urban.yaml", "sop/rad-first-response.yaml"])
    assert ok.exit_code == 0, ok.output
    assert english % {"count": 1, "count2": 1, "warned": ""} in ok.output


def test_an_unshipped_language_leaves_english(runner, monkeypatch):
    monkeypatch.setenv("CORDON_LANGUAGE", "de")
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    ok = runner.invoke(args=["content", "check", "injects/rdd-urban.yaml", "sop/rad-first-response.yaml"])
    assert "ok: 1 scenario(s), 1 checklist(s)" in ok.output
