"""A radiological drill in Chromium: a team walks a responder towards the blast seat on the tablet's map,
its readings rise, its dosimeter alarms, it withdraws; the console sees the track, the alarm and the doses."""

import pytest

from ..helpers import ZONES_LIBRARY
from ..live_server import LiveServer, wait_until
from .conftest import DESKTOP, TABLET, wait_for
from .test_drill import join, login


@pytest.fixture(scope="module")
def rad_server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("rad-server"), content_root=ZONES_LIBRARY)
    live.start()
    live.flask("users", "create", "ctl", "--role", "controller", "--password", "controller-pass")
    yield live
    live.stop()


def near_place(page, name, dx_px=0):
    """A screen point `dx_px` left of the named place's marker (its label sits just right of it)."""
    box = page.locator(f"#site-map .leaflet-tooltip:has-text('{name}')").bounding_box()
    return (box["x"] - 10 - dx_px, box["y"] + box["height"] / 2)


def reading_uSv_h(page) -> float:
    text = page.inner_text("#readout .readout-value")
    value, unit = text.split()[:2]
    return float(value) * {"µSv/h": 1.0, "mSv/h": 1000.0, "Sv/h": 1e6}[unit]


def test_a_team_walks_in_reads_rising_rates_is_alarmed_and_withdraws(browser, rad_server, shots):
    server = rad_server
    token = server.staff_token("ctl", "controller-pass")
    status, exercise = server.api("POST", "/exercises", {"name": "Source drill", "scenario": "cordon-drill"}, token)
    assert status == 201, exercise
    ex = exercise["id"]
    assert server.api("POST", f"/exercises/{ex}/start", token=token)[0] == 200
    assert server.api("PATCH", f"/exercises/{ex}", {"speed": 60}, token)[0] == 200
    code = next(t["join_code"] for t in exercise["teams"] if t["key"] == "rad")

    context = browser.new_context(viewport=TABLET, has_touch=True)
    tablet = context.new_page()
    join(tablet, server, code, "Dr Weiss")
    tablet.wait_for_selector("#tab-map:not([hidden])")
    tablet.click("#tab-map")
    tablet.wait_for_selector("#rad-panel:not([hidden])")
    tablet.wait_for_selector("#responder-list .responder")
    assert tablet.locator("#responder-list .responder").count() == 2
    tablet.select_option("#instrument", "rad/survey-meter-1")
    tablet.click("#take-reading")
    tablet.wait_for_selector("#readout .readout-value")
    far = reading_uSv_h(tablet)

    # Drive towards the blast seat: a tap on "Move…", then on the map 40 m west of it.
    tablet.check("#move-vehicle")
    tablet.click("#move-here")
    tablet.mouse.click(*near_place(tablet, 'Blast seat', 15))
    weiss = lambda: next(r for r in server.api("GET", f"/exercises/{ex}/responders", token=token)[1]["responders"]  # noqa: E731
                         if r["id"] == "rad/1")
    wait_until(lambda: weiss()["at"][0] > -300 and not weiss()["moving"], "the responder arrives near the blast seat",
               timeout_s=30)
    tablet.wait_for_timeout(1100)
    tablet.click("#take-reading")
    wait_for(tablet, "document.querySelector('#readout .readout-meta')?.textContent.includes('Survey meter')")
    tablet.wait_for_function("() => !document.querySelector('#take-reading').disabled")
    near = reading_uSv_h(tablet)
    assert near > 20 * far and near > 200
    # The dosimeter alarms by itself: a banner over every tab.
    tablet.wait_for_selector("#dose-banner:not([hidden])", timeout=20000)
    assert "dose rate alarm" in tablet.inner_text("#dose-banner-text")
    tablet.evaluate("document.querySelector('#site-map').scrollIntoView({block: 'start'})")
    shots(tablet, "1-alarm-near-the-source")

    # Withdraw to the command post; the banner is seen.
    tablet.click("#dose-banner-seen")
    tablet.click("#move-here")
    tablet.mouse.click(*near_place(tablet, 'Command post'))
    wait_until(lambda: weiss()["at"][0] < -700, "the responder withdraws", timeout_s=60)
    events = server.api("GET", f"/exercises/{ex}/events?type=dose.alarm&type=responder.moved&type=measurement.taken",
                        token=token)[1]
    kinds = [e["type"] for e in events]
    assert kinds.count("responder.moved") == 2 and kinds.count("measurement.taken") == 2 and "dose.alarm" in kinds
    shots(tablet, "2-withdrawn")
    context.close()

    # The report tells the track, the readings, the alarm and how long the withdrawal took.
    staff = browser.new_context(viewport=DESKTOP)
    page = staff.new_page()
    login(page, server, "ctl", "controller-pass")
    page.goto(f"{server.url}/exercises/{ex}/report")
    page.wait_for_selector("#radiological")
    page.locator("#radiological").scroll_into_view_if_needed()
    text = page.content()
    assert "Dr Weiss" in text and "dose rate alarm" in text and "Withdrawn after" in text
    figure = page.locator("#radiological ~ figure").first
    figure.scroll_into_view_if_needed()
    shots(page, "3-report")
    staff.close()


