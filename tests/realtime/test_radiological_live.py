"""The radiological picture against a real server: two teams measuring at the same place and moment
read the same value over Socket.IO; the log, replayed, gives every displayed value again; doses
grow with exercise time (60x as fast at speed 60) and stop while the exercise is paused."""

import time

import pytest
import requests
import socketio

from app import create_app
from app.services import radiological
from app.services.exercises import get_exercise

from ..conftest import TEST_SETTINGS
from ..helpers import ZONES_LIBRARY
from ..live_server import Api, LiveServer, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rad_server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("rad-live"), content_root=ZONES_LIBRARY,
                      env={"CORDON_SCHEDULER_MAX_SLEEP_S": "0.2"})
    try:
        live.start()
        live.flask("users", "create", "ctl", "--role", "controller", "--password", "controller-pass")
        yield live
    finally:
        live.stop()


def tablet(server, code, name):
    token = requests.post(f"{server.url}/api/v1/join", json={"code": code, "name": name}, timeout=10).json()["token"]
    client = socketio.Client(reconnection=False)
    client.connect(server.url, auth={"token": token}, transports=["websocket"], wait_timeout=10)
    return client


def test_two_teams_read_the_same_and_a_replay_reads_it_again(rad_server):
    server = rad_server
    staff = Api(server.url, server.staff_token("ctl", "controller-pass"))
    exercise = staff.call("POST", "/exercises", expect=201, json={"name": "Two teams", "scenario": "cordon-drill"})
    ex = exercise["id"]
    codes = {t["key"]: t["join_code"] for t in exercise["teams"]}
    staff.call("POST", f"/exercises/{ex}/start")
    rad, police = tablet(server, codes["rad"], "Dr Weiss"), tablet(server, codes["police"], "Sgt Okafor")
    try:
        for client, responder in ((rad, "rad/1"), (police, "police/1")):
            ack = client.call("move_responder", {"responder": responder, "to": [-760, -560], "speed_m_s": 40})
            assert ack["ok"], ack
        wait_until(lambda: all(not r["moving"] for r in staff.call("GET", f"/exercises/{ex}/responders")["responders"]
                               if r["id"] in ("rad/1", "police/1")), "both responders arrive")
        shown = []
        for _ in range(3):
            a = rad.call("take_reading", {"responder": "rad/1", "instrument": "rad/survey-meter-1"})
            b = police.call("take_reading", {"responder": "police/1", "instrument": "police/survey-meter-1"})
            assert a["ok"] and b["ok"], (a, b)
            if int(a["exercise_time_s"]) == int(b["exercise_time_s"]):  # the same second: the same noise
                assert a["reading"]["display"] == b["reading"]["display"]
                shown.append(a["reading"]["display"])
            time.sleep(1.05)  # one reading per instrument per second
        assert shown, "no two readings fell in the same second"
    finally:
        rad.disconnect()
        police.disconnect()

    # The log, read back in a process of its own, gives every displayed value again.
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{server.instance_dir / 'cordon.db'}",
                      "CORDON_CONTENT_ROOT": str(ZONES_LIBRARY)})
    with app.app_context():
        events = staff.call("GET", f"/exercises/{ex}/events?type=measurement.taken")
        assert len(events) == 6
        for event in events:
            assert radiological.replayed_reading(get_exercise(ex), event["seq"]) == event["data"]["reading"]


def test_doses_follow_exercise_time(rad_server):
    server = rad_server
    staff = Api(server.url, server.staff_token("ctl", "controller-pass"))
    exercise = staff.call("POST", "/exercises", expect=201, json={"name": "Doses", "scenario": "cordon-drill",
                                                                  "speed": 60})
    ex = exercise["id"]
    staff.call("POST", f"/exercises/{ex}/start")
    client = tablet(server, next(t["join_code"] for t in exercise["teams"] if t["key"] == "rad"), "Dr Weiss")
    try:
        assert client.call("move_responder", {"responder": "rad/1", "to": [-100, 0], "speed_m_s": 40})["ok"]
    finally:
        client.disconnect()

    def weiss():
        return next(r for r in staff.call("GET", f"/exercises/{ex}/doses") if r["id"] == "rad/1")

    wait_until(lambda: not weiss()["moving"] and weiss()["dose_uSv"] > 0, "the responder stands 100 m from S1")
    first, began = weiss(), time.monotonic()
    time.sleep(2.0)
    second, real_s = weiss(), time.monotonic() - began
    rate = second["rate_uSv_h"]
    assert rate == pytest.approx(92.6 * 37_000 / 100 ** 2, rel=0.05)  # ≈ 343 µSv/h
    exercise_s = second["exercise_time_s"] - first["exercise_time_s"]
    assert exercise_s == pytest.approx(60 * real_s, rel=0.15)  # speed 60: a real second is a minute...
    gained = second["dose_uSv"] - first["dose_uSv"]  # ...of dose (the board lags by up to a pass)
    assert gained == pytest.approx(rate * exercise_s / 3600, rel=0.5)
    staff.call("POST", f"/exercises/{ex}/pause")
    time.sleep(1.2)
    paused = weiss()["dose_uSv"]
    time.sleep(1.5)
    assert weiss()["dose_uSv"] == paused  # paused: nothing more
