"""Exactly-once release and a gapless, verifiable log when many writers race for the same injects:
threads on SQLite, processes on PostgreSQL. Every racer runs the scheduler pass, releases the due
injects by hand in its own order and logs actions (one of them resent by every racer)."""
import logging
import multiprocessing
import random
import threading
from collections import Counter
from datetime import datetime

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import Event, ExerciseInject, Participant
from app.services import lifecycle
from app.services.audit import verify_exercise
from app.errors import Conflict
from app.services.exercises import get_exercise
from app.services.injects import release_due_injects
from app.services.releasing import release_now
from app.services.participation import log_action
from app.services.scheduler import run_once
from app.services.unit import transactional

from ..conftest import TEST_SETTINGS
from ..helpers import FakeClock, gen_exercise, gen_tablet
from .drill_library import SCENARIO, inject_ids, write_library

HAND_RELEASED = ["R-01"]  # a reserve inject: only release_now can send it
ACTIONS_PER_RACER = 10
SHARED_CLIENT_ID = "shared-tablet-0001"  # every racer resends this one


def race(app, racer: int, exercise_id: int, participant_id: int, ready) -> dict:
    """One racer: wait for the others, then release and log as fast as it can. Returns what it did."""
    keys = inject_ids() + HAND_RELEASED
    order = random.Random(racer).sample(keys, len(keys))
    did = {"released": [], "conflicts": 0, "shared_seq": None, "actions": 0}
    with app.app_context():
        try:
            ready.wait(timeout=60)
            if racer % 2 == 0:
                run_once(app)
            # Each write as a request makes it: one unit of work, tried again while SQLite is locked.
            for n, key in enumerate(order):
                try:
                    transactional(release_now)(exercise_id, key, f"racer-{racer}")
                    did["released"].append(key)
                except Conflict:
                    did["conflicts"] += 1
                if n < ACTIONS_PER_RACER:
                    transactional(lambda n=n: log_action(db.session.get(Participant, participant_id),
                                                         f"racer-{racer}-action-{n:03d}", text=f"racer {racer} step {n}"))()
                    did["actions"] += 1
            did["shared_seq"] = transactional(lambda: log_action(db.session.get(Participant, participant_id),
                                                                 SHARED_CLIENT_ID, text="sent by every racer"))()["seq"]
            run_once(app)
        finally:
            db.session.remove()
    return did


def check_log(exercise_id: int, results: list[dict], racers: int) -> None:
    """Each inject released once, by one racer or the scheduler; seq gapless; the chain verifies."""
    db.session.expire_all()
    injects = db.session.scalars(select(ExerciseInject).where(ExerciseInject.exercise_id == exercise_id)).all()
    keys = inject_ids() + HAND_RELEASED
    assert {i.key: i.status for i in injects if i.key in keys} == {k: "released" for k in keys}
    events = db.session.scalars(select(Event).where(Event.exercise_id == exercise_id).order_by(Event.seq)).all()
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    released = Counter(e.payload["id"] for e in events if e.type == "inject.released")
    assert released == Counter(keys), {k: n for k, n in released.items() if n != 1}
    by_hand = Counter(k for r in results for k in r["released"])
    by_scheduler = {i.key for i in injects if i.released_by == "scheduler"}
    assert all(by_hand[k] + (k in by_scheduler) == 1 for k in keys)
    assert all(len(r["released"]) + r["conflicts"] == len(keys) for r in results)
    actions = Counter(e.payload["action"]["client_id"] for e in events if e.type == "action.logged")
    assert actions[SHARED_CLIENT_ID] == 1 and len(actions) == racers * ACTIONS_PER_RACER + 1
    assert set(actions.values()) == {1}
    assert len({r["shared_seq"] for r in results}) == 1
    audit = verify_exercise(exercise_id)
    assert audit["ok"] is True and audit["events"] == len(events), audit


