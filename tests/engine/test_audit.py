"""The audit of a log against its head, its signed checkpoints and the tables that copy it (engine.audit)."""
from datetime import datetime, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.engine.audit import MAX_PROBLEMS, Anchors, Head, LogAudit, Records
from app.engine.eventlog import (GENESIS, Checkpoint, checkpoint_statement, event_hash, hashed_record, key_id,
                                 sign_checkpoint, signature_valid)

KEY = Ed25519PrivateKey.generate()
EXERCISE = 7
TYPES = {1: "exercise.created", 2: "exercise.started", 12: "exercise.paused", 13: "exercise.resumed",
         20: "exercise.ended"}


def record(seq: int, **overrides) -> dict:
    fields = {
        "exercise_id": EXERCISE, "seq": seq, "type": TYPES.get(seq, "message"), "actor": "ctl", "team": None,
        "visible_to": None, "exercise_time_s": 10.0 * seq, "wall_time": f"2026-11-25T09:00:{seq:02d}.250000+00:00",
        "payload": {"text": f"event {seq}"},
    }
    fields.update(overrides)
    return fields


def chain(records: list[dict]) -> list[dict]:
    rows, prev = [], GENESIS
    for fields in records:
        row = {**fields, "prev_hash": prev}
        row["hash"] = prev = event_hash(prev, fields)
        rows.append(row)
    return rows


def rechain(rows: list[dict], start: int = 1) -> list[dict]:
    """Recompute every hash from seq `start`, as someone with the public algorithm and no key can."""
    out = [dict(r) for r in rows]
    prev = out[start - 2]["hash"] if start > 1 else GENESIS
    for row in out[start - 1:]:
        row["prev_hash"] = prev
        row["hash"] = prev = event_hash(prev, hashed_record(row))
    return out


def signed(row: dict, key=KEY) -> Checkpoint:
    return sign_checkpoint(key, row["exercise_id"], row["seq"], row["hash"], row["wall_time"])


def anchored(rows: list[dict], every: int = 5, keys=None) -> Anchors:
    """What the server wrote while logging `rows`: checkpoints at status changes and every `every` seqs."""
    checkpoints = [signed(r) for r in rows if r["type"] in TYPES.values() or r["seq"] % every == 0]
    keys = keys or {key_id(KEY.public_key()): KEY.public_key()}
    return Anchors(head=Head(rows[-1]["seq"], rows[-1]["hash"]), signed_head=signed(rows[-1]),
                   checkpoints=checkpoints, public_keys=keys)


@pytest.fixture
def rows() -> list[dict]:
    return chain([record(seq) for seq in range(1, 21)])


def audit(rows, anchors=None, records=None):
    return LogAudit(EXERCISE, anchors, records).check(rows)


def kinds(result) -> list[tuple[str, int | None]]:
    return [(p.kind, p.seq) for p in result.problems]


# -- signatures -------------------------------------------------------------------------------------

def test_a_checkpoint_signs_a_tagged_canonical_statement(rows):
    checkpoint = signed(rows[4])
    assert checkpoint.key_id == key_id(KEY.public_key()) and len(checkpoint.key_id) == 16
    assert checkpoint.statement() == (
        '{"exercise_id":7,"format":"cordon.checkpoint/1","hash":"%s","key_id":"%s","seq":5,'
        '"wall_time":"2026-11-25T09:00:05.250000+00:00"}' % (rows[4]["hash"], checkpoint.key_id)).encode()
    assert checkpoint.statement() == checkpoint_statement(7, 5, rows[4]["hash"], rows[4]["wall_time"],
                                                          checkpoint.key_id)
    assert signature_valid(checkpoint, KEY.public_key())
    assert not signature_valid(checkpoint, Ed25519PrivateKey.generate().public_key())
    for change in ({"seq": 6}, {"hash": rows[5]["hash"]}, {"wall_time": "2026-11-25T10:00:00+00:00"},
                   {"exercise_id": 8}, {"signature": "zz"}):
        assert not signature_valid(Checkpoint(**{**checkpoint.as_dict(), **change}), KEY.public_key())


# -- an intact log ----------------------------------------------------------------------------------

def test_an_intact_anchored_log_verifies(rows):
    result = audit(rows, anchored(rows))
    assert result.ok and result.problems == () and result.count == result.read == 20
    assert result.first_broken_seq is None and result.last_hash == rows[-1]["hash"]
    assert result.checkpoints == {"count": 8, "verified": 8}  # seq 1, 2, 5, 10, 12, 13, 15, 20
    assert result.signed_head["valid"] is True and result.signed_head["seq"] == 20
    assert result.as_dict()["problems"] == []


