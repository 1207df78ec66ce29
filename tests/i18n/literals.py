"""A simple scan for words a person would read that do not go through the catalogue: text in
templates outside `_()`, and string literals in the JavaScript modules outside `t()`/`tn()` that
look like English (several words, or a capitalised word). Code values (selectors, classes, event
names, keys, URLs, units) do not look like that; the few that do are in ALLOWED."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_JS_LITERAL = re.compile(r'''"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|`((?:[^`\\]|\\.)*)`''')
_CODE_CONTEXT = re.compile(
    r"(?<![\w$])(import|from|querySelector(All)?|getElementById|addEventListener|removeEventListener|emit|on|call|"
    r"classList\.\w+|closest|matches|getAttribute|setAttribute\(\s*\"[\w-]+\"\s*,|t|tn|t\([^()]*,|tn\([^()]*,|"
    r"new Error|console\.\w+|fetch|api|apiGet|apiPost|apiPatch|apiDelete|request|startsWith|endsWith|includes|"
    r"replace|split|join|indexOf|has|get|set|delete|dataset\.\w+\s*===?|===|!==|==|!=|case|type:|kind:|"
    r"key:|class:|id:|role:|href:|name:|value:|for:|mode:|shape:|status:)\s*\(?\s*$")


def without_interpolations(text: str) -> str:
    """A template literal's text with its ${...} parts (nested braces and all) taken out."""
    out, depth, i = [], 0, 0
    while i < len(text):
        if depth == 0 and text.startswith("${", i):
            depth, i = 1, i + 2
            out.append(" ")
            continue
        if depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
        else:
            out.append(text[i])
        i += 1
    return "".join(out)


def _looks_english(text: str) -> bool:
    s = without_interpolations(text).strip()
    if re.fullmatch(r"[a-z]+[A-Z][A-Za-z]*", s):
        return False  # an identifier ("serviceWorker" in navigator)
    if not re.search(r"[A-Za-z]{2,}", s):
        return False
    if re.match(r"^[#.\[/:]|^https?:|^[a-z0-9_.:\-/]+$|^[a-z][a-z0-9-]*(\s+[a-z][a-z0-9-]*)*$", s):
        return False  # selectors, keys, paths, class lists
    if re.match(r"^(application|text|image)/", s) or re.match(r"^(Bearer|Accept|Content-Type)\b", s):
        return False
    return bool(re.search(r"[A-Z][a-z]|[a-z]{2,}\s+[a-z]{2,}|[a-z][.!?…:]$", s))


def js_findings(path: Path) -> list[tuple[int, str]]:
    """Literals that look like English, outside t()/tn() and the code contexts. A statement after a
    comment saying "(not translated" (values the content stores, such as nuclide names) is skipped."""
    found = []
    previous, skipping = "", False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith(("//", "*", "/*")):
            skipping = skipping or "(not translated" in stripped
            continue
        if skipping:
            skipping = not stripped.endswith(";")
            continue
        code = line.split(" // ")[0]
        for match in _JS_LITERAL.finditer(code):
            text = next(g for g in match.groups() if g is not None)
            before = code[:match.start()]
            if not before.strip():
                before = previous + " "  # a call's argument continued from the line before
            before = _JS_LITERAL.sub('""', before)  # earlier literals' text is not context
            if _CODE_CONTEXT.search(before):
                continue
            if _looks_english(text):
                found.append((number, text))
        previous = code.rstrip()
    return found


def template_findings(path: Path) -> list[tuple[int, str]]:
    source = path.read_text(encoding="utf-8")
    keep_lines = lambda m: "\n" * m.group(0).count("\n") if "\n" in m.group(0) else " " * len(m.group(0))  # noqa: E731
    text = re.sub(r"\{#.*?#\}", keep_lines, source, flags=re.S)
    text = re.sub(r"\{% block body_class %\}.*?\{% endblock %\}", keep_lines, text)  # class names
    text = re.sub(r"<(style|script)\b.*?</\1>", keep_lines, text, flags=re.S)
    text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", keep_lines, text, flags=re.S)
    text = re.sub(r"<[^>]*>", keep_lines, text, flags=re.S)
    found = []
    for number, line in enumerate(text.split("\n"), 1):
        words = re.findall(r"[A-Za-z][A-Za-z'’-]+", line)
        # a lone lower-case word between tags is a class or a value ({% block body_class %}tablet)
        if len(words) > 1 or any(re.search(r"[A-Z][a-z]", w) for w in words):
            found.append((number, line.strip()))
    # words written as string literals inside {{ }} and {% %} ("... or 'No step applies'")
    literal = re.compile(r"""(["'])((?:(?!\1)[^\n])*)\1""")
    for expression in re.finditer(r"\{\{.*?\}\}|\{%.*?%\}", source, re.S):
        code = expression.group(0)
        for match in literal.finditer(code):
            text = match.group(2)
            if (not re.search(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}", text) or re.fullmatch(r"[a-z0-9_\- ]+", text)
                    or text.lstrip().startswith("<")):
                continue  # no words, a class list, or markup passed to a message
            before = literal.sub('""', code[:match.start()])
            if re.search(r"(_|ngettext|gettext)\((\s*\"\"\s*,)*\s*$", before):
                continue
            found.append((source[:expression.start()].count("\n") + 1, text))
    for match in re.finditer(r'\b(placeholder|aria-label|title|alt|value)="([^"{]*[A-Za-z]{2,}[^"{]*)"', source):
        if match.group(1) == "value" and not re.search(r"\s|[A-Z]", match.group(2)):
            continue
        if not re.search(r"[a-z]{2,}", match.group(2)):
            continue  # a pattern or a code ("XXXX-XXXX")
        found.append((source[:match.start()].count("\n") + 1, f'{match.group(1)}="{match.group(2)}"'))
    return found
