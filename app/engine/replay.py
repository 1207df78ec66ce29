"""Replay: the projection of a long event log at any seq, quickly, from checkpoints.

A ``Timeline`` folds an exercise's log once, as it is read (``extend``), and keeps:

- the state at the head of the log, extended as new events arrive. The log is append-only, so
  nothing folded is ever invalidated: replay of a running exercise simply reads on from where
  it stopped. Its append-only collections (``projection.APPEND_ONLY``: actions, messages,
  feedback; most of a long log) are kept once, each entry encoded on its own (``marshal``), which
  takes a third of the memory of the dicts; a state takes the first entries it needs;
- a **checkpoint** every ``every`` events read: the rest of the state, as compressed JSON, with
  the lengths the append-only collections had;
- the exercise time each seq reached (``reach``), to find the seq of a moment by bisection;
- the **markers** of a scrubber: releases, acknowledgements, step changes, contingencies,
  messages, observations and clock changes, with the seq and time of each.

``state_at(seq, events)`` rebuilds the state at ``seq``: the last checkpoint at or before it is
decoded, its append-only collections are the first entries of the head's, and the events after
the checkpoint, which the caller reads and passes in, are folded by the projection's reducers.
The result equals ``projection.project(exercise, log, upto_seq=seq)`` and is the caller's to
change. With ``recent``, the append-only collections hold only their last entries (a page shows
those; decoding 100,000 actions to show 500 would cost more than the rest of a jump).

Reducers add to an append-only collection without reading it, except that a keyed one keeps
the first entry under a key (``setdefault``); each event is folded with fresh, empty
collections and what the reducer added is then taken in, with that rule applied.

A team lens has a Timeline of its own (``team=``): it reads every event, to keep its place and
its time index, and folds those the team was sent, exactly as ``projection.project(team=)``.

Pure: no clock, no I/O; the service reads the log and keeps timelines in a bounded cache.
"""

from __future__ import annotations

import json
import marshal
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import projection
from .projection import APPEND_ONLY, Event, State

# Events that get a marker on the scrubber.
MARKER_TYPES = frozenset({
    "exercise.started", "exercise.paused", "exercise.resumed", "exercise.speed", "exercise.ended",
    "inject.released", "inject.acknowledged", "inject.held", "inject.skipped", "inject.added",
    "step.status", "step.waived", "contingency.prompt", "contingency.dismissed",
    "message", "observation",
    # The radiological picture's events, as they are added to the log.
    "measurement.taken", "dose.alarm", "dose.guidance_reached", "zone.drawn", "zone.changed", "zone.removed",
    "zone.decided", "step.rule",
})
LABEL_LENGTH = 80


@dataclass(frozen=True)
class Checkpoint:
    """The state after the events up to ``read_seq``, without its append-only collections."""

    read_seq: int
    packed: bytes  # zlib-compressed JSON
    lengths: tuple[int, ...]  # of the APPEND_ONLY collections, in that order

    def unpack(self) -> State:
        return json.loads(zlib.decompress(self.packed))


class Appended:
    """An append-only collection of the head: entries encoded one by one, in order; keys if keyed."""

    def __init__(self, keyed: bool):
        self.keyed = keyed
        self.entries: list[bytes] = []
        self.keys: list[str] = []
        self.position: dict[str, int] = {}  # key -> index of its (first) entry

    def __len__(self) -> int:
        return len(self.entries)

    def has_key(self, key: str, within: int) -> bool:
        """Whether one of the first ``within`` entries has this key."""
        return self.position.get(key, within) < within

    def take(self, added: dict | list) -> None:
        """Take in what a reducer added to a fresh collection (a key already present keeps its entry)."""
        if self.keyed:
            for key, value in added.items():
                if key not in self.position:
                    self.position[key] = len(self.entries)
                    self.keys.append(key)
                    self.entries.append(marshal.dumps(value))
        else:
            self.entries.extend(marshal.dumps(value) for value in added)

    def decoded(self, start: int, stop: int) -> dict | list:
        """Entries ``start`` to ``stop`` as the state holds them (new objects: the caller's to change)."""
        values = [marshal.loads(entry) for entry in self.entries[start:stop]]
        return dict(zip(self.keys[start:stop], values)) if self.keyed else values


