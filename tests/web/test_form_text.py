"""The sign-in and join forms refuse text that is not one line of Unicode text with a 422 and
the reason, never a 500 (PostgreSQL cannot store NUL) or a silent failure."""
import pytest

from ..helpers import PASSWORD, gen_exercise, gen_user


@pytest.fixture
def forms(library_app):
    library_app.config["WTF_CSRF_ENABLED"] = False
    return library_app.test_client()


@pytest.mark.parametrize("field, value", [("username", "ctl\x00"), ("password", PASSWORD + "\x00"),
                                          ("username", "ctl\x1b[2J"), ("username", "c\ntl")])
def test_the_login_form_refuses_control_characters(forms, field, value):
    gen_user("ctl", "controller")
    data = {"username": "ctl", "password": PASSWORD} | {field: value}
    response = forms.post("/login", data=data)
    assert response.status_code == 422
    assert "must not contain" in response.get_data(as_text=True).lower()


def test_undecodable_bytes_in_a_form_are_plain_text_not_an_error(forms):
    """A lone surrogate cannot arrive in a form: Werkzeug keeps undecodable percent-escapes as text."""
    gen_user("ctl", "controller")
    response = forms.post("/login", data=b"username=%ED%A0%80&password=x",
                          content_type="application/x-www-form-urlencoded")
    assert response.status_code == 401


@pytest.mark.parametrize("field, value", [("name", "Alex\x00"), ("name", "Al\x07ex"), ("code", "ABCD\x00EFGH")])
def test_the_join_form_refuses_control_characters(forms, field, value):
    exercise = gen_exercise()
    data = {"code": exercise.teams[0].join_code, "name": "Alex"} | {field: value}
    response = forms.post("/join", data=data)
    assert response.status_code == 422
    assert "must not contain" in response.get_data(as_text=True).lower()
    assert forms.post("/join", data={"code": exercise.teams[0].join_code, "name": "Alex"}).status_code == 200
