#!/usr/bin/env python3
"""Verify a Cordon evidence bundle offline: the event log's hash chain and its signed checkpoints.

    python3 verify_evidence.py BUNDLE.zip [--key PUBLIC.pem ...] [--expect SEQ:HASH ...]

Needs Python 3.11+ and the `cryptography` package; nothing of Cordon. It recomputes every
event's hash from the genesis, checks that seqs run 1, 2, 3... without a gap, checks every
checkpoint's Ed25519 signature and that the chain has the hash it names at its seq, that every
status change after the first checkpoint has one, and that the chain ends exactly at the
signed head. It prints OK and a summary, or the first problem (and how many there are), and
exits 0 or 1 (2 when the bundle cannot be read).

--key pins the public keys to trust (PEM files you obtained from the server's operator or the
exercise's paperwork); without it the keys inside the bundle are used, which shows only that
the bundle agrees with itself. --expect SEQ:HASH checks that the log has HASH at SEQ, for
instance the signed head printed in an after-action report.
"""
import argparse
import hashlib
import json
import sys
import zipfile

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key

GENESIS = "0" * 64
HASHED_FIELDS = ("exercise_id", "seq", "type", "actor", "team", "visible_to", "exercise_time_s", "wall_time",
                 "payload")
CHECKPOINT_FORMAT = "cordon.checkpoint/1"
CHECKPOINT_TYPES = {"exercise.created", "exercise.started", "exercise.paused", "exercise.resumed", "exercise.ended"}
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(value) -> str:
    return _CANONICAL.encode(value)


def event_hash(prev_hash: str, record: dict) -> str:
    at = record["exercise_time_s"]
    if at is not None and type(at) is not float:
        record = {**record, "exercise_time_s": float(at)}
    return hashlib.sha256((prev_hash + canonical_json(record)).encode("utf-8")).hexdigest()


def statement(cp: dict) -> bytes:
    return canonical_json({"format": CHECKPOINT_FORMAT, "exercise_id": cp["exercise_id"], "seq": cp["seq"],
                           "hash": cp["hash"], "wall_time": cp["wall_time"], "key_id": cp["key_id"]}).encode("utf-8")


def key_id(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:16]


def load_key(pem: bytes, where: str) -> Ed25519PublicKey:
    public = load_pem_public_key(pem)
    if not isinstance(public, Ed25519PublicKey):
        raise ValueError(f"{where} is not an Ed25519 public key")
    return public


class Bundle:
    def __init__(self, path: str):
        self.zip = zipfile.ZipFile(path)
        manifests = [n for n in self.zip.namelist() if n.endswith("manifest.json")]
        if len(manifests) != 1:
            raise ValueError("not a Cordon evidence bundle (no single manifest.json)")
        self.root = manifests[0][: -len("manifest.json")]
        self.manifest = json.loads(self.zip.read(manifests[0]))

    def lines(self, name: str):
        with self.zip.open(self.root + name) as f:
            for number, line in enumerate(f, start=1):
                if line.strip():
                    try:
                        yield number, json.loads(line)
                    except ValueError as exc:
                        raise ValueError(f"{name}:{number}: not JSON: {exc}") from None

    def keys(self) -> dict:
        found = {}
        for name in self.zip.namelist():
            if name.startswith(self.root + "keys/") and name.endswith(".pub"):
                public = load_key(self.zip.read(name), name)
                found[key_id(public)] = public
        return found


