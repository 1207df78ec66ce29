"""Replay: the state of an exercise at any moment, built from its event log, never from current rows.

Each process keeps a bounded cache of ``engine.replay.Timeline``s, one per exercise and lens
(staff, or a team), stored on the app. A timeline is read once from the log and then only
extended: the log is append-only, so a checkpoint stays valid for good, and replaying a running
exercise reads just the events that arrived since the last request. Before a cached timeline is
used, the hash of the last event it read is compared with the log, so a log that was rebuilt
(a restored database) is read afresh instead of answered from stale memory.

Settings (read from the app config, with these defaults):
- ``CORDON_REPLAY_CHECKPOINT_EVERY`` (1000): events between checkpoints. A jump folds at most
  this many events after decoding one checkpoint.
- ``CORDON_REPLAY_CACHE_EVENTS`` (500,000): events held by all cached timelines of a process
  together; the least recently used timelines are dropped beyond it.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from ..engine.projection import State
from ..engine.replay import Timeline
from ..errors import InvalidInput
from ..extensions import db, socketio
from ..models import Event, Exercise
from .exercises import get_exercise
from .events import iter_events
from .report import _without_cyclic_gc
from .timing import elapsed
from flask_babel import gettext

DEFAULT_CHECKPOINT_EVERY = 1000
DEFAULT_CACHE_EVENTS = 500_000
LET_OTHERS_RUN_EVERY = 5000  # events read between two chances for other work to run
GENESIS = "0" * 64


def projection_input(exercise: Exercise) -> dict[str, Any]:
    """What the projection needs besides the events: the frozen snapshots and the teams."""
    return {"id": exercise.id, "name": exercise.name, "scenario": exercise.scenario_snapshot,
            "checklist": exercise.checklist_snapshot,
            "teams": [{"key": t.key, "name": t.name, "agency": t.agency} for t in exercise.teams]}


@dataclass
class _Entry:
    timeline: Timeline
    last_hash: str = GENESIS  # of the event at timeline.read_seq
    lock: threading.Lock = field(default_factory=threading.Lock)


class ReplayCache:
    """Timelines of one app in this process, least recently used first, bounded by events held."""

    def __init__(self, max_events: int):
        self.max_events = max_events
        self.entries: OrderedDict[tuple[int, str | None], _Entry] = OrderedDict()
        self.lock = threading.Lock()

    def entry(self, key: tuple[int, str | None], make) -> _Entry:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                entry = self.entries[key] = _Entry(make())
            self.entries.move_to_end(key)
            return entry

    def drop(self, key: tuple[int, str | None]) -> None:
        with self.lock:
            self.entries.pop(key, None)

    def trim(self) -> None:
        """Drop the least recently used timelines until the events held fit the bound (the newest stays)."""
        with self.lock:
            while len(self.entries) > 1 and self.events_held() > self.max_events:
                self.entries.popitem(last=False)

    def events_held(self) -> int:
        return sum(entry.timeline.read_seq for entry in self.entries.values())


def replay_cache() -> ReplayCache:
    app = current_app._get_current_object()
    cache = app.extensions.get("cordon_replay")
    if cache is None:
        cache = app.extensions["cordon_replay"] = ReplayCache(
            int(app.config.get("CORDON_REPLAY_CACHE_EVENTS", DEFAULT_CACHE_EVENTS)))
    return cache


def timeline(exercise: Exercise, team: str | None = None) -> Timeline:
    """The exercise's timeline (staff, or a team's lens), read up to the end of its log."""
    cache = replay_cache()
    key = (exercise.id, team)
    every = int(current_app.config.get("CORDON_REPLAY_CHECKPOINT_EVERY", DEFAULT_CHECKPOINT_EVERY))
    entry = cache.entry(key, lambda: Timeline(projection_input(exercise), team=team, every=every))
    with entry.lock:
        if not _read_on(exercise, entry):
            cache.drop(key)  # the log is not the one this timeline read: read it afresh
            entry = cache.entry(key, lambda: Timeline(projection_input(exercise), team=team, every=every))
            with entry.lock:
                _read_on(exercise, entry)
    cache.trim()
    return entry.timeline


def _read_on(exercise: Exercise, entry: _Entry) -> bool:
    """Fold the events the timeline has not read; False if the log no longer holds the last one it read."""
    line = entry.timeline
    if exercise.last_seq == line.read_seq == 0:
        return True
    # Not exercise.last_seq (another request may have read further than this one's copy of the row):
    # the last event read must still be in the log, with the same hash.
    rows = _read(exercise.id, after_seq=max(line.read_seq - 1, 0))
    if line.read_seq > 0:
        known = next(rows, None)
        if known is None or known["seq"] != line.read_seq or known["hash"] != entry.last_hash:
            return False
    last = {"hash": entry.last_hash}

    def remembered(events):
        for event in events:
            last["hash"] = event["hash"]
            yield event

    with _without_cyclic_gc():
        line.extend(remembered(rows))
    entry.last_hash = last["hash"]
    return True


def _read(exercise_id: int, after_seq: int, upto_seq: int | None = None):
    """The log's events after `after_seq`; every few thousand, other requests and sockets get their turn
    (eventlet, gevent): reading and folding a long log takes a second of CPU."""
    for count, event in enumerate(iter_events(exercise_id, after_seq, upto_seq), 1):
        if count % LET_OTHERS_RUN_EVERY == 0:
            socketio.sleep(0)
        yield event


# -- the state at a moment --------------------------------------------------------------------------


@dataclass
class Moment:
    """Where in the log a question lands: the seq and the exercise time it stands for."""

    seq: int
    at_s: float
    last_seq: int
    end_s: float  # the exercise time the log reaches (the clock, while it runs)


def find_moment(exercise: Exercise, line: Timeline, *, seq: int | None = None,
                at_s: float | None = None) -> Moment:
    """The seq and time of a question: a seq of the log, an exercise time, or (neither) the end.

    A time later than the exercise clock means the end; a seq beyond the log is an error.
    """
    last = line.read_seq
    end_s = max(elapsed(exercise), line.time_at(last))
    if seq is not None and at_s is not None:
        raise InvalidInput(gettext("give seq or at_s, not both"), fields={"at_s": [gettext("give seq or at_s, not both")]})
    if seq is not None:
        if seq > last:
            raise InvalidInput(gettext("the log of exercise %(id)s has %(last)s events", id=exercise.id, last=last),
                               fields={"seq": [gettext("at most %(last)s", last=last)]})
        return Moment(seq, line.time_at(seq), last, end_s)
    if at_s is None:
        return Moment(last, end_s, last, end_s)
    at_s = min(at_s, end_s)
    return Moment(line.seq_at(at_s), at_s, last, end_s)


def state_at(exercise_id: int, *, seq: int | None = None, at_s: float | None = None,
             team: str | None = None, recent: int | None = None) -> dict[str, Any]:
    """The projected state of an exercise at a moment (staff, or what one team had been sent).

    With ``recent``, the append-only collections (actions, messages, feedback) hold only their
    last ``recent`` entries; ``totals`` says how many there are.
    """
    exercise = get_exercise(exercise_id)
    if team is not None and exercise.team(team) is None:
        known = ", ".join(t.key for t in exercise.teams)
        raise InvalidInput(gettext("no team '%(team)s' in exercise %(id)s (teams: %(known)s)", team=team, id=exercise.id, known=known),
                           fields={"team": [gettext("unknown team")]})
    line = timeline(exercise, team)
    moment = find_moment(exercise, line, seq=seq, at_s=at_s)
    state, totals = state_of(exercise, line, moment.seq, recent=recent)
    return {**state, "at_s": moment.at_s, "last_seq": moment.last_seq, "end_s": moment.end_s, "totals": totals}


def state_of(exercise: Exercise, line: Timeline, seq: int, *,
             recent: int | None = None) -> tuple[State, dict[str, int]]:
    """The timeline's state at ``seq`` (reading from the log the events after its checkpoint), and the
    number of entries of its append-only collections; with ``recent``, only their last entries."""
    checkpoint = line.checkpoint_before(seq)
    events = () if seq in (checkpoint.read_seq, line.read_seq) else iter_events(
        exercise.id, checkpoint.read_seq, seq)
    with _without_cyclic_gc():
        return line.state_and_totals_at(seq, events, recent=recent)


def event_hash_at(exercise_id: int, seq: int) -> str:
    """The hash of the event at ``seq`` (the genesis hash for seq 0)."""
    if seq == 0:
        return GENESIS
    return db.session.scalar(db.select(Event.hash).where(Event.exercise_id == exercise_id, Event.seq == seq))


def timeline_markers(exercise_id: int, *, team: str | None = None) -> dict[str, Any]:
    """The scrubber of an exercise: its span and the markers of what happened (for a lens, what the team saw)."""
    exercise = get_exercise(exercise_id)
    if team is not None and exercise.team(team) is None:
        raise InvalidInput(gettext("no team '%(team)s' in exercise %(id)s", team=team, id=exercise.id), fields={"team": [gettext("unknown team")]})
    line = timeline(exercise, team)
    moment = find_moment(exercise, line)
    start_s = (exercise.branched_from or {}).get("at_s") or 0.0
    return {"exercise_id": exercise.id, "lens": team, "start_s": start_s, "end_s": moment.end_s,
            "last_seq": moment.last_seq, "status": exercise.status,
            "markers": [{"seq": seq, "at_s": at, "type": kind, "team": who, "label": label}
                        for seq, at, kind, who, label in line.markers]}
