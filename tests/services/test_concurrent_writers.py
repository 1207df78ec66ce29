"""Several writers at once on SQLite: improvised injects get distinct ids, nothing is lost."""
import threading

from sqlalchemy import select

from app.extensions import db
from app.models import Event, ExerciseInject
from app.services import lifecycle
from app.services.audit import verify_exercise
from app.services.releasing import add_adhoc_inject
from app.services.unit import transactional

from ..helpers import gen_exercise


def test_simultaneous_adhoc_injects_each_get_their_own_id(library_app, clock):
    drill = gen_exercise()
    lifecycle.start_exercise(drill.id, "ctl")
    db.session.commit()
    errors, barrier = [], threading.Barrier(6)

    def controller(n):
        with library_app.app_context():
            barrier.wait()
            try:  # as a request runs it: one unit of work, tried again while SQLite is locked
                transactional(add_adhoc_inject)(drill.id, {"title": f"Improvised {n}", "to": ["fire"]}, f"ctl{n}")
            except Exception as exc:  # the test reports any failure, it must not hide one
                db.session.rollback()
                errors.append(repr(exc))

    threads = [threading.Thread(target=controller, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.session.expire_all()
    keys = db.session.scalars(select(ExerciseInject.key).where(ExerciseInject.adhoc.is_(True))).all()
    assert sorted(keys) == [f"X-{n:02d}" for n in range(1, 7)]
    released = db.session.scalars(select(Event).where(Event.type == "inject.released")).all()
    assert sorted(e.payload["title"] for e in released) == sorted(f"Improvised {n}" for n in range(6))
    assert verify_exercise(drill.id)["ok"]
