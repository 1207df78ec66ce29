"""The after-action report: read an exercise's log for engine.aar, and record narrative edits.

The report is rebuilt from the event log on every request (engine.aar.build_aar); nothing of it
is stored except what evaluators write into it, which goes into the log as `report.narrative`
events like every other change.
"""
import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select, text

from ..engine.aar import build_aar, narrative_sections
from ..extensions import db
from ..models import Event, Exercise, ExerciseStatus, User
from .errors import InvalidInput, NotFound
from ..vocabulary import FEEDBACK_QUESTIONS
from .evaluation import RATING_DEFINITIONS
from .events import STAFF_ONLY, append_event
from .exercises import get_exercise
from .timing import elapsed, wall_now

MAX_NARRATIVE = 20000
# Rows fetched per round trip when streaming a long log.
BATCH = 10000

# Plain SQL, no column types: SQLAlchemy's per-value processors (JSON, dates) cost more than the
# whole report for a long log; the values are converted below, the same on SQLite and PostgreSQL.
_EVENTS_AFTER = text(
    "SELECT exercise_id, seq, type, actor, team, visible_to, exercise_time_s, wall_time, payload, prev_hash, hash"
    " FROM events WHERE exercise_id = :exercise_id AND seq > :after AND seq <= :upto ORDER BY seq LIMIT :limit")
_NO_END = 2**63 - 1


def exercise_info(exercise: Exercise) -> dict[str, Any]:
    """What build_aar needs besides the events: the frozen snapshots, the teams, the clock."""
    now = wall_now()
    return {
        "id": exercise.id,
        "name": exercise.name,
        "status": exercise.status,
        "scenario": exercise.scenario_snapshot,
        "checklist": exercise.checklist_snapshot,
        "scenario_hash": exercise.scenario_hash,
        "checklist_hash": exercise.checklist_hash,
        "teams": [{"key": t.key, "name": t.name, "agency": t.agency} for t in exercise.teams],
        "now_s": None if exercise.status == ExerciseStatus.ENDED else elapsed(exercise, now),
        "generated_at": now.isoformat(),
        "rating_definitions": RATING_DEFINITIONS,
        "feedback_questions": FEEDBACK_QUESTIONS,
    }


def event_rows(exercise_id: int, *, after_seq: int = 0, upto_seq: int | None = None,
               between_batches=None) -> Iterator[dict[str, Any]]:
    """The exercise's events in seq order as plain dicts, read in batches, with wall_time as the ISO
    string that was hashed (services.events.hash_record) and payloads as JSON data; only those
    after `after_seq` and up to `upto_seq` when given. `between_batches` is called after each
    full batch (to let other work run while a long log is read)."""
    decode = _JSON.raw_decode  # stored JSON has no surrounding whitespace: skip json.loads' stripping
    audiences: dict[str, Any] = {}  # visible_to repeats a handful of values: decode each once
    after = after_seq
    upto = _NO_END if upto_seq is None else upto_seq
    while True:
        batch = db.session.execute(_EVENTS_AFTER, {"exercise_id": exercise_id, "after": after, "upto": upto,
                                                   "limit": BATCH}).all()
        for (exercise, seq, kind, actor, team, visible_to, at_s, wall_time, payload, prev_hash, hash_) in batch:
            if isinstance(visible_to, str):
                if visible_to not in audiences:
                    audiences[visible_to] = json.loads(visible_to)
                visible_to = audiences[visible_to]
            yield {"exercise_id": exercise, "seq": seq, "type": kind, "actor": actor, "team": team,
                   "visible_to": visible_to, "exercise_time_s": at_s, "wall_time": _iso_utc(wall_time),
                   "payload": decode(payload)[0] if isinstance(payload, str) else payload,
                   "prev_hash": prev_hash, "hash": hash_}
        if len(batch) < BATCH:
            return
        after = batch[-1][1]
        if between_batches is not None:
            between_batches()


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


def build_report(exercise_id: int) -> dict[str, Any]:
    """The AAR/IP of an exercise as JSON data (engine.aar), as of now."""
    exercise = get_exercise(exercise_id)
    with _without_cyclic_gc():
        return build_aar(exercise_info(exercise), event_rows(exercise.id))


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Pause Python's cycle collector while a long log is read.

    Reading 100,000 events allocates a million small containers, and each allocation burst sets
    off a full collection that walks all of them again: measured, that made loading four times
    slower (bench/report_bench.py). Nothing built here is cyclic, so reference counting frees it
    all the same; the collector resumes right after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def set_narrative(exercise_id: int, section: str, text: str, author: User) -> dict[str, Any]:
    """An evaluator writes a narrative section of the report (summary, an objective, conclusion)."""
    exercise = get_exercise(exercise_id)
    sections = narrative_sections(exercise.scenario_snapshot)
    if section not in sections:
        raise NotFound(f"no report section '{section}'; the sections are {', '.join(sections)}")
    text = (text or "").strip()
    if len(text) > MAX_NARRATIVE:
        raise InvalidInput("text too long", fields={"text": [f"at most {MAX_NARRATIVE} characters"]})
    previous = latest_narrative(exercise.id, section)
    now = wall_now()
    ev = append_event(exercise, "report.narrative",
                      {"section": section, "text": text,
                       "previous": previous.payload.get("text") if previous is not None else None},
                      actor=author.username, exercise_time_s=elapsed(exercise, now), now=now, visible_to=STAFF_ONLY)
    return {"section": section, "text": text, "by": author.username, "at": ev.wall_time.isoformat(),
            "seq": ev.seq}


def latest_narrative(exercise_id: int, section: str) -> Event | None:
    rows = db.session.scalars(select(Event).where(Event.exercise_id == exercise_id,
                                                  Event.type == "report.narrative")
                              .order_by(Event.seq.desc()))
    return next((ev for ev in rows if ev.payload.get("section") == section), None)


def report_filename(exercise: Exercise, extension: str) -> str:
    """A download name such as `cordon-aar-12-market-drill.pdf` (ASCII only)."""
    slug = "".join(c if c.isalnum() else "-" for c in exercise.name.lower().encode("ascii", "ignore").decode())
    slug = "-".join(part for part in slug.split("-") if part)[:40]
    return f"cordon-aar-{exercise.id}{'-' + slug if slug else ''}.{extension}"
