"""Edits of a running exercise's injects follow the rules of the content files (one rule set)."""
from app.extensions import db
from app.services import lifecycle

from ..helpers import gen_exercise


def test_a_live_edit_is_checked_by_the_content_rules(library_app, client, staff):
    exercise = gen_exercise("mini-drill")
    lifecycle.start_exercise(exercise.id, "ctl")
    db.session.commit()
    url = f"/api/v1/exercises/{exercise.id}/injects/I-02"

    # EMS-01 is a step of the checklist, but I-02 goes to incident command, which is not responsible for it.
    wrong_team = client.patch(url, headers=staff["controller"], json={"expects": [{"step": "EMS-01", "within": "5m"}]})
    assert wrong_team.status_code == 422
    assert wrong_team.get_json()["error"]["fields"] == {"expects": [
        "inject I-02: expects step EMS-01, but no team it reaches is responsible for that step (agencies: ems)"]}
    assert client.patch(url, headers=staff["controller"], json={"to": ["ems"], "expects": [
        {"step": "EMS-01", "within": "5m"}]}).status_code == 200

    # The scenario's end does not bind a running exercise: a retime past it is fine.
    assert client.patch(url, headers=staff["controller"], json={"at": "3h"}).status_code == 200