def test_without_anchors_only_the_chain_is_checked_and_an_unsigned_head_is_a_problem(rows):
    assert audit(rows).ok is False and kinds(audit(rows)) == [("unsigned", 20)]
    assert audit([]).ok is True


# -- the chain --------------------------------------------------------------------------------------

def test_an_altered_event_is_reported_at_its_seq_and_the_rest_is_still_read(rows):
    rows[7] = {**rows[7], "payload": {"text": "forged"}}
    result = audit(rows, anchored(chain([record(s) for s in range(1, 21)])))
    assert kinds(result) == [("altered", 8)] and result.count == 7 and result.last_hash == rows[6]["hash"]
    assert result.read == 20


def test_a_deleted_event_in_the_middle_is_missing(rows):
    anchors = anchored(rows)
    del rows[8:10]
    result = audit(rows, anchors)
    assert kinds(result)[0] == ("missing", 9)
    assert result.problems[0].reason == "events seq 9 to 10 are missing from the log (deleted)"


def test_swapped_events_are_reordered_not_just_altered(rows):
    anchors = anchored(rows)
    a, b = rows[5], rows[14]  # seq 6 and 15 trade places (the seq column is swapped)
    rows[5], rows[14] = {**b, "seq": 6}, {**a, "seq": 15}
    result = audit(rows, anchors)
    assert [(p.kind, p.seq) for p in result.problems[:2]] == [("reordered", 6), ("reordered", 15)]
    assert result.problems[0].reason == "the event stored at seq 6 was logged as seq 15 (events were reordered)"
    assert result.problems[1].reason == "the event stored at seq 15 was logged as seq 6 (events were reordered)"


def test_a_rehashed_event_breaks_the_next_link(rows):
    anchors = anchored(rows)
    forged = {**rows[3], "payload": {"text": "forged"}}
    forged["hash"] = event_hash(forged["prev_hash"], hashed_record(forged))
    rows[3] = forged
    assert kinds(audit(rows, anchors))[0] == ("unlinked", 5)


def test_rows_of_another_exercise_and_unreadable_rows_are_reported_not_raised(rows):
    anchors = anchored(rows)
    rows[2] = {**rows[2], "exercise_id": 8}
    rows[4] = {k: v for k, v in rows[4].items() if k != "payload"}
    rows[6] = {**rows[6], "payload": {"bad": float("nan")}}
    found = kinds(audit(rows, anchors))
    assert ("foreign", 3) in found and ("unreadable", 5) in found and ("unreadable", 7) in found


# -- the end of the log -----------------------------------------------------------------------------

def test_deleting_the_newest_events_is_a_truncation(rows):
    anchors = anchored(rows)
    result = audit(rows[:16], anchors)
    assert kinds(result)[:2] == [("truncated", 17), ("truncated", 17)]
    assert result.problems[0].reason == ("the log ends at seq 16 but the exercise's head is seq 20: events 17 to 20 "
                                         "are missing (deleted from the end)")
    assert result.count == 16 and result.last_hash == rows[15]["hash"]


def test_rewinding_the_head_too_is_caught_by_the_signed_head(rows):
    anchors = anchored(rows)
    anchors.head = Head(16, rows[15]["hash"])
    result = audit(rows[:16], anchors)
    assert kinds(result) == [("head", 17), ("truncated", 17)]
    assert "the head was rewound" in result.problems[0].reason


def test_a_replayed_older_signed_head_still_leaves_the_checkpoints_beyond_the_end(rows):
    anchors = anchored(rows)
    anchors.head, anchors.signed_head = Head(16, rows[15]["hash"]), signed(rows[15])
    result = audit(rows[:16], anchors)
    assert kinds(result) == [("truncated", 17)]
    assert "the checkpoint at seq 20" in result.problems[0].reason


def test_events_past_the_head_are_extra(rows):
    anchors = anchored(rows[:18])
    result = audit(rows, anchors)
    assert ("extra", 19) in kinds(result)


def test_the_head_may_move_until_the_reading_is_done(rows):
    """A live log: the audit was prepared at seq 18 and the reader read on to 20, then the new head."""
    anchors = anchored(rows[:18])
    anchors.checked_through = 18
    live = LogAudit(EXERCISE, anchors)
    for _ in live.feed(rows):
        pass
    anchors.head, anchors.signed_head = Head(20, rows[-1]["hash"]), signed(rows[-1])
    assert live.result().ok is True


