"""Factories for tests: staff users and tokens, exercises from the fixture library, team tablets, a clock."""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from app.extensions import db
from app.models import User
from app.services.accounts import issue_api_token
from app.services.exercises import create_exercise
from app.services.participation import join_team

FIXTURE_LIBRARY = Path(__file__).parent / "fixtures" / "library"
# A library whose scenario has a site plan, sources and spatial rules (the zone tests).
ZONES_LIBRARY = Path(__file__).parent / "fixtures" / "zones"
PASSWORD = "correct horse battery"


class FakeClock:
    """An injectable wall clock: tests move time by hand instead of sleeping."""

    def __init__(self, start: datetime | None = None):
        self.now = start or datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def audit_key_pem() -> str:
    """A new Ed25519 private key in PEM, as CORDON_AUDIT_KEY takes it."""
    return Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()


def gen_user(username: str = "ctl", role: str = "controller") -> User:
    user = User(username=username, role=role)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


def token_for(user: User) -> str:
    token = issue_api_token(user)
    db.session.commit()
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def gen_exercise(scenario: str = "mini-drill", name: str = "Drill", creator: User | None = None, **kwargs):
    exercise = create_exercise(name=name, scenario_id=scenario, created_by=creator, **kwargs)
    db.session.commit()
    return exercise


@dataclass
class Tablet:
    participant_id: int
    token: str
    team: str
    exercise_id: int


def gen_tablet(exercise, team_key: str, name: str = "Alex") -> Tablet:
    joined = join_team(exercise.team(team_key).join_code, name)
    db.session.commit()
    return Tablet(joined.participant.id, joined.token, team_key, exercise.id)
