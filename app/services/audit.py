"""Auditing an exercise's log (engine.audit) and exporting it as evidence for an outside verifier."""
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import Any, BinaryIO

from sqlalchemy import select, text

from ..config import REPO_ROOT
from ..engine.audit import Anchors, Head, LogAudit, Records
from ..engine.eventlog import Checkpoint, canonical_json, sign_checkpoint
from ..extensions import db
from ..models import AuditCheckpoint, Exercise
from .audit_keys import audit_key, public_keys, public_pem
from .events import iter_events
from ..errors import Conflict, NotFound
from .exercises import get_exercise
from .timing import wall_now
from flask_babel import gettext

MAX_ROUNDS = 20  # reads to catch up with a head that moves while a live log is read
EVIDENCE_FORMAT = "cordon.evidence/1"
VERIFIER = REPO_ROOT / "scripts" / "verify_evidence.py"


def verify_exercise(exercise_id: int) -> dict[str, Any]:
    """The audit of an exercise's log: {ok, events, first_broken_seq, reason, last_hash, problems, ...}."""
    exercise = _exercise(exercise_id)
    audit = exercise_audit(exercise)
    rows = read_to_head(audit, lambda after: iter_events(exercise.id, after))
    return audit.check(rows).as_dict()


def exercise_audit(exercise: Exercise, *, tables: bool = True) -> LogAudit:
    """An audit of the exercise's log, ready to be fed its events through `read_to_head`; with `tables`,
    the actions, waivers and acknowledgements rows are compared with their events too."""
    head, signed = current_head(exercise.id)
    # Read after the head: every checkpoint and row of an event up to the head is there to be read.
    checkpoints = [Checkpoint(c.exercise_id, c.seq, c.hash, c.wall_time.isoformat(), c.key_id, c.signature)
                   for c in db.session.scalars(select(AuditCheckpoint)
                                               .where(AuditCheckpoint.exercise_id == exercise.id)
                                               .order_by(AuditCheckpoint.seq))]
    anchors = Anchors(head=head, signed_head=signed, checkpoints=checkpoints, public_keys=public_keys(),
                      checked_through=head.seq)
    return LogAudit(exercise.id, anchors, records_of(exercise.id) if tables else None)


