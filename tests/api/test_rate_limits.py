"""Join codes and passwords cannot be guessed at speed: join and sign-in are rate-limited."""
from ..helpers import gen_user


def test_join_attempts_are_limited_per_client(library_app, client):
    library_app.config["RATELIMIT_ENABLED"] = True
    answers = [client.post("/api/v1/join", json={"code": f"AAAA-{n:04d}", "name": "Guesser"}).status_code
               for n in range(25)]
    assert answers[:20] == [404] * 20
    assert set(answers[20:]) == {429}
    limited = client.post("/api/v1/join", json={"code": "AAAA-0000", "name": "Guesser"})
    assert limited.get_json()["error"]["code"] == "rate_limited"


def test_token_and_login_attempts_are_limited(library_app, client):
    gen_user("ctl", "controller")
    answers = [client.post("/api/v1/auth/token", json={"username": "ctl", "password": f"guess-{n}"}).status_code
               for n in range(12)]
    assert answers[:10] == [401] * 10 and set(answers[10:]) == {429}
    library_app.config["WTF_CSRF_ENABLED"] = False
    pages = [client.post("/login", data={"username": "ctl", "password": "nope"}).status_code for _ in range(12)]
    assert 429 in pages
