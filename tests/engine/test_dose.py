"""Dose along tracks against closed forms; incremental, vectorised, and tied to the exercise clock."""
import math
from datetime import datetime, timedelta, timezone

import pytest

from app.engine.clock import ExerciseClock
from app.engine.dose import (
    AlarmState,
    AlarmThresholds,
    DoseAccount,
    IntegrationSettings,
    RadiationField,
    RateAlarmLevel,
    advance_doses,
    advance_doses_to_wall_time,
    dose_along,
    update_alarms,
)
from app.engine.movement import WALKING_SPEED_M_S, Track
from tests.fields import CountingField, DecayingField, PointSourceField, StepInTimeField, UniformField

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


def walk_past(d, half_length=60.0, speed=WALKING_SPEED_M_S):
    """A straight walk along y = d from x = -half_length to +half_length, starting at t = 0."""
    return Track.placed((-half_length, d), 0.0).move(0.0, [(half_length, d)], speed)


def closed_form_walk_uSv(k, d, half_length, speed):
    """∫ k / (d² + x²) dt with x = v t: (k / (v d)) (arctan(L/d) − arctan(−L/d)), in µSv."""
    return k / (speed * d) * (math.atan(half_length / d) - math.atan(-half_length / d)) / 3600.0


def test_the_analytic_fields_have_the_protocol():
    for field in (UniformField(1), PointSourceField(), StepInTimeField(1, 2, 3), DecayingField(1, 10)):
        assert isinstance(field, RadiationField)


def test_a_constant_field_gives_rate_times_time():
    track = Track.placed((3, 4), 0)
    assert dose_along(track, UniformField(10.0), 0, 3600) == pytest.approx(10.0, rel=1e-12)
    walking = Track.placed((0, 0), 0).move(0, [(500, 0)])
    assert dose_along(walking, UniformField(2.5), 0, 1800) == pytest.approx(1.25, rel=1e-12)


@pytest.mark.parametrize("d", [0.5, 1.0, 3.0, 10.0, 40.0])
@pytest.mark.parametrize("speed", [WALKING_SPEED_M_S, 8.0])
def test_a_straight_walk_past_a_point_source_matches_the_arctan_closed_form(d, speed):
    k, half_length = 5000.0, 60.0
    track = walk_past(d, half_length, speed)
    duration = 2 * half_length / speed
    got = dose_along(track, PointSourceField(0, 0, k), 0, duration)
    assert got == pytest.approx(closed_form_walk_uSv(k, d, half_length, speed), rel=0.01)


def test_a_walk_past_a_weak_source_over_background_is_still_counted():
    k, d, half_length, background = 20.0, 0.5, 100.0, 0.1
    track = walk_past(d, half_length)
    duration = 2 * half_length / WALKING_SPEED_M_S
    got = dose_along(track, PointSourceField(0, 0, k, background_uSv_h=background), 0, duration)
    expected = closed_form_walk_uSv(k, d, half_length, WALKING_SPEED_M_S) + background * duration / 3600
    assert got == pytest.approx(expected, rel=0.01)


def test_a_stay_next_to_a_source_is_rate_times_time():
    field = PointSourceField(0, 0, k_uSv_h_m2=1000.0, background_uSv_h=0.1)
    track = Track.placed((2, 0), 0)  # 2 m away: 250 µSv/h + background
    assert dose_along(track, field, 0, 600) == pytest.approx(250.1 * 600 / 3600, rel=1e-9)


def test_halving_every_step_changes_the_dose_by_less_than_one_percent():
    field = PointSourceField(10, 3, k_uSv_h_m2=20000.0, background_uSv_h=0.2)
    track = (
        Track.placed((-50, 0), 0)
        .move(0, [(30, 0), (30, 20), (5, 4)])
        .move(70, [(12, 2)], speed_m_s=8.0)
        .stop(120)
        .move(300, [(-40, -40)])
    )
    coarse = IntegrationSettings()
    fine = coarse.halved()
    dose_coarse = dose_along(track, field, 0, 400, settings=coarse)
    dose_fine = dose_along(track, field, 0, 400, settings=fine)
    assert abs(dose_coarse - dose_fine) / dose_fine < 0.01


