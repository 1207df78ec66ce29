"""The replay page through the Flask test client: who gets it, and what it hands to replay.js."""
from ..helpers import gen_tablet
from .test_console_pages import exercise, page_data, sign_in  # noqa: F401  (exercise: the fixture)

PANELS = ('id="replay-bar"', 'id="scrubber-range"', 'id="btn-play"', 'id="lens"', 'id="btn-hotwash"',
          'id="hotwash-form"', 'id="clock"', 'id="msel"', 'id="grid"', 'id="feed"', 'id="messages"',
          'id="lens-panel"', "js/replay.js")


def test_signed_out_visitors_and_tablets_are_sent_to_sign_in(client, exercise):
    tablet = gen_tablet(exercise, "fire")
    for headers in ({}, {"Authorization": f"Bearer {tablet.token}"}):
        response = client.get(f"/exercises/{exercise.id}/replay?t=0:05:00", headers=headers)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_an_evaluator_replays_without_the_branch_dialog(client, exercise):
    sign_in(client, "eva")
    html = client.get(f"/exercises/{exercise.id}/replay").get_data(as_text=True)
    for part in PANELS:
        assert part in html, part
    assert 'id="btn-branch"' not in html and 'id="branch-dialog"' not in html
    data = page_data(html)
    assert data["can_control"] is False and data["can_branch"] is False
    assert [t["key"] for t in data["teams"]] == ["ic", "fire", "ems"] and data["start_s"] == 0.0
    assert "Market &lt;drill&gt;" in html and "Market <drill>" not in html
    console = client.get(f"/exercises/{exercise.id}/console").get_data(as_text=True)
    assert f'href="/exercises/{exercise.id}/replay" class="topbar-link" id="replay-link"' in console


def test_a_controller_gets_the_branch_dialog_and_a_missing_exercise_is_a_404(client, exercise):
    sign_in(client, "ctl")
    html = client.get(f"/exercises/{exercise.id}/replay").get_data(as_text=True)
    assert 'id="btn-branch"' in html and 'id="branch-dialog"' in html
    data = page_data(html)
    assert data["can_branch"] is True and data["can_control"] is False  # the panels stay read only
    assert client.get("/exercises/987654/replay").status_code == 404


def test_the_reports_timeline_rows_open_the_replay_at_their_moment(library_app, client, clock, exercise):
    from app.extensions import db
    from app.services import lifecycle
    from app.services.scheduler import run_once

    lifecycle.start_exercise(exercise.id, "ctl")
    db.session.commit()
    clock.advance(65)
    run_once(library_app)  # I-01 out at 0:01:05
    sign_in(client, "eva")
    html = client.get(f"/exercises/{exercise.id}/report").get_data(as_text=True)
    assert f'href="/exercises/{exercise.id}/replay?t=0:01:05"' in html
