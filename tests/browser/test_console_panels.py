"""The console's panels and dialogs in one drill, with a team tablet and an evaluator watching:
retime and hold before the start, pause, an ad-hoc inject, messages both ways, reloads that
rebuild each page from the event log, and a new join code that signs the tablet out."""
from .conftest import DESKTOP, TABLET, wait_for
from .test_drill import join, login


def inject_row(page, inject_id):
    return page.locator(f'#msel li[data-inject="{inject_id}"]')


def watch_errors(page, errors):
    """Collect what a page's scripts throw and do not catch."""
    page.on("pageerror", lambda err: errors.append(f"{page.url}: {err}"))
    return page


def test_the_console_panels_through_a_paused_drill(browser, server, shots):
    errors = []
    token = server.staff_token("ctl", "controller-pass")
    status, exercise = server.api("POST", "/exercises", {"name": "Panels drill", "scenario": "mini-drill",
                                                         "speed": 60}, token)
    assert status == 201, exercise
    ex_id = exercise["id"]
    fire_code = next(t["join_code"] for t in exercise["teams"] if t["key"] == "fire")

    control_context = browser.new_context(viewport=DESKTOP)
    control = watch_errors(control_context.new_page(), errors)
    login(control, server, "ctl", "controller-pass")
    control.goto(f"{server.url}/exercises/{ex_id}/console")
    control.wait_for_selector('#clock-panel[data-status="draft"]')
    inject_row(control, "I-04").wait_for()
    assert control.inner_text("#clock-status") == "NOT STARTED"

    # Retime before the start: the hint reads the time as the server will.
    inject_row(control, "I-04").locator('[data-action="retime"]').click()
    control.fill("#retime-at", "soon")
    assert "Not a time yet" in control.inner_text("#retime-hint")
    control.fill("#retime-at", "25m")
    assert control.inner_text("#retime-hint") == "= 0:25:00 after the start."
    control.fill("#retime-at", "10m")
    control.click('#retime-form button[type=submit]')
    wait_for(control, """() => /0:10:00/.test(document.querySelector('#msel li[data-inject="I-04"] .msel-time').textContent)""")
    assert "was 0:04:00" in inject_row(control, "I-04").inner_text()
    control.wait_for_selector('#feed li[data-type="inject.retimed"]')
    assert "I-04 moved from 0:04:00 to 0:10:00" in control.inner_text("#feed")

    # Hold, then back on the schedule.
    inject_row(control, "I-02").locator('[data-action="hold"]').click()
    control.wait_for_selector('#msel li[data-inject="I-02"][data-status="held"]')
    assert "Held" in inject_row(control, "I-02").inner_text()
    inject_row(control, "I-02").locator('[data-action="unhold"]').click()
    control.wait_for_selector('#msel li[data-inject="I-02"][data-status="pending"]')
    control.wait_for_selector('#feed li[data-type="inject.unheld"]')
    assert "I-02 held" in control.inner_text("#feed")

    tablet_context = browser.new_context(viewport=TABLET)
    tablet = watch_errors(tablet_context.new_page(), errors)
    join(tablet, server, fire_code, "Sam Okafor")
    control.wait_for_selector('#team-chips [data-team-code="fire"] .chip-count')

    # Start, and pause once the first inject is out.
    control.click("#btn-start")
    control.click("#confirm-ok")
    tablet.wait_for_selector('[data-inject="I-01"]', timeout=15000)
    control.click("#btn-pause")
    control.wait_for_selector('#clock-panel[data-status="paused"]')
    assert control.inner_text("#clock-status") == "PAUSED"
    assert control.title().startswith("PAUSED · Panels drill")
    wait_for(tablet, "() => document.getElementById('clock-status').textContent === 'Paused'")

    # An ad-hoc inject to one team, sent at once.
    control.click("#btn-adhoc")
    control.fill("#adhoc-inject-title", "Road closed")
    control.fill("#adhoc-body", "Use the north gate.")
    control.click('#adhoc-to input[data-to="all"]')
    control.click('#adhoc-to input[data-to="fire"]')
    control.select_option("#adhoc-channel", "phone")
    assert control.inner_text("#adhoc-submit") == "Send now"
    control.click("#adhoc-submit")
    card = tablet.locator('[data-inject="X-01"]')
    card.wait_for()
    assert "Phone" in card.locator(".channel").inner_text() and "Road closed" in card.inner_text()
    assert "Ad hoc" in inject_row(control, "X-01").inner_text()

    tablet.click('[data-inject="X-01"] button')
    tablet.wait_for_selector('[data-inject="X-01"] .acked')
    control.wait_for_selector('#msel li[data-inject="X-01"] .ack[data-team="fire"][data-acked="true"]')

    # Messages both ways; the console marks a team's message new until the panel is looked at.
    tablet.click("#tab-control")
    tablet.fill("#msg-text", "Need more crews")
    tablet.click('#msg-form button[type=submit]')
    control.wait_for_selector("#messages li.unread")
    assert control.inner_text("#unread-count") == "1 new"
    assert "Fire (Sam Okafor) → control: Need more crews" in control.inner_text("#feed")
    control.click("#messages-title")
    wait_for(control, "() => document.getElementById('unread-count').hidden")
    control.select_option("#msg-to", "fire")
    control.fill("#msg-text", "On the way")
    control.click("#btn-send")
    tablet.wait_for_selector("#messages li.theirs")
    assert "Control → your team" in tablet.inner_text("#messages") and "On the way" in tablet.inner_text("#messages")
    shots(control, "1-console-paused")
    shots(tablet, "1-tablet-messages")

    # Reloaded, each page rebuilds what it showed from the snapshot and the event log.
    tablet.reload()
    tablet.wait_for_selector("#conn.conn-online")
    tablet.wait_for_selector('[data-inject="X-01"] .acked')
    assert "On the way" in tablet.locator("#messages").inner_text()
    assert tablet.locator('[data-inject="I-01"] .badge-new').count() == 1
    control.reload()
    control.wait_for_selector('#msel li[data-inject="X-01"] .ack[data-team="fire"][data-acked="true"]')
    control.wait_for_selector('#feed li[data-type="inject.held"]')
    assert control.locator("#messages li").count() == 2 and control.locator("#messages li.unread").count() == 0
    assert control.inner_text("#clock-status") == "PAUSED"

    evaluator_context = browser.new_context(viewport=TABLET)
    evaluator = watch_errors(evaluator_context.new_page(), errors)
    login(evaluator, server, "eva", "evaluator-pass")
    evaluator.goto(f"{server.url}/exercises/{ex_id}/evaluate")
    fire = '#timelines .timeline[data-team="fire"]'
    evaluator.wait_for_selector(f'{fire} li[data-kind="ack"][data-inject="X-01"]')
    assert evaluator.locator(f'{fire} li[data-kind="inject"][data-inject="X-01"]').count() == 1
    assert evaluator.inner_text("#clock-status") == "PAUSED"

    # A new join code for fire signs its tablet out.
    control.click("#teams-strip .summary-label")  # the join codes fold away once the exercise runs
    control.click('#team-chips [data-team-code="fire"]')
    assert control.inner_text("#team-dialog-code") == fire_code
    control.click("#btn-rotate")
    control.click("#confirm-ok")
    tablet.wait_for_selector("#conn.conn-offline")
    wait_for(tablet, "() => document.getElementById('conn').textContent === 'Signed out'")
    assert "signed out" in tablet.inner_text("#revoked")
    control.wait_for_selector('#feed li[data-type="team.code_rotated"]')
    assert "New join code for Fire; 1 tablet(s) signed out" in control.inner_text("#feed")
    wait_for(control, f"""() => {{
        const code = document.querySelector('#team-chips [data-team-code="fire"] .chip-code');
        return code && code.textContent !== {fire_code!r};
    }}""")
    shots(tablet, "2-tablet-signed-out")
    for context in (evaluator_context, tablet_context, control_context):
        context.close()
    assert errors == []
