"""The AAR as a page and as a PDF: one Jinja template (report/aar.html) for both.

The PDF is WeasyPrint printing that same HTML with its print stylesheet; it fetches nothing
(charts are inline SVG, styles are in the page), so a report can never reach the network.
"""
from datetime import datetime
from typing import Any

from babel.dates import format_datetime
from flask import render_template
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..engine.timefmt import format_duration
from ..i18n import current_language, direction, translate
from ..markdown import render_markdown

STATUS_WORDS = {"pending": _l("not yet due"), "open": _l("due"), "overdue": _l("overdue"), "missed": _l("missed"),
                "done": _l("done"), "late": _l("done late"), "waived": _l("waived"), "draft": _l("not started"),
                "running": _l("running"), "paused": _l("paused"), "ended": _l("ended")}
# Long lists are cut on paper; the JSON report has them all.
MAX_TABLE_ROWS = 300


def clock(seconds: float | None) -> str:
    """Exercise seconds as h:mm:ss; a dash when there is no time."""
    return "—" if seconds is None else format_duration(seconds)


def signed(seconds: float | None) -> str:
    """A delay: +0:03:00 late, -0:05:00 early."""
    if seconds is None:
        return "—"
    return ("+" if seconds > 0 else "") + format_duration(seconds)


def percent(score: float | None) -> str:
    return gettext("n/a") if score is None else f"{score * 100:.0f} %"


def moment(iso: str | None) -> str:
    """An ISO UTC time as people read it on paper."""
    if not iso:
        return "—"
    return format_datetime(datetime.fromisoformat(iso), "dd MMM y HH:mm", tzinfo="UTC",
                           locale=current_language()) + " UTC"


def markdown(text: str | None) -> Markup:
    """Untrusted Markdown (raw HTML off) as safe HTML."""
    return Markup(render_markdown(text))


def lookup(key, mapping) -> Any:
    """`keys|map('lookup', names)`: each key's entry in a mapping, or the key itself."""
    return mapping.get(key, key)


def css_string(text: str) -> Markup:
    """Text as a CSS string (the page's margin boxes)."""
    return Markup('"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"')


def page_of_pages() -> Markup:
    """"Page 3 of 12" in the page's language, as CSS content with the page counters."""
    marker = gettext("Page %(page)s of %(pages)s", page="\0page\0", pages="\0pages\0")
    parts = []
    for piece in marker.split("\0"):
        parts.append(f"counter({piece})" if piece in ("page", "pages") else css_string(piece) if piece else "")
    return Markup(" ".join(p for p in parts if p))


FILTERS = {"clock": clock, "lookup": lookup, "signed": signed, "percent": percent, "moment": moment, "markdown": markdown,
           "status_word": lambda status: str(STATUS_WORDS.get(status, status)), "css_string": css_string,
           "translate": translate}


def register_filters(app) -> None:
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals["page_of_pages"] = page_of_pages


def render_html(aar: dict[str, Any], *, editable: bool = False, links: dict[str, str] | None = None,
                for_print: bool = False) -> str:
    """The report page; `editable` adds the narrative editors (for the staff web page)."""
    from . import charts  # matplotlib: loaded by the first report, not by every server at start-up

    language = current_language()
    return render_template("report/aar.html", aar=aar, charts=charts.all_charts(aar), editable=editable,
                           links=links or {}, for_print=for_print, max_rows=MAX_TABLE_ROWS,
                           lang=language, text_dir=direction(language))


def render_pdf(aar: dict[str, Any]) -> bytes:
    """The report as an A4 PDF (WeasyPrint, from the same template)."""
    from weasyprint import HTML  # imported here: it takes half a second to load, and only the PDF needs it

    html = render_html(aar, for_print=True)
    return HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()


def _refuse_fetch(url: str, *args, **kwargs):
    # Everything the report shows is in the page; any URL comes from user text. Fetch nothing.
    raise ValueError(f"the report does not load external resources ({url[:60]})")
