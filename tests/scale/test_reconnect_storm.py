"""500 tablets drop off and come back at the same moment (the room's Wi-Fi access point rebooted):
every one reconnects, gets its snapshot and, through `sync`, exactly its team's events.

The bound here only keeps the test from hanging; how fast the storm is served is measured in bench/.
"""
import asyncio
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import socketio

from ..realtime.drill_library import SCENARIO, TEAMS
from .cluster import Api, join
from .conftest import controller_token, create_controller, together

pytestmark = pytest.mark.slow

CLIENTS = 500
BOUND_S = 120  # generous: a hang guard, not a performance target


class StormTablet:
    def __init__(self, url: str, token: str, team: str):
        self.url, self.token, self.team = url, token, team
        self.states = 0
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("state", self._on_state)

    async def _on_state(self, state):
        assert state["you"]["team"]["key"] == self.team
        self.states += 1

    async def connect(self):
        await self.sio.connect(self.url, auth={"token": self.token}, transports=["websocket"], wait_timeout=BOUND_S)

    async def reconnect_and_sync(self) -> dict:
        await self.connect()
        return await self.sio.call("sync", {"since": 0}, timeout=BOUND_S)


async def storm(tablets: list[StormTablet]) -> list:
    async def everyone(make):
        return await asyncio.wait_for(asyncio.gather(*(make(t) for t in tablets), return_exceptions=True), BOUND_S)

    connected = await everyone(lambda t: t.connect())
    assert not [c for c in connected if isinstance(c, BaseException)], Counter(repr(c) for c in connected)
    try:
        assert all(t.sio.connected for t in tablets)
        await everyone(lambda t: t.sio.disconnect())  # all drop off at once...
        assert not any(t.sio.connected for t in tablets)
        return await everyone(lambda t: t.reconnect_and_sync())  # ...and all come back at once
    finally:
        await asyncio.gather(*(t.sio.disconnect() for t in tablets), return_exceptions=True)


def test_500_tablets_reconnecting_at_once_are_all_served(make_server):
    live = make_server("server", env={"CORDON_JOIN_RATE_LIMIT": f"{10 * CLIENTS} per minute"}, start=False)
    live.flask("db", "upgrade")
    together(lambda: live.start(migrate=False), lambda: create_controller(live))
    api = Api(live.url, controller_token(live))
    # At 0.1x no timed inject falls due during the test: the events are the ones sent here.
    exercise = api.call("POST", "/exercises", expect=201, json={"name": "Storm", "scenario": SCENARIO, "speed": 0.1})
    ex_id = exercise["id"]
    codes = {t["key"]: t["join_code"] for t in exercise["teams"]}
    api.call("POST", f"/exercises/{ex_id}/start")
    api.call("POST", f"/exercises/{ex_id}/injects/R-01/release")
    fire_only = api.call("POST", f"/exercises/{ex_id}/injects", expect=201,
                         json={"title": "Fire only", "body": "For fire.", "to": ["fire"]})["id"]
    expected = {team: {"R-01", fire_only} if team == "fire" else {"R-01"} for team in TEAMS}

    teams = [TEAMS[n % len(TEAMS)] for n in range(CLIENTS)]
    with ThreadPoolExecutor(8) as pool:
        tokens = list(pool.map(lambda n: join(live.url, codes[teams[n]], f"Tablet {n}"), range(CLIENTS)))
    tablets = [StormTablet(live.url, token, team) for token, team in zip(tokens, teams)]

    results = asyncio.run(storm(tablets))

    failures = Counter(repr(r) for r in results if isinstance(r, BaseException) or not r.get("ok"))
    assert not failures, failures
    assert len(results) == CLIENTS
    assert all(t.states == 2 for t in tablets), Counter(t.states for t in tablets)  # a snapshot per connect
    by_team: dict[str, list] = {}
    for tablet, answer in zip(tablets, results):
        assert answer["complete"] is True
        released = {e["data"]["id"] for e in answer["events"] if e["type"] == "inject.released"}
        assert released == expected[tablet.team], (tablet.team, released)
        by_team.setdefault(tablet.team, []).append(answer["events"])
    for team, answers in by_team.items():  # every tablet of a team got the same catch-up
        assert all(a == answers[0] for a in answers), team
