"""HTML pages and the health check."""
from flask import Blueprint

from ..extensions import login_manager
from ..services.unit import transactional


class PageBlueprint(Blueprint):
    """Every page runs as one unit of work (services.unit). A page that shows a refused change
    as a message (a form) opens its own `unit_of_work` around the change, so the refusal is
    rolled back before the page is rendered."""

    def add_url_rule(self, rule, endpoint=None, view_func=None, provide_automatic_options=None, **options):
        if view_func is not None:
            view_func = transactional(view_func)
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **options)


bp = PageBlueprint("web", __name__)

# Staff pages send a signed-out visitor to the sign-in page (then back, via ?next=).
login_manager.login_view = "web.login"
login_manager.login_message = "Sign in to see this page."
login_manager.login_message_category = "info"

from . import console, evaluator, library, pwa, replay, report, routes  # noqa: E402,F401
