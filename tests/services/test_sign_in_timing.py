"""How long a failed sign-in takes does not tell whether the username exists: an unknown user
costs one password hash like a wrong password does."""
import statistics
import time

import pytest

from app.extensions import db
from app.services.accounts import authenticate
from app.errors import Unauthorized

from ..helpers import gen_user


def _median_failure_time(username: str, rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        with pytest.raises(Unauthorized):
            authenticate(username, "not the password")
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def test_an_unknown_user_takes_as_long_as_a_wrong_password(app):
    gen_user("ctl", "controller")
    disabled = gen_user("old", "evaluator")
    disabled.active = False
    db.session.commit()
    _median_failure_time("nobody", rounds=1)  # the stand-in hash is made on first use
    wrong_password = _median_failure_time("ctl")
    unknown_user = _median_failure_time("nobody")
    disabled_user = _median_failure_time("old")
    # Generous bounds (a shared 2-core machine): before, an unknown user took 5 % of the time.
    assert 0.5 < unknown_user / wrong_password < 2, (unknown_user, wrong_password)
    assert 0.5 < disabled_user / wrong_password < 2, (disabled_user, wrong_password)
