"""The library's own audit log: every saved and published version, hash-chained like an exercise's.

The chain is the exercise event log's (`app.engine.eventlog`): each event's hash covers the same
record fields, here with no exercise, team, visibility or exercise time (all null), so one
`verify_chain` checks both kinds of log. The head row (`library_log`) is updated first by every
library write: on PostgreSQL its row lock, on SQLite the database's write lock, serializes
writers across processes until commit, so seqs are gapless and a draft's head is read stably.
"""
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import insert, select, update

from ..engine.eventlog import GENESIS, HASHED_FIELDS, event_hash, verify_chain
from ..extensions import db
from ..models import LibraryEvent, LibraryLog
from .timing import wall_now

HEAD_ID = 1


def lock_library() -> None:
    """Take the library's write lock for this transaction (creating the head row the first time)."""
    table = LibraryLog.__table__
    taken = db.session.execute(update(table).where(table.c.id == HEAD_ID).values(last_seq=table.c.last_seq))
    if taken.rowcount == 0:
        with db.session.begin_nested():  # another process may create it at the same moment
            exists = db.session.scalar(select(table.c.id).where(table.c.id == HEAD_ID))
            if exists is None:
                db.session.execute(insert(table).values(id=HEAD_ID, last_seq=0, last_hash=GENESIS))
        db.session.execute(update(table).where(table.c.id == HEAD_ID).values(last_seq=table.c.last_seq))


def hash_record(ev: LibraryEvent) -> dict[str, Any]:
    """The fields the chain covers: the exercise log's record, with no exercise, team or time."""
    record: dict[str, Any] = dict.fromkeys(HASHED_FIELDS)
    record.update({"seq": ev.seq, "type": ev.type, "actor": ev.actor, "wall_time": ev.wall_time.isoformat(),
                   "payload": ev.payload})
    return record


def append_library_event(type: str, payload: dict[str, Any], *, actor: str,
                         now: datetime | None = None) -> LibraryEvent:
    """Append one event to the library log in the caller's transaction (after lock_library)."""
    table = LibraryLog.__table__
    head = db.session.execute(
        update(table).where(table.c.id == HEAD_ID).values(last_seq=table.c.last_seq + 1)
        .returning(table.c.last_seq, table.c.last_hash)).one()
    moment = (now or wall_now()).astimezone(timezone.utc)
    ev = LibraryEvent(seq=head.last_seq, type=type, actor=actor,
                      wall_time=moment.replace(microsecond=moment.microsecond // 1000 * 1000),
                      payload=payload, prev_hash=head.last_hash, hash="")
    ev.hash = event_hash(ev.prev_hash, hash_record(ev))
    db.session.add(ev)
    db.session.execute(update(table).where(table.c.id == HEAD_ID).values(last_hash=ev.hash))
    return ev


def library_events(since: int = 0, limit: int = 500) -> list[LibraryEvent]:
    return list(db.session.scalars(select(LibraryEvent).where(LibraryEvent.seq > since)
                                   .order_by(LibraryEvent.seq).limit(limit)))


def verify_library_log() -> dict[str, Any]:
    """{ok, events, first_broken_seq, reason, last_hash} of the whole library log, read in batches."""
    def rows():
        last = 0
        while True:
            batch = library_events(last, 2000)
            if not batch:
                return
            for ev in batch:
                yield {**hash_record(ev), "prev_hash": ev.prev_hash, "hash": ev.hash}
            last = batch[-1].seq

    check = verify_chain(rows())
    return {"ok": check.ok, "events": check.count, "first_broken_seq": check.first_broken_seq,
            "reason": check.reason, "last_hash": check.last_hash}


def event_view(ev: LibraryEvent) -> dict[str, Any]:
    return {"seq": ev.seq, "type": ev.type, "actor": ev.actor, "wall_time": ev.wall_time.isoformat(),
            "data": ev.payload, "prev_hash": ev.prev_hash, "hash": ev.hash}
