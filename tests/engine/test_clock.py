"""The exercise clock: transitions at the edges, and properties over random control sequences."""

from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.clock import ClockTransitionError, ExerciseClock, is_due

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# -- reading the clock ---------------------------------------------------------------------


def test_a_draft_clock_reads_zero_and_has_no_wall_times():
    clock = ExerciseClock()
    assert clock.status == "draft"
    assert clock.elapsed(at(100)) == 0
    assert clock.wall_time_at(10, at(100)) is None


def test_running_clock_counts_real_time_times_speed():
    clock = ExerciseClock().start(at(0))
    assert clock.elapsed(at(0)) == 0
    assert clock.elapsed(at(90)) == 90
    fast = ExerciseClock(speed=60).start(at(0))
    assert fast.elapsed(at(2)) == 120


def test_elapsed_never_runs_backwards_when_now_is_before_the_anchor():
    # Another process may have anchored the clock a hair "later" than our clock reads.
    clock = ExerciseClock(elapsed_base_s=30).start(at(10))
    assert clock.elapsed(at(9.5)) == 30


def test_pause_freezes_and_resume_continues():
    clock = ExerciseClock().start(at(0)).pause(at(100))
    assert clock.status == "paused" and clock.anchor is None
    assert clock.elapsed(at(100)) == clock.elapsed(at(5000)) == 100
    resumed = clock.resume(at(5000))
    assert resumed.elapsed(at(5000)) == 100
    assert resumed.elapsed(at(5030)) == 130


def test_speed_change_is_continuous_and_reanchors():
    clock = ExerciseClock().start(at(0)).with_speed(10, at(60))
    assert clock.elapsed_base_s == 60 and clock.anchor == at(60)
    assert clock.elapsed(at(60)) == 60
    assert clock.elapsed(at(61)) == 70


def test_speed_change_while_paused_or_draft_keeps_time_frozen():
    paused = ExerciseClock().start(at(0)).pause(at(50)).with_speed(2, at(70))
    assert paused.status == "paused" and paused.speed == 2 and paused.elapsed(at(80)) == 50
    assert paused.resume(at(100)).elapsed(at(110)) == 70
    assert ExerciseClock().with_speed(5, at(0)).speed == 5


def test_end_freezes_elapsed_from_running_or_paused():
    ended = ExerciseClock().start(at(0)).end(at(42))
    assert ended.status == "ended" and ended.elapsed(at(10_000)) == 42
    ended_paused = ExerciseClock().start(at(0)).pause(at(10)).end(at(99))
    assert ended_paused.elapsed(at(99)) == 10


def test_transitions_return_new_clocks_and_leave_the_old_one_alone():
    draft = ExerciseClock()
    running = draft.start(at(0))
    assert draft.status == "draft" and running is not draft
    with pytest.raises(AttributeError):
        running.status = "paused"  # type: ignore[misc]


def test_anchor_is_stored_in_utc():
    cet = timezone(timedelta(hours=1))
    clock = ExerciseClock().start(datetime(2025, 3, 1, 10, 0, tzinfo=cet))
    assert clock.anchor == T0 and clock.anchor.tzinfo == timezone.utc


def test_snapshot_is_the_api_shape():
    clock = ExerciseClock(speed=2).start(at(0))
    assert clock.snapshot(at(5)) == {"status": "running", "elapsed_s": 10.0, "speed": 2.0}


# -- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "clock, operation, reason",
    [
        (ExerciseClock(), "pause", "the exercise has not started"),
        (ExerciseClock(), "resume", "the exercise has not started; start it instead"),
        (ExerciseClock(), "end", "the exercise has not started"),
        (ExerciseClock().start(T0), "start", "the exercise is already running"),
        (ExerciseClock().start(T0), "resume", "the exercise is already running"),
        (ExerciseClock().start(T0).pause(T0), "pause", "the exercise is already paused"),
        (ExerciseClock().start(T0).pause(T0), "start", "the exercise has already started; resume it instead"),
        (ExerciseClock().start(T0).end(T0), "start", "the exercise has ended"),
        (ExerciseClock().start(T0).end(T0), "pause", "the exercise has ended"),
        (ExerciseClock().start(T0).end(T0), "resume", "the exercise has ended"),
        (ExerciseClock().start(T0).end(T0), "end", "the exercise has already ended"),
    ],
)
def test_invalid_transitions_say_why(clock, operation, reason):
    with pytest.raises(ClockTransitionError) as excinfo:
        getattr(clock, operation)(at(1))
    assert excinfo.value.message == reason == str(excinfo.value)


def test_speed_change_after_end_is_refused():
    ended = ExerciseClock().start(T0).end(at(1))
    with pytest.raises(ClockTransitionError, match="the exercise has ended"):
        ended.with_speed(2, at(2))


@pytest.mark.parametrize("speed", [0.1, 1, 120, 0.5, 119.99])
def test_speed_limits_are_inclusive(speed):
    assert ExerciseClock().start(T0).with_speed(speed, at(1)).speed == speed


@pytest.mark.parametrize("speed", [0.09, 0, -1, 120.01, float("nan"), float("inf"), True, "2"])
def test_speed_out_of_range_is_refused(speed):
    with pytest.raises(ClockTransitionError, match="speed must be"):
        ExerciseClock().with_speed(speed, T0)


def test_speed_error_message_is_readable():
    with pytest.raises(ClockTransitionError) as excinfo:
        ExerciseClock().with_speed(500, T0)
    assert excinfo.value.message == "speed must be between 0.1 and 120"


