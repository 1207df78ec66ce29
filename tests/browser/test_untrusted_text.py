"""Inject bodies and titles are untrusted text: HTML and script show as text on the console and tablet."""
import re

from .conftest import DESKTOP, TABLET
from .test_drill import join, login

HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> **bold**'


def test_html_in_an_inject_is_shown_as_text_everywhere(browser, server, shots):
    token = server.staff_token("ctl", "controller-pass")
    status, exercise = server.api("POST", "/exercises", {"name": "Hostile text", "scenario": "mini-drill"}, token)
    assert status == 201
    ex_id = exercise["id"]
    code = next(t["join_code"] for t in exercise["teams"] if t["key"] == "ems")
    assert server.api("POST", f"/exercises/{ex_id}/start", None, token)[0] == 200

    tablet_context = browser.new_context(viewport=TABLET)
    tablet = tablet_context.new_page()
    join(tablet, server, code, '<b>Kim</b>')
    control_context = browser.new_context(viewport=DESKTOP)
    control = control_context.new_page()
    login(control, server, "ctl", "controller-pass")
    control.goto(f"{server.url}/exercises/{ex_id}/console")
    control.wait_for_selector('#clock-panel[data-status="running"]')

    status, inject = server.api("POST", f"/exercises/{ex_id}/injects",
                                {"title": '<i onmouseover="x()">Hostile</i>', "body": HOSTILE, "to": ["ems"]}, token)
    assert status == 201, inject

    tablet.wait_for_selector(f'[data-inject="{inject["id"]}"]')
    card = tablet.inner_text(f'[data-inject="{inject["id"]}"]')
    assert '<img src=x onerror="window.__pwned=1">' in card and "<script>" in card
    assert '<i onmouseover="x()">Hostile</i>' in card
    assert tablet.inner_html(f'[data-inject="{inject["id"]}"] .inject-body').count("<strong>bold</strong>") == 1
    assert "<b>Kim</b>" in tablet.inner_text("#team-name")
    control.wait_for_selector(f'#msel li[data-inject="{inject["id"]}"]')
    row = control.inner_text(f'#msel li[data-inject="{inject["id"]}"]')
    assert '<i onmouseover="x()">Hostile</i>' in row
    assert tablet.evaluate("window.__pwned") is None and control.evaluate("window.__pwned") is None
    assert not re.search(r"<img[^>]*onerror", tablet.inner_html("#injects"))
    shots(tablet, "tablet-hostile-text")
    tablet_context.close()
    control_context.close()
