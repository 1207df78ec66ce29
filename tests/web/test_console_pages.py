"""The console's staff pages through the Flask test client: who gets them, and what they carry.

The pages are shells filled by console.js; these tests check what the server decides: access,
the controls a role is given, the checklist handed to the grid, and the join sheet's codes.
"""
import json
import re

import pytest

from app.extensions import db
from app.models import Team

from ..helpers import PASSWORD, gen_exercise, gen_user

CONTROLS = ('id="btn-start"', 'id="btn-pause"', 'id="btn-resume"', 'id="btn-end"', 'id="speed"',
            'id="adhoc-form"', 'id="msg-form"', 'id="btn-rotate"', 'id="btn-adhoc"')
LIVE_PARTS = ('id="clock"', 'id="clock-status"', 'id="msel"', 'id="msel-reserve"', 'id="prompts"', 'id="grid"',
              'id="feed"', 'id="messages"', 'id="team-chips"')


@pytest.fixture
def exercise(library_app):
    controller = gen_user("ctl", "controller")
    gen_user("eva", "evaluator")
    return gen_exercise(name="Market <drill>", creator=controller)


def sign_in(client, username):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def page_data(html):
    """The JSON the console page hands to console.js."""
    return json.loads(re.search(r'<script type="application/json" id="console-data">(.*?)</script>', html, re.S)
                      .group(1))


def test_signed_out_visitors_are_sent_to_sign_in_and_back(client, exercise):
    for path in ("/exercises", f"/exercises/{exercise.id}/console", f"/exercises/{exercise.id}/join-sheet",
                 f"/exercises/{exercise.id}/teams/fire/qr.svg"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next=")


def test_a_controller_gets_the_list_and_a_console_with_every_control(client, exercise):
    sign_in(client, "ctl")
    listing = client.get("/exercises").get_data(as_text=True)
    assert 'id="create-form"' in listing and "js/exercises.js" in listing

    response = client.get(f"/exercises/{exercise.id}/console")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for part in CONTROLS + LIVE_PARTS:
        assert part in html, part
    assert "Market &lt;drill&gt;" in html and "Market <drill>" not in html  # names are text, never markup
    data = page_data(html)
    assert data["exercise_id"] == exercise.id and data["can_control"] is True
    # The grid's columns: the checklist steps of the playing teams, in checklist order, with phase and text.
    assert [s["id"] for s in data["steps"]] == ["IC-01", "IC-02", "FB-01", "EMS-01", "J-01"]
    assert all(s["text"] and s["phase"] for s in data["steps"])


def test_an_evaluator_watches_the_console_without_controls(client, exercise):
    sign_in(client, "eva")
    assert 'id="create-form"' not in client.get("/exercises").get_data(as_text=True)
    html = client.get(f"/exercises/{exercise.id}/console").get_data(as_text=True)
    for part in CONTROLS:
        assert part not in html, part
    for part in LIVE_PARTS:
        assert part in html, part
    assert "read only" in html
    assert page_data(html)["can_control"] is False


def test_the_join_sheet_has_each_teams_code_link_and_qr_code(client, exercise):
    sign_in(client, "eva")
    html = client.get(f"/exercises/{exercise.id}/join-sheet").get_data(as_text=True)
    teams = exercise.teams
    assert len(teams) == 3
    for team in teams:
        assert team.name in html
        assert f'data-code="{team.join_code}"' in html
        assert f"http://localhost/join?code={team.join_code}" in html
    assert html.count("<svg") == len(teams)
    qr = client.get(f"/exercises/{exercise.id}/teams/fire/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml" and b"<svg" in qr.data


def test_only_a_controller_rotates_a_code_from_the_console_form(client, exercise):
    old = exercise.team("fire").join_code
    sign_in(client, "eva")
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"',
                     client.get(f"/exercises/{exercise.id}/console").get_data(as_text=True)).group(1)
    url = f"/exercises/{exercise.id}/teams/fire/rotate"
    assert client.post(url, data={"csrf_token": csrf}).status_code == 403
    client.post("/logout", data={"csrf_token": csrf})

    sign_in(client, "ctl")
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"',
                     client.get(f"/exercises/{exercise.id}/console").get_data(as_text=True)).group(1)
    response = client.post(url, data={"csrf_token": csrf})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/exercises/{exercise.id}/console")
    db.session.expire_all()
    new = db.session.get(Team, exercise.team("fire").id).join_code
    assert new != old
    assert new in client.get(f"/exercises/{exercise.id}/console").get_data(as_text=True)  # the flash names it


def test_unknown_exercises_and_teams_are_404(client, exercise):
    sign_in(client, "ctl")
    assert client.get("/exercises/999/console").status_code == 404
    assert client.get("/exercises/999/join-sheet").status_code == 404
    assert client.get(f"/exercises/{exercise.id}/teams/nobody/qr.svg").status_code == 404
