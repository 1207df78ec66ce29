"""Authoring in the browser: a scenario built from nothing in the editor, published and run on a
tablet; an inject retimed and readdressed on the timeline, seen by the next exercise and not by the
running one; two people saving one draft; the checklist editor's gap report; history and import."""
import re

from .conftest import DESKTOP, TABLET, wait_for
from .test_drill import join, login


def open_editor(page, server, path):
    page.goto(server.url + path)
    page.wait_for_selector('#editor[data-state="ready"]')
    page.wait_for_selector('#check-status:not([data-valid="checking"])')


def apply_inject(page):
    page.click("#i-apply")
    page.wait_for_selector("#inject-dialog:not([open])", state="attached")


def test_a_scenario_built_from_nothing_is_published_and_reaches_a_tablet(browser, server, shots):
    token = server.staff_token("ctl", "controller-pass")
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    login(page, server, "ctl", "controller-pass")
    page.goto(server.url + "/library")
    page.click("#new-scenario-link")
    page.wait_for_selector('#editor[data-state="ready"]')

    page.fill("#f-id", "pier-fire")
    page.fill("#f-title", "Fire at pier 4")
    page.select_option("#f-sop", "mini-sop")
    page.fill("#f-duration", "30m")
    page.click("#btn-add-team")  # on the first agency: incident command
    page.fill('[data-path="teams[0].key"]', "ic")
    page.fill('[data-path="teams[0].name"]', "Harbour command")
    page.click("#btn-add-team")  # the next agency: fire
    page.fill('[data-path="teams[1].name"]', "Engine 7")
    page.click("#btn-add-objective")
    page.fill('[data-path="objectives[0].text"]', "Command set up within 5 minutes")

    # I-01: to everyone, expects command within 5 minutes.
    page.click("#btn-add-inject")
    page.wait_for_selector("#inject-dialog[open]")
    page.fill("#i-title", "Smoke over pier 4")
    page.fill("#i-body", "Dense **black smoke** over pier 4; a crane operator reports a fire in a container.")
    page.wait_for_function("() => document.querySelector('#i-preview strong')?.textContent === 'black smoke'")
    page.select_option("#i-objective", "OBJ-1")
    page.click("#i-add-expect")
    page.select_option("#i-expects .expect-row:nth-child(1) .x-step", "IC-01")
    page.fill("#i-expects .expect-row:nth-child(1) .x-within", "5m")
    shots(page, "1-inject-dialog")
    apply_inject(page)
    # I-02: to fire only, expects the crew count; the step picker offers fire's steps only.
    page.click("#btn-add-inject")
    page.wait_for_selector("#inject-dialog[open]")
    page.uncheck('#i-to input[data-to="all"]')
    page.check('#i-to input[data-to="fire"]')
    page.fill("#i-title", "Count your crews")
    page.click("#i-add-expect")
    offered = page.eval_on_selector_all("#i-expects .x-step option", "options => options.map(o => o.value)")
    assert offered == ["", "FB-01", "J-01"]
    page.select_option("#i-expects .x-step", "FB-01")
    page.fill("#i-expects .x-within", "10m")
    apply_inject(page)
    # I-03: a contingency, proposed to the controller when command is overdue.
    page.click("#btn-add-inject")
    page.wait_for_selector("#inject-dialog[open]")
    page.fill("#i-at", "")
    page.select_option("#i-type", "contingency")
    page.uncheck('#i-to input[data-to="all"]')
    page.check('#i-to input[data-to="ic"]')
    page.fill("#i-title", "The harbour master calls")
    page.select_option("#i-overdue-step", "IC-01")
    page.select_option("#i-overdue-mode", "prompt")
    apply_inject(page)

    page.wait_for_selector('#check-status[data-valid="true"]', timeout=10000)
    assert page.inner_text("#problems-empty") == "None: it can be published."
    shots(page, "2-editor-new-scenario")
    page.fill("#save-note", "first version")
    page.click("#btn-save")
    page.wait_for_selector("#doc-state:text('draft v1')")
    assert page.url.endswith("/library/scenarios/pier-fire/edit")
    page.click("#btn-publish")
    page.wait_for_selector("#doc-state:text('published v1')")

    status, scenario = server.api("GET", "/scenarios/pier-fire", None, token)
    assert status == 200
    assert [(i["id"], i["at_s"], i["to"]) for i in scenario["injects"]] == [
        ("I-01", 60.0, "all"), ("I-02", 360.0, ["fire"]), ("I-03", None, ["ic"])]
    assert scenario["injects"][2]["when_overdue"] == {"step": "IC-01", "mode": "prompt"}

    # An exercise from it, from the exercise list; a fire tablet receives its injects.
    page.goto(server.url + "/exercises")
    page.wait_for_selector('#new-scenario option[value="pier-fire"]', state="attached")
    page.select_option("#new-scenario", "pier-fire")
    page.fill("#new-name", "Pier fire drill")
    page.select_option("#new-speed", "60")
    page.click("#btn-create")
    page.wait_for_url(re.compile(r".*/exercises/\d+/console$"))
    exercise_id = int(re.search(r"/exercises/(\d+)/console", page.url).group(1))
    _, exercise = server.api("GET", f"/exercises/{exercise_id}", None, token)
    tablet = browser.new_context(viewport=TABLET).new_page()
    join(tablet, server, next(t["join_code"] for t in exercise["teams"] if t["key"] == "fire"), "Ana")
    page.wait_for_selector('#clock-panel[data-status="draft"]')
    page.click("#btn-start")
    page.click("#confirm-ok")
    tablet.wait_for_selector('[data-inject="I-02"]', timeout=20000)
    injects = tablet.inner_text("#injects")
    assert "Smoke over pier 4" in injects and "Count your crews" in injects
    assert "The harbour master calls" not in injects  # a contingency, for command, and only when proposed
    assert tablet.inner_html('[data-inject="I-01"] .inject-body').count("<strong>black smoke</strong>") == 1
    shots(tablet, "3-tablet-receives")


