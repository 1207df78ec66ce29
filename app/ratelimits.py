"""How often joins and sign-ins may be tried (Flask-Limiter, counters in its storage: Redis when
the deployment has one, so every process counts together).

A training room's tablets share one public address, so joins are counted in two ways:
attempts per address, generous enough for a whole class joining at once, and *failed*
attempts (a wrong code: someone guessing), tight per address and capped for all addresses
together. The web form and the API share each counter, and so do `/login` and
`/api/v1/auth/token`. docs/deploy.md has the arithmetic.
"""
import ipaddress
from collections.abc import Callable

from flask import current_app, request
from flask.wrappers import Response

from .extensions import limiter

EVERYONE = "everyone"


def client_network() -> str:
    """The address limits are counted against: the client's IPv4 address, or its IPv6 /64 (one
    household or site gets a whole /64, so single IPv6 addresses cost an attacker nothing)."""
    address = request.remote_addr or ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def failed(response: Response) -> bool:
    """A refused attempt (wrong code or password, invalid form); not the 429 of a limit itself."""
    return response.status_code >= 400 and response.status_code != 429


def _setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


_join_attempts = limiter.shared_limit(_setting("CORDON_JOIN_RATE_LIMIT"), scope="join", key_func=client_network,
                                      methods=["POST"])
_join_failures = limiter.shared_limit(_setting("CORDON_JOIN_FAILURE_LIMIT"), scope="join-failed",
                                      key_func=client_network, methods=["POST"], deduct_when=failed)
_join_failures_everywhere = limiter.shared_limit(_setting("CORDON_JOIN_GLOBAL_FAILURE_LIMIT"),
                                                 scope="join-failed-everywhere", key_func=lambda: EVERYONE,
                                                 methods=["POST"], deduct_when=failed)
_login_failures = limiter.shared_limit(_setting("CORDON_LOGIN_RATE_LIMIT"), scope="login", key_func=client_network,
                                       methods=["POST"], deduct_when=failed)


def join_limited(view):
    """For the routes that exchange a join code for a participant token (page and API)."""
    return _join_attempts(_join_failures(_join_failures_everywhere(view)))


def login_limited(view):
    """For the routes that check a staff password (page and API)."""
    return _login_failures(view)