def test_the_console_map_shows_the_field_tracks_alarms_and_doses_and_changes_a_source(browser, rad_server, shots):
    server = rad_server
    token = server.staff_token("ctl", "controller-pass")
    status, exercise = server.api("POST", "/exercises", {"name": "Console drill", "scenario": "cordon-drill"}, token)
    ex = exercise["id"]
    assert server.api("POST", f"/exercises/{ex}/start", token=token)[0] == 200
    assert server.api("PATCH", f"/exercises/{ex}", {"speed": 60}, token)[0] == 200
    code = next(t["join_code"] for t in exercise["teams"] if t["key"] == "rad")
    tablet_token = server.api("POST", "/join", {"code": code, "name": "Tech Ruiz"})[1]["token"]
    moved = server.api("POST", f"/exercises/{ex}/responders/moves", {"responder": "rad/2", "to": [-60, 10],
                                                                     "mode": "vehicle"}, tablet_token)
    assert moved[0] == 201, moved
    wait_until(lambda: any(e["type"] == "dose.alarm" for e in server.api("GET", f"/exercises/{ex}/events?type=dose.alarm",
                                                                         token=token)[1]), "the dosimeter alarms", timeout_s=30)
    assert server.api("POST", f"/exercises/{ex}/readings", {"responder": "rad/2", "instrument": "rad/survey-meter-1"},
                      tablet_token)[0] == 201

    context = browser.new_context(viewport=DESKTOP)
    console = context.new_page()
    login(console, server, "ctl", "controller-pass")
    console.goto(f"{server.url}/exercises/{ex}/console")
    console.click("#btn-map")
    console.wait_for_selector("#rad-console:not([hidden])")
    console.wait_for_selector("#dose-board tbody tr[data-responder='rad/2']")
    assert "⚠" in console.inner_text("#dose-board tbody tr[data-responder='rad/2']")
    console.wait_for_selector("#console-map .source-icon")
    console.wait_for_selector("#console-map .isoline-label")
    assert console.locator("#console-map .leaflet-image-layer").count() >= 2  # the plan and the field
    shots(console, "console-map")

    # Shield S1 after a confirmation: the field drops.
    before = server.api("GET", f"/exercises/{ex}/field", token=token)[1]["max_uSv_h"]
    console.select_option("#source-id", "S1")
    console.select_option("#source-action", "remove")
    console.click("#source-apply")
    console.click("#confirm-ok")
    wait_until(lambda: server.api("GET", f"/exercises/{ex}/events?type=source.changed", token=token)[1],
               "the source change is logged")
    console.wait_for_selector("#console-map .source-icon.source-off")
    assert server.api("GET", f"/exercises/{ex}/field", token=token)[1]["max_uSv_h"] < before
    context.close()
