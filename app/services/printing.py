"""The PDF report, printed off the server's process when a server runs (app/report/printing.py)."""
import json

from flask import current_app

from ..i18n import current_language
from ..offload import off_process, on_hub
from ..report.printing import pdf_from_data
from .audit_keys import keys_dir
from .report import build_report

# What the printing process needs to reach the same database and verify the same log.
SETTINGS = ("SQLALCHEMY_DATABASE_URI", "CORDON_CONTENT_ROOT", "CORDON_AUDIT_KEY", "SECRET_KEY")


def print_report(exercise_id: int, *, limit_s: float) -> bytes:
    """The exercise's report as a PDF: in a process of its own under the server (killed past
    `limit_s`: TooSlow), here in a test or a command."""
    language = current_language()
    if not on_hub():
        return pdf_from_data(build_report(exercise_id), language)
    config = {name: current_app.config.get(name) for name in SETTINGS if isinstance(current_app.config.get(name), str)}
    config |= {"CORDON_AUDIT_KEYS_DIR": str(keys_dir()), "CORDON_SCHEDULER": False, "CORDON_ASYNC_MODE": "threading"}
    job = json.dumps({"exercise_id": exercise_id, "config": config, "language": language}).encode()
    return off_process("app.report.printing", job, limit_s=limit_s, what="printing the PDF report")
