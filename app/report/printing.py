"""Laying out the PDF report in a process of its own: `python -m app.report.printing`.

Building the report from a long log, drawing its charts and WeasyPrint's layout hold the CPU for
seconds (about 20 s for 100,000 events), and in the server's process they would also hold Python's
GIL against the event loop that serves every tablet. So a server prints the PDF in a separate
process (`services/printing.print_report`, through `app/offload.off_process`): it is given the
exercise id and the settings to reach the same database as JSON on its input, builds the report
and writes the PDF on its output. `pdf_from_data` needs nothing of the server: a small Flask app
that knows the report's template and filters.
"""
import json
import sys
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import Babel, force_locale

from ..i18n import DEFAULT, TRANSLATIONS
from ..security import csp_nonce
from .render import register_filters, render_pdf

_APP: Flask | None = None


def _printer() -> Flask:
    global _APP
    if _APP is None:
        _APP = Flask("cordon.printing", template_folder=str(Path(__file__).resolve().parent.parent / "templates"),
                     static_folder=None)
        register_filters(_APP)
        _APP.jinja_env.globals["csp_nonce"] = csp_nonce
        Babel(_APP, default_translation_directories=str(TRANSLATIONS), default_locale=DEFAULT)
    return _APP


def pdf_from_data(aar: dict[str, Any], language: str = DEFAULT) -> bytes:
    """The report's PDF from its data, in `language` (app/i18n.py)."""
    with _printer().app_context(), force_locale(language):
        return render_pdf(aar)


if __name__ == "__main__":  # the worker process: {"exercise_id", "config", "language"} in, the PDF out
    import os

    os.nice(10)  # the server's event loop comes first when they share a core
    from app import create_app
    from app.services.report import build_report

    job = json.loads(sys.stdin.buffer.read())
    language = job.get("language") or DEFAULT
    with create_app(job["config"]).app_context(), force_locale(language):
        report = build_report(job["exercise_id"])
    sys.stdout.buffer.write(pdf_from_data(report, language))
