"""Helpers shared by the scale tests: joining tablets, what each team may see, log checks."""
from collections import Counter

import requests

from ..live_server import Api, Tablet, wait_until

__all__ = ["Api", "Tablet", "wait_until", "join", "released_counts", "stripped", "assert_gapless"]


def join(url: str, code: str, name: str) -> str:
    """A tablet joins its team with the join code; returns its participant token."""
    answer = requests.post(f"{url}/api/v1/join", json={"code": code, "name": name}, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()["token"]


def released_counts(log: list[dict]) -> Counter:
    return Counter(e["data"]["id"] for e in log if e["type"] == "inject.released")


def assert_gapless(log: list[dict]) -> None:
    assert [e["seq"] for e in log] == list(range(1, len(log) + 1)), "the event log has a gap or a repeat"


def stripped(event: dict) -> dict:
    """An event from GET /events as clients get it (without actor and hash)."""
    return {k: v for k, v in event.items() if k not in ("actor", "hash")}
