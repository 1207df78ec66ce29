"""Group commit: actions that arrive together are written together, and each gets its own answer."""
import threading
import time

import pytest

from app.realtime.group_commit import GroupCommit


def wait_until(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


class HeldWriter:
    """A write function that records its batches and holds the first one until released."""

    def __init__(self, fail_first=False):
        self.batches = []
        self.release = threading.Event()
        self.fail_first = fail_first

    def __call__(self, key, items):
        self.batches.append((key, list(items)))
        if len(self.batches) == 1:
            self.release.wait(5)
            if self.fail_first:
                raise RuntimeError("disk full")
        return [f"{key}:{item} written" for item in items]


def send_all(commit, key, items, results):
    threads = [threading.Thread(target=lambda i=i: results.__setitem__(i, _outcome(commit, key, i))) for i in items]
    for t in threads:
        t.start()
    return threads


def _outcome(commit, key, item):
    try:
        return commit.submit(key, item)
    except Exception as exc:
        return exc


def queued(commit, key):
    return len(commit._queues.get(key, []))


def test_what_arrives_during_a_write_goes_out_in_the_next_batch_with_an_answer_each():
    writer = HeldWriter()
    commit = GroupCommit(writer)
    results = {}
    first = send_all(commit, "ex1", [0], results)
    wait_until(lambda: len(writer.batches) == 1)
    others = send_all(commit, "ex1", range(1, 21), results)
    wait_until(lambda: queued(commit, "ex1") == 20)
    writer.release.set()
    for t in first + others:
        t.join(5)
    assert results == {i: f"ex1:{i} written" for i in range(21)}
    assert [len(items) for _, items in writer.batches] == [1, 20]
    assert sorted(writer.batches[1][1]) == list(range(1, 21))
    assert commit._queues == {} and commit._leading == set()  # idle again


def test_batches_are_bounded_and_the_rest_follows_in_order():
    writer = HeldWriter()
    commit = GroupCommit(writer, max_batch=8)
    results = {}
    threads = send_all(commit, "ex1", [0], results)
    wait_until(lambda: len(writer.batches) == 1)
    for i in range(1, 21):  # one at a time, so the queue order is known
        threads += send_all(commit, "ex1", [i], results)
        wait_until(lambda: queued(commit, "ex1") == i)
    writer.release.set()
    for t in threads:
        t.join(5)
    assert [items for _, items in writer.batches] == [[0], list(range(1, 9)), list(range(9, 17)), [17, 18, 19, 20]]
    assert len(results) == 21


def test_exercises_do_not_wait_for_each_other():
    writer = HeldWriter()
    commit = GroupCommit(writer)
    results = {}
    held = send_all(commit, "ex1", [0], results)
    wait_until(lambda: len(writer.batches) == 1)
    assert commit.submit("ex2", 7) == "ex2:7 written"  # while ex1's batch is still being written
    writer.release.set()
    for t in held:
        t.join(5)
    assert results == {0: "ex1:0 written"}


def test_a_failed_batch_answers_its_requests_with_the_error_and_the_next_batch_is_written():
    writer = HeldWriter(fail_first=True)
    commit = GroupCommit(writer)
    results = {}
    threads = send_all(commit, "ex1", [0], results)
    wait_until(lambda: len(writer.batches) == 1)
    threads += send_all(commit, "ex1", [1, 2], results)
    wait_until(lambda: queued(commit, "ex1") == 2)
    writer.release.set()
    for t in threads:
        t.join(5)
    assert isinstance(results[0], RuntimeError) and str(results[0]) == "disk full"
    assert results[1] == "ex1:1 written" and results[2] == "ex1:2 written"
    assert commit.submit("ex1", 3) == "ex1:3 written"


def test_an_outcome_that_is_an_exception_is_raised_to_its_sender_only():
    commit = GroupCommit(lambda key, items: [ValueError(f"bad {i}") if i % 2 else f"ok {i}" for i in items])
    assert commit.submit("ex1", 2) == "ok 2"
    with pytest.raises(ValueError, match="bad 3"):
        commit.submit("ex1", 3)


def test_a_writer_that_loses_outcomes_cannot_leave_senders_waiting():
    commit = GroupCommit(lambda key, items: [])
    with pytest.raises(RuntimeError, match="1 items written, 0 outcomes"):
        commit.submit("ex1", 1)
    assert commit._leading == set()
