"""Behind CORDON_TRUSTED_PROXIES reverse proxies the app counts limits against each client's own
address (from X-Forwarded-For, as the proxy wrote it); with none trusted, a forged
X-Forwarded-For changes nothing."""
import json

import pytest

from app import create_app
from app.extensions import db

from .conftest import TEST_SETTINGS
from .helpers import FIXTURE_LIBRARY
from .live_server import LiveServer
from .reverse_proxy import NGINX, NGINX_MISSING, ForwardingProxy, Nginx, post_json_from

LIMITED = {"CORDON_JOIN_FAILURE_LIMIT": "5 per minute"}


def _guess(client, forwarded_for: str | None, n: int = 0) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post("/api/v1/join", json={"code": f"QQQQ-{n:04d}", "name": "x"}, headers=headers,
                       environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code  # the proxy's address


@pytest.fixture
def app_behind(tmp_path):
    def make(proxies: int):
        app = create_app({**TEST_SETTINGS, **LIMITED, "CORDON_TRUSTED_PROXIES": proxies,
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / f'p{proxies}.db'}"})
        with app.app_context():
            db.create_all()
        return app
    return make


def test_behind_one_trusted_proxy_clients_are_told_apart(app_behind):
    app = app_behind(1)
    with app.app_context():
        client = app.test_client()
        assert [_guess(client, "198.51.100.1", n) for n in range(6)] == [404] * 5 + [429]
        assert _guess(client, "198.51.100.2") == 404  # another client behind the same proxy
        # A client's own forged entry comes first; the proxy appends the real address, which counts.
        assert _guess(client, "192.0.2.77, 198.51.100.1") == 429


def test_without_trusted_proxies_a_forged_forwarded_for_is_ignored(app_behind):
    app = app_behind(0)
    with app.app_context():
        client = app.test_client()
        answers = [_guess(client, f"198.51.100.{n}", n) for n in range(6)]
        assert answers == [404] * 5 + [429]  # all counted against the connection's own address


@pytest.mark.parametrize("proxies, scheme", [(1, "https"), (0, "http")])
def test_the_join_sheet_links_use_the_scheme_the_trusted_proxy_saw(app_behind, proxies, scheme):
    """QR codes on the join sheet must carry https when the proxy terminates TLS."""
    from .helpers import PASSWORD, gen_exercise, gen_user

    app = app_behind(proxies)
    app.config["CORDON_CONTENT_ROOT"] = str(FIXTURE_LIBRARY)
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        gen_user("ctl", "controller")
        exercise = gen_exercise()
        client = app.test_client()
        client.post("/login", data={"username": "ctl", "password": PASSWORD})
        sheet = client.get(f"/exercises/{exercise.id}/join-sheet", base_url="http://cordon.example.org",
                           headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.1"})
        assert f"{scheme}://cordon.example.org/join?code=" in sheet.get_data(as_text=True)


# -- a real reverse proxy in front of a real server --------------------------------------------

def _proxy(kind: str, root, upstream_port: int):
    if kind == "nginx":
        if not NGINX.exists():
            pytest.skip(NGINX_MISSING)
        return Nginx(root / "nginx", upstream_port)
    return ForwardingProxy(upstream_port)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["nginx", "python"])
@pytest.mark.parametrize("trusted", [1, 0])
def test_two_clients_behind_a_real_proxy(tmp_path, kind, trusted):
    """Clients on 127.0.0.2 and 127.0.0.3 (both loopback) guess codes through the proxy."""
    server = LiveServer(tmp_path / "server", env={"CORDON_TRUSTED_PROXIES": str(trusted),
                                                  "CORDON_JOIN_FAILURE_LIMIT": "5 per minute",
                                                  "CORDON_SCHEDULER": "0"})
    server.start()
    proxy = _proxy(kind, tmp_path, server.port).start()
    try:
        def guess(source, n, forged=None):
            body = json.dumps({"code": f"RRRR-{n:04d}", "name": "x"}).encode()
            headers = {"X-Forwarded-For": forged} if forged else {}
            return post_json_from(source, proxy.url, "/api/v1/join", body, headers)

        first = [guess("127.0.0.2", n, forged=f"203.0.113.{n}") for n in range(6)]
        assert first == [404] * 5 + [429]  # forged entries do not buy fresh counters
        second = guess("127.0.0.3", 99)
        # Trusting the proxy, the second client has its own counter; not trusting it, every client
        # looks like the proxy and shares one.
        assert second == (404 if trusted else 429)
    finally:
        proxy.stop()
        server.stop()