class Timeline:
    """An exercise's state at every seq of its log (staff, or one team's lens), from checkpoints."""

    def __init__(self, exercise: Mapping[str, Any], *, team: str | None = None, every: int = 1000):
        if every < 1:
            raise ValueError("every must be at least 1")
        self.exercise = exercise
        self.team = team
        self.every = every
        start = projection.initial_state(exercise, team=team)
        self.appended = {key: Appended(isinstance(start[key], dict)) for key in APPEND_ONLY}
        self.head: State = {key: value for key, value in start.items() if key not in APPEND_ONLY}
        self.read_seq = 0  # the last event read (for a lens, visible or not)
        self.reach = array("d")  # reach[seq - 1]: the latest exercise time of the events up to seq
        self.markers: list[tuple[int, float, str, str | None, str]] = []
        self.checkpoints: list[Checkpoint] = []
        self._read_since_checkpoint = 0
        self._checkpoint()

    # -- reading the log ------------------------------------------------------------------------

    def extend(self, events: Iterable[Event]) -> int:
        """Fold events that follow the ones read so far, in seq order; returns how many were read.

        Events at or before ``read_seq`` are skipped, so overlapping reads are harmless; a gap in
        the seqs is an error (the caller read the log wrongly).
        """
        read = 0
        reach = self.reach[-1] if self.reach else 0.0
        for event in events:
            seq = event["seq"]
            if seq <= self.read_seq:
                continue
            if seq != self.read_seq + 1:
                raise ValueError(f"the log jumps from seq {self.read_seq} to {seq}")
            at_s = event.get("exercise_time_s") or 0.0
            if at_s > reach:
                reach = at_s
            self.reach.append(reach)
            if self.team is None or projection.visible_to_team(event, self.team):
                added = _fold(self.head, event)
                if added:
                    for key, collection in added.items():
                        self.appended[key].take(collection)
                if event["type"] in MARKER_TYPES:
                    self.markers.append(_marker(event))
            self.read_seq = seq
            read += 1
            self._read_since_checkpoint += 1
            if self._read_since_checkpoint >= self.every:
                self._checkpoint()
        return read

    def _checkpoint(self) -> None:
        packed = zlib.compress(json.dumps(self.head, separators=(",", ":")).encode(), 1)
        lengths = tuple(len(self.appended[key]) for key in APPEND_ONLY)
        self.checkpoints.append(Checkpoint(self.read_seq, packed, lengths))
        self._read_since_checkpoint = 0

    # -- finding a moment -----------------------------------------------------------------------

    def seq_at(self, at_s: float) -> int:
        """The seq of the state at exercise time ``at_s``: the events before the first one later
        than ``at_s`` (``projection.project(upto_s=)`` stops at the same place)."""
        return bisect_right(self.reach, at_s)

    def time_at(self, seq: int) -> float:
        """The latest exercise time of the events up to ``seq``."""
        return self.reach[seq - 1] if seq >= 1 else 0.0

    def checkpoint_before(self, seq: int) -> Checkpoint:
        """The last checkpoint taken at or before ``seq``."""
        low, high = 0, len(self.checkpoints)
        while high - low > 1:
            middle = (low + high) // 2
            if self.checkpoints[middle].read_seq <= seq:
                low = middle
            else:
                high = middle
        return self.checkpoints[low]

    def markers_between(self, first_seq: int = 0, last_seq: int | None = None) -> list[tuple]:
        """Markers with first_seq <= seq <= last_seq, in seq order."""
        start = bisect_right(self.markers, (first_seq,))  # tuples compare by seq first
        stop = len(self.markers) if last_seq is None else bisect_right(self.markers, (last_seq, float("inf")))
        return self.markers[start:stop]

    # -- the state at a seq ---------------------------------------------------------------------

    def state_at(self, seq: int, events: Iterable[Event] = (), *, recent: int | None = None) -> State:
        """The state after the events up to ``seq`` (at most ``read_seq``).

        ``events`` must hold the log's events after ``checkpoint_before(seq).read_seq`` up to
        ``seq`` (more are ignored); when ``seq`` is the head, none are needed. With ``recent``,
        the append-only collections hold their last ``recent`` entries only.
        """
        return self.state_and_totals_at(seq, events, recent=recent)[0]

    def state_and_totals_at(self, seq: int, events: Iterable[Event] = (), *,
                            recent: int | None = None) -> tuple[State, dict[str, int]]:
        """``state_at``, and the number of entries of each append-only collection at ``seq``."""
        if not 0 <= seq <= self.read_seq:
            raise ValueError(f"seq {seq} is outside the log read so far (0 to {self.read_seq})")
        if seq == self.read_seq:
            state = json.loads(json.dumps(self.head))  # a copy (JSON data), faster than deepcopy
            lengths = {key: len(appended) for key, appended in self.appended.items()}
            later: dict[str, Any] = {key: ({} if a.keyed else []) for key, a in self.appended.items()}
        else:
            checkpoint = self.checkpoint_before(seq)
            state, lengths = checkpoint.unpack(), dict(zip(APPEND_ONLY, checkpoint.lengths))
            later = self._fold_after(state, checkpoint, seq, events, lengths)
        totals = {key: lengths[key] + len(later[key]) for key in APPEND_ONLY}
        for key in APPEND_ONLY:
            appended, added, length = self.appended[key], later[key], lengths[key]
            keep = totals[key] if recent is None else min(recent, totals[key])
            from_prefix = max(keep - len(added), 0)  # the rest comes from the events after the checkpoint
            collection = appended.decoded(length - from_prefix, length)
            if appended.keyed:
                collection.update(added)  # keys not among the prefix's, so they come after it
                if len(collection) > keep:
                    collection = dict(list(collection.items())[len(collection) - keep:])
            else:
                collection.extend(added)
                collection = collection[len(collection) - keep:]
            state[key] = collection
        return state, totals

    def _fold_after(self, state: State, checkpoint: Checkpoint, seq: int, events: Iterable[Event],
                    lengths: dict[str, int]) -> dict[str, Any]:
        """Fold the events after the checkpoint up to ``seq`` into ``state``; what they appended."""
        later: dict[str, Any] = {key: ({} if a.keyed else []) for key, a in self.appended.items()}
        expected = checkpoint.read_seq + 1
        for event in events:
            event_seq = event["seq"]
            if event_seq <= checkpoint.read_seq:
                continue
            if event_seq > seq:
                break
            if event_seq != expected:
                raise ValueError(f"events after the checkpoint at seq {checkpoint.read_seq} jump to {event_seq}")
            added = _fold(state, event)
            for key, collection in (added or {}).items():
                if self.appended[key].keyed:
                    for entry_key, value in collection.items():
                        if not self.appended[key].has_key(entry_key, lengths[key]):
                            later[key].setdefault(entry_key, value)
                else:
                    later[key].extend(collection)
            expected += 1
        if expected != seq + 1:
            raise ValueError(f"events from seq {checkpoint.read_seq + 1} to {seq} are needed, got up to {expected - 1}")
        return later

    # -- what it costs --------------------------------------------------------------------------

    def checkpoint_bytes(self) -> int:
        """Bytes held by the checkpoints' packed states."""
        return sum(len(c.packed) for c in self.checkpoints)

    def appended_bytes(self) -> int:
        """Bytes of the encoded entries of the append-only collections."""
        return sum(len(entry) for appended in self.appended.values() for entry in appended.entries)


