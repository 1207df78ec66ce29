"""Cordon: real-time tabletop exercises for nuclear and radiological emergency response."""
import logging
import warnings
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .config import INSTANCE_DIR, REPO_ROOT, Config
from .extensions import csrf, db, limiter, login_manager, migrate, socketio
from .models.types import render_migration_item


# eventlet announces its bugfix-only status on import; DESIGN.md section 9 records that choice.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app; `config` overrides the environment's settings."""
    app = Flask(__name__, instance_path=str(INSTANCE_DIR), static_folder="../static",
                template_folder="templates")
    app.config.from_mapping(Config.from_env())
    if config:
        app.config.from_mapping(config)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"), render_as_batch=True,
                     compare_type=True, render_item=render_migration_item)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    # Before init_app: Flask-SocketIO keeps handlers for later apps only while it has no server yet
    # (handlers decorated after the first init_app are bound to that first app's server alone).
    from . import realtime  # noqa: F401  (Socket.IO handlers)

    socketio.init_app(
        app,
        async_mode=app.config["CORDON_ASYNC_MODE"],
        message_queue=app.config["CORDON_MESSAGE_QUEUE"],
        # Same origin only: the default refuses cross-origin browsers.
        cors_allowed_origins=None,
        logger=False,
        engineio_logger=False,
    )

    from .security import init_security

    init_security(app)  # after Socket.IO wrapped wsgi_app: ProxyFix must be the outermost layer

    from .i18n import init_i18n

    init_i18n(app)

    from . import models  # noqa: F401  (register the tables with the metadata)
    from .api import init_api
    from .web import bp as web_bp

    init_api(app)
    app.register_blueprint(web_bp)

    from .static_files import init_static_files

    init_static_files(app)

    from .cli import register_cli

    register_cli(app)
    logging.getLogger(__name__).debug("Cordon app created")
    return app


def database_url(url: str) -> str:
    """PostgreSQL through psycopg2, which cooperates with eventlet (psycopg 3 blocks its hub)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


SQLITE_BUSY_MS = 50


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: WAL so readers do not block the writer, foreign keys on, and a short wait when another
    writer holds the lock: the wait blocks the eventlet hub, so it is kept to a few tens of
    milliseconds and the unit of work tries again after a cooperative pause (services/unit.py)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cursor.close()
