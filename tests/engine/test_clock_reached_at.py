from datetime import datetime, timedelta, timezone

from app.engine.clock import ExerciseClock

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_reached_at_gives_the_wall_time_an_offset_was_reached_in_the_current_run():
    clock = ExerciseClock().start(T0).with_speed(2, T0 + timedelta(seconds=10))  # 10 s banked, then x2
    assert clock.reached_at(30) == T0 + timedelta(seconds=20)
    assert clock.reached_at(10) == T0 + timedelta(seconds=10)
    assert clock.reached_at(5) is None  # reached before the speed change: an earlier run
    assert clock.pause(T0 + timedelta(seconds=20)).reached_at(30) is None
