"""Writes wait for SQLite's lock cooperatively; a read never takes the write lock for a token's use."""
import sqlite3

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app.errors import Busy
from app.extensions import db
from app.models import ApiToken
from app.services.unit import retry_when_locked

from ..helpers import bearer, gen_user, token_for


def locked_error():
    return OperationalError("UPDATE exercises ...", {}, sqlite3.OperationalError("database is locked"))


def test_a_locked_database_is_tried_again_after_a_pause(app):
    calls = []

    def work():
        calls.append(1)
        if len(calls) < 3:
            raise locked_error()
        return "written"

    assert retry_when_locked(work) == "written" and len(calls) == 3


def test_a_lock_held_too_long_is_a_503_busy_and_other_errors_pass_through(app):
    app.config["CORDON_LOCK_WAIT_S"] = 0.05

    def always_locked():
        raise locked_error()

    with pytest.raises(Busy, match="busy"):
        retry_when_locked(always_locked)

    def broken():
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x"))

    with pytest.raises(OperationalError, match="no such table"):
        retry_when_locked(broken)


def test_a_get_with_a_bearer_token_leaves_no_write_behind(app, client):
    token = token_for(gen_user())
    with app.test_request_context("/api/v1/me", headers=bearer(token)):
        from app.auth import current_principal

        assert current_principal().user.username == "ctl"
        assert not db.session.dirty and not db.session.new  # nothing for the request's transaction to write
    db.session.remove()
    used = db.session.scalar(select(ApiToken.last_used_at))
    assert used is not None  # recorded, in a transaction of its own
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200
