"""The event log hash chain: build one, verify it, and catch every kind of tampering."""

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.eventlog import (
    GENESIS,
    HASHED_FIELDS,
    canonical_json,
    event_hash,
    hashed_record,
    verify_chain,
)


def record(seq: int, **overrides) -> dict:
    fields = {
        "exercise_id": 7,
        "seq": seq,
        "type": "action.logged",
        "actor": "team:fire",
        "team": "fire",
        "visible_to": ["fire"],
        "exercise_time_s": 60.0 * seq,
        "wall_time": f"2025-03-01T09:{seq:02d}:00+00:00",
        "payload": {"step": f"S-{seq}", "text": "Perimeter at 100 m — Café Ümlaut"},
    }
    fields.update(overrides)
    return fields


def build_chain(records: list[dict]) -> list[dict]:
    """Stored rows, as the service layer appends them."""
    rows, prev = [], GENESIS
    for number, fields in enumerate(records, start=1):
        row = {"id": 1000 + number, **fields, "prev_hash": prev}
        row["hash"] = prev = event_hash(prev, fields)
        rows.append(row)
    return rows


@pytest.fixture
def chain() -> list[dict]:
    return build_chain([record(seq) for seq in range(1, 6)])


# -- canonical JSON and the hash -----------------------------------------------------------


def test_canonical_json_is_sorted_compact_and_keeps_unicode():
    assert canonical_json({"b": 1, "a": [1.5, None, True], "c": "Ü"}) == '{"a":[1.5,null,true],"b":1,"c":"Ü"}'


def test_canonical_json_ignores_key_insertion_order():
    assert canonical_json({"x": 1, "y": {"q": 1, "p": 2}}) == canonical_json({"y": {"p": 2, "q": 1}, "x": 1})


def test_canonical_json_refuses_non_json_values():
    from datetime import datetime, timezone

    with pytest.raises(TypeError):
        canonical_json({"wall_time": datetime(2025, 3, 1, tzinfo=timezone.utc)})
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def test_event_hash_is_sha256_of_prev_hash_and_canonical_record():
    fields = record(1)
    expected = hashlib.sha256((GENESIS + canonical_json(fields)).encode()).hexdigest()
    assert event_hash(GENESIS, fields) == expected
    assert len(expected) == 64 and GENESIS == "0" * 64


def test_exercise_time_is_hashed_as_a_float():
    # The db's Float column returns 60.0 for an event appended with 60.
    assert event_hash(GENESIS, record(1, exercise_time_s=60)) == event_hash(GENESIS, record(1, exercise_time_s=60.0))


def test_event_hash_depends_on_the_previous_hash():
    assert event_hash(GENESIS, record(1)) != event_hash("f" * 64, record(1))


def test_event_hash_refuses_records_with_other_fields():
    with pytest.raises(ValueError, match="unexpected \\['hash'\\]"):
        event_hash(GENESIS, {**record(1), "hash": "x"})
    incomplete = record(1)
    del incomplete["payload"]
    with pytest.raises(ValueError, match="missing \\['payload'\\]"):
        event_hash(GENESIS, incomplete)


def test_hashed_record_picks_the_hashed_fields(chain):
    assert set(hashed_record(chain[0])) == set(HASHED_FIELDS)


# -- verification ------------------------------------------------------------------------------


def test_an_intact_chain_verifies(chain):
    check = verify_chain(chain)
    assert check.ok and check.count == 5
    assert check.first_broken_seq is None and check.reason is None
    assert check.last_hash == chain[-1]["hash"]


def test_an_empty_chain_verifies():
    check = verify_chain([])
    assert check.ok and check.count == 0 and check.last_hash == GENESIS


def test_a_chain_survives_a_json_round_trip(chain):
    # What the db and the API hand back: JSON text parsed again, keys in any order.
    reloaded = [json.loads(json.dumps(dict(reversed(list(row.items()))))) for row in chain]
    assert verify_chain(reloaded).ok


def test_verification_can_resume_after_a_checked_prefix(chain):
    head = verify_chain(chain[:2])
    tail = verify_chain(chain[2:], prev_hash=head.last_hash, first_seq=3)
    assert tail.ok and tail.count == 3 and tail.last_hash == chain[-1]["hash"]


def test_a_tampered_payload_is_caught_at_that_event(chain):
    chain[2]["payload"] = {**chain[2]["payload"], "text": "Perimeter at 300 m"}
    check = verify_chain(chain)
    assert not check.ok
    assert check.first_broken_seq == 3 and check.count == 2
    assert "hash does not match" in check.reason
    assert check.last_hash == chain[1]["hash"]


