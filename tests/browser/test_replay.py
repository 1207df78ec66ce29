"""The replay page: a played drill scrubbed to three moments, a team's lens, playback at 60×, the hot
wash and a branch, in Chromium against a real server.

The drill is played beforehand through the services on a fake clock, in this process, on the
server's own database, so its moments are known to the second (the server reads the same file;
its scheduler is off, so that its own clock does not release the drill's injects meanwhile).
"""
import re
from datetime import timedelta

import pytest

from app import create_app
from app.extensions import db
from app.models import Participant, User
from app.services import evaluation, lifecycle
from app.services.releasing import add_adhoc_inject
from app.services.participation import acknowledge_inject, log_action, send_message
from app.services.scheduler import run_once

from ..conftest import TEST_SETTINGS
from ..helpers import FIXTURE_LIBRARY, FakeClock, gen_exercise, gen_tablet
from ..live_server import LiveServer
from .conftest import DESKTOP, wait_for

PROJECTOR = {"width": 1600, "height": 900}
from .test_drill import login


def get_user_by_name(username):
    return db.session.scalars(db.select(User).filter_by(username=username)).one()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("replay-server"), content_root=FIXTURE_LIBRARY,
                      env={"CORDON_SCHEDULER": "0"})
    live.start()
    live.flask("users", "create", "ctl", "--role", "controller", "--password", "controller-pass")
    live.flask("users", "create", "eva", "--role", "evaluator", "--password", "evaluator-pass")
    yield live
    live.stop()


@pytest.fixture(scope="module")
def drill(server):
    """The mini drill played to 14:00 and ended: the exercise id."""
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{server.instance_dir / 'cordon.db'}",
                      "CORDON_CONTENT_ROOT": str(FIXTURE_LIBRARY)})
    clock = FakeClock()
    app.config["CORDON_WALL_CLOCK"] = clock
    with app.app_context():
        ctl = get_user_by_name("ctl")
        exercise = gen_exercise(name="Market drill", creator=ctl)
        tablets = {key: gen_tablet(exercise, key, name) for key, name in
                   (("ic", "Ian"), ("fire", "Fay"), ("ems", "Emil"))}
        start = clock.now

        def at(seconds):
            clock.now = start + timedelta(seconds=seconds)
            run_once(app)

        def person(team):
            return db.session.get(Participant, tablets[team].participant_id)

        def done(seconds, work):
            at(seconds)
            work()
            db.session.commit()

        lifecycle.start_exercise(exercise.id, "ctl")
        db.session.commit()
        at(60)                                                       # I-01 to all
        done(80, lambda: acknowledge_inject(person("ic"), "I-01"))
        done(95, lambda: acknowledge_inject(person("fire"), "I-01"))
        at(120)                                                      # I-02 to ic
        at(180)                                                      # I-03 to fire
        done(200, lambda: add_adhoc_inject(exercise.id, {"title": "Headcount now", "to": ["fire"],
                                                         "body": "All crews, **now**."}, "ctl"))
        at(240)                                                      # I-04 to ems
        done(300, lambda: log_action(person("ems"), "ems-triage-1", "EMS-01", "Triage at the market"))
        done(330, lambda: send_message(exercise.id, sender=person("fire"), to="control", text="Crews staged upwind"))
        done(500, lambda: log_action(person("fire"), "fire-head-01", "FB-01", "All crews accounted for"))
        at(720)                                                      # IC-02 overdue: C-01 released
        done(780, lambda: log_action(person("ic"), "ic-perim-001", "IC-02", "Perimeter at 400 m"))
        done(790, lambda: evaluation.record_observation(exercise.id, {"text": "IC set the perimeter late",
                                                                      "team": "ic"}, get_user_by_name("eva")))
        at(840)
        lifecycle.end_exercise(exercise.id, "ctl")
        db.session.commit()
        exercise_id = exercise.id
        db.session.remove()
        db.engine.dispose()
    return exercise_id


def ready(page, seq_before=None):
    """Wait until the page shows a moment (another one than `seq_before`)."""
    if seq_before is None:
        page.wait_for_selector('#replay-bar[data-ready="true"]')
    else:
        wait_for(page, f"() => document.getElementById('replay-bar').dataset.seq !== '{seq_before}'")
    wait_for(page, "() => document.getElementById('console').getAttribute('aria-busy') === 'false'")


