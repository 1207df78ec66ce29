"""Join codes and passwords cannot be guessed at speed, yet a class of tablets behind one venue
address joins at once: failed attempts are limited tightly (per address, and for everyone
together), attempts in general generously; the page and the API count together."""
import re

import pytest

from app.extensions import db, limiter

from ..helpers import PASSWORD, gen_exercise, gen_user

VENUE = {"REMOTE_ADDR": "198.51.100.7"}


def join_api(client, code, name="Tablet", address=VENUE):
    return client.post("/api/v1/join", json={"code": code, "name": name}, environ_base=address).status_code


def join_page(client, code, name="Tablet", address=VENUE):
    return client.post("/join", data={"code": code, "name": name}, environ_base=address).status_code


@pytest.fixture
def no_csrf(library_app):
    library_app.config["WTF_CSRF_ENABLED"] = False
    return library_app


def test_two_hundred_tablets_behind_one_address_join_in_a_minute(library_app, client):
    exercise = gen_exercise()
    codes = [team.join_code for team in exercise.teams]
    answers = [join_api(client, codes[n % len(codes)], f"Tablet {n}") for n in range(200)]
    assert answers == [201] * 200
    # A few typos among them cost nothing to the others.
    assert [join_api(client, "TYPO-TYPO") for _ in range(3)] == [404] * 3
    assert join_api(client, codes[0], "Late tablet") == 201


def test_guessing_codes_from_one_address_is_stopped(library_app, client):
    real_code = gen_exercise().teams[0].join_code
    answers = [join_api(client, f"AAAA-{n:04d}") for n in range(35)]
    assert answers[:30] == [404] * 30 and set(answers[30:]) == {429}
    limited = client.post("/api/v1/join", json={"code": "AAAA-0000", "name": "Guesser"}, environ_base=VENUE)
    assert limited.get_json()["error"]["code"] == "rate_limited"
    # Once limited, even the right code is not tried: the answer tells a guesser nothing.
    assert join_api(client, real_code) == 429
    # Another address is not affected.
    assert join_api(client, real_code, address={"REMOTE_ADDR": "192.0.2.1"}) == 201


def test_the_join_page_and_the_api_share_one_counter(no_csrf, client):
    api = [join_api(client, f"BBBB-{n:04d}") for n in range(15)]
    page = [join_page(client, f"CCCC-{n:04d}") for n in range(15)]
    assert api == [404] * 15 and page == [422] * 15
    assert join_api(client, "DDDD-0000") == 429
    assert join_page(client, "DDDD-0000") == 429


def test_failed_joins_from_everywhere_together_are_capped(library_app, client):
    """Many addresses (a botnet, or IPv6 /64s) each below their own limit still meet one ceiling."""
    library_app.config["CORDON_JOIN_GLOBAL_FAILURE_LIMIT"] = "50 per hour"
    addresses = [{"REMOTE_ADDR": f"203.0.113.{n}"} for n in range(1, 11)]
    answers = [join_api(client, f"EEEE-{n:04d}", address=addresses[n % 10]) for n in range(50)]
    assert answers == [404] * 50
    assert {join_api(client, "FFFF-0000", address=address) for address in addresses} == {429}
    assert join_api(client, "FFFF-0000", address={"REMOTE_ADDR": "192.0.2.200"}) == 429


def test_an_ipv6_client_is_counted_by_its_64(library_app, client):
    for n in range(30):
        assert join_api(client, f"GGGG-{n:04d}", address={"REMOTE_ADDR": f"2001:db8:1:2::{n + 1:x}"}) == 404
    assert join_api(client, "GGGG-9999", address={"REMOTE_ADDR": "2001:db8:1:2:ffff::1"}) == 429
    assert join_api(client, "GGGG-9999", address={"REMOTE_ADDR": "2001:db8:1:3::1"}) == 404


def test_token_and_login_attempts_are_limited(no_csrf, client):
    gen_user("ctl", "controller")
    answers = [client.post("/api/v1/auth/token", json={"username": "ctl", "password": f"guess-{n}"}).status_code
               for n in range(12)]
    assert answers[:10] == [401] * 10 and set(answers[10:]) == {429}
    pages = [client.post("/login", data={"username": "ctl", "password": "nope"}).status_code for _ in range(3)]
    assert pages == [429] * 3  # one counter for the page and the API


def test_the_login_page_and_the_token_endpoint_share_one_counter(no_csrf, client):
    gen_user("ctl", "controller")
    pages = [client.post("/login", data={"username": "ctl", "password": f"guess-{n}"}).status_code
             for n in range(5)]
    api = [client.post("/api/v1/auth/token", json={"username": "nobody", "password": "x"}).status_code
           for _ in range(5)]
    assert pages == [401] * 5 and api == [401] * 5
    assert client.post("/api/v1/auth/token", json={"username": "ctl", "password": PASSWORD}).status_code == 429


def test_successful_sign_ins_are_not_counted(no_csrf, client):
    """Evaluators of one room signing in together, each with the right password."""
    gen_user("ctl", "controller")
    for _ in range(12):
        assert client.post("/api/v1/auth/token", json={"username": "ctl", "password": PASSWORD}).status_code == 200
    assert client.post("/login", data={"username": "ctl", "password": PASSWORD}).status_code == 302


@pytest.mark.redis
def test_counters_are_kept_in_redis_where_other_processes_read_them(redis_url, tmp_path):
    """With Redis as the limiter's storage, a second process reads the same counters."""
    import secrets

    from limits import parse
    from limits.storage import storage_from_string
    from limits.strategies import FixedWindowRateLimiter

    from app import create_app

    from ..conftest import TEST_SETTINGS

    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'r.db'}",
                      "RATELIMIT_STORAGE_URI": redis_url})
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    with app.app_context():
        db.create_all()
        client = app.test_client()
        assert [join_api(client, f"HHHH-{n:04d}", address={"REMOTE_ADDR": address}) for n in range(7)] == [404] * 7
    elsewhere = FixedWindowRateLimiter(storage_from_string(redis_url))
    stats = elsewhere.get_window_stats(parse("30 per minute"), address, "join-failed")
    assert stats.remaining == 30 - 7
    limiter.reset()


def test_the_documented_limits_are_the_defaults():
    """docs/deploy.md quotes the defaults in its arithmetic."""
    from pathlib import Path

    from app.config import Config

    text = (Path(__file__).resolve().parents[2] / "docs" / "deploy.md").read_text()
    for name in ("CORDON_JOIN_RATE_LIMIT", "CORDON_JOIN_FAILURE_LIMIT", "CORDON_JOIN_GLOBAL_FAILURE_LIMIT",
                 "CORDON_LOGIN_RATE_LIMIT"):
        assert re.search(rf"`{name}`\s*\|\s*`{re.escape(getattr(Config, name))}`", text), name
