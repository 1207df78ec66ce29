"""The audit of an exercise's log: its hash chain, the anchors kept outside it, and the tables
that copy what it says.

``LogAudit(exercise_id, anchors, records).check(rows)`` reads the stored events once, in seq
order (``feed`` + ``result`` when another pass, such as the report, reads the same rows), and
reports every problem with the seq it concerns and a reason:

| kind | found when |
|---|---|
| ``missing`` | seqs are absent from the log (an event in the middle was deleted) |
| ``reordered`` | an event is stored under another seq than it was logged with, or seqs go backwards |
| ``altered`` | an event's contents no longer match its hash |
| ``unlinked`` | ``prev_hash`` is not the previous event's hash (one of them was rewritten and re-hashed) |
| ``foreign``, ``unreadable`` | a row of another exercise; a row that lacks fields or cannot be hashed |
| ``truncated`` | the log ends before the head, a checkpoint or the signed head (events deleted from the end) |
| ``extra`` | the log goes on past the exercise's head or the signed head |
| ``head`` | the exercise's head (``last_seq``/``last_hash``) disagrees with the log or the signed head |
| ``rechained`` | a checkpoint or the signed head names another hash for a seq in the log: the log was |
|   | rewritten and its hashes recomputed |
| ``signature`` | a checkpoint's signature does not verify, or its key is not known |
| ``unsigned`` | the head carries no signature, or a status change has no checkpoint (checkpoints deleted) |
| ``record`` | a row of ``actions``, ``waivers`` or ``acknowledgements`` disagrees with its event, or has none |

Rules worth knowing:

* One problem per row: a row whose contents are altered is not also reported as badly linked,
  and the link from a row already reported is not checked.
* Every anchor that a rewrite invalidates is reported in one problem that names the range that
  was rewritten (between the last checkpoint that still matches and the first that does not).
* The head and the signed head are compared with the end of the chain when the reading is done
  (``anchors`` may be updated until then: a caller reading a live log reads the head last).
* ``anchors.checked_through`` (the head when the checkpoints and tables were read) bounds what
  may be expected of them: later events may have checkpoints and rows that were not read yet.
* Checkpoints are expected at every status change from the exercise's first checkpoint on (an
  exercise logged before checkpoints existed has none to expect).
* Table rows are compared at the log's precision: exercise time to 3 decimals, wall time to the
  millisecond.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .eventlog import CHECKPOINT_TYPES, GENESIS, HASHED_FIELDS, Checkpoint, _digest, hashed_record, signature_valid

# Problems listed in a result; the rest are counted (a log rewritten row by row would list thousands).
MAX_PROBLEMS = 100

# Event types that tables repeat (actions, waivers, acknowledgements).
_RECORD_TYPES = frozenset({"action.logged", "step.waived", "inject.acknowledged"})


@dataclass(frozen=True)
class Problem:
    seq: int | None  # the seq it concerns (None: a table row that names no event)
    kind: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "reason": self.reason}


@dataclass(frozen=True)
class Head:
    """The exercise row's head of the log: the next event takes seq + 1 and links to hash."""

    seq: int
    hash: str


@dataclass
class Anchors:
    """What the log is compared with: the exercise's head, its signed head, its checkpoints, and
    the public keys that may have signed them (by key id)."""

    head: Head | None = None
    signed_head: Checkpoint | None = None
    checkpoints: Sequence[Checkpoint] = ()
    public_keys: Mapping[str, Ed25519PublicKey] = field(default_factory=dict)
    checked_through: int | None = None  # the head's seq when checkpoints and tables were read (None: all)


@dataclass
class Records:
    """Table rows that repeat what events say, as plain dicts.

    actions: id, event_seq, team, step, text, client_id, exercise_time_s, wall_time;
    waivers: team, step, reason, exercise_time_s, wall_time;
    acknowledgements: inject_id (the inject's key), participant_id, team, exercise_time_s, wall_time.
    Wall times are aware datetimes, or ISO strings already at the millisecond (as events spell them).
    """

    actions: Sequence[Mapping[str, Any]] = ()
    waivers: Sequence[Mapping[str, Any]] = ()
    acknowledgements: Sequence[Mapping[str, Any]] = ()


