"""A scripted drill through the real server: a team skips a critical step; it turns overdue on
the clock alone, the contingency inject goes out because of it, and the end makes it missed."""
import pytest

from ..helpers import FIXTURE_LIBRARY
from ..live_server import LiveServer
from ..live_server import Api, Tablet, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mini_server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("compliance-server"), content_root=FIXTURE_LIBRARY)
    try:
        live.start()
        live.flask("users", "create", "ctl", "--role", "controller", "--password", "compliance-pass")
        yield live
    finally:
        live.stop()


def step_changes(client, team, step):
    return [e["data"]["status"] for e in client.received()
            if e["type"] == "step.status" and e["data"]["team"] == team and e["data"]["step"] == step]


def test_a_skipped_critical_step_goes_overdue_fires_the_contingency_and_ends_missed(mini_server):
    api = Api(mini_server.url, mini_server.staff_token("ctl", "compliance-pass"))
    exercise = api.call("POST", "/exercises", expect=201, json={"name": "Compliance drill", "scenario": "mini-drill"})
    ex_id = exercise["id"]
    code = {t["key"]: t["join_code"] for t in exercise["teams"]}
    ic_token = api.http.post(f"{mini_server.url}/api/v1/join", json={"code": code["ic"], "name": "IC tablet"},
                             timeout=10).json()["token"]
    ic = Tablet(mini_server.url, ic_token, "ic").connect()
    controller = Tablet(mini_server.url, api.http.headers["Authorization"][7:], "controller").connect()
    try:
        assert controller.call("watch", {"exercise_id": ex_id})["ok"]
        api.call("POST", f"/exercises/{ex_id}/start")
        api.call("PATCH", f"/exercises/{ex_id}", json={"speed": 120})

        # I-02 (2m) makes the critical IC-02 due within 10m; incident command does IC-01 only.
        wait_until(lambda: "I-02" in ic.released(), "I-02 reached incident command")
        assert ic.call("log_action", {"client_id": "ic-0000-0001", "step": "IC-01"})["ok"]
        wait_until(lambda: "open" in step_changes(ic, "ic", "IC-02"), "IC-02 became due for ic")

        # Nobody acts: time alone turns it overdue, and C-01 (when_overdue IC-02, auto) goes out.
        wait_until(lambda: "overdue" in step_changes(ic, "ic", "IC-02"), "IC-02 turned overdue", timeout_s=30)
        wait_until(lambda: "C-01" in ic.released(), "the contingency inject reached incident command")
        released = [e for e in controller.received() if e["type"] == "inject.released" and e["data"]["id"] == "C-01"]
        assert len(released) == 1
        compliance = api.call("GET", f"/exercises/{ex_id}/compliance")
        ic_steps = {s["step"]: s for s in compliance["teams"][0]["steps"]}
        assert ic_steps["IC-02"]["status"] == "overdue" and ic_steps["IC-02"]["critical"] is True
        assert ic_steps["IC-01"]["status"] == "done"

        api.call("POST", f"/exercises/{ex_id}/end")
        wait_until(lambda: "missed" in step_changes(ic, "ic", "IC-02"), "IC-02 became missed at the end")
        assert step_changes(ic, "ic", "IC-02") == ["open", "overdue", "missed"]
        final = api.call("GET", f"/exercises/{ex_id}/compliance")
        assert {s["step"]: s["status"] for s in final["teams"][0]["steps"]}["IC-02"] == "missed"
        events = api.call("GET", f"/exercises/{ex_id}/events", params={"since": 0, "type": "inject.released"})
        assert [e["data"]["id"] for e in events].count("C-01") == 1
        assert api.call("GET", f"/exercises/{ex_id}/audit")["ok"] is True
    finally:
        ic.sio.disconnect()
        controller.sio.disconnect()
