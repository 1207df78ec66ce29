"""The tamper-evident event log (DESIGN.md §5): canonical JSON and the per-exercise hash chain.

Each event's ``hash`` is ``sha256(prev_hash + canonical_json(record))`` over exactly the fields
in ``HASHED_FIELDS``; the first event of an exercise links to ``GENESIS``. Changing, deleting,
inserting or reordering any event breaks the chain at that event, and ``verify_chain`` says
where and why.

``exercise_time_s`` is hashed as a float. Other stored values must round-trip exactly:
``wall_time`` is hashed as the ISO string that was written (store that string, or re-format it
identically), and payloads must be JSON data.

A chain alone cannot show that its newest events were deleted, nor that someone rewrote it and
recomputed every hash with this public algorithm. **Checkpoints** anchor it: an Ed25519
signature over (exercise, seq, hash of that event, wall time, key id) by a key kept outside the
database. ``checkpoint_statement`` is the exact byte string that is signed; ``engine.audit``
compares checkpoints with the chain.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

GENESIS = "0" * 64

# The record that is hashed: everything about an event except its own links.
HASHED_FIELDS: tuple[str, ...] = (
    "exercise_id",
    "seq",
    "type",
    "actor",
    "team",
    "visible_to",
    "exercise_time_s",
    "wall_time",
    "payload",
)
_HASHED_SET = frozenset(HASHED_FIELDS)


def canonical_json(obj: Any) -> str:
    """The one JSON spelling of ``obj`` that is hashed: sorted keys, no spaces, UTF-8 text.

    Raises TypeError for values that are not JSON (datetimes must already be ISO strings) and
    ValueError for NaN/infinity, which JSON cannot carry.
    """
    return _CANONICAL.encode(obj)


# One encoder for every call: json.dumps would build a new one each time (a third of the cost of
# verifying a long log). Same settings, same output.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def event_hash(prev_hash: str, record: Mapping[str, Any]) -> str:
    """The hash of an event whose hashed fields are ``record``, linked to ``prev_hash``."""
    if record.keys() != _HASHED_SET:
        # Hashing a row with extra keys (id, hash...) or missing ones would silently
        # produce a chain nobody can re-verify; refuse it instead.
        fields = set(record)
        missing = sorted(_HASHED_SET - fields)
        unexpected = sorted(fields - _HASHED_SET)
        raise ValueError(f"event record fields differ: missing {missing}, unexpected {unexpected}")
    return _digest(prev_hash, record)


def _digest(prev_hash: str, record: Mapping[str, Any]) -> str:
    # A Float column hands back 60.0 for a stored 60; hash the float so both spell the same.
    # (Copied only when it needs converting: verifying a long log hashes 100,000 of these.)
    at = record["exercise_time_s"]
    if at is not None and type(at) is not float:
        record = {**record, "exercise_time_s": float(at)}
    return hashlib.sha256((prev_hash + canonical_json(record)).encode("utf-8")).hexdigest()


def hashed_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """The hashed fields of a stored event row (which also has prev_hash, hash, maybe an id)."""
    return {name: row[name] for name in HASHED_FIELDS}


@dataclass(frozen=True)
class ChainCheck:
    """Result of verifying an exercise's event chain."""

    ok: bool
    count: int  # events verified intact, from the start of the chain
    first_broken_seq: int | None  # the seq at which the chain breaks
    reason: str | None
    last_hash: str  # hash of the last intact event (GENESIS if none)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "events": self.count, "first_broken_seq": self.first_broken_seq,
                "reason": self.reason, "last_hash": self.last_hash}


