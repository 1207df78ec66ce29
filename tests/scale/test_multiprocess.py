"""Two server processes sharing PostgreSQL and a (private) Redis message queue, with tablets and a
controller on each: exactly-once release and delivery, a gapless seq under concurrent writers on
both processes, and live delivery that comes back after Redis is restarted under the exercise."""
import threading
from collections import Counter

import pytest

from ..realtime.drill_library import SCENARIO, inject_ids
from .cluster import Api, Tablet, assert_gapless, join, released_counts, stripped, wait_until
from .conftest import controller_token, create_controller, together

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

ACTIONS_PER_TABLET = 8
SHARED_CLIENT_ID = "shared-ems-0001"  # sent by both EMS tablets, one on each process


@pytest.fixture
def cluster(postgres_url, private_redis, make_server):
    """Two processes on one PostgreSQL database and one Redis; migrated once."""
    env = {"CORDON_DATABASE_URL": postgres_url, "CORDON_MESSAGE_QUEUE": private_redis.url}
    first, second = make_server("server-a", env=env, start=False), make_server("server-b", env=env, start=False)
    first.flask("db", "upgrade")
    together(lambda: first.start(migrate=False), lambda: second.start(migrate=False),
             lambda: create_controller(first))
    return first, second, controller_token(first)


def connect_drill(a, b, token, *, name: str, speed: float = 1):
    """An exercise; ic on a, fire on b, an EMS tablet on each, a controller watching on each."""
    exercise = Api(a.url, token).call("POST", "/exercises", expect=201,
                                      json={"name": name, "scenario": SCENARIO, "speed": speed})
    codes = {t["key"]: t["join_code"] for t in exercise["teams"]}
    placement = {"ic": ("ic", a), "fire": ("fire", b), "ems-a": ("ems", a), "ems-b": ("ems", b)}
    team_of = {name: team for name, (team, _) in placement.items()}
    tablets = {name: Tablet(live.url, join(live.url, codes[team], name), name)
               for name, (team, live) in placement.items()}
    controllers = {"ctl-a": Tablet(a.url, token, "ctl-a"), "ctl-b": Tablet(b.url, token, "ctl-b")}
    for client in [*tablets.values(), *controllers.values()]:
        client.connect()
    baseline = {name: wait_until(lambda: t.states, f"{name} got its state")[0]["exercise"]["last_seq"]
                for name, t in tablets.items()}
    for name, controller in controllers.items():
        watch = controller.call("watch", {"exercise_id": exercise["id"]})
        assert watch["ok"] is True, watch
        baseline[name] = watch["last_seq"]
    return exercise["id"], team_of, tablets, controllers, baseline


def disconnect(*groups):
    for group in groups:
        for client in group.values():
            client.sio.disconnect()


def test_two_processes_release_each_inject_once_and_deliver_it_everywhere(cluster):
    a, b, token = cluster
    api_a, api_b = Api(a.url, token), Api(b.url, token)
    ex_id, team_of, tablets, controllers, baseline = connect_drill(a, b, token, name="Two processes")
    timed = inject_ids()
    answers: dict[str, list[dict]] = {name: [] for name in tablets}
    try:
        api_b.call("POST", f"/exercises/{ex_id}/start")
        assert api_a.call("PATCH", f"/exercises/{ex_id}", json={"speed": 120})["clock"]["speed"] == 120

        # Every tablet logs actions at once, on both processes, while both schedulers release.
        def log_actions(name):
            tablet = tablets[name]
            for n in range(ACTIONS_PER_TABLET):
                action = {"client_id": f"{name}-action-{n:03d}", "text": f"{name} {n}"}
                answers[name].append(tablet.call("log_action", action))
            if team_of[name] == "ems":
                answers[name].append(tablet.call("log_action", {"client_id": SHARED_CLIENT_ID, "text": "both"}))

        writers = [threading.Thread(target=log_actions, args=(name,)) for name in tablets]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join(timeout=60)
        for name, controller in controllers.items():
            wait_until(lambda: len(controller.released()) >= len(timed), f"{name} saw every timed inject")
        api_b.call("POST", f"/exercises/{ex_id}/injects/R-01/release")
        api_a.call("POST", f"/exercises/{ex_id}/end")

        log = api_b.call("GET", f"/exercises/{ex_id}/events", params={"since": 0, "limit": 10000})
        head = log[-1]["seq"]
        assert log[-1]["type"] == "exercise.ended"
        # What each tablet may see, asked on its own process: both processes must agree.
        visible = {name: tablet.call("sync", {"since": 0}) for name, tablet in tablets.items()}
        assert all(v["ok"] and v["complete"] for v in visible.values()), visible
        assert visible["ems-a"]["events"] == visible["ems-b"]["events"]
        for name, tablet in tablets.items():
            due = {e["seq"] for e in visible[name]["events"] if e["seq"] > baseline[name]}
            wait_until(lambda: tablet.seqs() >= due, f"{name} got every event it may see")
        for name, controller in controllers.items():
            wait_until(lambda: controller.seqs() >= set(range(baseline[name] + 1, head + 1)),
                       f"{name} got the whole log")
    finally:
        disconnect(tablets, controllers)

    # Released exactly once (whichever process's scheduler won), seq gapless, chain verified.
    assert_gapless(log)
    assert released_counts(log) == Counter(timed + ["R-01"])
    audit = api_a.call("GET", f"/exercises/{ex_id}/audit")
    assert audit["ok"] is True and audit["events"] == head, audit
    by_seq = {e["seq"]: stripped(e) for e in log}

    # Delivered once to every addressed client, on both processes, and nothing else.
    for name, controller in controllers.items():
        assert controller.received() == [by_seq[s] for s in range(baseline[name] + 1, head + 1)], name
    for name, tablet in tablets.items():
        expected = [e for e in visible[name]["events"] if e["seq"] > baseline[name]]
        assert tablet.received() == expected, name
        assert all(e == by_seq[e["seq"]] for e in expected)
        assert {e["data"]["id"] for e in expected if e["type"] == "inject.released"} >= {"R-01"}

    # Concurrent actions from both processes: each once, with the seq its sender was told.
    assert all(answer["ok"] for group in answers.values() for answer in group), answers
    logged = {e["data"]["action"]["client_id"]: e["seq"] for e in log if e["type"] == "action.logged"}
    assert Counter(e["data"]["action"]["client_id"] for e in log if e["type"] == "action.logged") == \
        Counter(list(logged))
    for name, group in answers.items():
        for n, answer in enumerate(group[:ACTIONS_PER_TABLET]):
            assert answer["duplicate"] is False and logged[f"{name}-action-{n:03d}"] == answer["seq"]
    shared = [answers["ems-a"][-1], answers["ems-b"][-1]]
    assert sorted(s["duplicate"] for s in shared) == [False, True]
    assert {s["seq"] for s in shared} == {logged[SHARED_CLIENT_ID]}
    assert len(logged) == len(tablets) * ACTIONS_PER_TABLET + 1


