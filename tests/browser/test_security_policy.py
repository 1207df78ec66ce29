"""The Content-Security-Policy in a real browser: every page works under it (the conftest fails a
test on any violation), the live connection runs over a same-origin WebSocket that
`connect-src 'self'` allows, and no other site can frame the console."""
from .conftest import DESKTOP, TABLET
from .test_drill import join, login


def test_every_page_works_under_the_policy(browser, server, shots):
    token = server.staff_token("ctl", "controller-pass")
    status, exercise = server.api("POST", "/exercises", {"name": "Policy drill", "scenario": "mini-drill"}, token)
    assert status == 201, exercise
    ex = exercise["id"]
    code = next(t["join_code"] for t in exercise["teams"] if t["key"] == "fire")

    staff = browser.new_context(viewport=DESKTOP).new_page()
    staff.goto(server.url + "/")
    login(staff, server, "ctl", "controller-pass")
    for path in ("/exercises", f"/exercises/{ex}/console", f"/exercises/{ex}/evaluate", f"/exercises/{ex}/report",
                 f"/exercises/{ex}/join-sheet", "/library", "/library/scenarios/mini-drill",
                 "/library/sops/mini-sop"):
        response = staff.goto(server.url + path)
        assert response.status == 200, path
        staff.wait_for_load_state("networkidle")
    staff.goto(f"{server.url}/exercises/{ex}/join-sheet")  # its Print button's script is a file now
    staff.evaluate("window.print = () => { window.printed = true; }")
    staff.click("#btn-print")
    assert staff.evaluate("window.printed") is True
    shots(staff, "join-sheet")

    tablet = browser.new_context(viewport=TABLET).new_page()
    join(tablet, server, code, "Casey")  # /join, then joined.html's script stores the token and opens /team
    assert tablet.evaluate("JSON.parse(localStorage.getItem('cordon.participant')).team") == "fire"


def test_the_live_connection_upgrades_to_a_same_origin_websocket(browser, server):
    token = server.staff_token("ctl", "controller-pass")
    status, exercise = server.api("POST", "/exercises", {"name": "Socket drill", "scenario": "mini-drill"}, token)
    code = next(t["join_code"] for t in exercise["teams"] if t["key"] == "fire")
    page = browser.new_context(viewport=TABLET).new_page()
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    join(page, server, code, "Robin")
    page.wait_for_timeout(1500)  # socket.io upgrades from polling to a WebSocket shortly after connecting
    assert any(url.startswith(server.url.replace("http", "ws")) for url in sockets), sockets


def test_another_site_cannot_frame_the_console(browser, server):
    page = browser.new_context(viewport=DESKTOP).new_page()
    # A page of another origin (about:blank here) framing Cordon's sign-in page.
    page.set_content(f'<iframe src="{server.url}/login" width="600" height="400"></iframe>')
    page.wait_for_timeout(1500)
    frame = page.frames[1]
    assert frame.locator("#username").count() == 0  # the frame shows the browser's refusal, not the page
    browser.violations.clear()  # the refused frame is reported as a violation: that is the point here

    # 'none' refuses even the same origin.
    own = browser.new_context(viewport=DESKTOP).new_page()
    own.goto(server.url + "/login")
    own.evaluate(f"""() => {{ const f = document.createElement('iframe'); f.src = '{server.url}/join';
                     document.body.append(f); }}""")
    own.wait_for_timeout(1500)
    assert own.frames[1].locator("#name").count() == 0
    browser.violations.clear()