def _fold(state: State, event: Event) -> dict[str, Any] | None:
    """Apply an event to a state kept without its append-only collections; what the event appended.

    The reducer gets fresh, empty collections (see the module docstring); they are taken out again.
    """
    for key in APPEND_ONLY:
        state[key] = _EMPTY[key]()
    if state["lens"] is not None and not projection.visible_to_team(event, state["lens"]):
        added = None
    else:
        projection.apply(state, event)
        added = {key: state[key] for key in APPEND_ONLY if state[key]} or None
    for key in APPEND_ONLY:
        del state[key]
    return added


# The empty container of each append-only collection (a dict when keyed, a list otherwise).
_EMPTY = {key: type(value) for key, value in projection.initial_state({}).items() if key in APPEND_ONLY}


def _marker(event: Event) -> tuple[int, float, str, str | None, str]:
    """(seq, exercise time, type, team, label) of an event on the scrubber."""
    data = event.get("data")
    if data is None:
        data = event.get("payload") or {}
    kind = event["type"]
    if kind == "inject.released":
        label = f"{data.get('id', '')} {data.get('title', '')}"
    elif kind == "inject.acknowledged":
        label = f"{data.get('inject_id', '')} by {data.get('by') or event.get('actor') or ''}"
    elif kind in ("inject.held", "inject.skipped", "inject.added", "contingency.dismissed"):
        inject = data.get("inject") or {}
        label = f"{inject.get('id', '')} {inject.get('title', '')}"
    elif kind == "step.status":
        label = f"{data.get('step', '')} {data.get('status', '')}"
    elif kind == "step.waived":
        label = f"{data.get('step', '')} waived"
    elif kind == "contingency.prompt":
        label = f"{data.get('inject_id', '')} proposed ({data.get('step', '')} overdue)"
    elif kind == "message":
        label = str(data.get("text", ""))
    elif kind == "observation":
        label = str((data.get("observation") or {}).get("text", ""))
    elif kind.startswith("exercise."):
        label = kind.split(".", 1)[1]
    elif kind.startswith("zone."):
        zone = data.get("zone") or {}
        what = (data.get("decision") or {}).get("label") if kind == "zone.decided" else kind.split(".", 1)[1]
        label = f"{zone.get('id', '')} {zone.get('kind', '')} {what or ''}"
    elif kind == "step.rule":
        label = f"{data.get('step', '')} {'holds' if data.get('ok') else 'fails'}: {data.get('reason', '')}"
    else:
        label = kind
    team = event.get("team") or data.get("team")
    return (event["seq"], float(event.get("exercise_time_s") or 0.0), kind, team, label.strip()[:LABEL_LENGTH])
