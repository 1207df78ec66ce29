"""SQLite under concurrent writer *processes* (the embedded setup run with more than one process,
or the CLI writing next to the server): each racer runs scheduler passes, releases every inject by
hand and logs actions through the services at the same time. Nothing is lost, nothing is released
twice, and no "database is locked" reaches a caller (or the log)."""
import multiprocessing

import pytest
from flask_migrate import upgrade

from app import create_app
from app.extensions import db

from ..conftest import TEST_SETTINGS
from ..helpers import FakeClock
from ..realtime.drill_library import write_library
from ..realtime.test_exactly_once import _process_racer, check_log, start_due_drill

pytestmark = pytest.mark.slow

RACERS = 4


def test_processes_writing_one_sqlite_file_lose_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'cordon.db'}"
    content_root = str(write_library(tmp_path / "library"))
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": url, "CORDON_CONTENT_ROOT": content_root})
    clock = FakeClock()
    app.config["CORDON_WALL_CLOCK"] = clock
    with app.app_context():
        upgrade()
        exercise_id, participant_id = start_due_drill(clock)
        db.session.remove()
        db.engine.dispose()
        spawn = multiprocessing.get_context("spawn")
        ready, out = spawn.Barrier(RACERS), spawn.Queue()
        processes = [spawn.Process(target=_process_racer, args=(
            url, content_root, clock.now.isoformat(), n, exercise_id, participant_id, ready, out))
            for n in range(RACERS)]
        for process in processes:
            process.start()
        try:
            reports = [out.get(timeout=120) for _ in processes]
        finally:
            for process in processes:
                process.join(timeout=30)
                if process.is_alive():
                    process.kill()
        # An error raised to a racer, or logged (the scheduler logs and goes on), fails the test.
        assert not [r for r in reports if "error" in r or r["logged_errors"]], reports
        check_log(exercise_id, [r["did"] for r in reports], RACERS)
        db.session.remove()
        db.engine.dispose()
