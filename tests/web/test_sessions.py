"""Staff browser sessions end on the server: after sign-out, a password change or deactivation
an old session cookie reads and posts nothing, over HTTP or Socket.IO; the CSRF token from
before sign-in does not work after it."""
import re

import pytest
from flask.testing import FlaskClient

from app.extensions import db, socketio
from app.models import User

from ..helpers import PASSWORD, gen_exercise, gen_user


class OwnContextClient(FlaskClient):
    """Each request in its own app context, as in a server: nothing (the signed-in user, the CSRF
    token) is remembered in `g` from one request to the next."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def browser(library_app):
    library_app.test_client_class = OwnContextClient
    return library_app.test_client()


def csrf_of(html: str) -> str:
    match = (re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
             or re.search(r'<meta name="csrf-token" content="([^"]+)"', html))
    return match.group(1)


def sign_in(client, username="ctl") -> str:
    """Sign in through the page; returns the CSRF token of the login form."""
    token = csrf_of(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return token


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def use_cookie(client, value: str) -> None:
    client.set_cookie("session", value)


def test_sign_out_ends_the_session_on_the_server(library_app, browser):
    gen_user("ctl", "controller")
    exercise = gen_exercise()
    sign_in(browser)
    assert browser.get("/api/v1/me").status_code == 200
    old = session_cookie(browser)
    console = browser.get(f"/exercises/{exercise.id}/console").get_data(as_text=True)
    old_csrf = csrf_of(console)
    assert browser.post("/logout", data={"csrf_token": old_csrf}).status_code == 302

    use_cookie(browser, old)  # someone kept a copy of the cookie
    me = browser.get("/api/v1/me")
    assert me.status_code == 401 and me.get_json()["error"]["code"] == "unauthorized"
    message = browser.post(f"/api/v1/exercises/{exercise.id}/messages", json={"to": "all", "text": "still here?"},
                           headers={"X-CSRFToken": old_csrf})
    assert message.status_code == 401
    assert browser.get(f"/exercises/{exercise.id}/console").status_code == 302  # to the sign-in page
    sio = socketio.test_client(library_app, flask_test_client=browser)
    assert sio.is_connected() is False


def test_signing_in_again_gives_a_working_session(library_app, browser):
    gen_user("ctl", "controller")
    sign_in(browser)
    browser.post("/logout", data={"csrf_token": csrf_of(browser.get("/exercises").get_data(as_text=True))})
    sign_in(browser)
    assert browser.get("/api/v1/me").status_code == 200


def test_a_live_socket_of_the_session_is_closed_at_sign_out(library_app, browser):
    gen_user("ctl", "controller")
    exercise = gen_exercise()
    sign_in(browser)
    sio = socketio.test_client(library_app, flask_test_client=browser)
    assert sio.is_connected()
    assert sio.emit("watch", {"exercise_id": exercise.id}, callback=True)["ok"] is True
    browser.post("/logout", data={"csrf_token": csrf_of(browser.get("/exercises").get_data(as_text=True))})
    assert sio.is_connected() is False


def test_a_socket_of_an_ended_session_on_another_process_is_refused_its_next_event(library_app, browser):
    """Sign-out closes connections on its own process; elsewhere the next event is refused."""
    user = gen_user("ctl", "controller")
    exercise = gen_exercise()
    sign_in(browser)
    sio = socketio.test_client(library_app, flask_test_client=browser)
    assert sio.emit("watch", {"exercise_id": exercise.id}, callback=True)["ok"] is True
    with library_app.app_context():
        db.session.get(User, user.id).end_sessions()  # as another process's sign-out would
        db.session.commit()
    db.session.expire_all()  # socket events here run in the test's own session; a server's are fresh
    answer = sio.emit("sync", {"since": 0}, callback=True)
    assert answer["ok"] is False and answer["error"]["code"] == "unauthorized"
    sio.disconnect()


def test_the_csrf_token_from_before_sign_in_fails_after_it(library_app, browser):
    gen_user("ctl", "controller")
    exercise = gen_exercise()
    before = sign_in(browser)
    refused = browser.post(f"/api/v1/exercises/{exercise.id}/messages", json={"to": "all", "text": "hello"},
                           headers={"X-CSRFToken": before})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf"
    after = csrf_of(browser.get("/exercises").get_data(as_text=True))
    assert after != before
    accepted = browser.post(f"/api/v1/exercises/{exercise.id}/messages", json={"to": "all", "text": "hello"},
                            headers={"X-CSRFToken": after})
    assert (accepted.get_json().get("error") or {}).get("code") != "csrf", accepted.get_json()


@pytest.mark.parametrize("change", ["password", "deactivated"])
def test_a_password_change_or_deactivation_ends_every_session(library_app, browser, change):
    gen_user("eva", "evaluator")
    sign_in(browser, "eva")
    assert browser.get("/api/v1/me").status_code == 200
    with library_app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "eva"))
        if change == "password":
            user.set_password("a new long password")
        else:
            user.active = False
        db.session.commit()
    assert browser.get("/api/v1/me").status_code == 401


def test_a_session_cookie_without_a_session_version_is_signed_out(library_app, browser):
    """Cookies made before session versions existed name only the user id."""
    user = gen_user("ctl", "controller")
    with browser.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    assert browser.get("/api/v1/me").status_code == 401
    with browser.session_transaction() as session:
        session["_user_id"] = user.get_id()
    assert browser.get("/api/v1/me").status_code == 200


def test_the_users_commands_end_sessions(library_app, browser):
    """`flask users password` and `flask users deactivate` sign the account out everywhere."""
    gen_user("eva", "evaluator")
    runner = library_app.test_cli_runner()
    sign_in(browser, "eva")
    result = runner.invoke(args=["users", "password", "eva", "--password", "another long password"])
    assert result.exit_code == 0, result.output
    assert browser.get("/api/v1/me").status_code == 401
    browser.post("/login", data={"username": "eva", "password": PASSWORD})  # the old password
    assert browser.get("/api/v1/me").status_code == 401
    token = csrf_of(browser.get("/login").get_data(as_text=True))
    assert browser.post("/login", data={"username": "eva", "password": "another long password",
                                        "csrf_token": token}).status_code == 302
    assert runner.invoke(args=["users", "deactivate", "eva"]).exit_code == 0
    assert browser.get("/api/v1/me").status_code == 401
    assert runner.invoke(args=["users", "deactivate", "nobody"]).exit_code == 1
