"""What every response carries and where requests come from: trusted proxies and security headers.

- Behind `CORDON_TRUSTED_PROXIES` reverse proxies, Werkzeug's ProxyFix takes the client's address
  and scheme from the last that many `X-Forwarded-For`/`X-Forwarded-Proto` entries (those the
  proxies wrote); with 0, the default, the headers are ignored, so a client cannot pick the
  address its rate limits are counted against.
- Every response has a Content-Security-Policy: scripts, styles, images and connections only
  from this origin (Socket.IO's ws/wss included), no inline script, no framing. A page that needs
  an inline <style> (the AAR, which is also printed to PDF without fetching anything) marks it
  with `nonce="{{ csp_nonce() }}"`.
"""
import base64
import hashlib
import secrets

from flask import Flask, Response, has_request_context, request
from werkzeug.middleware.proxy_fix import ProxyFix

# matplotlib writes this <style> into every SVG chart the AAR shows inline.
MATPLOTLIB_SVG_STYLE = "*{stroke-linejoin: round; stroke-linecap: butt}"
NONCE_KEY = "cordon.csp_nonce"


def style_hash(css: str) -> str:
    """A CSP source allowing exactly one inline <style> element's text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"


def csp_nonce() -> str:
    """This response's nonce for an inline <style> (made on first use). Outside a request (a PDF
    printed by a command) there is no policy to match, and any value will do."""
    if not has_request_context():
        return secrets.token_urlsafe(16)
    environ = request.environ
    if NONCE_KEY not in environ:
        environ[NONCE_KEY] = secrets.token_urlsafe(16)
    return environ[NONCE_KEY]


def content_security_policy(nonce: str | None) -> str:
    styles = ["'self'", style_hash(MATPLOTLIB_SVG_STYLE)] + ([f"'nonce-{nonce}'"] if nonce else [])
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src " + " ".join(styles),
        "img-src 'self' data: blob:",  # blob: a tablet's site plan, fetched with its token
        "connect-src 'self'",  # same-origin ws:/wss: included (CSP Level 3)
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def security_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(request.environ.get(NONCE_KEY))
    headers["X-Frame-Options"] = "DENY"  # frame-ancestors for browsers without CSP 2
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    return response


def init_security(app: Flask) -> None:
    """Install ProxyFix (outermost, so Socket.IO requests see the client's address too) and the headers."""
    proxies = app.config["CORDON_TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    app.after_request(security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
