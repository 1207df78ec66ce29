"""Serving: start the scheduler, then the Socket.IO server."""
import gc
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
    check_audit_key(app)
    if app.config["CORDON_SCHEDULER"]:
        from .services.scheduler import start_scheduler

        start_scheduler(app)
    app.logger.info("Cordon serving on http://%s:%s", host, port)
    # What start-up created lives as long as the process: out of the cycle collector's way, so
    # that its full collections (which stop the whole server) look only at what came later.
    gc.collect()
    gc.freeze()
    if socketio.server.eio.async_mode == "eventlet":
        serve_eventlet(app, host, port)
    else:
        socketio.run(app, host=host, port=port, use_reloader=False, log_output=False)


def check_audit_key(app: Flask) -> None:
    """Read (or make) the audit key now: a bad CORDON_AUDIT_KEY stops the server at start, not at its first write."""
    from .services.audit_keys import AuditKeyError, audit_key

    with app.app_context():
        try:
            key = audit_key()
        except AuditKeyError as exc:
            sys.exit(f"Cordon: {exc}")
    app.logger.info("Cordon signs the event log with audit key %s (%s)", key.key_id, key.source)


def serve_eventlet(app: Flask, host: str, port: int) -> None:
    """What socketio.run does for eventlet, with Nagle's algorithm off on every connection.

    A Socket.IO answer is often two small writes (a team's event, then the ack): with Nagle
    on, the second waited for the client's delayed TCP ACK, about 40 ms on Linux.
    """
    import eventlet
    import eventlet.wsgi

    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listener = eventlet.listen(address, family)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # accepted sockets inherit it
    eventlet.wsgi.server(listener, app, log_output=False)


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
