"""Serving: start the scheduler, then the Socket.IO server."""
import socket
import sys

from flask import Flask

from .extensions import socketio


def serve(app: Flask, host: str, port: int) -> None:
    if not port_is_free(host, port):
        # eventlet listens with SO_REUSEPORT, so a second server on a busy port would start
        # silently and the kernel would split the clients between two processes that share no
        # Socket.IO rooms: live events would reach only some of them.
        sys.exit(f"Cordon: {host}:{port} is already in use (another Cordon server?); choose another --port")
    if app.config["CORDON_SCHEDULER"]:
        from .services.scheduler import start_scheduler

        start_scheduler(app)
    app.logger.info("Cordon serving on http://%s:%s", host, port)
    socketio.run(app, host=host, port=port, use_reloader=False, log_output=False)


def port_is_free(host: str, port: int) -> bool:
    """Whether a plain bind (no SO_REUSEPORT) to host:port succeeds, i.e. nothing listens there."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a port in TIME_WAIT is free
        try:
            probe.bind(address)
        except OSError:
            return False
    return True
