"""A shipped scenario played end to end in the browser: the border crossing drill of
`injects/border-rpm-alarm.yaml` - join, inject, acknowledge, tick, contingency, report."""
import pytest

from ..live_server import LiveServer
from .conftest import DESKTOP, TABLET, wait_for
from .test_drill import join, login


@pytest.fixture(scope="module")
def shipped_server(tmp_path_factory):
    """A live server reading the repository's own injects/ and sop/."""
    live = LiveServer(tmp_path_factory.mktemp("shipped-content"), content_root=None)
    live.start()
    live.flask("users", "create", "ctl", "--role", "controller", "--password", "controller-pass")
    yield live
    live.stop()


def test_the_border_crossing_drill_runs_end_to_end(browser, shipped_server, shots):
    server = shipped_server
    token = server.staff_token("ctl", "controller-pass")
    status, exercise = server.api("POST", "/exercises", {"name": "Eastgate drill", "scenario": "border-rpm-alarm",
                                                         "speed": 120}, token)
    assert status == 201, exercise
    ex = exercise["id"]
    code = next(t["join_code"] for t in exercise["teams"] if t["key"] == "border")

    control_context = browser.new_context(viewport=DESKTOP)
    control = control_context.new_page()
    login(control, server, "ctl", "controller-pass")
    control.goto(f"{server.url}/exercises/{ex}/console")
    control.wait_for_selector('#clock-panel[data-status="draft"]')

    team_context = browser.new_context(viewport=TABLET)
    tablet = team_context.new_page()
    join(tablet, server, code, "Officer Vos")
    assert "Eastgate Border Guard Shift" in tablet.inner_text("#team-name")

    # Start: I-01 (the lorry alarm, at 0m) reaches the border shift at once.
    control.click("#btn-start")
    control.click("#confirm-ok")
    control.wait_for_selector('#clock-panel[data-status="running"]')
    tablet.wait_for_selector('[data-inject="I-01"]', timeout=15000)
    assert "Gamma alarm on a lorry in freight lane 2" in tablet.inner_text("#injects")
    tablet.click('[data-inject="I-01"] button')
    tablet.wait_for_selector('[data-inject="I-01"] .acked')
    control.wait_for_selector('#msel li[data-inject="I-01"] .ack[data-team="border"][data-acked="true"]')
    shots(tablet, "1-alarm-acknowledged")

    # Tick the verification step the alarm made due.
    tablet.click("#tab-checklist")
    step = '[data-step="BD-01"]'
    tablet.wait_for_selector(f"{step} .status-open, {step} .status-overdue")
    tablet.click(f'{step} button:has-text("Done")')
    control.wait_for_selector('#grid td[data-team="border"][data-step="BD-01"][data-status="done"]')

    # The car with the shielded source, released early; nobody asks reach-back, so BD-05 turns
    # overdue 15 exercise minutes later (7.5 s at x120) and the console proposes C-01.
    assert server.api("POST", f"/exercises/{ex}/injects/I-04/release", token=token)[0] == 200
    tablet.click("#tab-injects")
    tablet.wait_for_selector('[data-inject="I-04"]', timeout=15000)
    control.wait_for_selector('#prompts [data-prompt="C-01"]', timeout=30000)
    assert "BD-05 is overdue" in control.inner_text("#prompts")
    shots(control, "2-contingency-proposed")
    control.click('#prompts [data-prompt="C-01"] button[data-action="release"]')
    tablet.wait_for_selector('[data-inject="C-01"]', timeout=15000)
    assert "The driver demands to leave" in tablet.inner_text("#injects")
    shots(tablet, "3-contingency-received")

    # End, and the after-action report lists the scenario's objectives and the missed step.
    control.click("#btn-end")
    control.click("#confirm-ok")
    control.wait_for_selector('#clock-panel[data-status="ended"]')
    control.goto(f"{server.url}/exercises/{ex}/report")
    report_text = control.inner_text("body")
    assert "Eastgate drill" in report_text and "Screening, Search, and Detection" in report_text
    status, report = server.api("GET", f"/exercises/{ex}/report.json", None, token)
    assert status == 200
    text = str(report)
    assert "BD-05" in text and "missed" in text and "C-01" in text
    shots(control, "4-report")
    team_context.close()
    control_context.close()