def drag(page, selector, dx: float = 0, to_lane: str | None = None):
    """Drag with the mouse (pointer events, as a finger would) by `dx` pixels and into another lane."""
    page.locator("#timeline").scroll_into_view_if_needed()
    box = page.locator(selector).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    target_y = y
    if to_lane is not None:
        lane = page.locator(f'#timeline .lane[data-lane="{to_lane}"]').bounding_box()
        target_y = lane["y"] + lane["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x + dx * step / 10, y + (target_y - y) * step / 10)
    page.mouse.up()


def test_an_inject_retimed_on_the_timeline_changes_the_next_exercise_not_the_running_one(browser, server, shots):
    token = server.staff_token("ctl", "controller-pass")
    status, running = server.api("POST", "/exercises", {"name": "Running drill", "scenario": "mini-drill"}, token)
    assert status == 201
    server.api("POST", f"/exercises/{running['id']}/start", None, token)

    page = browser.new_context(viewport=DESKTOP).new_page()
    login(page, server, "ctl", "controller-pass")
    open_editor(page, server, "/library/scenarios/mini-drill/edit")
    block = '#timeline .lane[data-lane="fire"] .tl-inject[data-inject="I-03"]'
    assert page.get_attribute(block, "data-at") == "180"
    width = page.locator('#timeline .lane[data-lane="fire"] .lane-track').bounding_box()["width"]
    drag(page, block, dx=width * 600 / 3600)  # ten minutes later on a one-hour timeline
    page.wait_for_function(f"() => Number(document.querySelector('{block}')?.dataset.at) >= 700")
    moved_to = int(page.get_attribute(block, "data-at"))
    assert moved_to % 30 == 0 and 720 <= moved_to <= 840
    # I-01 goes to everyone; dragged into command's lane, it goes to command only.
    drag(page, '#timeline .lane[data-lane="all"] .tl-inject[data-inject="I-01"]', to_lane="ic")
    page.wait_for_selector('#timeline .lane[data-lane="ic"] .tl-inject[data-inject="I-01"]')
    assert page.locator('#timeline .lane[data-lane="all"] .tl-inject').count() == 0
    # The keyboard does the same: the focused I-02 thirty seconds later.
    page.focus('#timeline .lane[data-lane="ic"] .tl-inject[data-inject="I-02"]')
    page.keyboard.press("ArrowRight")
    page.wait_for_selector('#timeline .lane[data-lane="ic"] .tl-inject[data-inject="I-02"][data-at="150"]')
    page.wait_for_selector('#check-status[data-valid="true"]')
    shots(page, "1-timeline-retimed")
    page.click("#view-table")
    assert page.inner_text('#inject-rows tr[data-inject="I-01"] td:nth-child(3)') == "Incident Command"
    page.fill("#save-note", "crew count later; first call to command")
    page.click("#btn-publish")  # saves, then publishes
    page.wait_for_selector("#doc-state:text('published v2')")

    _, still = server.api("GET", f"/exercises/{running['id']}", None, token)
    assert {i["id"]: (i["at_s"], i["to"]) for i in still["injects"]}["I-03"] == (180.0, ["fire"])
    assert {i["id"]: i["to"] for i in still["injects"]}["I-01"] == "all"
    status, following = server.api("POST", "/exercises", {"name": "Next drill", "scenario": "mini-drill"}, token)
    assert status == 201
    times = {i["id"]: (i["at_s"], i["to"]) for i in following["injects"]}
    assert times["I-03"] == (float(moved_to), ["fire"]) and times["I-01"] == (60.0, ["ic"])
    assert times["I-02"] == (150.0, ["ic"])


def test_two_people_saving_one_draft_the_second_sees_what_changed(browser, server, shots):
    pages = []
    for _ in range(2):
        page = browser.new_context(viewport=DESKTOP).new_page()
        login(page, server, "ctl", "controller-pass")
        open_editor(page, server, "/library/sops/mini-sop/edit")
        pages.append(page)
    first, second = pages
    first.fill("#f-title", "Mini checklist, revised")
    first.click("#btn-save")
    first.wait_for_selector("#doc-state:text('draft v2')")
    second.fill("#f-summary", "Three agencies and a joint step.")
    second.click("#btn-save")
    second.wait_for_selector("#conflict-dialog[open]")
    summary = second.inner_text("#conflict-summary")
    assert "title: 'Mini checklist for tests' -> 'Mini checklist, revised'" in summary
    shots(second, "1-conflict")
    second.click("#conflict-overwrite")
    second.wait_for_selector("#doc-state:text('draft v3')")
    # Nothing lost: both saves are in the history, and the history page shows the difference.
    second.goto(server.url + "/library/sops/mini-sop/history")
    assert second.locator("#versions tr[data-version]").count() == 3
    second.wait_for_selector("#diff-panel:not([hidden])")
    assert "summary:" in second.inner_text("#diff-summary")
    shots(second, "2-history")


def test_the_checklist_gap_report_follows_the_crosswalk(browser, server, shots):
    page = browser.new_context(viewport=DESKTOP).new_page()
    login(page, server, "ctl", "controller-pass")
    open_editor(page, server, "/library/sops/mini-sop/edit")
    page.wait_for_selector('#gaps .gap-agency[data-agency="fire"] .gap-step[data-step="J-01"]')
    page.select_option("#crosswalk-agency", "ems")
    page.click("#crosswalk-add")
    page.fill('[data-path="crosswalk.ems.document"]', "EMS protocol 3")
    page.wait_for_selector('#gaps .gap-agency[data-agency="ems"] .gap-step[data-step="EMS-01"]')
    assert page.eval_on_selector_all('#gaps .gap-agency[data-agency="ems"] .gap-step',
                                     "steps => steps.map(s => s.dataset.step)") == ["EMS-01", "J-01"]
    page.click('.crosswalk-agency[data-agency="ems"] .btn-add-clause')
    page.fill('[data-path="crosswalk.ems.clauses[0].clause"]', "R-4.1")
    page.fill('[data-path="crosswalk.ems.clauses[0].steps"]', "EMS-01, J-01")
    wait_for(page, """() => document.querySelector('#gaps .gap-agency[data-agency="ems"]')
        && !document.querySelector('#gaps .gap-agency[data-agency="ems"] .gap-step')""")
    # A step that does not exist is a problem placed on its field.
    page.fill('[data-path="crosswalk.ems.clauses[0].steps"]', "EMS-01, EMS-99")
    page.wait_for_selector('[data-path="crosswalk.ems.clauses[0].steps"][aria-invalid="true"]')
    assert "unknown step 'EMS-99'" in page.inner_text("#problem-list")
    shots(page, "1-checklist-editor")


def test_an_msel_with_unknown_players_imports_as_a_draft_with_placeholders(browser, server, shots, tmp_path):
    sheet = tmp_path / "county.csv"
    sheet.write_text("Serial,When,Intended Player,Event Description,Objective\n"
                     "1,0:01,Fire,Smoke at pier 4.,OBJ-1\n"
                     "2,0:05,Port Authority,Close the harbour gate.,Protect the public\n")
    page = browser.new_context(viewport=DESKTOP).new_page()
    login(page, server, "ctl", "controller-pass")
    page.goto(server.url + "/library/import")
    page.set_input_files("#import-file", str(sheet))
    page.select_option("#import-base", "mini-drill")
    page.fill("#import-id", "county-drill")
    page.fill("#import-title", "County drill")
    page.click("#btn-add-mapping")
    page.fill("#mapping-rows .map-row:nth-child(1) .map-column", "When")
    page.select_option("#mapping-rows .map-row:nth-child(1) .map-field", "time")
    page.fill("#import-remember", "county template")
    page.click("#btn-import")
    page.wait_for_selector("#import-open:not([hidden])")
    warnings = page.inner_text("#import-warnings")
    assert "team 'Port Authority' is not in the scenario" in warnings and "objective 'Protect the public'" in warnings
    page.locator("#import-result").scroll_into_view_if_needed()
    shots(page, "1-import")
    page.click("#import-open")
    page.wait_for_selector('#editor[data-state="ready"]')
    page.wait_for_selector('#timeline .lane[data-lane="port-authority"] .tl-inject')
    assert page.input_value('[data-path="objectives[1].text"]') == "Protect the public"


def test_the_editor_fits_a_tablet_and_works_by_touch_and_keyboard(browser, server, shots):
    context = browser.new_context(viewport=TABLET, has_touch=True)
    page = context.new_page()
    login(page, server, "ctl", "controller-pass")
    open_editor(page, server, "/library/scenarios/mini-drill/edit")
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    page.locator("#timeline").scroll_into_view_if_needed()
    shots(page, "1-tablet-editor")
    block = page.locator('#timeline .lane[data-lane="ems"] .tl-inject[data-inject="I-04"]')
    block.tap()
    page.wait_for_selector("#inject-dialog[open]")
    assert page.input_value("#i-title") == "Casualties incoming"
    page.click("#i-cancel")
    block.focus()
    page.keyboard.press("Shift+ArrowRight")  # five minutes later
    page.wait_for_selector('#timeline .lane[data-lane="ems"] .tl-inject[data-inject="I-04"][data-at="540"]')
    page.click("#btn-undo")
    page.wait_for_selector('#timeline .lane[data-lane="ems"] .tl-inject[data-inject="I-04"][data-at="240"]')


def test_a_scenario_is_cloned_from_the_editor(browser, server):
    page = browser.new_context(viewport=DESKTOP).new_page()
    login(page, server, "ctl", "controller-pass")
    open_editor(page, server, "/library/scenarios/mini-drill/edit")
    page.click("#btn-clone")
    page.fill("#clone-id", "Not An Id")
    page.click("#clone-ok")
    page.wait_for_selector("#clone-error:not([hidden])")
    page.fill("#clone-id", "mini-night")
    page.fill("#clone-title-input", "Mini drill at night")
    page.click("#clone-ok")
    page.wait_for_url(re.compile(r".*/library/scenarios/mini-night/edit$"))
    page.wait_for_selector('#check-status[data-valid="true"]')
    assert page.input_value("#f-title") == "Mini drill at night"
    assert page.inner_text("#doc-state") == "draft v1"

