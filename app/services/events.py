"""The one place that appends to the event log and queues the live emission after commit."""
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..engine.eventlog import event_hash
from ..extensions import db
from ..models import Event, Exercise
from .realtime_out import disconnect_participants, emit_events
from .timing import wall_now
from .wake import wake

PENDING_KEY = "cordon_pending_events"
REVOKED_KEY = "cordon_revoked_participants"

# Event types after which the scheduler looks again at once: they start, stop or re-speed a
# clock, change when an inject is due, or make checklist steps due (a release).
MOVES_DUE_TIMES = frozenset({
    "exercise.started", "exercise.paused", "exercise.resumed", "exercise.speed", "exercise.ended",
    "inject.released", "inject.unheld", "inject.retimed", "inject.added", "inject.edited",
    "step.waived",
})

# Who may see an event: everyone in the exercise, staff only, or the listed teams (and staff).
EVERYONE = None
STAFF_ONLY: list[str] = []


def hash_record(ev: Event) -> dict[str, Any]:
    """The fields the hash chain covers, as plain JSON values."""
    return {
        "exercise_id": ev.exercise_id,
        "seq": ev.seq,
        "type": ev.type,
        "actor": ev.actor,
        "team": ev.team,
        "visible_to": ev.visible_to,
        "exercise_time_s": ev.exercise_time_s,
        "wall_time": ev.wall_time.isoformat(),
        "payload": ev.payload,
    }


def append_event(
    exercise: Exercise,
    type: str,
    data: dict[str, Any],
    *,
    actor: str,
    exercise_time_s: float,
    team: str | None = None,
    visible_to: list[str] | None = EVERYONE,
    now: datetime | None = None,
) -> Event:
    """Append an event in the caller's transaction; it is emitted live only after commit.

    The seq comes from an UPDATE of the exercise row, which holds the row lock until commit,
    so concurrent writers (threads or processes) serialize and seq stays gapless.
    """
    spec = {"type": type, "data": data, "actor": actor, "exercise_time_s": exercise_time_s, "team": team,
            "visible_to": visible_to}
    return append_events(exercise, [spec], now=now or wall_now())[0]


def append_events(exercise: Exercise, specs: list[dict[str, Any]], *, now: datetime,
                  reserved: tuple[int, str] | None = None) -> list[Event]:
    """Append several events in order, with one statement each for the seqs, the rows and the
    chain head; emitted live only after commit. Each spec holds append_event's arguments
    (type, data, actor, exercise_time_s, team, visible_to); `reserved` is a (first seq, previous
    hash) pair the caller already took with `reserve_seqs` for exactly these events.
    """
    if not specs:
        return []
    seq, prev_hash = reserved or reserve_seqs(exercise, len(specs))
    events = []
    for spec in specs:
        ev = _chained(exercise, seq, prev_hash, now=now, **spec)
        events.append(ev)
        seq, prev_hash = seq + 1, ev.hash
    # Core insert: the rows are written and never read back in this transaction.
    db.session.connection().execute(insert(Event.__table__), [_row(ev) for ev in events])
    _set_head_hash(exercise, prev_hash)
    _queue_emission(events)
    return events


def reserve_seqs(exercise: Exercise, count: int) -> tuple[int, str]:
    """Take the next `count` seqs of the exercise: (the first of them, the hash before it).

    The UPDATE holds the exercise row's lock until commit (see append_event).
    """
    table = Exercise.__table__
    head = db.session.connection().execute(
        update(table)
        .where(table.c.id == exercise.id)
        .values(last_seq=table.c.last_seq + count)
        .returning(table.c.last_seq, table.c.last_hash)
    ).one()
    # A Core statement (no ORM bookkeeping); the session's copy of the exercise is kept in step.
    set_committed_value(exercise, "last_seq", head.last_seq)
    return head.last_seq - count + 1, head.last_hash


