"""The background task that releases due injects (one per server process).

It sleeps until the next due moment of any running exercise, bounded by
CORDON_SCHEDULER_MAX_SLEEP_S so that changes made by other processes are noticed, and is
woken early when this process commits a change. Releases use the conditional-update claim,
so several processes running this loop release each inject once.
"""
import logging
import time

from flask import Flask
from sqlalchemy import select

from ..extensions import db, socketio
from ..models import Exercise, ExerciseStatus
from ..engine.compliance import next_deadline
from . import radiological
from .compliance import refresh_compliance
from .injects import next_due_at_s, release_due_injects
from . import wake as wakeup
from ..offload import pause
from .unit import transactional
from .timing import clock_of, wall_now

log = logging.getLogger(__name__)

@transactional
def _pass(exercise: Exercise, now):
    release_due_injects(exercise, now)
    # Time passing alone turns steps overdue (and may fire contingency injects).
    return refresh_compliance(exercise, now)


@transactional
def _dose_pass(exercise: Exercise, now):
    # ...and adds to every responder's dose (alarms, dose guidance reached): its own unit of work,
    # whose integration runs off the hub holding no lock.
    radiological.account_pass(exercise, now)


def run_once(app: Flask) -> float:
    """Release what is due in every running exercise; return seconds until the next due moment."""
    now = wall_now()
    sleep_s = app.config["CORDON_SCHEDULER_MAX_SLEEP_S"]
    running = db.session.scalars(select(Exercise).where(Exercise.status == ExerciseStatus.RUNNING)).all()
    for exercise in running:
        pause(0)  # let the hub serve requests between exercises
        try:
            compliance = _pass(exercise, now)  # one unit of work, tried again while SQLite is locked
        except Exception:  # one broken exercise must not stop releases in the others (rolled back already)
            log.exception("scheduler pass for exercise %s failed", exercise.id)
            continue
        try:
            _dose_pass(exercise, now)
        except Exception:  # nor its doses its releases
            log.exception("dose pass for exercise %s failed", exercise.id)
        if radiological.field_of(exercise) is not None:
            sleep_s = min(sleep_s, radiological.DOSE_PASS_S)  # doses grow with time, not only at due moments
        clock = clock_of(exercise)
        for next_at in (next_due_at_s(exercise), next_deadline(compliance)):
            due_wall = clock.wall_time_at(next_at, now) if next_at is not None else None
            if due_wall is not None:
                sleep_s = min(sleep_s, max(0.0, (due_wall - now).total_seconds()))
    return sleep_s


def start_scheduler(app: Flask):
    """Start the loop as a Socket.IO background task (eventlet, gevent or a thread)."""
    wake_event = socketio.server.eio.create_event()
    wakeup.install(wake_event)

    def loop():
        # Anything that fell due while no server ran is released by the first pass, marked delayed.
        while True:
            began = time.monotonic()
            with app.app_context():
                try:
                    sleep_s = run_once(app)
                except Exception:
                    log.exception("scheduler pass failed")
                    db.session.rollback()
                    sleep_s = app.config["CORDON_SCHEDULER_MAX_SLEEP_S"]
            wake_event.clear()
            # run_once measured the next due moment from the start of its pass: wake at that
            # moment, not a pass's duration after it (but always yield after a pass that waits).
            if sleep_s > 0:
                sleep_s = max(sleep_s - (time.monotonic() - began), 0.001)
            if sleep_s > 0:
                wake_event.wait(timeout=sleep_s)

    return socketio.start_background_task(loop)


