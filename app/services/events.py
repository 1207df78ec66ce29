"""The event log: the one place that appends to it (and queues the live emission after commit),
and the one reader of it (`iter_events`)."""
import json
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from itertools import islice
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import bindparam, insert, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..engine.eventlog import CHECKPOINT_TYPES, event_hash, sign_checkpoint
from ..extensions import db
from ..models import AuditCheckpoint, Event, Exercise
from .audit_keys import audit_key, checkpoint_interval
from .realtime_out import drop_after_rollback, emit_events, run_after_commit
from .timing import wall_now
from .wake import wake

PENDING_KEY = "cordon_pending_events"

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

    The new head is signed with the audit key (one signature per call), and a signed checkpoint
    is written for each status change and every CORDON_AUDIT_CHECKPOINT_EVERY-th seq.
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
    _sign_head(exercise, events)
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


def _sign_head(exercise: Exercise, events: list[Event]) -> None:
    """Store the new head hash with its signature, and the checkpoints among `events`, in this transaction."""
    key = audit_key()
    every = checkpoint_interval()
    last = events[-1]
    head = sign_checkpoint(key.private_key, exercise.id, last.seq, last.hash, last.wall_time.isoformat(), key.key_id)
    checkpoints = [
        (ev, head if ev is last else
         sign_checkpoint(key.private_key, exercise.id, ev.seq, ev.hash, ev.wall_time.isoformat(), key.key_id))
        for ev in events if ev.type in CHECKPOINT_TYPES or (every and ev.seq % every == 0)
    ]
    connection = db.session.connection()
    if checkpoints:
        connection.execute(insert(AuditCheckpoint.__table__), [
            {"exercise_id": c.exercise_id, "seq": c.seq, "hash": c.hash, "wall_time": ev.wall_time,
             "key_id": c.key_id, "signature": c.signature} for ev, c in checkpoints])
    head_values = {"last_hash": last.hash, "signed_head_seq": last.seq, "signed_head_hash": last.hash,
                   "signed_head_at": last.wall_time, "signed_head_key_id": head.key_id,
                   "signed_head_signature": head.signature}
    connection.execute(_SET_HEAD, {"exercise": exercise.id, **head_values})
    for name, value in head_values.items():
        set_committed_value(exercise, name, value)


# Built once: this runs for every append, and building the statement cost more than signing.
_SET_HEAD = (update(Exercise.__table__).where(Exercise.__table__.c.id == bindparam("exercise"))
             .values({name: bindparam(name) for name in ("last_hash", "signed_head_seq", "signed_head_hash",
                                                         "signed_head_at", "signed_head_key_id",
                                                         "signed_head_signature")}))


def _queue_emission(events: list[Event]) -> None:
    # Objects expire at commit, so the messages are built now and sent after commit.
    db.session.info.setdefault(PENDING_KEY, []).extend((rooms_for(ev), envelope(ev)) for ev in events)


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


def stored_envelope(row: Mapping[str, Any]) -> dict[str, Any]:
    """The envelope of a stored event read by `iter_events` (the same shape as `envelope`)."""
    return {"seq": row["seq"], "type": row["type"], "exercise_time_s": row["exercise_time_s"],
            "wall_time": row["wall_time"], "team": row["team"], "data": row["payload"]}


def iter_events(exercise_id: int, after_seq: int = 0, upto_seq: int | None = None, team_key: str | None = None,
                types: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """The one reader of an exercise's log: its events after `after_seq` (up to `upto_seq`), in seq order.

    Each is a plain dict of the hashed fields (hash_record's) with prev_hash and hash: wall_time is the
    ISO string that was hashed and the payload JSON data. A team gets only the events it may see;
    `types` keeps those types. Read in batches, so a long log costs little memory.
    """
    decode = _JSON.raw_decode  # stored JSON has no surrounding whitespace: skip json.loads' stripping
    audiences: dict[str, Any] = {}  # visible_to repeats a handful of values: decode each once
    statement = _EVENTS_OF_TYPES if types else _EVENTS_AFTER
    params: dict[str, Any] = {"exercise_id": exercise_id, "upto": upto_seq if upto_seq is not None else MAX_SEQ,
                              "limit": BATCH}
    if types:
        params["types"] = list(types)
    after = after_seq
    while True:
        batch = db.session.execute(statement, {**params, "after": after}).all()
        for (exercise, seq, kind, actor, team, visible_to, at_s, wall_time, payload, prev_hash, hash_) in batch:
            if isinstance(visible_to, str):
                if visible_to not in audiences:
                    audiences[visible_to] = json.loads(visible_to)
                visible_to = audiences[visible_to]
            if team_key is not None and visible_to is not None and team_key not in visible_to:
                continue
            yield {"exercise_id": exercise, "seq": seq, "type": kind, "actor": actor, "team": team,
                   "visible_to": visible_to, "exercise_time_s": at_s, "wall_time": _iso_utc(wall_time),
                   "payload": decode(payload)[0] if isinstance(payload, str) else payload,
                   "prev_hash": prev_hash, "hash": hash_}
        if len(batch) < BATCH:
            return
        after = batch[-1][1]


def events_since(exercise_id: int, since: int, team_key: str | None = None, limit: int | None = None,
                 types: list[str] | None = None) -> list[dict[str, Any]]:
    """A page of `iter_events`: at most `limit` events after `since` (counted after the team's filter,
    so a team's page is full even when staff-only events are interleaved; page on with the last seq)."""
    return list(islice(iter_events(exercise_id, since, team_key=team_key, types=types), limit))


# Rows fetched per round trip when reading a long log.
BATCH = 10000
MAX_SEQ = 2**63 - 1

# Plain SQL, no column types: SQLAlchemy's per-value processors (JSON, dates) cost more than the
# whole report for a long log; the values are converted in iter_events, the same on SQLite and PostgreSQL.
_COLUMNS = "exercise_id, seq, type, actor, team, visible_to, exercise_time_s, wall_time, payload, prev_hash, hash"
_EVENTS_AFTER = text(
    f"SELECT {_COLUMNS} FROM events WHERE exercise_id = :exercise_id AND seq > :after AND seq <= :upto"
    " ORDER BY seq LIMIT :limit")
_EVENTS_OF_TYPES = text(
    f"SELECT {_COLUMNS} FROM events WHERE exercise_id = :exercise_id AND seq > :after AND seq <= :upto"
    " AND type IN :types ORDER BY seq LIMIT :limit").bindparams(bindparam("types", expanding=True))
_JSON = json.JSONDecoder()


def _iso_utc(value: datetime | str) -> str:
    """A stored UTC wall time as `datetime.isoformat()` of the aware time, which the hash chain covers.

    SQLite hands back SQLAlchemy's storage string, `2026-11-25 09:00:00.120000`: rewritten as text,
    which is five times faster than parsing it (isoformat leaves out a zero fraction). Anything else
    (PostgreSQL's naive datetimes, an unexpected string) goes through datetime.
    """
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " " and value[19] == ".":
            fraction = "" if value.endswith(".000000") else value[19:]
            return f"{value[:10]}T{value[11:19]}{fraction}+00:00"
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc).isoformat()


def rooms_for(ev: Event) -> list[str]:
    """Socket.IO rooms that receive an event (DESIGN.md section 6)."""
    base = f"ex:{ev.exercise_id}"
    if ev.visible_to is None:
        return [base]
    return [f"{base}:staff"] + [f"{base}:team:{key}" for key in ev.visible_to]


@sa_event.listens_for(Session, "after_commit")
def _emit_after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    run_after_commit(session.info)
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
    drop_after_rollback(session.info)
