"""The unit of work: one transaction per request, page, Socket.IO event or command.

Everything a caller changes through the services is committed together when the work ends
normally and rolled back when anything escapes it, domain errors included; events queued by
`services.events` are emitted only after the commit. REST and page views get it from their
blueprints (`transactional`), Socket.IO handlers and CLI commands open it themselves. The
scheduler and the group commit of actions are the only other places that commit: they run
many units of work in one loop.
"""
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import current_app
from sqlalchemy.exc import OperationalError

from ..errors import Busy
from ..extensions import db
from ..offload import pause
from flask_babel import gettext

P = ParamSpec("P")
T = TypeVar("T")


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit when the block ends normally; roll back when anything escapes it."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


def transactional(view: Callable[P, T]) -> Callable[P, T]:
    """A view (or any function) run as one unit of work; run again, after a pause that lets the hub
    serve others, when SQLite stayed locked by another writer (see `locked`)."""
    @wraps(view)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        return retry_when_locked(lambda: _once(view, *args, **kwargs))
    return run


def _once(view, *args, **kwargs):
    with unit_of_work():
        return view(*args, **kwargs)


def locked(exc: BaseException) -> bool:
    """SQLite's "database is locked": its busy wait (short: it blocks the hub) ran out."""
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


def retry_when_locked(work: Callable[[], T]) -> T:
    """`work()`, tried again while SQLite is locked, pausing cooperatively (0.02 s, doubling, at most
    0.5 s) for up to CORDON_LOCK_WAIT_S seconds in all; then a 503 saying the server is busy."""
    waited, step = 0.0, 0.02
    limit = current_app.config.get("CORDON_LOCK_WAIT_S", 10.0)
    while True:
        try:
            return work()
        except OperationalError as exc:
            if not locked(exc):
                raise
            if waited >= limit:
                raise Busy(gettext("the server is busy writing; try again in a moment")) from None
            pause(step)
            waited += step
            step = min(step * 2, 0.5)


def end_read() -> None:
    """End the read transaction of a unit of work that has written nothing yet, so that what follows
    (a computation off the hub) holds no lock and no snapshot; the unit goes on in a new transaction.
    A write lock or an old snapshot held across a yield would make other writers wait on SQLite's
    busy timeout, which blocks the hub."""
    if db.session.new or db.session.dirty or db.session.deleted:
        raise RuntimeError("end_read() after a write: the unit of work would commit half of itself")
    db.session.commit()
