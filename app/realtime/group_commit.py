"""Group commit: the `log_action`s that tablets of one exercise send at the same time are
written in one transaction (one lock, one fsync, one compliance refresh) instead of one each.

The first request of an exercise to arrive leads: it writes every request queued for that
exercise so far, commits, answers them all, and hands the lead to the oldest request that
queued while it was writing. The others wait (a green wait under eventlet). On an idle
server every action is written alone, at once; under load a batch holds what arrived during
the previous commit, so the cost per action falls as the load rises.
"""
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Generic, Hashable, TypeVar

from ..services.participation import ActionRequest, log_actions
from ..services.unit import transactional

log = logging.getLogger(__name__)

Item = TypeVar("Item")
Outcome = Any  # a result dict, a ServiceError, or an unexpected exception
MAX_BATCH = 256  # bounds one transaction's time and lock hold


@dataclass(eq=False)
class _Slot(Generic[Item]):
    item: Item
    ready: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    outcome: Outcome = None


class GroupCommit(Generic[Item]):
    """Runs `write(key, items) -> outcomes` for queued items of one key, one batch at a time."""

    def __init__(self, write: Callable[[Hashable, list[Item]], list[Outcome]], max_batch: int = MAX_BATCH):
        self._write = write
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._queues: dict[Hashable, list[_Slot]] = {}
        self._leading: set[Hashable] = set()

    def submit(self, key: Hashable, item: Item) -> Outcome:
        """Queue an item and wait until its batch is written; return its outcome, or raise it if
        it is an exception (the item's own, or the whole batch's)."""
        slot = _Slot(item)
        with self._lock:
            self._queues.setdefault(key, []).append(slot)
            slot.lead = key not in self._leading
            self._leading.add(key)
        if not slot.lead:
            slot.ready.wait()
        if slot.lead:
            # Let the requests that arrived with this one queue before the batch is taken: the
            # writes below block the whole process (pysqlite does not yield to eventlet).
            time.sleep(0)
            self._write_batch(key)
        if isinstance(slot.outcome, BaseException):
            raise slot.outcome
        return slot.outcome

    def _write_batch(self, key: Hashable) -> None:
        with self._lock:
            queue = self._queues[key]
            batch, self._queues[key] = queue[:self._max_batch], queue[self._max_batch:]
        try:
            outcomes = self._write(key, [slot.item for slot in batch])
            if len(outcomes) != len(batch):
                raise RuntimeError(f"{len(batch)} items written, {len(outcomes)} outcomes returned")
        except BaseException as exc:  # even a killed greenlet must not leave the others waiting
            outcomes = [exc] * len(batch)
            raise
        finally:
            for slot, outcome in zip(batch, outcomes):
                slot.outcome = outcome
                slot.ready.set()
            self._hand_over(key)

    def _hand_over(self, key: Hashable) -> None:
        with self._lock:
            queue = self._queues.get(key)
            if queue:
                queue[0].lead = True
                queue[0].ready.set()
            else:
                self._queues.pop(key, None)
                self._leading.discard(key)


def write_actions(exercise_id: int, requests: list[ActionRequest]) -> list[Outcome]:
    """One transaction for the batch; if it fails as a whole, each action in its own transaction,
    so one action's failure cannot cost the others."""
    try:
        return transactional(log_actions)(exercise_id, requests)  # tried again while SQLite is locked
    except Exception:
        if len(requests) == 1:
            raise
        log.exception("writing %d actions together failed; writing them one by one", len(requests))
    outcomes = []
    for request in requests:
        try:
            outcomes.append(transactional(log_actions)(exercise_id, [request])[0])
        except Exception as exc:  # rolled back; this action's sender gets the error
            outcomes.append(exc)
    return outcomes


actions = GroupCommit(write_actions)


def log_action(exercise_id: int, request: ActionRequest) -> dict[str, Any]:
    """Log one tablet's action through the exercise's group commit; raises what refused it."""
    return actions.submit(exercise_id, request)

