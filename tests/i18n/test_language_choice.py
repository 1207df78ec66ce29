"""Which language a page and an API error are in: ?lang, the cookie (the join page, the top bar,
a tablet), a staff user's preference, the browser's Accept-Language, English; an exercise's
language for its tablets; Arabic right to left (app/i18n.py)."""
import re

import pytest
from babel.messages.pofile import read_po

from app.extensions import db
from app.i18n import COOKIE, TRANSLATIONS
from app.models import User

from ..helpers import bearer, gen_exercise, gen_user, token_for
from ..web.test_sessions import OwnContextClient, csrf_of, sign_in


def translation(code: str, message: str) -> str:
    with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        found = read_po(handle, locale=code).get(message)
    assert found is not None and found.string, f"{message!r} is not translated to {code}"
    return found.string


def heading(response) -> str:
    return re.search(r"<h1>(.*?)</h1>", response.get_data(as_text=True), re.S).group(1).strip()


def html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.get_data(as_text=True)).group(0)


@pytest.fixture(autouse=True)
def _fixture_library(library_app):
    """The small fixture library (its mini drill)."""


@pytest.fixture
def web(app):
    app.test_client_class = OwnContextClient
    return app.test_client()


def test_english_without_any_choice(web):
    response = web.get("/join")
    assert heading(response) == "Join your team" and 'lang="en"' in html_tag(response) and 'dir="ltr"' in html_tag(response)
    assert "data-catalogue" not in html_tag(response)


def test_the_browser_language_is_taken_when_shipped(web):
    response = web.get("/join", headers={"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.5"})
    assert heading(response) == translation("fr", "Join your team")
    tag = html_tag(response)
    assert 'lang="fr"' in tag and re.search(r'data-catalogue="/static/i18n/fr\.json\?v=\w+"', tag)
    assert heading(web.get("/join", headers={"Accept-Language": "de, zh;q=0.5"})) == "Join your team"


def test_arabic_pages_are_right_to_left(web):
    response = web.get("/join?lang=ar")
    assert 'lang="ar"' in html_tag(response) and 'dir="rtl"' in html_tag(response)
    assert heading(response) == translation("ar", "Join your team")


def test_the_url_beats_the_cookie_which_beats_the_browser(web):
    web.set_cookie(COOKIE, "es")
    assert heading(web.get("/join", headers={"Accept-Language": "ru"})) == translation("es", "Join your team")
    assert heading(web.get("/join?lang=ru")) == translation("ru", "Join your team")
    web.set_cookie(COOKIE, "xx")  # not shipped: ignored
    assert heading(web.get("/join", headers={"Accept-Language": "ru"})) == translation("ru", "Join your team")


def test_choosing_in_the_top_bar_sets_the_cookie_and_a_staff_users_preference(app, web):
    gen_user("ctl")
    sign_in(web)
    page = web.get("/exercises").get_data(as_text=True)
    response = web.post("/language", data={"lang": "ru", "next": "/exercises", "csrf_token": csrf_of(page)})
    assert response.status_code == 303 and response.headers["Location"].endswith("/exercises")
    assert COOKIE + "=ru" in response.headers["Set-Cookie"]
    with app.app_context():
        assert db.session.scalar(db.select(User.language).where(User.username == "ctl")) == "ru"
    # another browser, signed in as the same user, without a cookie: the preference
    other = app.test_client()
    sign_in(other)
    assert 'lang="ru"' in html_tag(other.get("/exercises"))


def test_an_unknown_language_is_refused_with_a_message(web):
    page = web.get("/join").get_data(as_text=True)
    response = web.post("/language", data={"lang": "xx", "next": "/join", "csrf_token": csrf_of(page)})
    assert response.status_code == 303
    assert "Unknown language" in web.get("/join").get_data(as_text=True)


def test_a_tablet_takes_its_exercises_language_unless_the_participant_chooses(app, web):
    user = gen_user("ctl")
    exercise = gen_exercise(creator=user, language="fr")
    code = exercise.teams[0].join_code
    page = web.get(f"/join?code={code}").get_data(as_text=True)
    joined = web.post("/join", data={"code": code, "name": "Ana", "language": "", "csrf_token": csrf_of(page)})
    assert joined.status_code == 200 and 'lang="fr"' in html_tag(joined)
    assert COOKIE + "=fr" in joined.headers["Set-Cookie"]
    assert 'lang="fr"' in html_tag(web.get("/team"))
    other = app.test_client()
    page = other.get(f"/join?code={code}").get_data(as_text=True)
    chosen = other.post("/join", data={"code": code, "name": "Omar", "language": "ar", "csrf_token": csrf_of(page)})
    assert 'lang="ar"' in html_tag(chosen) and 'dir="rtl"' in html_tag(other.get("/team"))


def test_the_exercise_language_is_set_and_shown_by_the_api(app, client):
    user = gen_user("ctl")
    token = token_for(user)
    created = client.post("/api/v1/exercises", json={"name": "D", "scenario": "mini-drill", "language": "es"},
                          headers=bearer(token))
    assert created.status_code == 201 and created.json["language"] == "es"
    ex = created.json["id"]
    patched = client.patch(f"/api/v1/exercises/{ex}", json={"language": "ar"}, headers=bearer(token))
    assert patched.status_code == 200 and patched.json["language"] == "ar"
    refused = client.patch(f"/api/v1/exercises/{ex}", json={"language": "klingon"}, headers=bearer(token))
    assert refused.status_code == 422 and "language" in refused.json["error"]["fields"]


def test_api_error_messages_are_in_the_callers_language_and_codes_stay(client):
    user = gen_user("ctl")
    token = token_for(user)
    english = client.get("/api/v1/exercises/999", headers=bearer(token))
    french = client.get("/api/v1/exercises/999", headers={**bearer(token), "Accept-Language": "fr"})
    assert english.status_code == french.status_code == 404
    assert english.json["error"]["code"] == french.json["error"]["code"] == "not_found"
    assert english.json["error"]["message"] == "no exercise 999"
    assert french.json["error"]["message"] == translation("fr", "no exercise %(exercise_id)s") % {"exercise_id": 999}
