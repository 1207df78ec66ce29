"""A real server keeps answering everyone while a PDF report is laid out or a hostile workbook is
uploaded (the work runs off the event loop), and a report past its time limit is a clear 503."""
import threading
import time

import pytest
import requests

from ..hostile_workbooks import one_huge_row
from ..live_server import Api, LiveServer, Tablet
from .conftest import CONTROLLER, CONTROLLER_PASSWORD
from .drill_library import SCENARIO, write_library

pytestmark = pytest.mark.slow


def staff(url):
    login = requests.post(f"{url}/api/v1/auth/token", json={"username": CONTROLLER, "password": CONTROLLER_PASSWORD},
                          timeout=10)
    assert login.status_code == 200, login.text
    return login.json()["token"]


def running_drill(url, token, actions=300):
    """A running exercise with a tablet that has logged `actions` actions (a report of some size)."""
    api = Api(url, token)
    exercise = api.call("POST", "/exercises", expect=201, json={"name": "Busy drill", "scenario": SCENARIO, "speed": 10})
    api.call("POST", f"/exercises/{exercise['id']}/start")
    code = next(t["join_code"] for t in exercise["teams"] if t["key"] == "fire")
    joined = requests.post(f"{url}/api/v1/join", json={"code": code, "name": "Engine 1"}, timeout=10).json()
    tablet = Tablet(url, joined["token"], "fire").connect()
    for n in range(actions):
        assert tablet.call("log_action", {"client_id": f"fire-load-{n:05d}", "text": f"Hose line {n}"})["ok"]
    return exercise, tablet


def watch_while(work, url, tablet, prefix):
    """Run `work` in a thread; meanwhile time /healthz and a tablet's log_action. Returns
    (work's result, seconds it took, slowest /healthz, slowest ack)."""
    outcome, health, acks = {}, [], []

    def run():
        began = time.perf_counter()
        outcome["result"] = work()
        outcome["took"] = time.perf_counter() - began

    thread = threading.Thread(target=run)
    thread.start()
    n = 0
    while thread.is_alive():
        began = time.perf_counter()
        assert requests.get(f"{url}/healthz", timeout=30).status_code == 200
        health.append(time.perf_counter() - began)
        began = time.perf_counter()
        assert tablet.call("log_action", {"client_id": f"{prefix}-{n:05d}", "text": "Still here"})["ok"]
        acks.append(time.perf_counter() - began)
        n += 1
        time.sleep(0.05)
    thread.join()
    return outcome["result"], outcome["took"], max(health, default=0), max(acks, default=0)


def test_others_are_answered_while_a_pdf_is_laid_out(server):
    token = staff(server.url)
    exercise, tablet = running_drill(server.url, token)
    try:
        pdf, took, slowest_health, slowest_ack = watch_while(
            lambda: requests.get(f"{server.url}/api/v1/exercises/{exercise['id']}/report.pdf",
                                 headers={"Authorization": f"Bearer {token}"}, timeout=120),
            server.url, tablet, "pdf")
    finally:
        tablet.sio.disconnect()
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # Generous bounds (the tight figures are bench/heavy_requests.py's); on the hub the PDF held
    # every request for its whole layout.
    assert slowest_health < 1.0 and slowest_ack < 1.5, (took, slowest_health, slowest_ack)
    if took > 2.0:
        assert slowest_health < took / 2


def test_a_hostile_workbook_is_refused_quickly_while_others_are_answered(server):
    token = staff(server.url)
    exercise, tablet = running_drill(server.url, token, actions=5)
    data = one_huge_row()
    try:
        upload, took, slowest_health, slowest_ack = watch_while(
            lambda: requests.post(f"{server.url}/api/v1/scenarios/import", headers={"Authorization": f"Bearer {token}"},
                                  files={"file": ("msel.xlsx", data)}, data={"sop": "mini-sop"}, timeout=60),
            server.url, tablet, "xlsx")
    finally:
        tablet.sio.disconnect()
    assert upload.status_code == 422, upload.text
    assert "at most 16 MB" in upload.text
    assert took < 5 and slowest_health < 1.0 and slowest_ack < 1.5, (took, slowest_health, slowest_ack)


def test_a_report_past_its_time_limit_is_a_503_saying_so(tmp_path):
    live = LiveServer(tmp_path / "instance", content_root=write_library(tmp_path / "library"),
                      env={"CORDON_REPORT_LIMIT_S": "0.01"})
    try:
        live.start()
        live.flask("users", "create", CONTROLLER, "--role", "controller", "--password", CONTROLLER_PASSWORD)
        token = staff(live.url)
        exercise = Api(live.url, token).call("POST", "/exercises", expect=201, json={"name": "Slow", "scenario": SCENARIO})
        response = requests.get(f"{live.url}/api/v1/exercises/{exercise['id']}/report.pdf",
                                headers={"Authorization": f"Bearer {token}"}, timeout=60)
        assert response.status_code == 503
        error = response.json()["error"]
        assert error["code"] == "too_slow" and "0.01 s" in error["message"]
        assert requests.get(f"{live.url}/healthz", timeout=5).status_code == 200
    finally:
        live.stop()