def _chained(exercise: Exercise, seq: int, prev_hash: str, type: str, data: dict[str, Any], *, actor: str,
             exercise_time_s: float, now: datetime, team: str | None = None,
             visible_to: list[str] | None = EVERYONE) -> Event:
    ev = Event(
        exercise_id=exercise.id,
        seq=seq,
        type=type,
        actor=actor,
        team=team,
        visible_to=visible_to,
        exercise_time_s=round(float(exercise_time_s), 3),
        # Millisecond precision: every database keeps it, so the hash recomputes the same.
        wall_time=_to_millis(now),
        payload=data,
        prev_hash=prev_hash,
        hash="",
    )
    ev.hash = event_hash(prev_hash, hash_record(ev))
    return ev


def _row(ev: Event) -> dict[str, Any]:
    return {"exercise_id": ev.exercise_id, "seq": ev.seq, "type": ev.type, "actor": ev.actor, "team": ev.team,
            "visible_to": ev.visible_to, "exercise_time_s": ev.exercise_time_s, "wall_time": ev.wall_time,
            "payload": ev.payload, "prev_hash": ev.prev_hash, "hash": ev.hash}


def _set_head_hash(exercise: Exercise, last_hash: str) -> None:
    table = Exercise.__table__
    db.session.connection().execute(update(table).where(table.c.id == exercise.id).values(last_hash=last_hash))
    set_committed_value(exercise, "last_hash", last_hash)


def _queue_emission(events: list[Event]) -> None:
    # Objects expire at commit, so the messages are built now and sent after commit.
    db.session.info.setdefault(PENDING_KEY, []).extend((rooms_for(ev), envelope(ev)) for ev in events)


def sign_out_after_commit(participant_ids: list[int]) -> None:
    """Close the live connections of these (revoked) tablets once the transaction commits."""
    db.session.info.setdefault(REVOKED_KEY, []).extend(participant_ids)


def _to_millis(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def envelope(ev: Event) -> dict[str, Any]:
    """The one message shape for live delivery, catch-up and the API."""
    return {
        "seq": ev.seq,
        "type": ev.type,
        "exercise_time_s": ev.exercise_time_s,
        "wall_time": ev.wall_time.isoformat(),
        "team": ev.team,
        "data": ev.payload,
    }


def visible_to_team(ev: Event, team_key: str) -> bool:
    return ev.visible_to is None or team_key in ev.visible_to


def events_since(exercise_id: int, since: int, team_key: str | None = None, limit: int | None = None,
                 types: list[str] | None = None) -> list[Event]:
    """Events after `since`, in order; for a team, only those it may see; optionally of some types.

    `limit` counts the events returned, so a team's page is full even when staff-only events
    are interleaved; the caller pages on with the last seq returned.
    """
    query = select(Event).where(Event.exercise_id == exercise_id).order_by(Event.seq)
    if types:
        query = query.where(Event.type.in_(types))
    batch = limit or 5000
    found: list[Event] = []
    while True:
        rows = db.session.scalars(query.where(Event.seq > since).limit(batch)).all()
        found.extend(ev for ev in rows if team_key is None or visible_to_team(ev, team_key))
        if len(rows) < batch or (limit and len(found) >= limit):
            return found[:limit] if limit else found
        since = rows[-1].seq


def rooms_for(ev: Event) -> list[str]:
    """Socket.IO rooms that receive an event (DESIGN.md section 6)."""
    base = f"ex:{ev.exercise_id}"
    if ev.visible_to is None:
        return [base]
    return [f"{base}:staff"] + [f"{base}:team:{key}" for key in ev.visible_to]


@sa_event.listens_for(Session, "after_commit")
def _emit_after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    revoked = session.info.pop(REVOKED_KEY, None)
    if revoked:
        disconnect_participants(revoked)
    if not pending:
        return
    emit_events(pending)
    # Logged actions and acknowledgements move no due time; waking the scheduler for each
    # would run a full pass (compliance of every running exercise) per action.
    if any(message["type"] in MOVES_DUE_TIMES for _, message in pending):
        wake()


@sa_event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)
    session.info.pop(REVOKED_KEY, None)
