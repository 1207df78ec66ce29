"""Shared fixtures: an app on a fresh SQLite file, its client and CLI runner, and database URLs."""
import atexit
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app, database_url
from app.extensions import db

from .helpers import FIXTURE_LIBRARY, FakeClock, audit_key_pem

REPO_ROOT = Path(__file__).resolve().parent.parent
# Commands and work outside a request speak the shell's language (app/i18n.py): the suite's
# expectations are English whatever the machine's LANG, in this process and the servers it starts.
os.environ["CORDON_LANGUAGE"] = "en"
# One audit key for the whole run, made now and never written to the repository; processes that
# tests spawn inherit it through the environment. Each app keeps its public half in its own folder
# (the `app` fixture) or in this run's temporary folder.
if "CORDON_TEST_AUDIT_KEY" not in os.environ:
    os.environ["CORDON_TEST_AUDIT_KEY"] = audit_key_pem()
    os.environ["CORDON_TEST_AUDIT_KEYS_DIR"] = tempfile.mkdtemp(prefix="cordon-test-audit-keys-")
    atexit.register(shutil.rmtree, os.environ["CORDON_TEST_AUDIT_KEYS_DIR"], ignore_errors=True)
TEST_AUDIT_KEY = os.environ["CORDON_TEST_AUDIT_KEY"]
TEST_AUDIT_KEYS_DIR = os.environ["CORDON_TEST_AUDIT_KEYS_DIR"]

TEST_SETTINGS = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "CORDON_ASYNC_MODE": "threading",
    "CORDON_SCHEDULER": False,
    "CORDON_CONTENT_ROOT": str(REPO_ROOT),
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "CORDON_AUDIT_KEY": TEST_AUDIT_KEY,
    "CORDON_AUDIT_KEYS_DIR": TEST_AUDIT_KEYS_DIR,
}


@pytest.fixture
def app(tmp_path):
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'cordon.db'}",
                      "CORDON_AUDIT_KEYS_DIR": str(tmp_path / "audit_keys")})
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def clock(app):
    """Services read wall time from this clock; advance it to move the exercise."""
    fake = FakeClock()
    app.config["CORDON_WALL_CLOCK"] = fake
    return fake


@pytest.fixture
def library_app(app, tmp_path):
    """The app reading the small fixture library (tests/fixtures/library) instead of the shipped one:
    a copy, since the scenario editor stores uploaded site plans beside the scenarios."""
    library = tmp_path / "fixture-library"
    shutil.copytree(FIXTURE_LIBRARY, library)
    app.config["CORDON_CONTENT_ROOT"] = str(library)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def postgres_url():
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    base = os.environ.get("CORDON_TEST_DATABASE_URL")
    if not base:
        pytest.skip("PostgreSQL tests need CORDON_TEST_DATABASE_URL, e.g. "
                    "postgresql://postgres@127.0.0.1:5432/test (.ci/run sets it)")
    admin_url = make_url(database_url(base))
    name = f"cordon_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"), {"name": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture
def redis_url():
    url = os.environ.get("CORDON_TEST_REDIS_URL")
    if not url:
        pytest.skip("Redis tests need CORDON_TEST_REDIS_URL, e.g. redis://127.0.0.1:6379/0 (.ci/run sets it)")
    return url


# Markers by folder, so that `pytest -m browser` and `-m "not slow"` select whole folders
# (a `pytestmark` in a conftest.py marks nothing). `make test-fast` leaves out both.
FOLDER_MARKERS = {
    "browser": ("browser", "slow"),  # Chromium against a server in a subprocess
    "js": ("browser",),              # page modules run in Chromium, no server
    "realtime": ("slow",),           # Socket.IO servers in subprocesses, several processes
    "scale": ("slow",),              # clusters of server processes
}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    tests = Path(__file__).parent
    for item in items:
        try:
            folder = item.path.relative_to(tests).parts[0]
        except ValueError:
            continue
        for name in FOLDER_MARKERS.get(folder, ()):
            item.add_marker(name)
