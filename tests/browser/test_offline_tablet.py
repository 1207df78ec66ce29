"""The tablet without network: join online, go offline, reload the page: the team's injects and
checklist are there and it accepts new actions; close the page and open it again, still offline (the
same storage): what it did still waits; back online, every queued action arrives once, in order.
And a new version deployed while actions wait: the tablet offers to reload and loses none."""
import pytest

from ..helpers import FIXTURE_LIBRARY
from ..live_server import LiveServer, wait_until
from .conftest import TABLET, wait_for
from .test_drill import join


@pytest.fixture(scope="module")
def offline_server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("offline-server"), content_root=FIXTURE_LIBRARY)
    live.start()
    live.flask("users", "create", "ctl", "--role", "controller", "--password", "controller-pass")
    yield live
    live.stop()


def log(page, text):
    page.click("#tab-log")
    page.fill("#log-text", text)
    page.click('#log-form button[type=submit]')


def controlled_and_kept(page):
    """The service worker controls the page and the device holds the server's snapshot."""
    wait_for(page, "() => navigator.serviceWorker.controller !== null")
    page.wait_for_function("""async () => {
        const dbs = await indexedDB.databases();
        return dbs.some(d => d.name.startsWith('cordon-tablet-'));
    }""")
    page.wait_for_timeout(600)  # the batch of events is written a moment after it is folded


def test_a_tablet_reloaded_and_reopened_offline_keeps_what_it_had_and_did(browser, offline_server, shots):
    server = offline_server
    token = server.staff_token("ctl", "controller-pass")
    status, exercise = server.api("POST", "/exercises", {"name": "Offline", "scenario": "mini-drill", "speed": 60}, token)
    ex = exercise["id"]
    assert server.api("POST", f"/exercises/{ex}/start", token=token)[0] == 200
    code = next(t["join_code"] for t in exercise["teams"] if t["key"] == "fire")
    context = browser.new_context(viewport=TABLET, has_touch=True)
    tablet = context.new_page()
    join(tablet, server, code, "Ana")
    tablet.wait_for_selector("[data-inject]", timeout=20000)
    injects = tablet.eval_on_selector_all("[data-inject]", "nodes => nodes.map(n => n.dataset.inject)")
    controlled_and_kept(tablet)

    context.set_offline(True)
    tablet.reload()
    tablet.wait_for_timeout(1500)
    print("CLOCK", tablet.inner_text("#clock"), tablet.inner_text("#clock-status"))
    tablet.wait_for_selector("[data-inject]")
    assert tablet.eval_on_selector_all("[data-inject]", "nodes => nodes.map(n => n.dataset.inject)") == injects
    tablet.click("#tab-checklist")
    tablet.wait_for_selector("#checklist .step, #checklist li")
    wait_for(tablet, "document.querySelector('#conn').textContent.startsWith('Offline since')")
    wait_for(tablet, "document.querySelector('#clock-status').textContent === 'Running'")
    assert tablet.inner_text("#conn") != "Offline since 0:00:00"  # the moment the device last heard from the server
    log(tablet, "First, written offline after a reload")
    wait_for(tablet, "document.querySelector('#conn').textContent.includes('1 waiting')")
    tablet.click("#tab-injects")
    tablet.click(f"[data-inject='{injects[0]}'] button")  # acknowledged offline: waits in the outbox
    tablet.wait_for_selector(f"[data-inject='{injects[0]}'] .acked:has-text('waiting to send')")
    tablet.click("#tab-control")
    tablet.fill("#msg-text", "Written to control while offline")
    tablet.click("#msg-form button[type=submit]")
    tablet.wait_for_selector(".message.queued")
    wait_for(tablet, "document.querySelector('#conn').textContent.includes('3 waiting')")
    shots(tablet, "1-offline-after-reload")

    # The page closed and opened again, still offline: the same storage.
    tablet.close()
    tablet = context.new_page()
    tablet.goto(server.url + "/team")
    tablet.wait_for_selector("[data-inject]")
    wait_for(tablet, "document.querySelector('#conn').textContent.includes('3 waiting')")
    log(tablet, "Second, after reopening")
    wait_for(tablet, "document.querySelector('#conn').textContent.includes('4 waiting')")

    context.set_offline(False)
    tablet.wait_for_selector("#conn.conn-online", timeout=20000)
    wait_until(lambda: len(server.api("GET", f"/exercises/{ex}/events?type=action.logged", token=token)[1]) >= 2,
               "the queued actions arrive")
    tablet.wait_for_timeout(1500)  # anything sent twice would have arrived by now
    events = server.api("GET", f"/exercises/{ex}/events?type=action.logged", token=token)[1]
    assert [e["data"]["action"]["text"] for e in events] == ["First, written offline after a reload",
                                                             "Second, after reopening"]
    acks = server.api("GET", f"/exercises/{ex}/events?type=inject.acknowledged", token=token)[1]
    assert [e["data"]["inject_id"] for e in acks] == [injects[0]]
    messages = server.api("GET", f"/exercises/{ex}/events?type=message", token=token)[1]
    assert [m["data"]["text"] for m in messages] == ["Written to control while offline"]
    context.close()


def test_a_new_version_deployed_while_actions_wait_loses_none(browser, offline_server, shots):
    server = offline_server
    token = server.staff_token("ctl", "controller-pass")
    status, exercise = server.api("POST", "/exercises", {"name": "Update", "scenario": "mini-drill", "speed": 60}, token)
    ex = exercise["id"]
    assert server.api("POST", f"/exercises/{ex}/start", token=token)[0] == 200
    code = next(t["join_code"] for t in exercise["teams"] if t["key"] == "fire")
    context = browser.new_context(viewport=TABLET, has_touch=True)
    tablet = context.new_page()
    join(tablet, server, code, "Ana")
    tablet.wait_for_selector("[data-inject]", timeout=20000)
    controlled_and_kept(tablet)
    first = tablet.evaluate("() => navigator.serviceWorker.controller.scriptURL")

    context.set_offline(True)
    log(tablet, "Held while the server was updated")
    wait_for(tablet, "document.querySelector('#conn').textContent.includes('1 waiting')")
    # A new release is deployed (the server restarts with it) while the action waits.
    server.stop()
    server.env["CORDON_RELEASE"] = "next"
    server.start(migrate=False)
    context.set_offline(False)
    tablet.evaluate("() => navigator.serviceWorker.getRegistration().then(r => r.update())")
    tablet.wait_for_selector("#update-bar:not([hidden])", timeout=20000)
    shots(tablet, "1-update-offered")
    tablet.click("#update-now")
    tablet.wait_for_load_state("load")
    tablet.wait_for_selector("#conn.conn-online", timeout=20000)
    wait_for(tablet, "() => !document.querySelector('.action-queued')")
    tablet.wait_for_timeout(1500)
    events = server.api("GET", f"/exercises/{ex}/events?type=action.logged", token=token)[1]
    assert [e["data"]["action"]["text"] for e in events] == ["Held while the server was updated"]
    version = tablet.evaluate("() => fetch('/sw.js').then(r => r.text()).then(t => t.match(/const VERSION = \"(\\w+)\"/)[1])")
    assert version in tablet.evaluate("() => caches.keys()").__str__()
    assert first  # the page was controlled before and after
    context.close()
