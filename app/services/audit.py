"""Verifying an exercise's hash chain."""
from typing import Any

from sqlalchemy import select

from ..engine.eventlog import verify_chain
from ..extensions import db
from ..models import Event
from .events import hash_record


def verify_exercise(exercise_id: int) -> dict[str, Any]:
    """{ok, events, first_broken_seq, reason, last_hash}, read in batches so long logs stay cheap."""
    def rows():
        last = 0
        while True:
            batch = db.session.scalars(select(Event).where(Event.exercise_id == exercise_id, Event.seq > last)
                                       .order_by(Event.seq).limit(2000)).all()
            if not batch:
                return
            for ev in batch:
                yield {**hash_record(ev), "prev_hash": ev.prev_hash, "hash": ev.hash}
            last = batch[-1].seq

    check = verify_chain(rows())
    return {"ok": check.ok, "events": check.count, "first_broken_seq": check.first_broken_seq,
            "reason": check.reason, "last_hash": check.last_hash}