def test_naive_wall_times_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        ExerciseClock().start(datetime(2025, 3, 1, 9, 0))


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "stopped"},
        {"status": "running"},  # no anchor
        {"status": "paused", "anchor": T0},
        {"elapsed_base_s": -1},
        {"elapsed_base_s": float("nan")},
        {"speed": 0},
    ],
)
def test_inconsistent_stored_clocks_are_refused(fields):
    with pytest.raises((ValueError, ClockTransitionError)):
        ExerciseClock(**fields)


# -- when injects are due --------------------------------------------------------------------


@pytest.mark.parametrize(
    "offset, elapsed, due",
    [(60, 59.999, False), (60, 60, True), (60, 61, True), (0, 0, True), (None, 10**9, False)],
)
def test_is_due_at_the_edges(offset, elapsed, due):
    assert is_due(offset, elapsed) is due


def test_wall_time_at_a_future_offset():
    clock = ExerciseClock(speed=2).start(at(0))
    assert clock.wall_time_at(60, at(10)) == at(30)


def test_wall_time_at_a_reached_offset_is_now():
    clock = ExerciseClock().start(at(0))
    assert clock.wall_time_at(60, at(60)) == at(60)
    assert clock.wall_time_at(60, at(100)) == at(100)


def test_wall_time_at_is_none_unless_running():
    clock = ExerciseClock().start(at(0)).pause(at(10))
    assert clock.wall_time_at(60, at(20)) is None
    assert clock.end(at(30)).wall_time_at(60, at(40)) is None


def test_wall_time_at_never_wakes_the_scheduler_early():
    # 1/3 s of real time is not a whole number of microseconds.
    clock = ExerciseClock(speed=3).start(at(0))
    when = clock.wall_time_at(1, at(0))
    assert is_due(1, clock.elapsed(when))
    assert not is_due(1, clock.elapsed(when - timedelta(microseconds=1)))


# -- properties over random control sequences ------------------------------------------------

speeds = st.sampled_from([0.1, 0.25, 0.5, 1, 2, 3, 7.5, 10, 60, 120]) | st.floats(0.1, 120)
operations = st.lists(
    st.tuples(
        st.sampled_from(["start", "pause", "resume", "speed", "end"]),
        st.integers(0, 3_600_000_000),  # microseconds since the previous operation
        speeds,
    ),
    max_size=25,
)


class ReferenceClock:
    """An independent model: exact rational integral of speed over the running intervals."""

    def __init__(self, speed: Fraction):
        self.status, self.speed, self.total, self.since = "draft", speed, Fraction(0), 0

    def allowed(self, op: str) -> bool:
        return {
            "start": self.status == "draft",
            "pause": self.status == "running",
            "resume": self.status == "paused",
            "speed": self.status != "ended",
            "end": self.status in ("running", "paused"),
        }[op]

    def advance_to(self, t_us: int) -> None:
        if self.status == "running":
            self.total += Fraction(t_us - self.since, 1_000_000) * self.speed
        self.since = t_us

    def apply(self, op: str, speed: Fraction) -> None:
        self.status = {"start": "running", "pause": "paused", "resume": "running",
                       "end": "ended"}.get(op, self.status)
        if op == "speed":
            self.speed = speed


def run(ops):
    """Apply ops to a real clock and the reference; yield (clock, reference, now) after each."""
    clock, ref, t_us = ExerciseClock(), ReferenceClock(Fraction(1)), 0
    for op, gap_us, speed in ops:
        t_us += gap_us
        now = T0 + timedelta(microseconds=t_us)
        ref.advance_to(t_us)
        before = clock.elapsed(now)
        if ref.allowed(op):
            clock = clock.with_speed(speed, now) if op == "speed" else getattr(clock, op)(now)
            ref.apply(op, Fraction(speed))
        else:
            with pytest.raises(ClockTransitionError):
                clock.with_speed(speed, now) if op == "speed" else getattr(clock, op)(now)
        # Every transition is continuous: it never jumps elapsed time.
        assert clock.elapsed(now) == pytest.approx(before, rel=1e-12, abs=1e-9)
        yield clock, ref, now


@settings(max_examples=300)
@given(operations)
def test_elapsed_is_the_integral_of_speed_over_running_time(ops):
    for clock, ref, now in run(ops):
        assert clock.status == ref.status
        assert clock.elapsed(now) == pytest.approx(float(ref.total), rel=1e-9, abs=1e-6)


@settings(max_examples=300)
@given(operations, st.lists(st.integers(0, 10_000_000), min_size=1, max_size=5))
def test_elapsed_never_decreases_and_is_frozen_unless_running(ops, probes_us):
    last = 0.0
    for clock, _, now in run(ops):
        here = clock.elapsed(now)
        assert here >= last
        last = here
        later = [clock.elapsed(now + timedelta(microseconds=p)) for p in sorted(probes_us)]
        assert later == sorted(later) and later[0] >= here
        if clock.status != "running":
            assert set(later) == {here}


@settings(max_examples=300)
@given(operations, st.floats(0, 200_000), st.integers(0, 10_000_000))
def test_wall_time_at_inverts_elapsed(ops, offset, probe_us):
    for clock, _, now in run(ops):
        when = clock.wall_time_at(offset, now)
        if clock.status != "running":
            assert when is None
            continue
        assert when >= now
        assert is_due(offset, clock.elapsed(when))
        if when > now:
            # Minimal to the microsecond: one tick earlier the inject is not yet due.
            assert not is_due(offset, clock.elapsed(when - timedelta(microseconds=1)))
        # And the due test at any wall time agrees with comparing against `when`.
        probe = now + timedelta(microseconds=probe_us)
        assert is_due(offset, clock.elapsed(probe)) == (probe >= when)
