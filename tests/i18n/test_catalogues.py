"""Every translatable string is in every shipped catalogue, translated, not fuzzy, with the same
placeholders; the compiled files the server and the pages read are those of the .po files
(docs/translating.md)."""
import importlib.util
import json
import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from app.i18n import CATALOGUES, LANGUAGES, TRANSLATIONS, browser_catalogue

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [code for code in LANGUAGES if code != "en"]
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdfr]|\{(\w+)\}")


def _script():
    spec = importlib.util.spec_from_file_location("cordon_i18n_script", ROOT / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The strings as extracted from the code now (scripts/i18n.py, babel.cfg and babel-js.cfg)."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    _script().extract_to(pot)
    with pot.open("rb") as handle:
        return read_po(handle)


def _po(code):
    with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=code)


def _strings(message):
    return list(message.string) if message.pluralizable else [message.string]


def _ids(message):
    return list(message.id) if message.pluralizable else [message.id]


@pytest.mark.parametrize("code", SHIPPED)
def test_every_extracted_string_is_translated_and_none_is_fuzzy(extracted, code):
    catalogue = _po(code)
    missing = [m.id for m in extracted if m.id and (catalogue.get(m.id) is None)]
    assert not missing, f"{code}: {len(missing)} strings missing from the catalogue (run `make translations`): {missing[:10]}"
    untranslated = [m.id for m in catalogue if m.id and not all(_strings(m))]
    assert not untranslated, f"{code}: {len(untranslated)} untranslated, e.g. {untranslated[:10]}"
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert not fuzzy, f"{code}: fuzzy entries {fuzzy[:10]}"


@pytest.mark.parametrize("code", SHIPPED)
def test_translations_keep_the_placeholders(code):
    for message in _po(code):
        if not message.id:
            continue
        wanted = {a or b for a, b in _PLACEHOLDER.findall(" ".join(_ids(message)))}
        for text in _strings(message):
            found = {a or b for a, b in _PLACEHOLDER.findall(text)}
            # a plural form may leave out the count (Arabic's "one" and "two" say it in words)
            assert found <= wanted and (wanted - found) <= {"num", "n"}, (code, message.id, text)


@pytest.mark.parametrize("code", SHIPPED)
def test_the_headers_name_the_glossary_and_the_plural_rules(code):
    catalogue = _po(code)
    assert "Glossary:" in (catalogue.header_comment or ""), f"{code}: say in the header which glossary was used"
    assert catalogue.num_plurals >= 1 and catalogue.plural_expr


@pytest.mark.parametrize("code", SHIPPED)
def test_the_compiled_catalogues_are_those_of_the_po_files(code):
    with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in read_mo(handle) if m.id}
    for message in _po(code):
        if message.id and not message.fuzzy:
            key = message.id[0] if message.pluralizable else message.id
            expected = tuple(message.string) if message.pluralizable else message.string
            got = compiled.get(key)
            assert (tuple(got) if isinstance(got, (list, tuple)) else got) == expected, \
                f"{code}: messages.mo is stale (run `make translations`): {key!r}"
    page_catalogue = json.loads((CATALOGUES / f"{code}.json").read_text(encoding="utf-8"))
    assert page_catalogue == json.loads(json.dumps(browser_catalogue(code))), \
        f"static/i18n/{code}.json is stale (run `make translations`)"
