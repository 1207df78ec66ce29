"""services.unit: one transaction per unit of work, committed or rolled back as a whole."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.services.accounts import create_user
from app.errors import Conflict
from app.services.unit import transactional, unit_of_work


def usernames():
    db.session.rollback()  # read what is committed, not what this session holds
    return set(db.session.scalars(select(User.username)))


def test_a_unit_that_ends_normally_is_committed(app):
    with unit_of_work():
        create_user("ana", "controller", "long enough")
    assert usernames() == {"ana"}


def test_a_unit_that_raises_is_rolled_back_as_a_whole(app):
    with pytest.raises(Conflict):
        with unit_of_work():
            create_user("ana", "controller", "long enough")
            create_user("bo", "evaluator", "long enough")
            create_user("ana", "admin", "long enough")  # refused: the two before are undone too
    assert usernames() == set()


def test_transactional_views_and_functions(app):
    @transactional
    def add(name):
        return create_user(name, "controller", "long enough").username

    assert add("cy") == "cy" and add.__name__ == "add"
    with pytest.raises(Conflict):
        add("cy")
    assert usernames() == {"cy"}


def test_a_refused_rest_call_leaves_nothing_behind(app, client):
    """A refused REST operation changes nothing."""
    from tests.helpers import bearer, gen_user, token_for

    ctl = gen_user("ctl", "controller")
    token = token_for(ctl)
    before = client.get("/api/v1/exercises", headers=bearer(token)).get_json()
    response = client.post("/api/v1/exercises", headers=bearer(token),
                           json={"name": "Drill", "scenario": "rdd-urban",
                                 "teams": [{"key": "a", "name": "A", "agency": "fire"},
                                           {"key": "a", "name": "A again", "agency": "fire"}]})
    assert response.status_code == 422
    assert client.get("/api/v1/exercises", headers=bearer(token)).get_json() == before
