"""The interface's catalogues (docs/translating.md).

    python scripts/i18n.py extract    # every translatable string -> translations/messages.pot
    python scripts/i18n.py update     # merge the template into each language's messages.po
    python scripts/i18n.py compile    # .po -> .mo (the server) and static/i18n/<lang>.json (the pages)
    python scripts/i18n.py coverage   # how much of each language is translated
    python scripts/i18n.py init xx    # start a new language

`make translations` runs extract, update and compile.
"""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.i18n import LANGUAGES, TRANSLATIONS, read_catalogue, write_browser_catalogues  # noqa: E402

POT = TRANSLATIONS / "messages.pot"
# The server: gettext, ngettext, _ (the defaults), _l (lazy_gettext: forms, tables built at import)
# and N_ (words kept in data, translated where they are shown). The pages: t and tn.
SERVER = ("babel.cfg", ["-k", "_l", "-k", "N_"])
PAGES = ("babel-js.cfg", ["--no-default-keywords", "-k", "t", "-k", "tn:1,2"])
HEADER = "Cordon: the interface in the languages of the training centres"


def pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def extract_to(target: Path) -> None:
    """Every translatable string of the server and of the pages, in one template at `target`."""
    parts = []
    for n, (config, keywords) in enumerate((SERVER, PAGES)):
        part = target.with_suffix(f".{n}.pot")
        pybabel("extract", "-F", config, *keywords, "--no-wrap", "--sort-by-file", "--omit-header",
                "--project", "Cordon", "-o", str(part), ".")
        parts.append(part)
    with parts[0].open("rb") as handle:
        merged = read_po(handle)
    with parts[1].open("rb") as handle:
        for message in read_po(handle):
            if not message.id:
                continue
            found = merged.get(message.id)
            if found is None:
                merged[message.id] = message
            else:
                found.locations = sorted(set(found.locations) | set(message.locations))
    with target.open("wb") as handle:
        write_po(handle, merged, width=0, sort_by_file=True, omit_header=True)
    for part in parts:
        part.unlink()


def extract() -> None:
    extract_to(POT)


def update() -> None:
    for code in LANGUAGES:
        if code == "en":
            continue
        pybabel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", code, "--no-wrap", "--ignore-obsolete",
                "--no-fuzzy-matching")
    read_catalogue.cache_clear()


def compile_all() -> None:
    pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")
    read_catalogue.cache_clear()
    for path in write_browser_catalogues():
        print(f"wrote {path.relative_to(ROOT)}")


def coverage() -> int:
    missing_any = 0
    for code in LANGUAGES:
        if code == "en":
            continue
        catalogue = read_catalogue(code)
        messages = [m for m in catalogue if m.id]
        untranslated = [m for m in messages if not (all(m.string) if m.pluralizable else m.string)]
        fuzzy = [m for m in messages if m.fuzzy]
        print(f"{code}: {len(messages) - len(untranslated)}/{len(messages)} translated, {len(fuzzy)} fuzzy")
        missing_any += len(untranslated) + len(fuzzy)
    return 1 if missing_any else 0


def init(code: str) -> None:
    pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", code, "--no-wrap")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "extract":
        extract()
    elif command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "coverage":
        sys.exit(coverage())
    elif command == "init" and len(sys.argv) == 3:
        init(sys.argv[2])
    elif command == "all":
        extract()
        update()
        compile_all()
    else:
        print(__doc__)
        sys.exit(2)
