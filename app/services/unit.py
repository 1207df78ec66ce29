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

from ..extensions import db

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
    """A view (or any function) run as one unit of work."""
    @wraps(view)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        with unit_of_work():
            return view(*args, **kwargs)
    return run