def test_many_small_advances_equal_one_large_advance():
    field = PointSourceField(0, 2, k_uSv_h_m2=8000.0, background_uSv_h=0.15)
    track = walk_past(1.0, 80).move(100, [(0, 0)]).move(300, [(-30, 30)], 8.0)
    one = dose_along(track, field, 0, 600)
    account = DoseAccount.opened("r1", 0)
    for t in range(1, 601):
        (step,) = advance_doses([account], [track], field, float(t))
        account = step.account
    assert account.t_s == 600
    assert account.dose_uSv == pytest.approx(one, rel=0.01)


def test_the_cost_of_an_advance_does_not_grow_with_the_exercise():
    field = CountingField(PointSourceField(0, 0, 1000.0, 0.1))
    track = Track.placed((5, 5), 0)
    for t in (600.0, 3600.0, 14400.0):
        field.points = 0
        account = DoseAccount.opened("r", t - 2)
        advance_doses([account], [track], field, t)
        assert field.points <= 2  # the standing panel and the rate now: nothing from the past


def test_five_hundred_responders_are_advanced_in_a_few_vectorised_calls():
    field = CountingField(PointSourceField(0, 0, 5000.0, 0.1))
    tracks = [Track.placed((i % 25 * 4.0, i // 25 * 4.0), 0) for i in range(480)]
    tracks += [walk_past(1.0 + i, 30).since(0) for i in range(20)]
    accounts = [DoseAccount.opened(f"r{i}", 10.0) for i in range(500)]
    steps = advance_doses(accounts, tracks, field, 12.0)
    assert len(steps) == 500 and all(s.account.t_s == 12.0 for s in steps)
    assert field.calls <= 15
    standing = steps[0]
    assert standing.added_uSv == pytest.approx((5000.0 / 0.09 + 0.1) * 2 / 3600)  # at the source, r_min


def test_a_step_in_time_is_exact_when_given_as_a_breakpoint():
    field = StepInTimeField(before=100.0, after=1.0, at_s=1000.0)
    track = Track.placed((0, 0), 0)
    exact = (100.0 * 1000 + 1.0 * 800) / 3600
    assert dose_along(track, field, 0, 1800, breakpoints=[1000.0]) == pytest.approx(exact, rel=1e-12)
    # Without it, the field is held at most one field step: the error is bounded by half a step.
    rough = dose_along(track, field, 0, 1800)
    assert abs(rough - exact) <= 99.0 * 30 / 3600 + 1e-9


def test_a_decaying_field_is_integrated_through_its_decay():
    field = DecayingField(rate0=50.0, half_life_s=6 * 3600)  # Tc-99m
    track = Track.placed((0, 0), 0)
    assert dose_along(track, field, 0, 4 * 3600) == pytest.approx(field.dose_uSv(0, 4 * 3600), rel=1e-4)


def test_an_account_keeps_rate_now_maximum_rate_and_a_thinned_history():
    field = PointSourceField(0, 0, k_uSv_h_m2=1000.0, background_uSv_h=0.1)
    track = walk_past(2.0, 60)  # passes 2 m from the source at t = 50 s
    account = DoseAccount.opened("r1", 0)
    samples = []
    for t in range(5, 205, 5):
        (step,) = advance_doses([account], [track], field, float(t))
        account = step.account
        if step.sample:
            samples.append(step.sample)
    assert account.max_rate_uSv_h == pytest.approx(250.1, rel=0.01)
    assert account.max_rate_at_s == pytest.approx(50, abs=1)
    assert account.rate_uSv_h == pytest.approx(field.rate_at(60, 2, 200))
    assert samples[0].t_s == 5
    assert samples[-1].dose_uSv <= account.dose_uSv
    assert [s.t_s for s in samples] == sorted(s.t_s for s in samples)
    assert 5 < len(samples) < 40  # every change of rate by 25 % and every 30 s, not every pass


def test_an_account_at_or_past_the_time_is_left_alone():
    account = DoseAccount(responder="r", t_s=100.0, dose_uSv=7.0)
    (step,) = advance_doses([account], [Track.placed((0, 0))], UniformField(1e6), 50.0)
    assert step.account == account and step.added_uSv == 0


def test_advancing_needs_one_track_per_account():
    with pytest.raises(ValueError, match="one track per account"):
        advance_doses([DoseAccount.opened("r", 0)], [], UniformField(1), 10)


# -- the exercise clock ----------------------------------------------------------------------


def test_a_paused_exercise_adds_no_dose_however_much_real_time_passes():
    field, track = UniformField(36.0), Track.placed((0, 0), 0)  # 0.01 µSv per second
    clock = ExerciseClock().start(T0)
    account = DoseAccount.opened("r", 0)
    (step,) = advance_doses_to_wall_time([account], [track], field, clock, T0 + timedelta(seconds=10))
    assert step.account.dose_uSv == pytest.approx(0.1)
    clock = clock.pause(T0 + timedelta(seconds=10))
    (paused,) = advance_doses_to_wall_time([step.account], [track], field, clock, T0 + timedelta(hours=3))
    assert paused.added_uSv == 0 and paused.account.dose_uSv == pytest.approx(0.1)
    clock = clock.resume(T0 + timedelta(hours=3))
    (resumed,) = advance_doses_to_wall_time([paused.account], [track], field, clock, T0 + timedelta(hours=3, seconds=5))
    assert resumed.account.dose_uSv == pytest.approx(0.15)


def test_at_speed_60_a_real_second_gives_a_minute_of_dose():
    field, track = UniformField(36.0), Track.placed((0, 0), 0)
    normal = ExerciseClock(speed=1).start(T0)
    fast = ExerciseClock(speed=60).start(T0)
    one_second = T0 + timedelta(seconds=1)
    (slow_step,) = advance_doses_to_wall_time([DoseAccount.opened("a", 0)], [track], field, normal, one_second)
    (fast_step,) = advance_doses_to_wall_time([DoseAccount.opened("b", 0)], [track], field, fast, one_second)
    assert fast_step.added_uSv == pytest.approx(60 * slow_step.added_uSv)
    assert fast_step.added_uSv == pytest.approx(0.6)


# -- a personal dosimeter's alarms -----------------------------------------------------------

THRESHOLDS = AlarmThresholds(rate=(RateAlarmLevel(100, 80), RateAlarmLevel(1000, 800)), dose_uSv=(500, 2000))


def run_rates(rates, state=None):
    state = state or AlarmState()
    seen = []
    for rate in rates:
        state, changes = update_alarms(state, THRESHOLDS, dose_uSv=0, rate_uSv_h=rate)
        seen.extend((c.level, c.state) for c in changes)
    return state, seen


def test_a_rate_alarm_comes_on_at_its_threshold_and_goes_off_below_the_off_threshold():
    state, seen = run_rates([50, 120, 90, 85, 79, 90, 101])
    assert seen == [(1, "on"), (1, "off"), (1, "on")]
    assert state.rate_on == (True, False)


def test_a_rate_hovering_at_the_threshold_does_not_chatter():
    _, seen = run_rates([95, 105, 96, 104, 97, 103, 99, 101, 98, 102])
    assert seen == [(1, "on")]


def test_both_rate_levels_and_their_order():
    state, seen = run_rates([1500, 900, 700, 50])
    assert seen == [(1, "on"), (2, "on"), (2, "off"), (1, "off")]
    assert state.rate_on == (False, False)


def test_a_source_passed_between_two_passes_gives_a_brief_alarm():
    state, changes = update_alarms(AlarmState(), THRESHOLDS, dose_uSv=0, rate_uSv_h=5, peak_uSv_h=300)
    assert [(c.level, c.state, c.value) for c in changes] == [(1, "brief", 300)]
    assert not state.alarming


def test_dose_alarms_latch_and_a_jump_reports_each_level_in_order():
    state, changes = update_alarms(AlarmState(), THRESHOLDS, dose_uSv=2500, rate_uSv_h=0)
    assert [(c.kind, c.level, c.threshold) for c in changes] == [("dose", 1, 500), ("dose", 2, 2000)]
    state, again = update_alarms(state, THRESHOLDS, dose_uSv=2600, rate_uSv_h=0)
    assert again == [] and state.dose_levels_reached == 2 and state.alarming


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rate": (RateAlarmLevel(100, 80), RateAlarmLevel(50, 40))},
        {"dose_uSv": (2000.0, 500.0)},
        {"dose_uSv": (-1.0,)},
    ],
)
def test_alarm_levels_must_increase(kwargs):
    with pytest.raises(ValueError):
        AlarmThresholds(**kwargs)


def test_an_off_threshold_above_the_on_threshold_is_refused():
    with pytest.raises(ValueError, match="off threshold"):
        RateAlarmLevel(100, 120)
