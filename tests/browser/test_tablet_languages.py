"""The tablet drill in French and in Arabic (right to left): join, acknowledge, tick a step, an
action queued offline and sent once back online; a screenshot of every view in each language
(test-output/screenshots/) and nothing wider than its box at 768×1024. The event log of the two
drills holds the same codes and data: no word of either language (docs/translating.md)."""
import pytest

from ..helpers import FIXTURE_LIBRARY
from ..i18n.test_language_choice import translation
from ..live_server import LiveServer, wait_until
from .conftest import TABLET, wait_for

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const bad = [];
  if (document.documentElement.scrollWidth > width + 1) bad.push(`page ${document.documentElement.scrollWidth} > ${width}`);
  for (const el of document.querySelectorAll("header *, main *")) {
    if (!el.offsetParent || el.closest("dialog:not([open]), .leaflet-container, .sr-only")) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.left < -1 || box.right > width + 1) bad.push(`${el.tagName}#${el.id}.${el.className} ${box.left}-${box.right}`);
    const style = getComputedStyle(el);
    const clips = ["BUTTON", "LABEL", "A", "SELECT"].includes(el.tagName) || el.classList.contains("badge") || el.classList.contains("tab");
    if (clips && style.overflowX !== "auto" && style.overflowX !== "scroll" && el.scrollWidth > el.clientWidth + 2)
      bad.push(`text wider than ${el.tagName}#${el.id}.${el.className}: ${el.scrollWidth} > ${el.clientWidth}`);
  }
  return bad;
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("languages-server"), content_root=FIXTURE_LIBRARY)
    live.start()
    live.flask("users", "create", "ctl", "--role", "controller", "--password", "controller-pass")
    yield live
    live.stop()


def no_overflow(page, where):
    bad = page.evaluate(OVERFLOW)
    assert not bad, f"{where}: {bad[:8]}"


def drill(browser, server, shots, code):
    token = server.staff_token("ctl", "controller-pass")
    _, exercise = server.api("POST", "/exercises", {"name": f"Drill {code}", "scenario": "mini-drill", "speed": 60,
                                                    "language": code}, token)
    ex = exercise["id"]
    assert server.api("POST", f"/exercises/{ex}/start", token=token)[0] == 200
    join_code = next(t["join_code"] for t in exercise["teams"] if t["key"] == "fire")
    context = browser.new_context(viewport=TABLET, has_touch=True)
    tablet = context.new_page()
    tablet.goto(f"{server.url}/join?code={join_code}")
    tablet.fill("#name", "Ana")
    tablet.click("form.form button[type=submit]")
    tablet.wait_for_url("**/team")
    tablet.wait_for_selector("#conn.conn-online")
    assert tablet.get_attribute("html", "lang") == code
    assert tablet.get_attribute("html", "dir") == ("rtl" if code == "ar" else "ltr")
    assert tablet.inner_text("#tab-injects").strip().startswith(translation(code, "Messages"))

    # acknowledge the first inject
    tablet.wait_for_selector("[data-inject]", timeout=20000)
    first = tablet.eval_on_selector("[data-inject]", "n => n.dataset.inject")
    tablet.click(f"[data-inject='{first}'] button")
    tablet.wait_for_selector(f"[data-inject='{first}'] .acked")
    assert translation(code, "✓ Acknowledged") in tablet.inner_text(f"[data-inject='{first}'] .acked")
    shots(tablet, f"{code}-1-messages")
    no_overflow(tablet, f"{code} messages")

    # tick a step of the checklist
    tablet.click("#tab-checklist")
    tablet.wait_for_selector("#checklist .step")
    step = tablet.eval_on_selector("#checklist .step:has(.step-actions)", "n => n.dataset.step")
    tablet.click(f"#checklist .step[data-step='{step}'] .step-actions .btn-ok")
    wait_until(lambda: any(e["data"]["action"].get("step") == step for e in
                           server.api("GET", f"/exercises/{ex}/events?type=action.logged", token=token)[1]),
               "the step is logged")
    shots(tablet, f"{code}-2-checklist")
    no_overflow(tablet, f"{code} checklist")

    # an action written offline waits, then arrives once
    context.set_offline(True)
    wait_for(tablet, "!document.querySelector('#conn').classList.contains('conn-online')")
    tablet.click("#tab-log")
    tablet.fill("#log-text", f"Cordon at 400 m ({code})")
    tablet.click("#log-form button[type=submit]")
    wait_for(tablet, "document.querySelector('#queued-count') && !document.querySelector('#queued-count').hidden")
    assert translation(code, "Waiting to send") in tablet.inner_text("#actions")
    shots(tablet, f"{code}-3-log-offline")
    no_overflow(tablet, f"{code} log offline")
    context.set_offline(False)
    tablet.wait_for_selector("#conn.conn-online", timeout=20000)
    wait_until(lambda: [e["data"]["action"]["text"] for e in
                        server.api("GET", f"/exercises/{ex}/events?type=action.logged", token=token)[1]
                        if e["data"]["action"]["text"].startswith("Cordon")] == [f"Cordon at 400 m ({code})"],
               "the queued action arrives once")

    tablet.click("#tab-control")
    tablet.fill("#msg-text", "Need more dosimeters")
    tablet.click("#msg-form button[type=submit]")
    tablet.wait_for_selector(".message")
    shots(tablet, f"{code}-4-control")
    no_overflow(tablet, f"{code} control")
    context.close()
    return ex, token


def test_the_tablet_drill_in_french_and_in_arabic_logs_the_same_events(browser, server, shots):
    logs = {}
    for code in ("fr", "ar"):
        ex, token = drill(browser, server, shots, code)
        events = server.api("GET", f"/exercises/{ex}/events", token=token)[1]
        logs[code] = events
    # The same drill in two languages: what the teams did is logged with the same codes and data
    # (the clock runs fast, so when the scheduler's events fall between them may differ).
    def played(events):
        out = []
        for e in events:
            if e["type"] not in ("participant.joined", "inject.acknowledged", "action.logged", "message"):
                continue
            data = e["data"]
            if e["type"] == "action.logged":
                data = {"step": data["action"].get("step"), "keys": sorted(data["action"])}
            elif e["type"] == "message":
                data = {"to": data.get("to"), "keys": sorted(data)}
            elif e["type"] == "inject.acknowledged":
                data = {"inject": data.get("inject_id"), "keys": sorted(data)}
            else:
                data = {"keys": sorted(data)}
            out.append((e["type"], data))
        return out
    assert played(logs["fr"]) == played(logs["ar"]) and len(played(logs["fr"])) >= 4
    for events in logs.values():
        text = repr([e["data"] for e in events])
        for code in ("fr", "ar"):
            for word in ("Messages", "Acknowledge", "Waiting to send", "Done"):
                translated = translation(code, word)
                if translated != word:
                    assert translated not in text, (code, word)