# -- re-chaining ------------------------------------------------------------------------------------

def test_a_rechained_log_is_caught_by_the_checkpoints_and_the_signed_head(rows):
    anchors = anchored(rows)
    rows[10] = {**rows[10], "payload": {"text": "forged"}}
    forged = rechain(rows, start=11)
    anchors.head = Head(20, forged[-1]["hash"])  # the head updated too
    assert audit(forged).problems[-1].kind == "unsigned"  # the chain alone: intact
    result = audit(forged, anchors)
    assert kinds(result) == [("rechained", 12), ("head", 20)]
    assert result.problems[0].reason.startswith("the checkpoint at seq 12 (signed 2026-11-25T09:00:12.250000+00:00) "
                                                "says hash ")
    assert "rewritten after seq 10 (which still matches its checkpoint) and at or before seq 12" in \
        result.problems[0].reason
    assert "4 later anchors (up to the signed head) do not match either" in result.problems[0].reason


def test_deleting_the_checkpoints_after_a_rechain_is_caught_at_the_status_changes(rows):
    anchors = anchored(rows)
    forged = rechain([*rows[:10], {**rows[10], "payload": {"text": "forged"}}, *rows[11:]], start=11)
    anchors.checkpoints = [c for c in anchors.checkpoints if c.seq <= 10]
    anchors.head, anchors.signed_head = Head(20, forged[-1]["hash"]), None
    assert kinds(audit(forged, anchors)) == [("unsigned", 12), ("unsigned", 13), ("unsigned", 20), ("unsigned", 20)]


def test_a_log_from_before_checkpoints_expects_none_until_its_first(rows):
    anchors = anchored(rows)
    anchors.checkpoints = [c for c in anchors.checkpoints if c.seq >= 13]
    assert audit(rows, anchors).ok is True


# -- keys -------------------------------------------------------------------------------------------

def test_checkpoints_of_a_rotated_key_verify_with_its_kept_public_key(rows):
    new = Ed25519PrivateKey.generate()
    old_part = [signed(r) for r in rows[:10] if r["seq"] % 5 == 0 or r["type"] != "message"]
    new_part = [signed(r, new) for r in rows[10:] if r["seq"] % 5 == 0 or r["type"] != "message"]
    both = {key_id(KEY.public_key()): KEY.public_key(), key_id(new.public_key()): new.public_key()}
    anchors = Anchors(Head(20, rows[-1]["hash"]), signed(rows[-1], new), [*old_part, *new_part], both)
    assert audit(rows, anchors).ok is True
    anchors.public_keys = {key_id(new.public_key()): new.public_key()}
    result = audit(rows, anchors)
    assert {p.kind for p in result.problems} == {"signature"} and len(result.problems) == len(old_part)
    assert f"is signed with key {key_id(KEY.public_key())}, which is not among the known public keys" in \
        result.problems[0].reason


def test_a_checkpoint_forged_or_signed_for_another_exercise_is_reported(rows):
    anchors = anchored(rows)
    first = anchors.checkpoints[0]
    anchors.checkpoints = [Checkpoint(**{**first.as_dict(), "signature": "00" * 64}),
                           sign_checkpoint(KEY, 8, 5, rows[4]["hash"], rows[4]["wall_time"]),
                           *anchors.checkpoints[1:]]
    found = audit(rows, anchors).problems
    assert [(p.kind, p.seq) for p in found[:2]] == [("signature", 1), ("signature", 5)]
    assert "does not verify" in found[0].reason and "was signed for exercise 8, not this one" in found[1].reason


# -- tables that copy the log -----------------------------------------------------------------------

