"""A drill end to end: a real server process (eventlet, scheduler on, SQLite), a controller and
team tablets on Socket.IO, the clock at 120x. What each team saw, what the log holds, and a
tablet that drops off mid-exercise and catches up with `sync`."""
import subprocess
import sys

import pytest
import requests

from ..live_server import REPO_ROOT, Api, Tablet, wait_until
from .conftest import CONTROLLER, CONTROLLER_PASSWORD
from .drill_library import SCENARIO, TEAMS, addressed, inject_ids

pytestmark = pytest.mark.slow

SKIPPED = ("T-08",)  # skipped before the start: nobody may ever get it


def addressed_to(team: str, envelope: dict) -> bool:
    to = envelope["data"]["to"]
    return to == "all" or team in to


@pytest.fixture
def drill(server):
    """A controller with a token and a draft relay drill whose T-08 was skipped."""
    login = requests.post(f"{server.url}/api/v1/auth/token", timeout=10,
                          json={"username": CONTROLLER, "password": CONTROLLER_PASSWORD})
    assert login.status_code == 200, login.text
    token = login.json()["token"]
    api = Api(server.url, token)
    exercise = api.call("POST", "/exercises", expect=201, json={"name": "End to end", "scenario": SCENARIO})
    for key in SKIPPED:
        assert api.call("POST", f"/exercises/{exercise['id']}/injects/{key}/skip")["status"] == "skipped"
    return api, token, exercise


