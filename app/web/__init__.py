"""HTML pages and the health check."""
from flask import Blueprint

from ..extensions import login_manager

bp = Blueprint("web", __name__)

# Staff pages send a signed-out visitor to the sign-in page (then back, via ?next=).
login_manager.login_view = "web.login"
login_manager.login_message = "Sign in to see this page."
login_manager.login_message_category = "info"

from . import console, evaluator, library, report, routes  # noqa: E402,F401
