"""The evaluator view through the Flask test client: who gets it, and what the page hands to evaluator.js."""
import json
import re

import pytest

from ..helpers import bearer, gen_exercise, gen_tablet, gen_user
from .test_console_pages import sign_in

PARTS = ('id="timelines"', 'id="obs-form"', 'id="obs-text"', 'id="obs-at"', 'id="obs-team"', 'id="obs-objective"',
         'name="obs-tag"', 'id="obs-list"', 'id="ratings"', 'id="ip-rows"', 'id="ip-new"', "js/evaluator.js")


@pytest.fixture
def exercise(library_app):
    controller = gen_user("ctl", "controller")
    gen_user("eva", "evaluator")
    gen_user("lead", "evaluator")
    gen_user("root", "admin")
    return gen_exercise(name="Market <drill>", creator=controller)


def page_data(html):
    return json.loads(re.search(r'<script type="application/json" id="evaluator-data">(.*?)</script>', html, re.S)
                      .group(1))


def test_signed_out_visitors_are_sent_to_sign_in(client, exercise):
    response = client.get(f"/exercises/{exercise.id}/evaluate")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_a_team_tablet_token_does_not_open_it(client, exercise):
    tablet = gen_tablet(exercise, "fire")
    response = client.get(f"/exercises/{exercise.id}/evaluate", headers=bearer(tablet.token))
    assert response.status_code in (302, 401, 403)
    assert "evaluator-data" not in response.get_data(as_text=True)


def test_an_evaluator_gets_every_part_with_the_scenario_data(client, exercise):
    sign_in(client, "eva")
    response = client.get(f"/exercises/{exercise.id}/evaluate")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for part in PARTS:
        assert part in html, part
    assert "Market &lt;drill&gt;" in html and "Market <drill>" not in html
    data = page_data(html)
    assert data["exercise_id"] == exercise.id and data["user"] == "eva" and data["role"] == "evaluator"
    assert [t["key"] for t in data["teams"]] == ["ic", "fire", "ems"]
    assert data["objectives"] == [{"id": "OBJ-1", "text": "Set the perimeter within 10 minutes.",
                                   "capability": "Operational Coordination"}]
    assert data["steps"]["IC-01"]
    assert [d["code"] for d in data["definitions"]] == ["P", "S", "M", "U"]
    assert data["capability_elements"] == ["Planning", "Organization", "Equipment", "Training", "Exercise"]
    # Only controllers and admins name the lead evaluator.
    assert data["can_name_lead"] is False and 'id="lead-form"' not in html
    assert f'/api/v1/exercises/{exercise.id}/improvement-plan.csv' in html
    assert f'/api/v1/exercises/{exercise.id}/improvement-plan.xlsx' in html


@pytest.mark.parametrize("who", ["ctl", "root"])
def test_controllers_and_admins_may_name_the_lead_evaluator(client, exercise, who):
    sign_in(client, who)
    html = client.get(f"/exercises/{exercise.id}/evaluate").get_data(as_text=True)
    data = page_data(html)
    assert data["can_name_lead"] is True and 'id="lead-form"' in html
    assert data["lead_candidates"] == ["eva", "lead", "root"]  # evaluators and admins, not controllers
    assert '<option value="lead">lead</option>' in html


def test_an_unknown_exercise_is_404(client, exercise):
    sign_in(client, "eva")
    assert client.get("/exercises/9999/evaluate").status_code == 404


def test_the_console_links_the_evaluator_view(client, exercise):
    sign_in(client, "eva")
    html = client.get(f"/exercises/{exercise.id}/console").get_data(as_text=True)
    assert f'href="/exercises/{exercise.id}/evaluate"' in html
