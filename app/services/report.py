"""The after-action report: read an exercise's log for engine.aar, and record narrative edits.

The report is rebuilt from the event log on every request (engine.aar.build_aar); nothing of it
is stored except what evaluators write into it, which goes into the log as `report.narrative`
events like every other change.
"""
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select

from ..engine.aar import build_aar, narrative_sections
from ..extensions import db
from ..models import Event, Exercise, ExerciseStatus, User
from .audit import exercise_audit, read_to_head
from ..errors import InvalidInput, NotFound
from ..vocabulary import FEEDBACK_QUESTIONS, MAX_NARRATIVE
from .evaluation import RATING_DEFINITIONS
from .events import STAFF_ONLY, append_event, iter_events
from .exercises import get_exercise
from .timing import elapsed, wall_now
from flask_babel import gettext

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


def build_report(exercise_id: int) -> dict[str, Any]:
    """The AAR/IP of an exercise as JSON data (engine.aar), as of now."""
    exercise = get_exercise(exercise_id)
    with _without_cyclic_gc():
        # The log's head and signed checkpoints are checked in the same pass. Not the tables that copy it
        # (they cost as much again, and the report's figures come from the log, not from them).
        audit = exercise_audit(exercise, tables=False)
        rows = read_to_head(audit, lambda after: iter_events(exercise.id, after))
        return build_aar(exercise_info(exercise), rows, audit=audit)


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
        raise NotFound(gettext("no report section '%(section)s'; the sections are %(names)s", section=section, names=', '.join(sections)))
    text = (text or "").strip()
    if len(text) > MAX_NARRATIVE:
        raise InvalidInput(gettext("text too long"), fields={"text": [gettext("at most %(MAX_NARRATIVE)s characters", MAX_NARRATIVE=MAX_NARRATIVE)]})
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