def status_of(page, inject):
    return page.get_attribute(f'#msel li[data-inject="{inject}"], #msel-contingency li[data-inject="{inject}"], '
                              f'#msel-reserve li[data-inject="{inject}"]', "data-status")


def cell(page, team, step):
    return page.get_attribute(f'#grid td[data-team="{team}"][data-step="{step}"]', "data-status")


def feed_types(page):
    return page.eval_on_selector_all("#feed > li", "items => items.map(li => li.dataset.type)")


def scrub_to(page, seconds):
    before = page.get_attribute("#replay-bar", "data-seq")
    page.eval_on_selector("#scrubber-range", """(range, value) => {
        range.value = String(value);
        range.dispatchEvent(new Event('input', {bubbles: true}));
        range.dispatchEvent(new Event('change', {bubbles: true}));
    }""", seconds)
    ready(page, before)


def test_replay_scrub_lens_play_hot_wash_and_branch(browser, server, drill, shots):
    token = server.staff_token("ctl", "controller-pass")
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    login(page, server, "ctl", "controller-pass")

    # A deep link opens the moment: 2:30, I-01 and I-02 out, both acknowledgements of I-01 in.
    page.goto(f"{server.url}/exercises/{drill}/replay?t=0:02:30")
    ready(page)
    assert page.inner_text("#replay-time") == "0:02:30" and page.inner_text("#clock") == "0:02:30"
    assert [status_of(page, i) for i in ("I-01", "I-02", "I-03", "I-04")] == ["released", "released", "pending",
                                                                               "pending"]
    assert page.get_attribute('#msel li[data-inject="I-01"] .ack[data-team="fire"]', "data-acked") == "true"
    assert cell(page, "ic", "IC-01") == "open" and cell(page, "fire", "FB-01") == "pending"
    assert "inject.released" in feed_types(page)
    assert "inject.acknowledged" in feed_types(page) and "action.logged" not in feed_types(page)
    shots(page, "1-at-2m30")

    # Scrub to 6:00: X-01 and I-04 are out, EMS-01 done, fire's message in.
    scrub_to(page, 360)
    assert page.inner_text("#replay-time") == "0:06:00"
    assert status_of(page, "X-01") == "released" and status_of(page, "I-04") == "released"
    assert cell(page, "ems", "EMS-01") == "done" and cell(page, "fire", "FB-01") in ("open", "overdue")
    assert "Crews staged upwind" in page.inner_text("#messages")
    assert feed_types(page)[0] in ("message", "step.status", "action.logged")

    # Scrub to the end: C-01 went out by the checklist, IC-02 done late, the exercise ended.
    scrub_to(page, 840)
    assert status_of(page, "C-01") == "released"
    assert cell(page, "ic", "IC-02") == "late" and cell(page, "fire", "FB-01") == "late"
    assert "exercise.ended" in feed_types(page)[:10]  # then the steps never done become missed
    assert page.get_attribute("#clock-panel", "data-status") == "ended"
    shots(page, "2-at-the-end")

    # Fire's lens at 3:30: what fire's tablet had, and nothing else.
    page.fill("#goto-time", "3:30")
    before = page.get_attribute("#replay-bar", "data-seq")
    page.click("#goto-form button[type=submit]")
    ready(page, before)
    page.select_option("#lens", "fire")
    wait_for(page, "() => document.getElementById('replay-bar').dataset.lens === 'fire'")
    ready(page)
    lens = page.eval_on_selector_all("#lens-injects > li", "items => items.map(li => li.dataset.inject)")
    assert lens == ["X-01", "I-03", "I-01"]
    assert "Acknowledged at 0:01:35 by Fay" in page.inner_text('#lens-injects li[data-inject="I-01"]')
    assert "now" in page.inner_text('#lens-injects li[data-inject="X-01"] strong')  # Markdown, safely rendered
    assert page.eval_on_selector_all("#grid tbody tr", "rows => rows.map(r => r.dataset.team)") == ["fire"]
    assert "I-02" not in page.inner_text("#feed") and "Detector alarm" not in page.inner_text("#lens-panel")
    assert re.search(r"[?&]team=fire", page.url) and "t=0%3A03%3A30" in page.url
    shots(page, "3-fire-lens")

    # Play at 60× from 2:00 (staff): the moment runs, injects go out as it passes them.
    page.select_option("#lens", "")
    wait_for(page, "() => document.getElementById('replay-bar').dataset.lens === ''")
    ready(page)
    page.fill("#goto-time", "2:00")
    before = page.get_attribute("#replay-bar", "data-seq")
    page.click("#goto-form button[type=submit]")
    ready(page, before)
    assert status_of(page, "I-04") == "pending"
    page.select_option("#replay-speed", "60")
    page.click("#btn-play")
    wait_for(page, "() => Number(document.getElementById('replay-bar').dataset.moment) >= 300", timeout=20000)
    page.click("#btn-play")  # pause
    wait_for(page, "() => document.getElementById('replay-bar').dataset.playing === 'false'")
    moment = float(page.get_attribute("#replay-bar", "data-moment"))
    assert 300 <= moment < 840
    assert status_of(page, "I-04") == "released" and cell(page, "ems", "EMS-01") == "done"
    frames = page.evaluate("() => performance.getEntriesByName('replay-frame').length")
    assert frames > 10

    # Step one event forward, then back.
    seq = int(page.get_attribute("#replay-bar", "data-seq"))
    page.click("#btn-next")
    wait_for(page, f"() => Number(document.getElementById('replay-bar').dataset.seq) === {seq + 1}")
    page.click("#btn-prev")
    wait_for(page, f"() => Number(document.getElementById('replay-bar').dataset.seq) === {seq}")

    # The hot wash: large type, observations up to the moment, one added about the moment.
    page.click("#btn-hotwash")
    page.wait_for_selector("#hotwash-panel:not([hidden])")
    page.wait_for_url(re.compile(r".*mode=hotwash"))
    scrub_to(page, 800)
    page.wait_for_selector('#hotwash-observations li:has-text("IC set the perimeter late")')
    page.fill("#hotwash-text", "Nobody asked EMS for a casualty count before 13:20")
    page.select_option("#hotwash-team", "ems")
    page.click("#hotwash-add")
    page.wait_for_selector('#hotwash-observations li:has-text("Nobody asked EMS") .badge-hotwash')
    status, observations = server.api("GET", f"/exercises/{drill}/observations", None, token)
    added = next(o for o in observations if o["text"].startswith("Nobody asked EMS"))
    assert added["hotwash"] is True and added["exercise_time_s"] == 800.0 and added["team"] == "ems"
    page.set_viewport_size(PROJECTOR)
    shots(page, "4-hot-wash")
    page.set_viewport_size(DESKTOP)
    page.click("#btn-hotwash")

    # Branch from 3:30: a new draft exercise starting there, with the released injects as history.
    page.fill("#goto-time", "3:30")
    before = page.get_attribute("#replay-bar", "data-seq")
    page.click("#goto-form button[type=submit]")
    ready(page, before)
    at_seq = int(page.get_attribute("#replay-bar", "data-seq"))
    page.click("#btn-branch")
    assert "0:03:30" in page.inner_text("#branch-at")
    page.fill("#branch-name", "Market drill, night shift")
    page.click("#branch-ok")
    page.wait_for_url(re.compile(r".*/exercises/\d+/console$"))
    branch_id = int(re.search(r"/exercises/(\d+)/console", page.url).group(1))
    page.wait_for_selector('#clock-panel[data-status="draft"]')
    wait_for(page, "() => document.getElementById('clock').textContent === '0:03:30'")  # the clock starts there
    status, branch = server.api("GET", f"/exercises/{branch_id}", None, token)
    assert branch["status"] == "draft" and branch["clock"]["elapsed_s"] == 210.0
    assert branch["branched_from"]["exercise_id"] == drill and branch["branched_from"]["seq"] == at_seq
    carried = {i["id"] for i in branch["injects"] if i.get("carried_over")}
    assert carried == {"I-01", "I-02", "I-03", "X-01"}
    status, audit = server.api("GET", f"/exercises/{branch_id}/audit", None, token)
    assert audit["ok"] is True
    assert "OK" in server.flask("audit", "verify", str(branch_id))
    assert errors == []
    context.close()


def test_an_evaluator_replays_but_does_not_branch(browser, server, drill):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    login(page, server, "eva", "evaluator-pass")
    page.goto(f"{server.url}/exercises/{drill}/replay?t=0:05:00&team=ems&mode=hotwash")
    ready(page)
    assert page.get_attribute("#replay-bar", "data-lens") == "ems"
    assert page.is_visible("#hotwash-panel") and page.locator("#btn-branch").count() == 0
    context.close()
