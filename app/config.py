"""Settings from the environment (CORDON_*), with defaults for the embedded one-process setup."""
import os
import secrets
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("CORDON_INSTANCE_DIR", REPO_ROOT / "instance"))


def _secret_key() -> str:
    """CORDON_SECRET_KEY, else a key generated once and kept in instance/secret_key."""
    given = os.environ.get("CORDON_SECRET_KEY")
    if given:
        return given
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _count(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ValueError(f"{name} must be a whole number (0 or more), not {value!r}")
    return int(value)


class Config:
    """Production-like defaults: SQLite in instance/, eventlet, one process."""

    SECRET_KEY = None  # filled in by from_env so importing this module writes nothing
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    CORDON_ASYNC_MODE = "eventlet"
    CORDON_MESSAGE_QUEUE = None
    CORDON_HOST = "127.0.0.1"
    CORDON_PORT = 5000
    CORDON_CONTENT_ROOT = str(REPO_ROOT)
    # The scheduler releases due injects; tests that drive the clock by hand turn it off.
    CORDON_SCHEDULER = True
    CORDON_SCHEDULER_MAX_SLEEP_S = 1.0
    # A deployment's name for its release; part of the tablet's service worker version, so a new
    # release is offered to tablets even when no file of the tablet's shell changed.
    CORDON_RELEASE = ""
    # Heavy work runs off the event loop within these limits (docs/architecture.md): a report (JSON,
    # page, PDF) and parsing an uploaded MSEL; past them the caller gets a 503 `too_slow`.
    CORDON_REPORT_LIMIT_S = 120.0
    CORDON_IMPORT_LIMIT_S = 30.0
    # How long a write waits, in cooperative pauses, for SQLite's lock before a 503 `busy`.
    CORDON_LOCK_WAIT_S = 10.0
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Limits (docs/deploy.md has the arithmetic). Addresses are IPv4 addresses or IPv6 /64s; the
    # page and the API count together. Joins: attempts per address (a venue's tablets share one),
    # failed attempts per address and failed attempts from everywhere (guessing a code).
    CORDON_JOIN_RATE_LIMIT = "600 per minute"
    CORDON_JOIN_FAILURE_LIMIT = "30 per minute; 300 per hour"
    CORDON_JOIN_GLOBAL_FAILURE_LIMIT = "2000 per hour"
    # Failed sign-ins (wrong username or password) per address.
    CORDON_LOGIN_RATE_LIMIT = "10 per minute"
    # Reverse proxies in front of the app that set X-Forwarded-For/-Proto; 0: none, the headers are ignored.
    CORDON_TRUSTED_PROXIES = 0
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024  # the largest MSEL workbook a person uploads
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    API_TITLE = "Cordon"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    TESTING = False

    @classmethod
    def from_env(cls) -> dict:
        """The settings as a dict, with CORDON_* environment variables applied."""
        settings = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
        settings["SECRET_KEY"] = _secret_key()
        settings["SQLALCHEMY_DATABASE_URI"] = os.environ.get(
            "CORDON_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'cordon.db'}"
        )
        settings["CORDON_ASYNC_MODE"] = os.environ.get("CORDON_ASYNC_MODE", cls.CORDON_ASYNC_MODE)
        settings["CORDON_MESSAGE_QUEUE"] = os.environ.get("CORDON_MESSAGE_QUEUE") or None
        settings["CORDON_HOST"] = os.environ.get("CORDON_HOST", cls.CORDON_HOST)
        settings["CORDON_PORT"] = int(os.environ.get("CORDON_PORT", cls.CORDON_PORT))
        settings["CORDON_CONTENT_ROOT"] = os.environ.get("CORDON_CONTENT_ROOT", cls.CORDON_CONTENT_ROOT)
        settings["CORDON_SCHEDULER"] = _flag("CORDON_SCHEDULER", cls.CORDON_SCHEDULER)
        settings["CORDON_RELEASE"] = os.environ.get("CORDON_RELEASE", cls.CORDON_RELEASE)
        for name in ("CORDON_JOIN_RATE_LIMIT", "CORDON_JOIN_FAILURE_LIMIT", "CORDON_JOIN_GLOBAL_FAILURE_LIMIT",
                     "CORDON_LOGIN_RATE_LIMIT"):  # e.g. "20 per minute", or "30 per minute; 300 per hour"
            settings[name] = os.environ.get(name) or getattr(cls, name)
        settings["CORDON_TRUSTED_PROXIES"] = _count("CORDON_TRUSTED_PROXIES", cls.CORDON_TRUSTED_PROXIES)
        for name in ("CORDON_SCHEDULER_MAX_SLEEP_S", "CORDON_REPORT_LIMIT_S", "CORDON_IMPORT_LIMIT_S",
                     "CORDON_LOCK_WAIT_S"):
            settings[name] = float(os.environ.get(name, getattr(cls, name)))
        # Rate-limit counters are shared through Redis when the deployment has one.
        settings["RATELIMIT_STORAGE_URI"] = os.environ.get(
            "CORDON_RATELIMIT_STORAGE", settings["CORDON_MESSAGE_QUEUE"] or cls.RATELIMIT_STORAGE_URI
        )
        return settings