def action_rows():
    """Events 3 and 4 log actions; event 6 waives a step; event 8 acknowledges an inject."""
    at = datetime(2026, 11, 25, 9, 0, 3, 250999, tzinfo=timezone.utc)  # stored to the microsecond
    events = [record(s) for s in range(1, 11)]
    events[2] = record(3, type="action.logged", team="fire", exercise_time_s=30.0, wall_time=at.replace(
        microsecond=250000).isoformat(), payload={"action": {"id": 1, "client_id": "c-000001", "step": "S-1",
                                                             "text": "Cordon at 100 m", "team": "fire"}})
    events[3] = record(4, type="action.logged", team="ems", payload={"action": {
        "id": 2, "client_id": "c-000002", "step": None, "text": "Triage", "team": "ems"}})
    events[5] = record(6, type="step.waived", team="ic", payload={"team": "ic", "step": "IC-01", "reason": "n/a"})
    events[7] = record(8, type="inject.acknowledged", team="fire", payload={
        "inject_id": "I-01", "team": "fire", "participant_id": 4})
    tables = Records(
        actions=[{"id": 1, "event_seq": 3, "team": "fire", "step": "S-1", "text": "Cordon at 100 m",
                  "client_id": "c-000001", "exercise_time_s": 30.0004, "wall_time": at},
                 {"id": 2, "event_seq": 4, "team": "ems", "step": None, "text": "Triage", "client_id": "c-000002",
                  "exercise_time_s": 40.0, "wall_time": events[3]["wall_time"]}],
        waivers=[{"team": "ic", "step": "IC-01", "reason": "n/a", "exercise_time_s": 60.0,
                  "wall_time": events[5]["wall_time"]}],
        acknowledgements=[{"inject_id": "I-01", "participant_id": 4, "team": "fire", "exercise_time_s": 80.0,
                           "wall_time": events[7]["wall_time"]}])
    rows = chain(events)
    return rows, anchored(rows), tables


def test_tables_that_agree_with_the_log_at_its_precision_pass():
    rows, anchors, tables = action_rows()
    result = audit(rows, anchors, tables)
    assert result.ok and result.records == {"actions": 2, "waivers": 1, "acknowledgements": 1}


@pytest.mark.parametrize("table, index, change, expected", [
    ("actions", 0, {"step": None}, "step is None in the table but 'S-1' in the log"),
    ("actions", 1, {"text": "Triage done"}, "text is 'Triage done' in the table but 'Triage' in the log"),
    ("actions", 0, {"team": "ems"}, "team is 'ems' in the table but 'fire' in the log"),
    ("actions", 0, {"exercise_time_s": 31.0}, "exercise time is 31.0 in the table but 30.0 in the log"),
    ("waivers", 0, {"reason": "other"}, "reason is 'other' in the table but 'n/a' in the log"),
    ("acknowledgements", 0, {"team": "ems"}, "team is 'ems' in the table but 'fire' in the log"),
])
def test_a_changed_row_is_reported_at_its_event(table, index, change, expected):
    rows, anchors, tables = action_rows()
    getattr(tables, table)[index] = {**getattr(tables, table)[index], **change}
    result = audit(rows, anchors, tables)
    assert len(result.problems) == 1 and result.problems[0].kind == "record" and expected in result.problems[0].reason


def test_rows_without_events_and_events_without_rows_are_reported():
    rows, anchors, tables = action_rows()
    tables.actions = [tables.actions[0], {**tables.actions[1], "event_seq": 5}]
    tables.waivers = [*tables.waivers, {**tables.waivers[0], "step": "IC-02"}]
    tables.acknowledgements = []
    reasons = [p.reason for p in audit(rows, anchors, tables).problems]
    assert reasons == [
        "event seq 4 logs action 2, which the actions table does not have (the row was deleted or renumbered)",
        "the actions row 2 names event seq 5, which is a message event, not action.logged",
        "event seq 8 acknowledges inject 'I-01', which the acknowledgements table does not have",
        "the waivers table waives step 'IC-02' for team 'ic', but no step.waived event says so",
    ]


def test_events_past_the_point_the_tables_were_read_need_no_row():
    rows, anchors, tables = action_rows()
    tables.acknowledgements = []
    anchors.checked_through = 7
    assert audit(rows, anchors, tables).ok is True


# -- many problems ----------------------------------------------------------------------------------

def test_a_log_altered_everywhere_lists_the_first_problems_and_counts_the_rest():
    rows = chain([record(s) for s in range(1, 301)])
    anchors = anchored(rows, every=1000)
    tampered = [{**r, "actor": "someone"} for r in rows]
    result = audit(tampered, anchors)
    assert len(result.problems) == MAX_PROBLEMS and result.more_problems == 200
    assert result.as_dict()["more_problems"] == 200


def test_an_action_event_whose_payload_was_replaced_is_reported_not_raised():
    rows, anchors, tables = action_rows()
    for payload in (["not", "a", "dict"], {"action": "text"}):
        broken = [dict(r) for r in rows]
        broken[2]["payload"] = payload
        found = audit(broken, anchors, tables).problems
        assert ("altered", 3) in [(p.kind, p.seq) for p in found] and any(p.kind == "record" for p in found)