def test_a_drill_end_to_end(server, drill):
    api, staff_token, exercise = drill
    ex_id = exercise["id"]
    codes = {t["key"]: t["join_code"] for t in exercise["teams"]}
    expected = {team: addressed(team, SKIPPED) for team in TEAMS}
    all_timed = [k for k in inject_ids() if k not in SKIPPED]

    # Tablets join over HTTP and connect; `ems_b` is a second EMS tablet that will drop off.
    team_of = {"ic": "ic", "fire": "fire", "ems": "ems", "ems_b": "ems"}
    tokens = {}
    for name, team in team_of.items():
        joined = requests.post(f"{server.url}/api/v1/join", json={"code": codes[team], "name": f"Tablet {name}"},
                               timeout=10)
        assert joined.status_code == 201, joined.text
        assert joined.json()["exercise_id"] == ex_id and joined.json()["team"]["key"] == team
        tokens[name] = joined.json()["token"]
    tablets = {name: Tablet(server.url, token, name).connect() for name, token in tokens.items()}
    ic, fire, ems, ems_b = (tablets[n] for n in ("ic", "fire", "ems", "ems_b"))
    controller = Tablet(server.url, staff_token, "controller").connect()
    clients = [*tablets.values(), controller]
    try:
        baseline = {}  # the last seq in each tablet's connect snapshot: all later ones must come live
        for name, tablet in tablets.items():
            state = wait_until(lambda: tablet.states, f"{name} got its state")[0]
            assert state["you"]["team"]["key"] == team_of[name]
            assert state["exercise"]["injects"] == []  # nothing released yet
            baseline[name] = state["exercise"]["last_seq"]
        watch = controller.call("watch", {"exercise_id": ex_id})
        assert watch["ok"] is True, watch
        head_before_start = watch["last_seq"]
        assert wait_until(lambda: controller.states, "the controller got its state")[0]["exercise"]["id"] == ex_id

        api.call("POST", f"/exercises/{ex_id}/start")
        assert api.call("PATCH", f"/exercises/{ex_id}", json={"speed": 120})["clock"]["speed"] == 120

        # Actions while the clock releases injects; a resend of the same client_id is a duplicate.
        wait_until(lambda: ic.released(), "ic got its first inject")
        first = ic.call("log_action", {"client_id": "ic-tablet-0001", "step": "IC-01", "text": "Command assumed"})
        again = ic.call("log_action", {"client_id": "ic-tablet-0001", "step": "IC-01", "text": "Command assumed"})
        assert first["ok"] is True and first["duplicate"] is False, first
        assert again["ok"] is True and again["duplicate"] is True and again["seq"] == first["seq"], again
        noted = fire.call("log_action", {"client_id": "fire-tablet-0001", "text": "Crews staged upwind"})
        assert noted["ok"] is True and noted["duplicate"] is False, noted

        # ems_b drops off after its first inject and comes back after two more went out.
        wait_until(lambda: ems_b.released(), "ems_b got its first inject")
        ems_b.sio.disconnect()
        before_drop = ems_b.received()
        last_seen = before_drop[-1]["seq"]
        wait_until(lambda: sum(1 for e in controller.received() if e["type"] == "inject.released"
                               and e["seq"] > last_seen and addressed_to("ems", e)) >= 2,
                   "two more EMS injects were released while ems_b was away")
        ems_b_again = Tablet(server.url, tokens["ems_b"], "ems_b again").connect()
        clients.append(ems_b_again)
        sync = ems_b_again.call("sync", {"since": last_seen})
        assert sync["ok"] is True and sync["complete"] is True, sync
        caught_up = sync["events"]
        assert [e["seq"] for e in caught_up] == sorted({e["seq"] for e in caught_up})
        assert caught_up[0]["seq"] > last_seen
        assert sum(1 for e in caught_up if e["type"] == "inject.released") >= 2
        since_before_first = ems_b_again.call("sync", {"since": caught_up[0]["seq"] - 1})["events"]
        assert since_before_first[:len(caught_up)] == caught_up  # `since` is the last seq seen, not included

        # Every timed inject that was not skipped comes out.
        wait_until(lambda: len(controller.released()) >= len(all_timed), "every timed inject was released")
        for name in ("ic", "fire", "ems"):
            wait_until(lambda: len(tablets[name].released()) >= len(expected[team_of[name]]),
                       f"{name} got all its injects")

        # Teams acknowledge what they got; a second acknowledgement is harmless.
        acks = {}
        for name in ("ic", "fire", "ems"):
            for key in tablets[name].released():
                answer = tablets[name].call("ack_inject", {"inject_id": key})
                assert answer["ok"] is True and answer["duplicate"] is False, answer
                acks[(team_of[name], key)] = answer["seq"]
        repeat = ic.call("ack_inject", {"inject_id": expected["ic"][0]})
        assert repeat["ok"] is True and repeat["duplicate"] is True
        refused = ic.call("ack_inject", {"inject_id": expected["ems"][1]})  # not addressed to ic
        assert refused["ok"] is False and refused["error"]["code"] == "not_found"

        api.call("POST", f"/exercises/{ex_id}/end")
        log = api.call("GET", f"/exercises/{ex_id}/events", params={"since": 0, "limit": 10000})
        head = log[-1]["seq"]
        # What each team may see, as the server's catch-up says: live delivery must match it.
        visible = {}
        for name in ("ic", "fire", "ems"):
            answer = tablets[name].call("sync", {"since": 0})
            assert answer["ok"] is True and answer["complete"] is True
            visible[team_of[name]] = answer["events"]
        for name in ("ic", "fire", "ems"):
            due = {e["seq"] for e in visible[team_of[name]] if e["seq"] > baseline[name]}
            wait_until(lambda: tablets[name].seqs() >= due, f"{name} got every event it may see")
        ems_b_due = {e["seq"] for e in visible["ems"] if e["seq"] > baseline["ems_b"]}
        wait_until(lambda: {e["seq"] for e in before_drop + caught_up} | ems_b_again.seqs() >= ems_b_due,
                   "ems_b has, live or through sync, every EMS event")
        wait_until(lambda: controller.seqs() >= set(range(head_before_start + 1, head + 1)),
                   "the controller got the whole log")
    finally:
        for client in clients:
            client.sio.disconnect()

    # The log: gapless, the chain verifies.
    assert [e["seq"] for e in log] == list(range(1, head + 1))
    audit = api.call("GET", f"/exercises/{ex_id}/audit")
    assert audit["ok"] is True and audit["events"] == head, audit
    by_seq = {e["seq"]: {k: v for k, v in e.items() if k not in ("actor", "hash")} for e in log}

    # The controller saw every event after it started watching, once each, as the log has it.
    assert controller.received() == [by_seq[s] for s in range(head_before_start + 1, head + 1)]
    assert controller.released() == all_timed

    # Each team got exactly what it may see, once: its injects in schedule order and nothing else.
    for name in ("ic", "fire", "ems"):
        team, got = team_of[name], tablets[name].received()
        assert got == [e for e in visible[team] if e["seq"] > baseline[name]], name
        assert [e["data"]["id"] for e in visible[team] if e["type"] == "inject.released"] == expected[team]
        assert all(e == by_seq[e["seq"]] for e in visible[team])
        assert all(e["team"] in (None, team) for e in visible[team])
        assert not {e["type"] for e in visible[team]} & {"inject.skipped", "inject.held", "exercise.created"}

    # The tablet that dropped off: its sync was exactly what it had missed, and in the end it has
    # what the EMS tablet that stayed online has.
    ems_view = [e for e in visible["ems"] if e["seq"] > baseline["ems_b"]]
    assert caught_up == [e for e in ems_view if last_seen < e["seq"] <= caught_up[-1]["seq"]]
    merged = {e["seq"]: e for e in before_drop + caught_up + ems_b_again.received()}
    assert [merged[s] for s in sorted(merged)] == ems_view
    assert [merged[s]["data"]["id"] for s in sorted(merged) if merged[s]["type"] == "inject.released"] == \
        expected["ems"]
    assert len({e["seq"] for e in before_drop}) == len(before_drop)
    assert len({e["seq"] for e in ems_b_again.received()}) == len(ems_b_again.received())

    # Acknowledgements and actions are in the log, each once.
    assert len(acks) == sum(len(expected[t]) for t in TEAMS)
    for (team, key), seq in acks.items():
        event = by_seq[seq]
        assert event["type"] == "inject.acknowledged" and event["team"] == team and event["data"]["inject_id"] == key
    logged = [e for e in log if e["type"] == "action.logged"]
    assert [e["data"]["action"]["client_id"] for e in logged] == ["ic-tablet-0001", "fire-tablet-0001"]
    assert logged[0]["seq"] == first["seq"] and logged[0]["team"] == "ic"
    assert logged[0]["data"]["action"]["step"] == "IC-01"
    assert logged[1]["seq"] == noted["seq"] and logged[1]["team"] == "fire"


def test_a_second_server_on_a_busy_port_refuses_to_start(server):
    """eventlet listens with SO_REUSEPORT: without a check, both would serve and split the clients."""
    second = subprocess.run([sys.executable, "wsgi.py", "--port", str(server.port)], cwd=REPO_ROOT, env=server.env,
                            capture_output=True, text=True, timeout=30)
    assert second.returncode != 0
    assert "already in use" in second.stderr
