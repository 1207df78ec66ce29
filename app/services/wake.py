"""Waking the scheduler early: a commit that may move a due time asks for a pass now.

Kept apart from the scheduler so that the event log (which wakes it after commit) and the
scheduler (which imports the services) do not import each other.
"""
from typing import Any

_event: Any = None  # the scheduler's wake-up event, once a scheduler runs in this process


def install(event: Any) -> None:
    global _event
    _event = event


def wake() -> None:
    """Make the scheduler look again now (after a commit that may change due times)."""
    if _event is not None:
        _event.set()
