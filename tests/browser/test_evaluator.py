"""The evaluator view on a tablet: a quick observation, a rating, an improvement-plan row."""
import re

from .conftest import TABLET, wait_for
from .test_drill import login

CLOCK = re.compile(r"^\d+:\d\d:\d\d$")


def test_an_evaluator_observes_rates_and_plans_on_a_tablet(browser, server, shots):
    token = server.staff_token("ctl", "controller-pass")
    status, exercise = server.api("POST", "/exercises", {"name": "Evaluator drill", "scenario": "mini-drill",
                                                         "speed": 60}, token)
    assert status == 201, exercise
    status, body = server.api("POST", f"/exercises/{exercise['id']}/start", None, token)
    assert status == 200, body

    context = browser.new_context(viewport=TABLET)
    page = context.new_page()
    login(page, server, "eva", "evaluator-pass")
    page.goto(f"{server.url}/exercises/{exercise['id']}/evaluate")
    # I-01 goes to every team at 1 minute (one second at x60): each shown column lists it.
    wait_for(page, "document.querySelector('#timelines .timeline[data-team=\"ic\"] li[data-kind=\"inject\"]')")
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    shots(page, "1-timelines")

    # A quick observation: on a tablet the idle form is just its text box; a tap opens the rest.
    assert not page.locator("#obs-team").is_visible()
    page.click("#obs-text")
    # The time is taken at the first keystroke; Ctrl+Enter saves it.
    page.select_option("#obs-team", "ic")
    page.select_option("#obs-objective", "OBJ-1")
    assert "Operational Coordination" in page.inner_text("#obs-capability")
    page.locator("#obs-text").type("IC took command <b>fast</b>")
    stamped = page.input_value("#obs-at")
    assert CLOCK.match(stamped), stamped
    page.locator("label.seg-strength").click()
    shots(page, "2-typing")
    page.locator("#obs-text").press("Control+Enter")
    wait_for(page, "document.getElementById('obs-text').value === ''")
    page.click("[data-tab=observations]")
    item = page.locator("#obs-list li[data-observation]").first
    item.wait_for()
    assert item.locator(".time").inner_text() == stamped
    assert "IC took command <b>fast</b>" in item.inner_text()  # text, not markup
    assert "Strength" in item.inner_text() and "Incident Command" in item.inner_text()
    assert page.input_value("#obs-at") == ""  # the next observation gets its own time
    shots(page, "3-observation-listed")

    # A rating with its rationale; the definition shows when it is picked.
    page.click("[data-tab=ratings]")
    card = page.locator('#ratings [data-objective="OBJ-1"]')
    card.locator("label.rating-S").first.click()
    assert "Performed with Some Challenges" in card.locator(".rating-help").first.inner_text()
    card.locator("textarea.rationale").first.fill("Perimeter set at 12 minutes, two over the target.")
    card.locator('button[data-action="save-mine"]').click()
    card = page.locator('#ratings [data-objective="OBJ-1"]')
    card.locator(".everyone li").first.wait_for()
    assert "S" in card.locator(".everyone li").first.inner_text() and "you" in card.locator(".everyone li").first.inner_text()
    shots(page, "4-rating")

    # An improvement-plan row: the API's refusal is shown next to the field, then the row is added.
    page.click("[data-tab=plan]")
    form = page.locator("#ip-new form")
    form.locator("[name=objective]").select_option("OBJ-1")
    assert form.locator("[name=capability]").input_value() == "Operational Coordination"
    form.locator("[name=issue]").fill("The perimeter was set two minutes late.")
    form.locator("[name=corrective_action]").fill("Pre-plan cordon distances on the first-arriving engine.")
    form.locator("[name=capability_element]").select_option("Planning")
    form.locator("[name=responsible_org]").fill("Fire and Rescue")
    form.locator("[name=start_date]").fill("2027-02-01")
    form.locator("[name=completion_date]").fill("2027-01-01")
    form.locator("button[type=submit]").click()
    error = form.locator('.field-error[data-field="completion_date"]')
    error.wait_for()
    assert "start date" in error.inner_text()
    shots(page, "5-plan-error")
    form.locator("[name=completion_date]").fill("2027-06-30")
    form.locator("button[type=submit]").click()
    row = page.locator("#ip-rows form[data-action-id]").first
    row.wait_for()
    assert row.locator("[name=responsible_org]").input_value() == "Fire and Rescue"
    assert row.locator("[name=completion_date]").input_value() == "2027-06-30"
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    shots(page, "6-plan-row")

    status, rows = server.api("GET", f"/exercises/{exercise['id']}/corrective-actions", None, token)
    assert [r["capability_element"] for r in rows] == ["Planning"]
    status, observations = server.api("GET", f"/exercises/{exercise['id']}/observations", None, token)
    assert observations[0]["tag"] == "strength" and observations[0]["objective"] == "OBJ-1"
    context.close()
