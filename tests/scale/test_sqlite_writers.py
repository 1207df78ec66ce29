"""SQLite under concurrent writer *processes* (the embedded setup run with more than one process,
or the CLI writing next to the server): each racer runs scheduler passes, releases every inject by
hand and logs actions through the services at the same time, while tablets on a live server (on
the same file, another exercise) log actions over Socket.IO. Nothing is lost, nothing is released
twice, and no "database is locked" reaches a caller (a service, a socket ack, or the log)."""
import multiprocessing
import threading
from collections import Counter

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import Event
from app.services import lifecycle
from app.services.audit import verify_exercise

from ..conftest import TEST_SETTINGS
from ..helpers import FakeClock, gen_exercise, gen_tablet
from ..realtime.drill_library import SCENARIO, TEAMS
from ..realtime.test_exactly_once import _process_racer, check_log, start_due_drill
from .cluster import Tablet, assert_gapless, wait_until

pytestmark = pytest.mark.slow

RACERS = 4
MIN_SOCKET_ACTIONS = 10  # per tablet; they go on until the racers are done


def test_processes_writing_one_sqlite_file_lose_nothing(tmp_path, make_server, library):
    url = f"sqlite:///{tmp_path / 'cordon.db'}"
    content_root = str(library)
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": url, "CORDON_CONTENT_ROOT": content_root})
    with app.app_context():
        upgrade()
        # The socket writers' exercise (same file, its own log), started on the real clock.
        other = gen_exercise(SCENARIO, name="Socket writers")
        other_id, socket_tokens = other.id, [gen_tablet(other, team).token for team in TEAMS]
        lifecycle.start_exercise(other_id, "ctl")
        db.session.commit()
        # The racers' exercise runs on a fake clock, every timed inject due.
        clock = FakeClock()
        app.config["CORDON_WALL_CLOCK"] = clock
        exercise_id, participant_id = start_due_drill(clock)
        db.session.remove()
        db.engine.dispose()
        # No scheduler: the server writes only what its tablets send.
        live = make_server("server", env={"CORDON_DATABASE_URL": url, "CORDON_SCHEDULER": "0"}, start=False)
        server_started = threading.Thread(target=live.start, kwargs={"migrate": False})
        server_started.start()
        spawn = multiprocessing.get_context("spawn")
        ready, out = spawn.Barrier(RACERS + 1), spawn.Queue()  # + 1: this process lets them go
        processes = [spawn.Process(target=_process_racer, args=(
            url, content_root, clock.now.isoformat(), n, exercise_id, participant_id, ready, out))
            for n in range(RACERS)]
        for process in processes:
            process.start()
        server_started.join(timeout=60)
        assert live.process is not None and live.process.poll() is None, "the server did not start"
        tablets = [Tablet(live.url, token, f"socket-{n}").connect() for n, token in enumerate(socket_tokens)]
        racers_done = threading.Event()
        answers: list[list[dict]] = [[] for _ in tablets]

        def write(n: int) -> None:
            while len(answers[n]) < 500 and (len(answers[n]) < MIN_SOCKET_ACTIONS or not racers_done.is_set()):
                answers[n].append(tablets[n].call("log_action", {"client_id": f"socket-{n}-{len(answers[n]):04d}",
                                                                 "text": "over the socket"}))

        writers = [threading.Thread(target=write, args=(n,)) for n in range(len(tablets))]
        for writer in writers:
            writer.start()
        try:
            # The racers go once the socket writers are writing, so all of them write at once.
            wait_until(lambda: all(answers), "every socket tablet wrote")
            ready.wait(timeout=60)
            reports = [out.get(timeout=120) for _ in processes]
        finally:
            racers_done.set()
            for writer in writers:
                writer.join(timeout=60)
            for tablet in tablets:
                tablet.sio.disconnect()
            for process in processes:
                process.join(timeout=30)
                if process.is_alive():
                    process.kill()
        # An error raised to a racer, or logged (the scheduler logs and goes on), fails the test.
        assert not [r for r in reports if "error" in r or r["logged_errors"]], reports
        check_log(exercise_id, [r["did"] for r in reports], RACERS)
        # Every socket write was acknowledged as done, and is in the other exercise's log once.
        sent = [a for group in answers for a in group]
        assert all(a["ok"] is True and a["duplicate"] is False for a in sent), \
            Counter(repr(a.get("error")) for a in sent if not a["ok"])
        assert all(len(group) >= MIN_SOCKET_ACTIONS for group in answers)
        events = db.session.scalars(select(Event).where(Event.exercise_id == other_id).order_by(Event.seq)).all()
        assert_gapless([{"seq": e.seq} for e in events])
        assert Counter(e.payload["action"]["client_id"] for e in events if e.type == "action.logged") == \
            Counter({f"socket-{n}-{i:04d}": 1 for n, group in enumerate(answers) for i in range(len(group))})
        assert sorted(a["seq"] for a in sent) == sorted(e.seq for e in events if e.type == "action.logged")
        assert verify_exercise(other_id)["ok"] is True
        assert "database is locked" not in live.log.read_text(errors="replace")
        db.session.remove()
        db.engine.dispose()