def verify_chain(
    rows: Iterable[Mapping[str, Any]], *, prev_hash: str = GENESIS, first_seq: int = 1
) -> ChainCheck:
    """Check that ``rows`` (in seq order) number gaplessly from ``first_seq``, link and hash correctly.

    ``prev_hash``/``first_seq`` let a caller resume verification after an already checked prefix.
    """
    count = 0
    expected_seq = first_seq
    exercise_id = None

    def broken(reason: str) -> ChainCheck:
        return ChainCheck(False, count, expected_seq, reason, prev_hash)

    for row in rows:
        try:
            record = hashed_record(row)
            stored_prev, stored_hash = row["prev_hash"], row["hash"]
        except KeyError:
            missing = [name for name in (*HASHED_FIELDS, "prev_hash", "hash") if name not in row]
            return broken(f"event is missing {', '.join(missing)}")
        if count == 0:
            exercise_id = record["exercise_id"]
        elif record["exercise_id"] != exercise_id:
            return broken(f"event belongs to exercise {record['exercise_id']!r}, not {exercise_id!r}")
        if record["seq"] != expected_seq:
            return broken(
                f"expected seq {expected_seq}, found {record['seq']!r} (an event is missing or out of order)"
            )
        if stored_prev != prev_hash:
            what = "the start of the chain" if count == 0 and first_seq == 1 else f"seq {expected_seq - 1}"
            return broken(f"prev_hash does not match the hash of {what}")
        try:
            recomputed = _digest(prev_hash, record)
        except (TypeError, ValueError) as exc:
            return broken(f"event cannot be hashed: {exc}")
        if stored_hash != recomputed:
            return broken("hash does not match the event's contents (the event was altered)")
        prev_hash = recomputed
        count += 1
        expected_seq += 1
    return ChainCheck(True, count, None, None, prev_hash)


# -- signed checkpoints ---------------------------------------------------------------------------

CHECKPOINT_FORMAT = "cordon.checkpoint/1"

# Event types after which a checkpoint is always written: the exercise's status changes.
CHECKPOINT_TYPES = frozenset({
    "exercise.created", "exercise.started", "exercise.paused", "exercise.resumed", "exercise.ended",
})


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement: at ``wall_time``, event ``seq`` of the exercise's log had ``hash``."""

    exercise_id: int
    seq: int
    hash: str
    wall_time: str  # ISO 8601, as the events' wall_time is spelled
    key_id: str
    signature: str  # hex, 64 bytes

    def statement(self) -> bytes:
        return checkpoint_statement(self.exercise_id, self.seq, self.hash, self.wall_time, self.key_id)

    def as_dict(self) -> dict[str, Any]:
        return {"exercise_id": self.exercise_id, "seq": self.seq, "hash": self.hash, "wall_time": self.wall_time,
                "key_id": self.key_id, "signature": self.signature}


def checkpoint_statement(exercise_id: int, seq: int, hash: str, wall_time: str, key_id: str) -> bytes:
    """The bytes a checkpoint signs: canonical JSON with a format tag, so no other signed text can pass for one."""
    return canonical_json({"format": CHECKPOINT_FORMAT, "exercise_id": exercise_id, "seq": seq, "hash": hash,
                           "wall_time": wall_time, "key_id": key_id}).encode("utf-8")


def key_id(public_key: Ed25519PublicKey) -> str:
    """A key's short name: the first 16 hex digits of the SHA-256 of its raw 32-byte public key."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign_checkpoint(private_key: Ed25519PrivateKey, exercise_id: int, seq: int, hash: str, wall_time: str,
                    kid: str | None = None) -> Checkpoint:
    """A checkpoint of event ``seq`` (whose hash is ``hash``), signed with ``private_key`` (whose key id
    is ``kid``, computed when not given)."""
    kid = kid or key_id(private_key.public_key())
    signature = private_key.sign(checkpoint_statement(exercise_id, seq, hash, wall_time, kid))
    return Checkpoint(exercise_id, seq, hash, wall_time, kid, signature.hex())


def signature_valid(checkpoint: Checkpoint, public_key: Ed25519PublicKey) -> bool:
    """Whether ``public_key`` signed exactly this checkpoint."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return _signed(raw, checkpoint.signature, checkpoint.statement())


@functools.lru_cache(maxsize=65536)
def _signed(raw_public_key: bytes, signature: str, statement: bytes) -> bool:
    # A verdict depends on these three values only, so it is remembered: every report and audit of a
    # long log checks its thousand checkpoints again, and a changed row is a different question.
    try:
        Ed25519PublicKey.from_public_bytes(raw_public_key).verify(bytes.fromhex(signature), statement)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