def start_due_drill(now: FakeClock):
    """A running relay drill whose timed injects are all due, and a tablet to log actions (their ids)."""
    exercise = gen_exercise(SCENARIO)
    tablet = gen_tablet(exercise, "fire")
    lifecycle.start_exercise(exercise.id, "ctl")
    db.session.commit()
    now.advance(30 * len(inject_ids()) + 1)
    return exercise.id, tablet.participant_id


def test_threads_on_sqlite_release_each_inject_once(app, clock, tmp_path, caplog):
    app.config["CORDON_CONTENT_ROOT"] = str(write_library(tmp_path / "library"))
    exercise_id, participant_id = start_due_drill(clock)
    racers = 8
    ready = threading.Barrier(racers)
    results: list[dict] = []
    errors: list[BaseException] = []

    def run(racer):
        try:
            results.append(race(app, racer, exercise_id, participant_id, ready))
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    caplog.set_level(logging.ERROR)
    threads = [threading.Thread(target=run, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert len(results) == racers
    check_log(exercise_id, results, racers)


def test_a_scheduler_pass_that_read_the_exercise_before_it_ended_releases_nothing(app, clock, tmp_path):
    app.config["CORDON_CONTENT_ROOT"] = str(write_library(tmp_path / "library"))
    exercise_id, _ = start_due_drill(clock)
    with app.app_context():  # the scheduler's session: the exercise is running...
        exercise = get_exercise(exercise_id)
        assert exercise.status == "running"
        with app.app_context():  # ...when a controller ends it
            lifecycle.end_exercise(exercise_id, "ctl")
            db.session.commit()
        with pytest.raises(Conflict, match="ended"):
            release_due_injects(exercise, clock.now)
        db.session.rollback()
    db.session.expire_all()
    assert db.session.scalars(select(Event.type).where(Event.type == "inject.released")).all() == []


# -- PostgreSQL: separate processes ------------------------------------------------------------

def _process_racer(url: str, content_root: str, now: str, racer: int, exercise_id: int, participant_id: int,
                   ready, out) -> None:
    logging.basicConfig(level=logging.ERROR)
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": url, "CORDON_CONTENT_ROOT": content_root,
                      "CORDON_WALL_CLOCK": FakeClock(datetime.fromisoformat(now))})
    failures = []
    handler = logging.Handler(level=logging.ERROR)
    handler.emit = lambda record: failures.append(record.getMessage())
    logging.getLogger().addHandler(handler)
    try:
        did = race(app, racer, exercise_id, participant_id, ready)
        out.put({"racer": racer, "did": did, "logged_errors": failures})
    except BaseException as exc:  # noqa: BLE001 (the parent reports it)
        out.put({"racer": racer, "error": repr(exc), "logged_errors": failures})


@pytest.mark.postgres
def test_processes_on_postgresql_release_each_inject_once(postgres_url, tmp_path):
    content_root = str(write_library(tmp_path / "library"))
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": postgres_url, "CORDON_CONTENT_ROOT": content_root})
    clock = FakeClock()
    app.config["CORDON_WALL_CLOCK"] = clock
    with app.app_context():
        upgrade()
        exercise_id, participant_id = start_due_drill(clock)
        db.session.remove()
        db.engine.dispose()
        racers = 4
        spawn = multiprocessing.get_context("spawn")
        ready, out = spawn.Barrier(racers), spawn.Queue()
        processes = [spawn.Process(target=_process_racer, args=(
            postgres_url, content_root, clock.now.isoformat(), n, exercise_id, participant_id, ready, out))
            for n in range(racers)]
        for process in processes:
            process.start()
        try:
            reports = [out.get(timeout=120) for _ in processes]
        finally:
            for process in processes:
                process.join(timeout=30)
                if process.is_alive():
                    process.kill()
        assert not [r for r in reports if "error" in r or r["logged_errors"]], reports
        check_log(exercise_id, [r["did"] for r in reports], racers)
        db.session.remove()
        db.engine.dispose()