def test_live_delivery_resumes_after_redis_restarts(cluster, private_redis):
    a, b, token = cluster
    api_a, api_b = Api(a.url, token), Api(b.url, token)
    # At 0.1x the first timed inject is 300 s of real time away: only what the test sends happens.
    ex_id, team_of, tablets, controllers, baseline = connect_drill(a, b, token, name="Redis restart", speed=0.1)
    clients = {**tablets, **controllers}

    def adhoc(api: Api, title: str) -> int:
        """An ad-hoc inject to every team, released at once; returns its seq."""
        api.call("POST", f"/exercises/{ex_id}/injects", expect=201, json={"title": title, "body": title, "to": "all"})
        return max(e["seq"] for e in api.call("GET", f"/exercises/{ex_id}/events",
                                             params={"since": 0, "limit": 10000, "type": "inject.released"})
                   if e["data"]["title"] == title)

    def got(client: Tablet, seq: int) -> bool:
        return seq in client.seqs()

    try:
        api_a.call("POST", f"/exercises/{ex_id}/start")
        before = adhoc(api_a, "Before the outage")
        for name, client in clients.items():
            wait_until(lambda: got(client, before), f"{name} got the inject sent before the outage")
        seen = {name: max(client.seqs()) for name, client in clients.items()}

        private_redis.kill()
        during = adhoc(api_a, "During the outage")  # the API works without Redis
        noted = tablets["fire"].call("log_action", {"client_id": "fire-outage-0001", "text": "while Redis is down"})
        assert noted["ok"] is True and noted["duplicate"] is False, noted

        # Keep Redis down until both processes have noticed (their subscriber lost its connection).
        for live in (a, b):
            wait_until(lambda: "Cannot receive from redis" in live.log.read_text(errors="replace"),
                       f"{live.url} noticed that Redis went away")
        private_redis.start()
        # Each process resubscribes on its own (python-socketio backs off 1, 2, 4 s): probe both ways.
        for sender, api, receiver in (("a", api_a, "fire"), ("b", api_b, "ems-a")):
            probes = []

            def delivered():
                probes.append(adhoc(api, f"Probe from {sender} {len(probes)}"))
                return wait_or_false(lambda: any(got(tablets[receiver], p) for p in probes), 1.0)

            wait_until(delivered, f"an inject sent on server {sender} reached {receiver} on the other process",
                       timeout_s=40)
        # From now on every event reaches every client on both processes, live.
        after_a, after_b = adhoc(api_a, "After the outage (a)"), adhoc(api_b, "After the outage (b)")
        for name, client in clients.items():
            wait_until(lambda: got(client, after_a) and got(client, after_b), f"{name} got both injects sent after")

        # Catch-up: `sync` from the last seq seen before the outage fills in exactly what was missed.
        for name, client in clients.items():
            caught = client.call("sync", {"since": seen[name]})
            assert caught["ok"] is True and caught["complete"] is True, caught
            full = client.call("sync", {"since": baseline[name]})["events"]
            assert caught["events"] == [e for e in full if e["seq"] > seen[name]]
            assert during in {e["seq"] for e in caught["events"]}, name
            merged = {e["seq"]: e for e in client.received() + caught["events"]}
            assert [merged[s] for s in sorted(merged)] == full, name
            assert len(client.seqs()) == len(client.received()), f"{name} got an event twice"
        assert noted["seq"] in {e["seq"] for e in tablets["fire"].call("sync", {"since": seen["fire"]})["events"]}
    finally:
        disconnect(clients)
    log = api_a.call("GET", f"/exercises/{ex_id}/events", params={"since": 0, "limit": 10000})
    assert_gapless(log)
    assert api_b.call("GET", f"/exercises/{ex_id}/audit")["ok"] is True


def wait_or_false(condition, timeout_s: float) -> bool:
    try:
        return bool(wait_until(condition, "", timeout_s=timeout_s))
    except AssertionError:
        return False