def verify(bundle: Bundle, keys: dict, expect: dict) -> tuple[list[tuple], dict]:
    """Every problem as (seq, reason), in the order found, and a summary."""
    problems: list[tuple] = []
    manifest = bundle.manifest
    exercise_id = manifest["exercise"]["id"]
    checkpoints = [cp for _, cp in bundle.lines("checkpoints.jsonl")]
    signed = manifest.get("signed_head")
    anchors: dict[int, list[tuple[str, dict]]] = {}
    for cp in checkpoints:
        anchors.setdefault(cp["seq"], []).append((f"the checkpoint at seq {cp['seq']}", cp))
    if signed:
        anchors.setdefault(signed["seq"], []).append((f"the signed head (seq {signed['seq']})", signed))
    else:
        problems.append((manifest["head"]["seq"], "the exercise's head carries no signature"))
    for name, cp in [a for group in anchors.values() for a in group]:
        public = keys.get(cp["key_id"])
        if public is None:
            problems.append((cp["seq"], f"{name} is signed with key {cp['key_id']}, which is not a trusted key"))
            continue
        try:
            public.verify(bytes.fromhex(cp["signature"]), statement(cp))
        except (InvalidSignature, ValueError):
            problems.append((cp["seq"], f"the signature of {name} does not verify (it was altered)"))
            continue
        if cp["exercise_id"] != exercise_id:
            problems.append((cp["seq"], f"{name} was signed for exercise {cp['exercise_id']}"))
    first_checkpoint = min((cp["seq"] for cp in checkpoints), default=None)
    checkpoint_seqs = {cp["seq"] for cp in checkpoints}
    prev_hash, prev_seq, count, hashes = GENESIS, 0, 0, {}
    for number, event in bundle.lines("events.jsonl"):
        count += 1
        try:
            record = {name: event[name] for name in HASHED_FIELDS}
            stored_prev, stored_hash, seq = event["prev_hash"], event["hash"], event["seq"]
        except KeyError as exc:
            problems.append((prev_seq + 1, f"events.jsonl:{number}: the event has no {exc.args[0]}"))
            break
        if record["exercise_id"] != exercise_id:
            problems.append((seq, f"the event belongs to exercise {record['exercise_id']}"))
        if seq != prev_seq + 1:
            what = "missing (deleted)" if isinstance(seq, int) and seq > prev_seq + 1 else "out of order"
            problems.append((prev_seq + 1, f"expected seq {prev_seq + 1}, found {seq}: events are {what}"))
        elif stored_prev != prev_hash:
            problems.append((seq, f"prev_hash does not match the hash of seq {seq - 1} (an event was rewritten)"))
        try:
            recomputed = event_hash(stored_prev, record)
        except (TypeError, ValueError) as exc:
            problems.append((seq, f"the event cannot be hashed: {exc}"))
            recomputed = None
        if recomputed is not None and recomputed != stored_hash:
            problems.append((seq, "hash does not match the event's contents (the event was altered)"))
        for name, cp in anchors.get(seq, ()):
            if cp["hash"] != stored_hash:
                problems.append((seq, f"{name} says hash {cp['hash']}, the log has {stored_hash}: the log was "
                                      "rewritten and its hashes recomputed"))
        if first_checkpoint is not None and seq >= first_checkpoint and record["type"] in CHECKPOINT_TYPES \
                and seq not in checkpoint_seqs:
            problems.append((seq, f"event seq {seq} ({record['type']}) has no checkpoint (checkpoints were deleted)"))
        if seq in expect:
            hashes[seq] = stored_hash
        prev_hash, prev_seq = stored_hash, seq if isinstance(seq, int) else prev_seq
    for seq in sorted(anchors):
        if seq > prev_seq:
            for name, _ in anchors[seq]:
                problems.append((prev_seq + 1, f"{name} lies beyond the log's end at seq {prev_seq}: events "
                                               "were deleted from the end"))
    if signed and prev_seq > signed["seq"]:
        problems.append((signed["seq"] + 1, f"the log goes on to seq {prev_seq}, past the signed head"))
    head = manifest.get("head") or {}
    if (head.get("seq"), head.get("hash")) != (prev_seq, prev_hash):
        problems.append((min(prev_seq, head.get("seq") or 0) + 1,
                         f"the log ends at seq {prev_seq}, the exercise's head is seq {head.get('seq')} "
                         f"(hash {head.get('hash')})"))
    for seq, wanted in sorted(expect.items()):
        if hashes.get(seq) != wanted:
            found = hashes.get(seq)
            problems.append((seq, f"expected hash {wanted} at seq {seq}, the log has "
                                  f"{found if found else 'no event there'}"))
    summary = {"events": count, "last_seq": prev_seq, "last_hash": prev_hash, "checkpoints": len(checkpoints),
               "signed_head": signed}
    return problems, summary


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Verify a Cordon evidence bundle offline.")
    parser.add_argument("bundle", help="the evidence zip from `flask audit export` or the audit API")
    parser.add_argument("--key", action="append", default=[], help="a trusted public key (PEM); repeatable")
    parser.add_argument("--expect", action="append", default=[], metavar="SEQ:HASH",
                        help="the log must have HASH at SEQ (e.g. a printed report's signed head); repeatable")
    args = parser.parse_args(argv)
    try:
        bundle = Bundle(args.bundle)
        if args.key:
            keys = {}
            for path in args.key:
                with open(path, "rb") as f:
                    public = load_key(f.read(), path)
                keys[key_id(public)] = public
            trust = "pinned with --key"
        else:
            keys = bundle.keys()
            trust = "taken from the bundle (pin them with --key)"
        expect = {}
        for item in args.expect:
            seq, _, wanted = item.partition(":")
            if not seq.isdigit() or len(wanted) != 64:
                raise ValueError(f"--expect {item!r}: give SEQ:HASH, a number and a 64-digit hash")
            expect[int(seq)] = wanted.lower()
        problems, summary = verify(bundle, keys, expect)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        print(f"cannot read the bundle: {exc}", file=sys.stderr)
        return 2
    exercise = bundle.manifest["exercise"]
    if problems:
        problems.sort(key=lambda p: p[0])
        seq, reason = problems[0]
        more = f" ({len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})" if len(problems) > 1 else ""
        print(f"BROKEN: exercise {exercise['id']}, seq {seq}: {reason}{more}")
        for seq, reason in problems[1:20]:
            print(f"  seq {seq}: {reason}")
        return 1
    signed = summary["signed_head"]
    print(f"OK: exercise {exercise['id']}, {summary['events']} events, hash chain intact; "
          f"{summary['checkpoints']} checkpoints and the signed head verify")
    print(f"  signed head: seq {signed['seq']}, hash {signed['hash']}, signed {signed['wall_time']} "
          f"with key {signed['key_id']}")
    print(f"  keys {trust}: {', '.join(sorted(keys))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
