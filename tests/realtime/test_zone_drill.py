"""A cordon drill against a real server at 120x: a short cordon leaves IC-02 open with its reason, a
wider one completes it; when a second source appears the 100 µSv/h line passes the cordon and RA-02
opens again, until the cordon is moved out over it."""

import pytest
import requests

from ..live_server import Api, LiveServer, wait_until
from ..helpers import ZONES_LIBRARY

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def zone_server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("zone-drill"), content_root=ZONES_LIBRARY,
                      env={"CORDON_SCHEDULER_MAX_SLEEP_S": "0.2"})
    try:
        live.start()
        live.flask("users", "create", "ctl", "--role", "controller", "--password", "controller-pass")
        yield live
    finally:
        live.stop()


def test_cordon_checks_follow_the_zones_and_the_field(zone_server):
    server = zone_server
    staff = Api(server.url, server.staff_token("ctl", "controller-pass"))
    exercise = staff.call("POST", "/exercises", expect=201, json={"name": "Square", "scenario": "cordon-drill",
                                                                  "speed": 120})
    ex = exercise["id"]
    code = next(t["join_code"] for t in exercise["teams"] if t["key"] == "ic")
    ic = Api(server.url, requests.post(f"{server.url}/api/v1/join", json={"code": code, "name": "Chief"},
                                       timeout=10).json()["token"])
    staff.call("POST", f"/exercises/{ex}/start")

    def verdict(team, step):
        found = [v for v in staff.call("GET", f"/exercises/{ex}/zones/verdicts") if (v["team"], v["step"]) == (team, step)]
        return found[0] if found else None

    def status(team, step):
        teams = staff.call("GET", f"/exercises/{ex}/compliance")["teams"]
        return next(s["status"] for t in teams if t["key"] == team for s in t["steps"] if s["step"] == step)

    cordon = ic.call("POST", f"/exercises/{ex}/zones", expect=201,
                     json={"kind": "inner-cordon", "geometry": {"type": "Circle", "center": [0, 0], "radius": 300}})
    assert "reaches only 300 m" in verdict("ic", "IC-02")["reason"]
    assert status("ic", "IC-02") in ("open", "overdue")
    ic.call("PATCH", f"/exercises/{ex}/zones/{cordon['id']}",
            json={"geometry": {"type": "Circle", "center": [0, 0], "radius": 450}})
    assert verdict("ic", "IC-02")["ok"] is True
    assert status("ic", "IC-02") in ("done", "late")
    assert verdict("rad", "RA-02")["ok"] is True

    # At 0:40 (20 s at 120x) a 370 TBq source appears at the depot, 600 m east: the scheduler sees it.
    wait_until(lambda: verdict("rad", "RA-02")["ok"] is False, "the 100 µSv/h line passes the cordon", timeout_s=60)
    assert "100 µSv/h line extends" in verdict("rad", "RA-02")["reason"]
    assert status("rad", "RA-02") in ("open", "overdue")
    ic.call("PATCH", f"/exercises/{ex}/zones/{cordon['id']}",
            json={"geometry": {"type": "Circle", "center": [300, 0], "radius": 1400}})
    assert verdict("rad", "RA-02")["ok"] is True
    assert status("rad", "RA-02") in ("done", "late")
    assert staff.call("GET", f"/exercises/{ex}/audit")["ok"] is True
