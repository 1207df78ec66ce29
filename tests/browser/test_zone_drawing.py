"""Zones drawn with a finger on the tablet's map at 768x1024, judged at once, seen on the console's map."""

import pytest

from ..live_server import LiveServer, wait_until
from ..helpers import ZONES_LIBRARY
from .conftest import DESKTOP, TABLET, wait_for
from .test_drill import join, login



@pytest.fixture(scope="module")
def zone_server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("zone-server"), content_root=ZONES_LIBRARY)
    live.start()
    live.flask("users", "create", "ctl", "--role", "controller", "--password", "controller-pass")
    yield live
    live.stop()


def tap(page, at):
    """A tap on the map (Leaflet and geoman take pointer events from touch and mouse alike)."""
    page.mouse.move(*at)
    page.mouse.down()
    page.mouse.up()


def test_a_team_draws_reshapes_and_removes_a_cordon_that_the_console_sees(browser, zone_server, shots):
    server = zone_server
    token = server.staff_token("ctl", "controller-pass")
    status, exercise = server.api("POST", "/exercises", {"name": "Square drill", "scenario": "cordon-drill"}, token)
    assert status == 201, exercise
    ex = exercise["id"]
    assert server.api("POST", f"/exercises/{ex}/start", token=token)[0] == 200
    code = next(t["join_code"] for t in exercise["teams"] if t["key"] == "ic")

    tablet_context = browser.new_context(viewport=TABLET, has_touch=True)
    tablet = tablet_context.new_page()
    join(tablet, server, code, "Chief Ames")
    tablet.wait_for_selector("#tab-map:not([hidden])")
    tablet.click("#tab-map")
    tablet.wait_for_selector("#site-map .leaflet-image-layer")
    tablet.wait_for_selector("#draw-tools:not([hidden])")
    kinds = tablet.eval_on_selector_all("#zone-kind option", "options => options.map(o => o.value)")
    assert {"inner-cordon", "command-post"} <= set(kinds)  # the scenario lets incident command draw both

    # An inner cordon: tap the blast seat, then where the edge goes.
    tablet.select_option("#zone-kind", "inner-cordon")
    tablet.click('#draw-shapes button:has-text("Draw circle")')
    tablet.wait_for_timeout(300)  # the map scrolls into view for the taps
    box = tablet.locator("#site-map").bounding_box()
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tap(tablet, centre)
    tap(tablet, (centre[0] + box["width"] * 0.12, centre[1]))
    tablet.wait_for_selector(".zone-list li:has-text('Z1 Inner cordon')")
    wait_for(tablet, "document.querySelector('#zone-verdicts')?.textContent.includes('IC-02')")
    shots(tablet, "1-cordon-drawn")
    zones = server.api("GET", f"/exercises/{ex}/zones", token=token)[1]
    assert [(z["id"], z["kind"], z["team"]) for z in zones] == [("Z1", "inner-cordon", "ic")]
    radius = zones[0]["geometry"]["radius"]
    assert 50 < radius < 600  # drawn in site metres on a 2 km plan
    verdicts = server.api("GET", f"/exercises/{ex}/zones/verdicts", token=token)[1]
    assert any(v["step"] == "IC-02" for v in verdicts)

    # Reshape: drag the circle's edge handle outwards; the change is sent when the finger lifts.
    tablet.click(".zone-list li:has-text('Z1') button:has-text('Reshape')")
    tablet.wait_for_selector("#site-map .marker-icon")
    tablet.wait_for_timeout(300)  # the map scrolls into view for the handles
    handles = tablet.locator("#site-map .marker-icon")
    edge = max((handles.nth(i).bounding_box() for i in range(handles.count())), key=lambda b: b["x"])
    start = (edge["x"] + edge["width"] / 2, edge["y"] + edge["height"] / 2)
    tablet.mouse.move(*start)
    tablet.mouse.down()
    tablet.mouse.move(start[0] + box["width"] * 0.08, start[1], steps=6)
    tablet.mouse.up()
    wait_until(lambda: server.api("GET", f"/exercises/{ex}/zones", token=token)[1][0]["geometry"]["radius"] > radius * 1.2,
               "the reshaped cordon reaches the server")
    tablet.click("#draw-cancel")

    # A protective action on the cordon, with its public message.
    tablet.click(".zone-list li:has-text('Z1') button:has-text('Decide')")
    tablet.select_option("#decision-action", "food-restrictions")
    tablet.fill("#decision-message", "No produce from the Station Square market until further notice.")
    tablet.click("#decision-ok")
    tablet.wait_for_selector(".zone-list .decisions li:has-text('food restrictions')")

    # The console's map shows it.
    control_context = browser.new_context(viewport=DESKTOP)
    control = control_context.new_page()
    login(control, server, "ctl", "controller-pass")
    control.goto(f"{server.url}/exercises/{ex}/console")
    control.click("#btn-map")
    control.wait_for_selector("#console-map .leaflet-image-layer")
    control.wait_for_selector("#console-zones li:has-text('Z1 Inner cordon')")
    wait_for(control, "document.querySelector('#console-verdicts')?.textContent.includes('IC-02')")
    control.check("#show-expected")  # the expected 400 m cordon, dashed, and the differences shaded
    control.wait_for_selector("#console-map path[stroke-dasharray='8 6']")
    assert control.locator("#console-alert").is_hidden()
    shots(control, "2-console-map")

    # Remove it from the tablet, confirming.
    tablet.once("dialog", lambda dialog: dialog.accept())
    tablet.click(".zone-list li:has-text('Z1') button:has-text('Remove')")
    tablet.wait_for_selector("#zone-list .empty")
    control.wait_for_selector("#console-zones .empty")
    assert server.api("GET", f"/exercises/{ex}/zones", token=token)[1] == []
