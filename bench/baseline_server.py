"""The fan-out baseline: a bare python-socketio server on eventlet (the same server stack as
Cordon, with the same socket settings, without Flask, the database or any application work).

Every client that connects joins the room "bench". `POST /trigger?size=N` broadcasts one
`event` message shaped like Cordon's envelope ({seq, type, exercise_time_s, wall_time, team,
data}) padded to about N bytes of JSON, to that room, with wall_time = the server's time just
before the emit (millisecond precision, as Cordon's events). `GET /healthz` answers 200.

    .venv/bin/python bench/baseline_server.py --port 5099
"""
import argparse
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
import eventlet  # noqa: E402
import eventlet.wsgi  # noqa: E402

eventlet.monkey_patch()

import json  # noqa: E402
import socket  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from urllib.parse import parse_qs  # noqa: E402

import socketio  # noqa: E402

sio = socketio.Server(async_mode="eventlet", cors_allowed_origins=[])
state = {"seq": 0}


@sio.on("connect")
def connect(sid, environ, auth=None):
    sio.enter_room(sid, "bench")


def message(size: int) -> dict:
    state["seq"] += 1
    now = datetime.now(timezone.utc)
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    msg = {"seq": state["seq"], "type": "inject.released", "exercise_time_s": 0.0, "wall_time": now.isoformat(),
           "team": None, "data": {"body": ""}}
    pad = max(0, size - len(json.dumps(msg, separators=(",", ":"))))
    msg["data"]["body"] = "x" * pad
    return msg


def http_app(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == "/trigger" and environ.get("REQUEST_METHOD") == "POST":
        size = int(parse_qs(environ.get("QUERY_STRING", "")).get("size", ["1500"])[0])
        sio.emit("event", message(size), to="bench")
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"seq": state["seq"]}).encode()]
    if path == "/healthz":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found"]


app = socketio.WSGIApp(sio, http_app)

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5099)
    args = parser.parse_args()
    listener = eventlet.listen((args.host, args.port))
    # The same socket settings as Cordon's server (app/serve.py): Nagle's algorithm off.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    eventlet.wsgi.server(listener, app, log_output=False)
