"""kill -9 of the server mid-exercise (SQLite, the embedded setup), restart on the same port: the
clock goes on as if nothing happened, injects due during the outage are released once (delayed),
tablets reconnect and catch up with `sync`, and actions queued offline arrive exactly once."""
import time
from collections import Counter

import pytest

from app.services.injects import DELAY_TOLERANCE

from ..realtime.drill_library import INTERVAL_S, SCENARIO, TEAMS, addressed, inject_ids
from .cluster import Api, Tablet, assert_gapless, join, released_counts, wait_until
from .conftest import controller_token, create_controller, together

pytestmark = pytest.mark.slow

SPEED = 30  # a timed inject every second of real time; the last one 16 s after the start
QUEUED_PER_TABLET = 3


def due_wall(at_s: float, started: float) -> float:
    return started + at_s / SPEED


def test_a_server_killed_mid_exercise_resumes_where_it_was(make_server):
    live = make_server("server", start=False)
    live.flask("db", "upgrade")
    together(lambda: live.start(migrate=False), lambda: create_controller(live))
    token = controller_token(live)
    api = Api(live.url, token)
    exercise = api.call("POST", "/exercises", expect=201, json={"name": "Crash", "scenario": SCENARIO, "speed": SPEED})
    ex_id = exercise["id"]
    codes = {t["key"]: t["join_code"] for t in exercise["teams"]}
    tablets = {team: Tablet(live.url, join(live.url, codes[team], f"Tablet {team}"), team).connect() for team in TEAMS}
    controller = Tablet(live.url, token, "controller").connect()
    clients = [*tablets.values(), controller]
    timed = inject_ids()
    try:
        baseline = {team: wait_until(lambda: t.states, f"{team} got its state")[0]["exercise"]["last_seq"]
                    for team, t in tablets.items()}
        baseline["controller"] = controller.call("watch", {"exercise_id": ex_id})["last_seq"]

        before_start = time.time()
        api.call("POST", f"/exercises/{ex_id}/start")
        after_start = time.time()
        wait_until(lambda: len(controller.released()) >= 2, "two injects were released")
        released_before = set(controller.released())

        live.kill()
        killed_at = time.time()
        wait_until(lambda: not any(c.sio.connected for c in clients), "every client saw the server go away")
        last_seen = {team: max(t.seqs(), default=baseline[team]) for team, t in tablets.items()}
        last_seen["controller"] = max(controller.seqs())
        # Offline, tablets keep what they log (with its client_id) to send when back.
        queued = {team: [{"client_id": f"{team}-offline-{n:03d}", "text": f"offline note {n}"}
                         for n in range(QUEUED_PER_TABLET)] for team in TEAMS}
        # Stay down until an inject that fell due during the outage is overdue by more than the tolerance.
        first_missed = min(at for at in (INTERVAL_S * (n + 1) for n in range(len(timed)))
                           if due_wall(at, before_start) > killed_at)
        overdue_from = due_wall(first_missed, after_start) + DELAY_TOLERANCE.total_seconds() + 0.5
        wait_until(lambda: time.time() > overdue_from, "an inject due in the outage is overdue", timeout_s=30)

        restart_began = time.time()
        live.start(migrate=False)
        restarted_at = time.time()

        # The clock: elapsed is continuous with real time x speed (nothing lost to the outage).
        asked = time.time()
        clock = api.call("GET", f"/exercises/{ex_id}")["clock"]
        answered = time.time()
        assert clock["status"] == "running" and clock["speed"] == SPEED
        low, high = (asked - after_start) * SPEED, (answered - before_start) * SPEED
        assert low - 0.5 * SPEED <= clock["elapsed_s"] <= high + 0.5 * SPEED, (clock, low, high)

        # Reconnect, catch up from the last seq seen, then send what was queued (and one twice).
        caught, sent = {}, {}
        for team, tablet in tablets.items():
            tablet.connect()
            caught[team] = tablet.call("sync", {"since": last_seen[team]})
            sent[team] = [tablet.call("log_action", action) for action in queued[team]]
            sent[team].append(tablet.call("log_action", queued[team][0]))
        controller.connect()
        assert controller.call("watch", {"exercise_id": ex_id})["ok"] is True
        caught["controller"] = controller.call("sync", {"since": last_seen["controller"]})

        wait_until(lambda: set(controller.released()) | {e["data"]["id"] for e in caught["controller"]["events"]
                                                         if e["type"] == "inject.released"} >= set(timed),
                   "every timed inject was released", timeout_s=30)
        api.call("POST", f"/exercises/{ex_id}/end")
        log = api.call("GET", f"/exercises/{ex_id}/events", params={"since": 0, "limit": 10000})
        head = log[-1]["seq"]
        views = {team: tablet.call("sync", {"since": baseline[team]})["events"] for team, tablet in tablets.items()}
        views["controller"] = controller.call("sync", {"since": baseline["controller"]})["events"]
        for team, tablet in tablets.items():
            wait_until(lambda: tablet.seqs() | {e["seq"] for e in caught[team]["events"]} >=
                       {e["seq"] for e in views[team]}, f"{team} has every event it may see")
        injects = {i["id"]: i for i in api.call("GET", f"/exercises/{ex_id}")["injects"]}
    finally:
        for client in clients:
            client.sio.disconnect()

    # Every inject released exactly once; the log is whole and verifies.
    assert_gapless(log)
    assert released_counts(log) == Counter(timed)
    assert all(injects[key]["status"] == "released" for key in timed)
    audit = api.call("GET", f"/exercises/{ex_id}/audit")
    assert audit["ok"] is True and audit["events"] == head, audit

    # Delayed: those released before the crash are not; those that fell due during the outage
    # (more than the tolerance before the restart) are; those due well after the restart are not.
    tolerance = DELAY_TOLERANCE.total_seconds()
    for key, at in zip(timed, (INTERVAL_S * (n + 1) for n in range(len(timed)))):
        if key in released_before:
            assert injects[key]["delayed"] is False, key
        elif due_wall(at, before_start) > killed_at and due_wall(at, after_start) < restart_began - tolerance - 0.5:
            assert injects[key]["delayed"] is True, key
        elif due_wall(at, before_start) > restarted_at + 1:
            assert injects[key]["delayed"] is False, key
    missed = [k for k, at in zip(timed, (INTERVAL_S * (n + 1) for n in range(len(timed))))
              if due_wall(at, before_start) > killed_at and due_wall(at, after_start) < restart_began - tolerance - 0.5]
    assert missed, "the outage was meant to cover at least one due inject"

    # Catch-up: each client's sync was exactly what it missed; with what came live, it has it all, once.
    for name in [*TEAMS, "controller"]:
        client = controller if name == "controller" else tablets[name]
        answer = caught[name]
        assert answer["ok"] is True and answer["complete"] is True, answer
        got = answer["events"]
        assert got and got[0]["seq"] > last_seen[name]
        assert got == [e for e in views[name] if last_seen[name] < e["seq"] <= got[-1]["seq"]], name
        assert len(client.seqs()) == len(client.received()), f"{name} got an event twice"
        merged = {e["seq"]: e for e in client.received() + got}
        if name != "controller":
            assert [merged[s] for s in sorted(merged)] == views[name], name
        assert {e["data"]["id"] for e in got if e["type"] == "inject.released"} >= \
            {k for k in missed if name == "controller" or k in addressed(name)}, name

    # Queued actions: each arrived once; the resend was recognised as a duplicate.
    logged = Counter(e["data"]["action"]["client_id"] for e in log if e["type"] == "action.logged")
    for team in TEAMS:
        first, *rest, resend = sent[team]
        assert all(a["ok"] and a["duplicate"] is False for a in [first, *rest]), sent[team]
        assert resend["ok"] is True and resend["duplicate"] is True and resend["seq"] == first["seq"], resend
        assert all(logged[a["client_id"]] == 1 for a in queued[team])
    assert sum(logged.values()) == len(TEAMS) * QUEUED_PER_TABLET
