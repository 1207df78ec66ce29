"""The interface in the languages of the training centres (docs/translating.md).

One gettext catalogue per language in `translations/<lang>/LC_MESSAGES/messages.po`, extracted from
the Python code, the templates and the JavaScript modules (`babel.cfg`). The server translates
with Flask-Babel; the pages' JavaScript takes its words from `static/i18n/<lang>.json`, generated
from the same `.po` files (`python -m scripts.i18n compile`) and loaded by `static/js/i18n.js`.

Which language a request is answered in, first that applies:
1. `?lang=xx` on the URL (a report in any shipped language, a page linked in one);
2. the `cordon_lang` cookie: the choice made on the join page, on a tablet, or in the top bar;
3. a signed-in staff user's preference (saved when they choose in the top bar);
4. the browser's `Accept-Language`;
5. English.
A command (`flask content check`...) speaks the language of `CORDON_LANGUAGE`, else of `LANG`.
A tablet without a choice of its own takes its exercise's language, set on the join page from the
team's exercise. The event log never holds a translated word: events store codes and data, and
each page words them in its own language.
"""
import json
import os
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.messages.pofile import read_po
from flask import Flask, g, has_request_context, request
from flask_babel import Babel, get_locale, gettext
from flask_babel import lazy_gettext as _l

from .config import REPO_ROOT
from .vocabulary import N_

LANGUAGES = ("en", "fr", "es", "ru", "ar")
DEFAULT = "en"
RTL = frozenset({"ar"})
COOKIE = "cordon_lang"
TRANSLATIONS = REPO_ROOT / "translations"
CATALOGUES = REPO_ROOT / "static" / "i18n"
# CLDR's plural categories in the order gettext numbers the forms (Babel writes them so).
PLURAL_ORDER = ("zero", "one", "two", "few", "many", "other")

babel = Babel()

# marshmallow's fixed messages, as a 422 gives them in `fields` and `message` (translated there).
VALIDATION_MESSAGES = (
    N_("Missing data for required field."), N_("Unknown field."), N_("Field may not be null."),
    N_("Not a valid string."), N_("Not a valid integer."), N_("Not a valid number."), N_("Not a valid boolean."),
    N_("Not a valid list."), N_("Not a valid mapping type."), N_("Not a valid datetime."), N_("Invalid input type."),
    N_("Invalid value."), N_("Invalid input."), N_("Shorter than minimum length 1."), N_("String does not match expected pattern."),
    N_("Must be one of: en, fr, es, ru, ar."),
)

ROLE_NAMES = {"admin": _l("Admin"), "controller": _l("Controller"), "evaluator": _l("Evaluator")}


def role_name(role: str) -> str:
    return str(ROLE_NAMES.get(role, role))


def language_name(code: str) -> str:
    """A language's name in itself: the choice a reader recognizes whatever the page's language."""
    return Locale.parse(code).get_display_name(code).capitalize() if code != "en" else "English"


def supported(code: str | None) -> str | None:
    """`code` (or its language part: `fr-CA` → `fr`) when shipped, else None."""
    if not code:
        return None
    code = code.strip().replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGES else None


def select_locale() -> str:
    if not has_request_context():
        # a command (flask content check, flask demo): the shell's language, else English
        return supported(os.environ.get("CORDON_LANGUAGE") or os.environ.get("LC_ALL") or os.environ.get("LANG")) or DEFAULT
    chosen = supported(request.args.get("lang")) or supported(request.cookies.get(COOKIE))
    if chosen:
        return chosen
    from flask_login import current_user  # the login manager is bound per app

    preference = getattr(current_user, "language", None) if current_user and current_user.is_authenticated else None
    return supported(preference) or request.accept_languages.best_match(LANGUAGES) or DEFAULT


def current_language() -> str:
    return str(get_locale() or DEFAULT) if has_request_context() else DEFAULT


def direction(code: str) -> str:
    return "rtl" if code in RTL else "ltr"


def plural_tags(code: str) -> list[str]:
    """The CLDR categories of `code` in gettext's order of plural forms (what `static/js/i18n.js`
    maps `Intl.PluralRules` to)."""
    tags = Locale.parse(code).plural_form.tags
    return [tag for tag in PLURAL_ORDER if tag in tags or tag == "other"]


def translate(text):
    """A word marked N_ where it was defined (app/vocabulary.py), in the current language."""
    return gettext(text) if isinstance(text, str) and text else text


def is_browser_message(locations) -> bool:
    return any(str(path).startswith("static/js/") for path, _ in locations)


@lru_cache(maxsize=8)
def read_catalogue(code: str):
    with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=code)


def browser_catalogue(code: str) -> dict:
    """What `static/i18n/<code>.json` holds: the translations of the JavaScript modules' messages."""
    messages = {}
    if code != DEFAULT:
        for message in read_catalogue(code):
            if not message.id or not is_browser_message(message.locations) or message.fuzzy:
                continue
            if message.pluralizable:
                forms = list(message.string)
                if all(forms):
                    messages[message.id[0]] = forms
            elif message.string:
                messages[message.id] = message.string
    return {"language": code, "dir": direction(code), "plural_tags": plural_tags(code),
            "messages": dict(sorted(messages.items()))}


def write_browser_catalogues(folder: Path = CATALOGUES) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for code in LANGUAGES:
        path = folder / f"{code}.json"
        path.write_text(json.dumps(browser_catalogue(code), ensure_ascii=False, indent=0, sort_keys=False) + "\n",
                        encoding="utf-8")
        written.append(path)
    return written


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale)

    @app.before_request
    def _choose_again():
        # Flask-Babel keeps the chosen locale in `g`, which outlives a request where an app
        # context spans several (a test's, a command's): each request chooses afresh.
        g.pop("_flask_babel", None)

    @app.context_processor
    def _language():
        code = current_language()
        return {"lang": code, "text_dir": direction(code),
                "languages": [(c, language_name(c)) for c in LANGUAGES]}

    @app.after_request
    def _vary_on_language(response):
        if response.mimetype == "text/html":
            response.vary.add("Accept-Language")
            response.vary.add("Cookie")
        return response

    app.jinja_env.globals["language_name"] = language_name
    app.jinja_env.globals["role_name"] = role_name
