"""The scenario editor's map in Chromium: upload a site plan, calibrate it with two points and a known
distance, set (0, 0), add a place and a source, draw a building, see the field's isolines, publish,
and a team of an exercise made from it reads the source on its tablet."""
import re
import shutil

import pytest

from ..helpers import FIXTURE_LIBRARY
from ..live_server import LiveServer
from .conftest import DESKTOP, TABLET, wait_for
from .test_authoring import open_editor  # noqa: F401  (the same page helpers)
from .test_drill import join, login

PLAN = ('<svg xmlns="http://www.w3.org/2000/svg" width="500" height="400" viewBox="0 0 500 400">'
        '<rect width="500" height="400" fill="#eee"/><line x1="50" y1="350" x2="150" y2="350" stroke="#000"/>'
        '<text x="60" y="340" font-size="12">100 m</text></svg>')


@pytest.fixture(scope="module")
def editor_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("site-library")
    shutil.copytree(FIXTURE_LIBRARY, root / "library")
    live = LiveServer(tmp_path_factory.mktemp("site-server"), content_root=root / "library")
    live.start()
    live.flask("users", "create", "ctl", "--role", "controller", "--password", "controller-pass")
    yield live, root
    live.stop()


def click_at(page, x, y):
    """Click the editor's map at image pixel (x, y)."""
    point = page.evaluate("""([x, y]) => {
        const img = document.querySelector('#site-editor-map .leaflet-image-layer').getBoundingClientRect();
        return [img.left + x * img.width / 500, img.top + y * img.height / 400];
    }""", [x, y])
    page.mouse.click(*point)


def test_a_site_is_drawn_in_the_editor_and_its_field_reaches_a_tablet(browser, editor_server, shots, tmp_path):
    server, _ = editor_server
    token = server.staff_token("ctl", "controller-pass")
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept({"The two": "100", "Name": "Gate"}.get(
        next((k for k in ("The two", "Name") if dialog.message.startswith(k)), ""), "")))
    login(page, server, "ctl", "controller-pass")
    page.goto(server.url + "/library")
    page.click("#new-scenario-link")
    page.wait_for_selector('#editor[data-state="ready"]')
    page.fill("#f-id", "yard-search")
    page.fill("#f-title", "Yard search")
    page.select_option("#f-sop", "mini-sop")
    page.fill("#f-duration", "30m")
    page.click("#btn-add-team")
    page.fill('[data-path="teams[0].key"]', "ic")
    page.fill('[data-path="teams[0].name"]', "Command")
    page.click("#btn-add-objective")
    page.fill('[data-path="objectives[0].text"]', "Find the source")
    page.click("#btn-add-inject")
    page.wait_for_selector("#inject-dialog[open]")
    page.fill("#i-title", "A source is lost in the yard")
    page.click("#i-apply")

    # The plan, then its scale: the bar from pixel 50 to 150 is 100 m.
    page.click("#sec-site summary")
    plan = tmp_path / "yard.svg"
    plan.write_text(PLAN)
    page.set_input_files("#site-upload", str(plan))
    page.wait_for_selector("#site-editor-map .leaflet-image-layer")
    page.click('#site-tools [data-tool="calibrate"]')
    click_at(page, 50, 350)
    click_at(page, 150, 350)
    wait_for(page, "document.querySelector('#site-scale').textContent.includes('1 m per pixel')")
    page.click('#site-tools [data-tool="origin"]')
    click_at(page, 250, 200)
    wait_for(page, "document.querySelector('#site-scale').textContent.includes('at pixel 250, 200')")
    page.click('#site-tools [data-tool="place"]')
    click_at(page, 100, 300)  # the gate: prompted name "Gate"
    page.wait_for_selector('[data-path="site.places[0].id"]')
    assert page.input_value('[data-path="site.places[0].id"]') == "gate"
    page.click('#site-tools [data-tool="source"]')
    click_at(page, 350, 100)
    page.wait_for_selector('[data-path="radiation.sources[0].id"]')
    page.fill('[data-path="radiation.sources[0].activity"]', "1.5 TBq")
    page.press('[data-path="radiation.sources[0].activity"]', "Tab")
    page.select_option('[data-path="radiation.sources[0].nuclide"]', "Ir-192")
    page.fill('[data-path="radiation.sources[0].changes"]', "0:25:00 shield lead 5 cm; 0:28:00 move 50, 50")
    page.press('[data-path="radiation.sources[0].changes"]', "Tab")
    # A building between the gate and the source.
    page.click('#site-tools [data-tool="shield"]')
    for x, y in ((200, 150), (260, 150), (260, 210), (200, 210), (200, 150)):
        click_at(page, x, y)
    page.wait_for_selector('[data-path="radiation.shields[0].id"]')
    page.click("#site-preview")
    wait_for(page, "document.querySelector('#site-hint').textContent.startsWith('The field at the start')")
    page.wait_for_selector("#site-editor-map .isoline-label")
    page.wait_for_selector('#check-status[data-valid="true"]', timeout=10000)
    page.evaluate("document.querySelector('#site-tools').scrollIntoView({block: 'start'})")
    shots(page, "1-site-editor")
    at = page.input_value('[data-path="radiation.sources[0].at"]')
    x, y = (float(v) for v in at.split(","))
    assert x == pytest.approx(100, abs=3) and y == pytest.approx(100, abs=3)  # pixel (350, 100) from (250, 200)

    page.wait_for_selector('#check-status[data-valid="true"]', timeout=10000)
    page.fill("#save-note", "with its site")
    page.click("#btn-save")
    page.wait_for_selector("#doc-state:text('draft v1')")
    page.click("#btn-publish")
    page.wait_for_selector("#doc-state:text('published v1')")

    scenario = server.api("GET", "/scenarios/yard-search", None, token)[1]
    changes = scenario["radiation"]["sources"][0]["changes"]
    assert changes[0] == {"at_s": 1500.0, "shield": {"material": "lead", "thickness_m": 0.05}}
    assert changes[1]["at_s"] == 1680.0 and changes[1]["moved_to"] == [50.0, 50.0]
    status, exercise = server.api("POST", "/exercises", {"name": "Yard", "scenario": "yard-search"}, token)
    assert status == 201, exercise
    ex = exercise["id"]
    assert server.api("POST", f"/exercises/{ex}/start", token=token)[0] == 200
    field = server.api("GET", f"/exercises/{ex}/field", token=token)[1]
    assert [s["nuclide"] for s in field["sources"]] == ["Ir-192"]
    tablet = browser.new_context(viewport=TABLET, has_touch=True).new_page()
    join(tablet, server, exercise["teams"][0]["join_code"], "Chief")
    tablet.click("#tab-map")
    tablet.wait_for_selector("#responder-list .responder")
    tablet.select_option("#instrument", "ic/survey-meter-1")
    tablet.click("#take-reading")
    tablet.wait_for_selector("#readout .readout-value")
    assert re.search(r"[0-9.]+ (µSv/h|mSv/h)", tablet.inner_text("#readout .readout-value"))
    context.close()