def read_to_head(audit: LogAudit, read: Callable[[int], Iterable[dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    """The rows `read(after)` gives, then the exercise's head read again, and more rows until they reach it.

    A live exercise goes on logging while a long log is read; the head is read last (and given to
    the audit) so that those appends are neither a truncation nor events past the head.
    """
    last = 0
    for _ in range(MAX_ROUNDS):
        before = last
        for row in read(last):
            last = row["seq"] if isinstance(row.get("seq"), int) else last
            yield row
        audit.anchors.head, audit.anchors.signed_head = current_head(audit.exercise_id)
        if audit.anchors.head.seq <= last or last == before:
            return


def current_head(exercise_id: int) -> tuple[Head, Checkpoint | None]:
    """The exercise's head and signed head as committed now (not as this session last loaded them)."""
    row = db.session.execute(select(
        Exercise.last_seq, Exercise.last_hash, Exercise.signed_head_seq, Exercise.signed_head_hash,
        Exercise.signed_head_at, Exercise.signed_head_key_id, Exercise.signed_head_signature)
        .where(Exercise.id == exercise_id)).one()
    signed = None
    if row.signed_head_signature is not None:
        at = row.signed_head_at.isoformat() if row.signed_head_at else ""
        signed = Checkpoint(exercise_id, row.signed_head_seq or 0, row.signed_head_hash or "", at,
                            row.signed_head_key_id or "", row.signed_head_signature)
    return Head(row.last_seq, row.last_hash), signed


def records_of(exercise_id: int) -> Records:
    """The actions, waivers and acknowledgements rows, as plain dicts for engine.audit (wall times as the
    ISO string of their millisecond, as events spell them)."""
    # Plain SQL, no column types: a long exercise has tens of thousands of actions, and SQLAlchemy's
    # per-value date processing cost more than comparing them (like services.events.iter_events).
    run = db.session.connection().execute
    ids = {"exercise_id": exercise_id}
    actions = [
        {"id": id_, "event_seq": seq, "team": team, "step": step, "text": note, "client_id": client_id,
         "exercise_time_s": at, "wall_time": _wall_millis(wall)}
        for id_, seq, team, step, note, client_id, at, wall in run(_ACTIONS, ids).all()]
    waivers = [{"team": team, "step": step, "reason": reason, "exercise_time_s": at, "wall_time": _wall_millis(wall)}
               for team, step, reason, at, wall in run(_WAIVERS, ids).all()]
    acknowledgements = [
        {"inject_id": key, "participant_id": participant, "team": team, "exercise_time_s": at,
         "wall_time": _wall_millis(wall)}
        for key, participant, team, at, wall in run(_ACKNOWLEDGEMENTS, ids).all()]
    return Records(actions, waivers, acknowledgements)


_ACTIONS = text("SELECT id, event_seq, team_key, step, text, client_id, exercise_time_s, wall_time FROM actions"
                " WHERE exercise_id = :exercise_id")
_WAIVERS = text("SELECT team_key, step, reason, exercise_time_s, wall_time FROM waivers"
                " WHERE exercise_id = :exercise_id")
_ACKNOWLEDGEMENTS = text(
    "SELECT i.key, a.participant_id, a.team_key, a.exercise_time_s, a.wall_time FROM acknowledgements a"
    " JOIN exercise_injects i ON i.id = a.inject_id WHERE a.exercise_id = :exercise_id")


def _wall_millis(value: datetime | str) -> str:
    """A stored UTC wall time as `isoformat()` of its millisecond (services.events keeps milliseconds).

    SQLite hands back `2026-11-25 09:00:00.120517`, rewritten as text; PostgreSQL a naive datetime.
    """
    if isinstance(value, str) and len(value) == 26 and value[10] == " " and value[19] == ".":
        millis = value[20:23]
        return f"{value[:10]}T{value[11:19]}{'' if millis == '000' else '.' + millis + '000'}+00:00"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    value = value.replace(tzinfo=timezone.utc, microsecond=value.microsecond // 1000 * 1000)
    return value.isoformat()


def anchor_exercise(exercise_id: int) -> Checkpoint:
    """Sign the head of a log written before signed checkpoints existed, in the caller's transaction.

    Refused (Conflict) when the head is already signed or the audit finds any problem other than
    the missing signature: anchoring must never bless a log that was changed. It attests the log
    from now on, not how it was before.
    """
    exercise = get_exercise(exercise_id, lock=True)
    if exercise.signed_head_signature is not None:
        raise Conflict(gettext("exercise %(exercise_id)s's head is already signed", exercise_id=exercise_id))
    result = verify_exercise(exercise_id)
    others = [p for p in result["problems"] if p["kind"] != "unsigned"]
    if others:
        raise Conflict(gettext("the log of exercise %(exercise_id)s does not verify (seq %(seq)s: %(reason)s); it is not signed", exercise_id=exercise_id, seq=others[0]['seq'], reason=others[0]['reason']))
    now = wall_now()
    key = audit_key()
    at = now.replace(microsecond=now.microsecond // 1000 * 1000)
    checkpoint = sign_checkpoint(key.private_key, exercise.id, exercise.last_seq, exercise.last_hash, at.isoformat())
    db.session.add(AuditCheckpoint(exercise_id=exercise.id, seq=checkpoint.seq, hash=checkpoint.hash, wall_time=at,
                                   key_id=checkpoint.key_id, signature=checkpoint.signature))
    exercise.signed_head_seq, exercise.signed_head_hash = checkpoint.seq, checkpoint.hash
    exercise.signed_head_at, exercise.signed_head_key_id = at, checkpoint.key_id
    exercise.signed_head_signature = checkpoint.signature
    return checkpoint


# -- evidence bundle -------------------------------------------------------------------------------

def write_evidence(exercise_id: int, out: BinaryIO) -> dict[str, Any]:
    """Write the evidence bundle of an exercise (a zip) to `out`; returns its manifest.

    The bundle holds the events up to the head as it was when the export began (JSON Lines, the
    values exactly as hashed), the checkpoints, the signed head, the public keys and the offline
    verifier; docs/audit.md says how an outside party checks it.
    """
    exercise = _exercise(exercise_id)
    head, signed = current_head(exercise.id)
    # Events appended while the bundle is written are left out: they come after this head.
    up_to = max(head.seq, signed.seq if signed else 0)
    checkpoints = [Checkpoint(c.exercise_id, c.seq, c.hash, c.wall_time.isoformat(), c.key_id, c.signature)
                   for c in db.session.scalars(select(AuditCheckpoint).where(
                       AuditCheckpoint.exercise_id == exercise.id, AuditCheckpoint.seq <= up_to)
                       .order_by(AuditCheckpoint.seq))]
    keys = public_keys()
    manifest = {
        "format": EVIDENCE_FORMAT,
        "exercise": {"id": exercise.id, "name": exercise.name, "status": exercise.status},
        "exported_at": wall_now().isoformat(),
        "head": {"seq": head.seq, "hash": head.hash},
        "signed_head": signed.as_dict() if signed else None,
        "checkpoints": len(checkpoints),
        "keys": sorted(keys),
        "hash_algorithm": "sha256(prev_hash + canonical JSON of the event without prev_hash and hash)",
        "signature_algorithm": "Ed25519 over canonical JSON of {format: cordon.checkpoint/1, exercise_id, seq, "
                               "hash, wall_time, key_id}",
    }
    folder = f"cordon-evidence-{exercise.id}"
    count = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        with bundle.open(f"{folder}/events.jsonl", "w") as events:
            buffer = io.TextIOWrapper(events, encoding="utf-8", newline="\n")
            for event in iter_events(exercise.id, upto_seq=up_to):
                buffer.write(canonical_json(event) + "\n")
                count += 1
            buffer.flush()
            buffer.detach()
        bundle.writestr(f"{folder}/checkpoints.jsonl",
                        "".join(canonical_json(c.as_dict()) + "\n" for c in checkpoints))
        for kid, public in sorted(keys.items()):
            bundle.writestr(f"{folder}/keys/{kid}.pub", public_pem(public))
        manifest["events"] = count
        bundle.writestr(f"{folder}/manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        bundle.writestr(f"{folder}/README.txt", _readme(manifest))
        bundle.write(VERIFIER, f"{folder}/verify_evidence.py")
    return manifest


def evidence_bytes(exercise_id: int) -> bytes:
    out = io.BytesIO()
    write_evidence(exercise_id, out)
    return out.getvalue()


def evidence_filename(exercise: Exercise, moment: datetime | None = None) -> str:
    moment = moment or wall_now()
    return f"cordon-evidence-{exercise.id}-{moment:%Y%m%dT%H%M%SZ}.zip"


def _readme(manifest: dict[str, Any]) -> str:
    signed = manifest["signed_head"]
    head = (f"seq {signed['seq']}, hash {signed['hash']},\nsigned {signed['wall_time']} with key {signed['key_id']}"
            if signed else "none (the exercise's head carries no signature)")
    return f"""Cordon evidence bundle: exercise {manifest['exercise']['id']}, "{manifest['exercise']['name']}"
Exported {manifest['exported_at']}: {manifest['events']} events, {manifest['checkpoints']} signed checkpoints.
Signed head: {head}

Files
  events.jsonl       one event per line, in seq order: the hashed fields (exercise_id, seq, type,
                     actor, team, visible_to, exercise_time_s, wall_time, payload) plus prev_hash
                     and hash. hash = sha256(prev_hash + canonical JSON of the line without
                     prev_hash and hash); canonical JSON: sorted keys, no spaces, UTF-8, floats
                     as Python writes them; the first event links to 64 zeros.
  checkpoints.jsonl  signed checkpoints: Ed25519 signatures over the canonical JSON of
                     {{"format": "cordon.checkpoint/1", exercise_id, seq, hash, wall_time, key_id}}.
  manifest.json      the exercise, its head and signed head (also a checkpoint), the key ids.
  keys/<id>.pub      the public keys (PEM); the id is the first 16 hex digits of the SHA-256
                     of the raw 32-byte key.
  verify_evidence.py the offline verifier (Python 3.11+ and the `cryptography` package).

Check it
  python3 verify_evidence.py cordon-evidence.zip --key server-public-key.pem

Take the public key from somewhere other than this bundle (the exercise's paperwork, the
server's operator: `flask audit key`); without --key the keys in the bundle are used, which
proves only that the bundle is consistent with itself. Add --expect SEQ:HASH to check a
printed report's signed head against the log. Prefer your own copy of the verifier.
"""


def _exercise(exercise_id: int) -> Exercise:
    exercise = db.session.get(Exercise, exercise_id)
    if exercise is None:
        raise NotFound(gettext("no exercise %(exercise_id)s", exercise_id=exercise_id))
    return exercise
