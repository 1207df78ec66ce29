"""Reverse proxies in front of a LiveServer, for tests and benchmarks: a real nginx (run as a plain
subprocess with its own config, prefix and temp folders, on a free port) configured as
docs/deploy.md says, or a small forwarding proxy in Python where nginx is not installed."""
import http.client
import subprocess
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .live_server import free_port

NGINX = Path("/usr/sbin/nginx")
NGINX_MISSING = ("the nginx proxy test needs nginx: apt-get install -y nginx (.ci/run installs it); "
                 "the same checks run behind a Python forwarding proxy meanwhile")

# The location block of docs/deploy.md, on a private port, with the prefix's own temp folders.
NGINX_CONF = """\
daemon off;
master_process off;
worker_processes 1;
error_log {root}/error.log warn;
pid {root}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log {root}/access.log;
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    upstream cordon {{ server 127.0.0.1:{upstream}; }}
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://cordon;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 3600s;
            proxy_buffering off;
        }}
    }}
}}
"""


class Nginx:
    def __init__(self, root: Path, upstream_port: int):
        self.root = Path(root)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.upstream_port = upstream_port
        self.process: subprocess.Popen | None = None

    def start(self) -> "Nginx":
        self.root.mkdir(parents=True, exist_ok=True)
        conf = self.root / "nginx.conf"
        conf.write_text(NGINX_CONF.format(root=self.root, port=self.port, upstream=self.upstream_port))
        self.process = subprocess.Popen([str(NGINX), "-p", str(self.root), "-c", str(conf), "-e",
                                         str(self.root / "error.log")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        _wait_until_up(self.url, self.process, self.root / "error.log")
        return self

    def stop(self) -> None:
        _stop(self.process)


class ForwardingProxy:
    """What nginx does for these tests, in Python: forward each request to the app and append
    the client's address to X-Forwarded-For."""

    def __init__(self, upstream_port: int):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        upstream = upstream_port

        class Forward(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("x-forwarded-for", "x-forwarded-proto", "connection")}
                forwarded = self.headers.get("X-Forwarded-For")
                headers["X-Forwarded-For"] = f"{forwarded}, {self.client_address[0]}" if forwarded \
                    else self.client_address[0]
                headers["X-Forwarded-Proto"] = "http"
                connection = http.client.HTTPConnection("127.0.0.1", upstream, timeout=30)
                try:
                    connection.request(self.command, self.path, body=body, headers=headers)
                    answer = connection.getresponse()
                    data = answer.read()
                finally:
                    connection.close()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Forward)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "ForwardingProxy":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited:\n{log.read_text() if log.exists() else ''}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"nginx did not answer:\n{log.read_text() if log.exists() else ''}")


def _stop(process: subprocess.Popen | None) -> None:
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def post_json_from(source: str, url: str, path: str, body: bytes, headers: dict | None = None) -> int:
    """POST from a chosen loopback address (127.0.0.2, 127.0.0.3...): a second client on one machine."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30, source_address=(source, 0))
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()
