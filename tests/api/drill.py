"""A drill to test who may do what: two exercises, staff of every role and tablets of three teams.

Exercise `ex` (mini-drill) runs; at 250 s I-01 (all), I-02 (ic), I-03 (fire) and I-04 (ems)
are out, R-01 (reserve) and C-01 (contingency) are not. The `team` tablet is on fire, the
`other_team` tablet on ems, and the `elsewhere` tablet on fire of a second exercise (also running).
"""
import re
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from werkzeug.security import generate_password_hash

from app.extensions import db, limiter, socketio
from app.models import Event, User
from app.services import lifecycle
from app.services.events import visible_to_team
from app.services.scheduler import run_once

from ..helpers import PASSWORD, FakeClock, gen_exercise, gen_tablet, token_for

# Who asks, in the order the authorization tables list them.
ROLES = ("anonymous", "team", "other_team", "elsewhere", "evaluator", "controller", "admin")
TEAM_ROLES = ("team", "other_team", "elsewhere")
STAFF_ROLES = ("evaluator", "controller", "admin")
TEAM_OF = {"team": "fire", "other_team": "ems", "elsewhere": "fire"}

# Hashing a password takes 0.1 s on purpose; the drill's staff share one hash.
_PASSWORD_HASH = generate_password_hash(PASSWORD)


@dataclass
class Drill:
    ex: int
    other_ex: int
    tokens: dict[str, str | None]


def build_drill(app: Flask, clock: FakeClock, snapshot=lambda state: None) -> Drill:
    """Staff of every role, two exercises and three tablets; `snapshot(state)` is called with the
    world in each state: "draft", then "running" (at 250 s), then "paused"."""
    staff = {}
    for username, role in (("adm", "admin"), ("ctl", "controller"), ("eva", "evaluator")):
        staff[role] = User(username=username, role=role, password_hash=_PASSWORD_HASH)
        db.session.add(staff[role])
    db.session.commit()
    exercise = gen_exercise(name="Market drill", creator=staff["controller"])
    other = gen_exercise(name="Port drill", creator=staff["controller"])
    tablets = {"team": gen_tablet(exercise, "fire", "Fiona"), "other_team": gen_tablet(exercise, "ems", "Emil"),
               "elsewhere": gen_tablet(other, "fire", "Otto")}
    tokens = {"anonymous": None} | {role: token_for(user) for role, user in staff.items()} | {
        role: tablet.token for role, tablet in tablets.items()}
    snapshot("draft")
    lifecycle.start_exercise(exercise.id, "ctl")
    lifecycle.start_exercise(other.id, "ctl")
    db.session.commit()
    clock.advance(250)
    run_once(app)
    snapshot("running")
    lifecycle.pause_exercise(exercise.id, "ctl")
    db.session.commit()
    snapshot("paused")
    return Drill(ex=exercise.id, other_ex=other.id, tokens=tokens)


@dataclass
class DrillRunner:
    """The drill's app, clock, HTTP client and ids, and a way back to a saved state."""

    app: Flask
    clock: FakeClock
    drill: Drill
    snapshots: dict[str, Any]
    sockets: list = field(default_factory=list)

    def __post_init__(self):
        self.client = self.app.test_client()

    @property
    def ex(self) -> int:
        return self.drill.ex

    @property
    def other_ex(self) -> int:
        return self.drill.other_ex

    def token(self, role: str) -> str | None:
        return self.drill.tokens[role]

    def headers(self, role: str) -> dict[str, str]:
        token = self.drill.tokens[role]
        return {"Authorization": f"Bearer {token}"} if token else {}

    def restore(self, state: str = "running") -> "DrillRunner":
        """Put the database and the clock back as they were in `state`."""
        copy, now = self.snapshots[state]
        db.session.remove()
        raw = db.engine.raw_connection()
        try:
            copy.backup(raw.driver_connection)
        finally:
            raw.close()
        self.clock.now = now
        self.client = self.app.test_client()
        limiter.reset()  # join and sign-in are rate-limited
        return self

    def socket(self, role: str | None = None, auth: Any = ...):
        """A Socket.IO test client connecting with the role's token (or with `auth` as given)."""
        if auth is ...:
            token = self.drill.tokens[role] if role else None
            auth = {"token": token} if token else None
        sio = socketio.test_client(self.app, auth=auth, flask_test_client=self.client)
        self.sockets.append(sio)
        return sio

    def watching(self, role: str):
        """A connected client of `role`; staff have watched `ex`. Received messages are cleared."""
        sio = self.socket(role)
        if role in STAFF_ROLES:
            ack = sio.emit("watch", {"exercise_id": self.ex}, callback=True)
            assert ack["ok"] is True, ack
        sio.get_received()
        return sio

    def close_sockets(self) -> None:
        for sio in self.sockets:
            if sio.is_connected():
                sio.disconnect()
        self.sockets.clear()


def staff_user(username: str) -> User:
    return db.session.scalars(db.select(User).filter_by(username=username)).one()


# What fills a rule's placeholders by default: the drill's ids and names.
URL_VALUES = {"<inject_id>": "R-01", "<team_key>": "fire", "<scenario_id>": "mini-drill", "<sop_id>": "mini-sop",
              "<objective_id>": "OBJ-1", "<int:observation_id>": "1", "<int:action_id>": "1",
              "<section>": "executive_summary", "<key>": "mini-drill", "<int:number>": "1",
              "<zone_id>": "Z1", "<path:name>": "uploaded/none.svg"}


def fill_rule(rule: str, drill: "DrillRunner", more: dict[str, str] | None = None) -> str:
    """A URL from a url_map rule: `more`, else the drill's values, else a download's first format."""
    values = {"<int:exercise_id>": str(drill.ex)} | URL_VALUES | (more or {})

    def fill(match: re.Match) -> str:
        placeholder = match.group(0)
        return values.get(placeholder) or re.match(r"<any\((\w+)", placeholder).group(1)

    return re.sub(r"<[^>]+>", fill, rule)


def received_events(sio) -> list[dict]:
    """The `event` envelopes a socket client received since the last call."""
    return [message["args"][0] for message in sio.get_received() if message["name"] == "event"]


def visible_seqs(exercise_id: int, team_key: str | None) -> list[int]:
    """The seqs of the events table a team (or staff, for None) may see, in order."""
    events = db.session.scalars(db.select(Event).where(Event.exercise_id == exercise_id).order_by(Event.seq))
    return [ev.seq for ev in events if team_key is None or visible_to_team(ev, team_key)]