@pytest.mark.parametrize("field, value", [("type", "inject.released"), ("actor", "user:1"),
                                          ("team", "police"), ("visible_to", None),
                                          ("exercise_time_s", 1.0),
                                          ("wall_time", "2025-03-01T10:00:00+00:00")])
def test_every_hashed_field_is_protected(chain, field, value):
    chain[3][field] = value
    check = verify_chain(chain)
    assert (check.ok, check.first_broken_seq) == (False, 4)


def test_a_deleted_event_is_caught_as_a_gap(chain):
    del chain[1]
    check = verify_chain(chain)
    assert (check.ok, check.first_broken_seq, check.count) == (False, 2, 1)
    assert check.reason == "expected seq 2, found 3 (an event is missing or out of order)"


def test_a_deleted_last_event_cannot_be_seen_by_the_chain_alone(chain):
    # Truncation keeps a valid prefix; callers compare count/last_hash with what they expect.
    check = verify_chain(chain[:-1])
    assert check.ok and check.count == 4 and check.last_hash != chain[-1]["hash"]


def test_reordered_events_are_caught(chain):
    chain[1], chain[2] = chain[2], chain[1]
    check = verify_chain(chain)
    assert (check.ok, check.first_broken_seq) == (False, 2)
    assert "found 3" in check.reason


def test_deleting_and_renumbering_breaks_the_link(chain):
    del chain[1]
    for row in chain[1:]:
        row["seq"] -= 1
    check = verify_chain(chain)
    assert (check.ok, check.first_broken_seq) == (False, 2)
    assert check.reason == "prev_hash does not match the hash of seq 1"


def test_a_changed_hash_is_caught(chain):
    chain[4]["hash"] = "a" * 64
    check = verify_chain(chain)
    assert (check.ok, check.first_broken_seq, check.count) == (False, 5, 4)
    assert "hash does not match" in check.reason


def test_a_rehashed_event_breaks_the_next_link(chain):
    # A forger who fixes the altered event's hash is caught by the next event's prev_hash.
    chain[1]["payload"] = {"text": "forged"}
    chain[1]["hash"] = event_hash(chain[1]["prev_hash"], hashed_record(chain[1]))
    check = verify_chain(chain)
    assert (check.ok, check.first_broken_seq) == (False, 3)
    assert check.reason == "prev_hash does not match the hash of seq 2"


def test_a_chain_must_start_at_genesis(chain):
    chain[0]["prev_hash"] = "1" * 64
    check = verify_chain(chain)
    assert (check.ok, check.first_broken_seq) == (False, 1)
    assert check.reason == "prev_hash does not match the hash of the start of the chain"


def test_a_chain_must_start_at_seq_one():
    rows = build_chain([record(seq) for seq in range(2, 4)])
    check = verify_chain(rows)
    assert (check.ok, check.first_broken_seq, check.count) == (False, 1, 0)


def test_events_from_another_exercise_are_caught(chain):
    chain[3]["exercise_id"] = 8
    check = verify_chain(chain)
    assert (check.ok, check.first_broken_seq) == (False, 4)
    assert "exercise 8" in check.reason


def test_a_row_missing_a_field_is_reported_not_raised(chain):
    del chain[2]["payload"]
    check = verify_chain(chain)
    assert (check.ok, check.first_broken_seq, check.reason) == (False, 3, "event is missing payload")


def test_a_row_that_cannot_be_hashed_is_reported_not_raised(chain):
    from datetime import datetime, timezone

    chain[0]["wall_time"] = datetime(2025, 3, 1, tzinfo=timezone.utc)
    check = verify_chain(chain)
    assert (check.ok, check.first_broken_seq) == (False, 1)
    assert check.reason.startswith("event cannot be hashed")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=100)
@given(st.lists(json_values, min_size=1, max_size=8), st.data())
def test_any_single_payload_change_is_caught_at_its_seq(payloads, data):
    rows = build_chain([record(seq, payload=p) for seq, p in enumerate(payloads, start=1)])
    assert verify_chain(rows).ok
    victim = data.draw(st.integers(0, len(rows) - 1))
    replacement = data.draw(json_values.filter(lambda v: canonical_json(v) != canonical_json(payloads[victim])))
    rows[victim]["payload"] = replacement
    check = verify_chain(rows)
    assert (check.ok, check.first_broken_seq, check.count) == (False, victim + 1, victim)
