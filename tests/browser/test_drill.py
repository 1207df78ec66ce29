"""A whole drill through the UI, in separate browser contexts: control, a team tablet, offline and back."""
import re

from .conftest import DESKTOP, TABLET, wait_for


def login(page, server, username, password):
    page.goto(server.url + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/exercises.*"))


def join(page, server, code, name):
    page.goto(f"{server.url}/join?code={code}")
    page.fill("#name", name)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/team$"))
    page.wait_for_selector("#conn.conn-online")


def create_in_console(control, server, name, guidance=None):
    """The controller creates an exercise from the list page and lands on its console."""
    control.goto(server.url + "/exercises")
    control.wait_for_selector('#new-scenario option[value="mini-drill"]', state="attached")
    control.select_option("#new-scenario", "mini-drill")
    control.fill("#new-name", name)
    control.select_option("#new-speed", "60")
    if guidance:
        control.select_option("#new-guidance", guidance)
    control.click("#btn-create")
    control.wait_for_url(re.compile(r".*/exercises/\d+/console$"))
    control.wait_for_selector('#clock-panel[data-status="draft"]')
    return int(re.search(r"/exercises/(\d+)/console", control.url).group(1))


def test_a_whole_drill_through_the_console_and_a_tablet(browser, server, shots):
    token = server.staff_token("ctl", "controller-pass")
    control_context = browser.new_context(viewport=DESKTOP)
    control = control_context.new_page()
    login(control, server, "ctl", "controller-pass")
    exercise_id = create_in_console(control, server, "Tablet drill", guidance="legacy-remm")
    status, exercise = server.api("GET", f"/exercises/{exercise_id}", None, token)
    assert exercise["dose_guidance"]["set"] == "legacy-remm"
    fire_code = next(t["join_code"] for t in exercise["teams"] if t["key"] == "fire")
    shots(control, "0-console-draft")

    team_context = browser.new_context(viewport=TABLET)
    tablet = team_context.new_page()
    join(tablet, server, fire_code, "Sam Okafor")
    assert "Fire · Sam Okafor" in tablet.inner_text("#team-name")
    assert "Not started" in tablet.inner_text("#clock-status")
    shots(tablet, "1-tablet-joined")

    control.click("#btn-start")
    control.click("#confirm-ok")
    control.wait_for_selector('#clock-panel[data-status="running"]')
    # At speed 60, I-01 (1m, to all) and I-03 (3m, to fire) arrive within a few seconds; I-02 is for IC only.
    tablet.wait_for_selector('[data-inject="I-03"]', timeout=15000)
    feed = tablet.inner_text("#injects")
    assert "Count your crews" in feed and "Explosion reported" in feed
    assert "Detector alarm" not in feed  # addressed to incident command only
    assert "&lt;b&gt;Bold?&lt;/b&gt;" in tablet.inner_html('[data-inject="I-01"] .inject-body')
    assert tablet.is_visible('[data-inject="I-03"] .badge-new')
    shots(tablet, "2-tablet-injects")

    tablet.click('[data-inject="I-03"] button')
    tablet.wait_for_selector('[data-inject="I-03"] .acked')
    assert not tablet.is_visible('[data-inject="I-03"] .badge-new')
    # Control sees the acknowledgement tick for fire on I-03.
    control.wait_for_selector('#msel li[data-inject="I-03"] .ack[data-team="fire"][data-acked="true"]')

    tablet.click("#tab-checklist")
    step = '[data-step="FB-01"]'
    tablet.wait_for_selector(f"{step} .status-open, {step} .status-overdue")
    tablet.click(f'{step} button:has-text("Done")')
    wait_for(tablet, """() => {
        const badge = document.querySelector('[data-step="FB-01"] .badge');
        return badge && /Done/.test(badge.textContent);
    }""")
    shots(tablet, "3-tablet-checklist")
    control.wait_for_selector('#grid td[data-team="fire"][data-step="FB-01"][data-status="done"]')
    shots(control, "3-console-running")

    # Offline: the action waits on the tablet, then arrives once when the network is back.
    team_context.set_offline(True)
    tablet.wait_for_selector("#conn.conn-offline")
    tablet.click("#tab-log")
    tablet.fill("#log-text", "Decon corridor set up at the north gate")
    tablet.click('#log-form button[type=submit]')
    tablet.wait_for_selector(".action-queued")
    assert "1 waiting" in tablet.inner_text("#conn")
    shots(tablet, "4-tablet-offline-queued")
    team_context.set_offline(False)
    tablet.wait_for_selector("#conn.conn-online", timeout=20000)
    wait_for(tablet, "() => !document.querySelector('.action-queued')")
    shots(tablet, "5-tablet-back-online")

    control.wait_for_selector('#feed li[data-type="action.logged"]')
    status, events = server.api("GET", f"/exercises/{exercise_id}/events?since=0&type=action.logged", None, token)
    texts = [e["data"]["action"]["text"] for e in events]
    assert texts.count("Decon corridor set up at the north gate") == 1
    assert [e["data"]["action"]["step"] for e in events].count("FB-01") == 1
    status, acks = server.api("GET", f"/exercises/{exercise_id}/events?type=inject.acknowledged", None, token)
    assert [(e["data"]["inject_id"], e["data"]["team"]) for e in acks] == [("I-03", "fire")]
    team_context.close()
    control_context.close()
