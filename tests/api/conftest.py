"""The drill of tests/api/drill.py, built once per module and restored before each test.

Authorization and bad-input tests run hundreds of small cases against the same arrangement;
restoring a database copy (SQLite's backup API) takes milliseconds where building the drill
takes half a second.
"""
import shutil
import sqlite3

import pytest

from app import create_app
from app.extensions import db

from ..conftest import TEST_SETTINGS
from ..helpers import FIXTURE_LIBRARY, FakeClock
from .drill import DrillRunner, build_drill


@pytest.fixture(scope="module")
def drill_runner(tmp_path_factory):
    folder = tmp_path_factory.mktemp("drill")
    path = folder / "cordon.db"
    library = folder / "library"  # a copy: the drill uploads site plans into its scenario folder
    shutil.copytree(FIXTURE_LIBRARY, library)
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                      "CORDON_CONTENT_ROOT": str(library)})
    clock = FakeClock()
    app.config["CORDON_WALL_CLOCK"] = clock
    snapshots = {}

    def snapshot(state):
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        raw = db.engine.raw_connection()
        try:
            raw.driver_connection.backup(copy)
        finally:
            raw.close()
        snapshots[state] = (copy, clock.now)

    with app.app_context():
        db.create_all()
        drill = build_drill(app, clock, snapshot=snapshot)
        db.session.remove()
    runner = DrillRunner(app=app, clock=clock, drill=drill, snapshots=snapshots)
    yield runner
    with app.app_context():
        db.engine.dispose()
    for copy, _ in snapshots.values():
        copy.close()


@pytest.fixture
def drill(drill_runner):
    """The running drill (at 250 s), fresh for this test; `drill.restore("draft"|"paused")` for others."""
    with drill_runner.app.app_context():  # a fresh app context: no `g` or session left from earlier tests
        drill_runner.restore("running")
        yield drill_runner
        drill_runner.close_sockets()
        db.session.remove()