@dataclass(frozen=True)
class AuditResult:
    ok: bool
    count: int  # events intact before the first problem (all of them when ok)
    read: int  # events read
    first_broken_seq: int | None
    reason: str | None
    last_hash: str  # hash of the last event before the first problem (GENESIS if none)
    problems: tuple[Problem, ...]
    more_problems: int  # found beyond the problems listed
    head: Head | None
    signed_head: dict[str, Any] | None
    checkpoints: dict[str, int]
    records: dict[str, int] | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "events": self.count, "first_broken_seq": self.first_broken_seq, "reason": self.reason,
            "last_hash": self.last_hash, "events_read": self.read,
            "head": None if self.head is None else {"seq": self.head.seq, "hash": self.head.hash},
            "signed_head": self.signed_head, "checkpoints": self.checkpoints, "records": self.records,
            "problems": [p.as_dict() for p in self.problems], "more_problems": self.more_problems,
        }


class LogAudit:
    """One audit of one exercise's log; see the module docstring for what it checks."""

    def __init__(self, exercise_id: int, anchors: Anchors | None = None, records: Records | None = None):
        self.exercise_id = exercise_id
        self.anchors = anchors or Anchors()
        self.records = records
        self._problems: list[Problem] = []
        self._found = 0
        self._read = 0
        self._last_seq = 0
        self._last_hash = GENESIS
        self._intact_hash = GENESIS  # hash of the last row read before the first problem
        self._kept: dict[int, str] = {0: GENESIS}  # stored hashes of seqs the result may need
        self._mismatched: list[tuple[Checkpoint, str, int]] = []  # (checkpoint, the log's hash, last seq matched)
        self._last_matched = 0
        self._verdicts: dict[int, bool] = {}  # id() of a checkpoint -> its signature verifies
        self._suspects: list[tuple[int, tuple, int]] = []  # altered rows: (seq, row, index in _problems)
        self._tables: tuple[dict, dict, dict] | None = None
        self._done = False

    # -- reading ------------------------------------------------------------------------------------

    def check(self, rows: Iterable[Mapping[str, Any]]) -> AuditResult:
        for _ in self.feed(rows):
            pass
        return self.result()

    def feed(self, rows: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
        """Check each row, then hand it on (to the report, which reads the same rows)."""
        exercise_id = self.exercise_id
        problem = self._add
        checkpoints_at: dict[int, list[Checkpoint]] = {}
        for checkpoint in self.anchors.checkpoints:
            checkpoints_at.setdefault(checkpoint.seq, []).append(checkpoint)
        through = self.anchors.checked_through
        first_checkpoint = min(checkpoints_at, default=None)
        expect_from = first_checkpoint if first_checkpoint is not None else float("inf")
        expect_to = through if through is not None else float("inf")
        keep = {seq - 1 for seq in checkpoints_at}
        if self.anchors.head is not None:
            keep |= {self.anchors.head.seq, self.anchors.head.seq - 1}
        kept = self._kept
        tables = self._tables = self._table_maps() if self.records is not None else None
        actions = tables[0] if tables is not None else {}
        prev_seq, prev_hash, prev_bad = 0, GENESIS, False
        read = 0
        for row in rows:
            read += 1
            try:
                record = hashed_record(row)
                stored_prev, stored_hash = row["prev_hash"], row["hash"]
            except KeyError:
                absent = [name for name in (*HASHED_FIELDS, "prev_hash", "hash") if name not in row]
                seq = row["seq"] if isinstance(row.get("seq"), int) else prev_seq + 1
                problem(seq, "unreadable", f"event is missing {', '.join(absent)}")
                prev_seq, prev_hash, prev_bad = max(prev_seq, seq), "", True
                yield row
                continue
            seq = record["seq"]
            bad = gap = False
            if record["exercise_id"] != exercise_id:
                problem(seq, "foreign", f"event belongs to exercise {record['exercise_id']!r}, not {exercise_id!r}")
                bad = True
            if seq != prev_seq + 1:
                if isinstance(seq, int) and seq > prev_seq + 1:
                    first, last = prev_seq + 1, seq - 1
                    span = f"event seq {first} is" if first == last else f"events seq {first} to {last} are"
                    problem(first, "missing", f"{span} missing from the log (deleted)")
                    gap = True
                else:
                    problem(seq if isinstance(seq, int) else prev_seq, "reordered",
                            f"seq {seq!r} comes after seq {prev_seq} (events out of order or repeated)")
                    bad = True
            try:
                intact = _digest(stored_prev, record) == stored_hash
            except (TypeError, ValueError) as exc:
                problem(seq, "unreadable", f"event cannot be hashed: {exc}")
                intact, bad = True, True
            if not intact and not bad:
                self._altered(seq, (stored_prev, record, stored_hash))
                bad = True
            elif not (bad or gap or prev_bad) and stored_prev != prev_hash:
                what = "the start of the chain" if seq == 1 else f"seq {seq - 1}"
                problem(seq, "unlinked", f"prev_hash does not match the hash of {what} (an event was rewritten "
                                         "and re-hashed)")
                bad = True
            if seq in checkpoints_at:
                for checkpoint in checkpoints_at[seq]:
                    if checkpoint.hash == stored_hash:
                        self._last_matched = seq
                    else:
                        self._mismatched.append((checkpoint, stored_hash, self._last_matched))
            if expect_from <= seq <= expect_to and record["type"] in CHECKPOINT_TYPES and seq not in checkpoints_at:
                problem(seq, "unsigned", f"event seq {seq} ({record['type']}) has no checkpoint "
                                         "(a status change always has one: checkpoints were deleted)")
            if tables is not None and (record["type"] in _RECORD_TYPES or seq in actions):
                # Most events of a long log are logged actions: an action row that agrees is settled here.
                found = actions.get(seq)
                payload = record["payload"]
                action = (found is not None and record["type"] == "action.logged" and type(payload) is dict
                          and payload.get("action"))
                if type(action) is dict and found[1] == (
                        action.get("id"), record["team"], action.get("step"), action.get("text"),
                        action.get("client_id"), record["exercise_time_s"], record["wall_time"]):
                    del actions[seq]
                else:
                    self._check_records(seq, record, tables, expect_to)
            if seq in keep:
                kept[seq] = stored_hash
            if not self._found:
                self._intact_hash = stored_hash
            if isinstance(seq, int):
                prev_seq = max(prev_seq, seq)
            prev_hash, prev_bad = stored_hash, bad
            yield row
        self._read = read
        self._last_seq = prev_seq
        self._last_hash = prev_hash

    # -- the result ---------------------------------------------------------------------------------

    def result(self) -> AuditResult:
        """What the rows fed so far show, once compared with the head, the checkpoints and the tables."""
        if not self._done:
            self._done = True
            self._check_signatures()
            self._check_head()
            self._check_rechained()
            self._check_beyond_end()
            self._check_leftover_records()
        problems = sorted(self._problems, key=lambda p: (p.seq is None, p.seq or 0))
        first = problems[0] if problems else None
        if first is None or first.seq is None or first.seq > self._last_seq:
            count, last_hash = self._read, self._last_hash
        else:
            count = max(0, min(first.seq - 1, self._read))
            last_hash = self._kept.get(first.seq - 1, self._intact_hash)
        signed = self.anchors.signed_head
        records = None
        if self.records is not None:
            records = {"actions": len(self.records.actions), "waivers": len(self.records.waivers),
                       "acknowledgements": len(self.records.acknowledgements)}
        listed = problems[:MAX_PROBLEMS]
        return AuditResult(
            ok=not problems, count=count, read=self._read,
            first_broken_seq=first.seq if first else None, reason=first.reason if first else None,
            last_hash=last_hash, problems=tuple(listed), more_problems=self._found - len(listed),
            head=self.anchors.head,
            signed_head=None if signed is None else {**signed.as_dict(), "valid": self._verifies(signed)},
            checkpoints={"count": len(self.anchors.checkpoints),
                         "verified": sum(1 for c in self.anchors.checkpoints if self._verifies(c))},
            records=records,
        )

    # -- problems -----------------------------------------------------------------------------------

    def _add(self, seq: int | None, kind: str, reason: str) -> None:
        self._found += 1
        if len(self._problems) < 4 * MAX_PROBLEMS:  # enough to list the first ones; the count goes on
            self._problems.append(Problem(seq, kind, reason))

    def _altered(self, seq: int, row: tuple[str, dict[str, Any], str]) -> None:
        """An altered row; when its contents hash right under another altered row's seq (or the other's
        under this one), the two were reordered rather than edited."""
        kind, reason = "altered", "hash does not match the event's contents (the event was altered)"
        for other_seq, other, index in self._suspects:
            if _logged_as(other, seq) and self._problems[index].kind == "altered":
                self._problems[index] = Problem(other_seq, "reordered", _moved(other_seq, seq))
            if _logged_as(row, other_seq):
                kind, reason = "reordered", _moved(seq, other_seq)
        if len(self._problems) < 4 * MAX_PROBLEMS and len(self._suspects) < 50:
            self._suspects.append((seq, row, len(self._problems)))
        self._add(seq, kind, reason)

    # -- anchors ------------------------------------------------------------------------------------

    def _anchors(self) -> list[Checkpoint]:
        signed = self.anchors.signed_head
        return [*self.anchors.checkpoints, *([signed] if signed is not None else [])]

    def _name(self, anchor: Checkpoint) -> str:
        if anchor is self.anchors.signed_head:
            return f"the signed head (seq {anchor.seq}, signed {anchor.wall_time})"
        return f"the checkpoint at seq {anchor.seq} (signed {anchor.wall_time})"

    def _verifies(self, anchor: Checkpoint) -> bool:
        verdict = self._verdicts.get(id(anchor))
        if verdict is None:
            key = self.anchors.public_keys.get(anchor.key_id)
            verdict = key is not None and anchor.exercise_id == self.exercise_id and signature_valid(anchor, key)
            self._verdicts[id(anchor)] = verdict
        return verdict

    def _check_signatures(self) -> None:
        for anchor in self._anchors():
            if self._verifies(anchor):
                continue
            if anchor.key_id not in self.anchors.public_keys:
                reason = (f"{self._name(anchor)} is signed with key {anchor.key_id}, which is not among the known "
                          "public keys")
            elif anchor.exercise_id != self.exercise_id:
                reason = f"{self._name(anchor)} was signed for exercise {anchor.exercise_id}, not this one"
            else:
                reason = (f"the signature of {self._name(anchor)} does not verify with key {anchor.key_id} "
                          "(the checkpoint was altered)")
            self._add(anchor.seq, "signature", reason)

    def _check_head(self) -> None:
        head, signed, last = self.anchors.head, self.anchors.signed_head, self._last_seq
        if head is not None:
            if last < head.seq:
                span = f"event {head.seq} is" if last + 1 == head.seq else f"events {last + 1} to {head.seq} are"
                self._add(last + 1, "truncated", f"the log ends at seq {last} but the exercise's head is seq "
                                                 f"{head.seq}: {span} missing (deleted from the end)")
            elif last > head.seq:
                self._add(head.seq + 1, "extra", f"the log goes on to seq {last}, past the exercise's head at seq "
                                                 f"{head.seq}: events were added outside the log, or the head was "
                                                 "rewound")
            elif self._last_hash != head.hash:
                self._add(last, "head", f"the hash of the last event (seq {last}) is not the exercise's head hash: "
                                        "the log or the head was rewritten")
        if signed is None:
            if (head is not None and head.seq > 0) or self._read:
                self._add(head.seq if head is not None else last, "unsigned",
                          "the exercise's head carries no signature (it was removed, or the log was written "
                          "before signed checkpoints existed)")
            return
        if head is not None and (signed.seq, signed.hash) != (head.seq, head.hash):
            seq = min(signed.seq, head.seq) + 1 if signed.seq != head.seq else head.seq
            how = "rewound" if head.seq < signed.seq else "rewritten"
            self._add(seq, "head", f"the exercise's head (seq {head.seq}, hash {head.hash[:16]}…) is not the signed "
                                   f"head (seq {signed.seq}, hash {signed.hash[:16]}…, signed {signed.wall_time}): "
                                   f"the head was {how}")
        if signed.seq < last:
            self._add(signed.seq + 1, "extra", f"the log goes on to seq {last}, past the signed head at seq "
                                               f"{signed.seq}: events were added without the audit key")

    def _check_rechained(self) -> None:
        mismatched = list(self._mismatched)
        signed = self.anchors.signed_head
        if signed is not None and 0 < signed.seq == self._last_seq and signed.hash != self._last_hash:
            mismatched.append((signed, self._last_hash, self._last_matched))
        if not mismatched:
            return
        anchor, found, since = mismatched[0]
        where = (f"the log was rewritten after seq {since} (which still matches its checkpoint) and at or before "
                 f"seq {anchor.seq}" if since else f"the log was rewritten at or before seq {anchor.seq}")
        others = [self._name(a).split(" (")[0] for a, _, _ in mismatched[1:]]
        also = ""
        if others:
            also = f"; {others[0]} does not match either" if len(others) == 1 else \
                f"; {len(others)} later anchors (up to {others[-1]}) do not match either"
        self._add(anchor.seq, "rechained", f"{self._name(anchor)} says hash {anchor.hash[:16]}…, the log has "
                                           f"{found[:16]}… there: {where}, and its hashes recomputed{also}")

    def _check_beyond_end(self) -> None:
        last = self._last_seq
        beyond = [anchor for anchor in self._anchors() if anchor.seq > last]
        if not beyond:
            return
        latest = max(beyond, key=lambda a: (a.seq, a is self.anchors.signed_head))
        if len(beyond) == 1:
            what = f"{self._name(latest)} lies"
        else:
            what = f"{len(beyond)} signed checkpoints (the latest: {self._name(latest)}) lie"
        self._add(last + 1, "truncated", f"{what} beyond the log's end at seq {last}: events were deleted from "
                                         "the end")

    # -- tables that copy the log ---------------------------------------------------------------------

    def _table_maps(self) -> tuple[dict, dict, dict]:
        """Each table's rows by the event they copy, with what they say in the log's terms (compared as a
        tuple: this runs for most events of a long log)."""
        assert self.records is not None
        actions = {row["event_seq"]: (row, (row["id"], row["team"], row["step"], row["text"], row["client_id"],
                                            *_times(row)))
                   for row in self.records.actions}
        waivers = {(row["team"], row["step"]): (row, (row["reason"], *_times(row))) for row in self.records.waivers}
        acks = {(row["inject_id"], row["participant_id"]): (row, (row["team"], *_times(row)))
                for row in self.records.acknowledgements}
        return actions, waivers, acks

    def _check_records(self, seq: int, record: Mapping[str, Any], tables: tuple[dict, dict, dict],
                       expect_to: float) -> None:
        actions, waivers, acks = tables
        kind = record["type"]
        payload = record["payload"] if isinstance(record["payload"], dict) else {}
        times = (record["exercise_time_s"], record["wall_time"])
        expected = seq <= expect_to  # a row of a later event may not have been read yet
        if kind == "action.logged":
            action = payload.get("action") if isinstance(payload.get("action"), dict) else {}
            found = actions.pop(seq, None)
            if found is None:
                if expected:
                    self._add(seq, "record", f"event seq {seq} logs action {action.get('id')!r}, which the actions "
                                             "table does not have (the row was deleted or renumbered)")
                return
            self._compare(seq, "actions", _ACTION_FIELDS, found[1], (
                action.get("id"), record["team"], action.get("step"), action.get("text"), action.get("client_id"),
                *times), record)
            return
        if seq in actions:
            row = actions.pop(seq)[0]
            self._add(seq, "record", f"the actions row {row['id']} names event seq {seq}, which is a {kind} "
                                     "event, not action.logged")
        if kind == "step.waived":
            found = waivers.pop((payload.get("team"), payload.get("step")), None)
            if found is None:
                if expected:
                    self._add(seq, "record", f"event seq {seq} waives step {payload.get('step')!r} for team "
                                             f"{payload.get('team')!r}, which the waivers table does not have")
                return
            self._compare(seq, "waivers", _WAIVER_FIELDS, found[1], (payload.get("reason"), *times), record)
        elif kind == "inject.acknowledged":
            found = acks.pop((payload.get("inject_id"), payload.get("participant_id")), None)
            if found is None:
                if expected:
                    self._add(seq, "record", f"event seq {seq} acknowledges inject {payload.get('inject_id')!r}, "
                                             "which the acknowledgements table does not have")
                return
            self._compare(seq, "acknowledgements", _ACK_FIELDS, found[1], (payload.get("team"), *times), record)

    def _compare(self, seq: int, table: str, names: tuple[str, ...], in_table: tuple, in_log: tuple,
                 record: Mapping[str, Any]) -> None:
        if in_table == in_log:
            return
        differ = [f"{name} is {mine!r} in the table but {theirs!r} in the log"
                  for name, mine, theirs in zip(names, in_table, in_log) if mine != theirs]
        self._add(seq, "record", f"the {table} row of event seq {seq} ({record['type']}) differs from the "
                                 f"event: {'; '.join(differ)}")

    def _check_leftover_records(self) -> None:
        if self.records is None:
            return
        actions, waivers, acks = self._tables or self._table_maps()
        for seq, (row, _) in sorted(actions.items(), key=lambda item: str(item[0]).zfill(20)):
            self._add(seq if isinstance(seq, int) else None, "record",
                      f"the actions row {row['id']} names event seq {seq}, which is not in the log")
        for team, step in sorted(waivers, key=str):
            self._add(None, "record", f"the waivers table waives step {step!r} for team {team!r}, "
                                      "but no step.waived event says so")
        for inject, participant in sorted(acks, key=str):
            self._add(None, "record", f"the acknowledgements table has participant {participant} acknowledging "
                                      f"inject {inject!r}, but no inject.acknowledged event says so")


def _logged_as(row: tuple[str, dict[str, Any], str], seq: int) -> bool:
    """Whether a stored row (prev_hash, hashed fields, hash) hashes right when its seq is ``seq``."""
    stored_prev, record, stored_hash = row
    try:
        return _digest(stored_prev, {**record, "seq": seq}) == stored_hash
    except (TypeError, ValueError):
        return False


def _moved(stored_at: int, logged_as: int) -> str:
    return f"the event stored at seq {stored_at} was logged as seq {logged_as} (events were reordered)"


_ACTION_FIELDS = ("id", "team", "step", "text", "client_id", "exercise time", "wall time")
_WAIVER_FIELDS = ("reason", "exercise time", "wall time")
_ACK_FIELDS = ("team", "exercise time", "wall time")


def _times(row: Mapping[str, Any]) -> tuple[Any, Any]:
    """A row's exercise and wall time at the log's precision (3 decimals; the millisecond, ISO 8601)."""
    at, wall = row["exercise_time_s"], row["wall_time"]
    if isinstance(at, (int, float)):
        at = round(float(at), 3)
    if isinstance(wall, datetime):
        wall = wall.replace(microsecond=wall.microsecond // 1000 * 1000).isoformat()
    return at, wall
