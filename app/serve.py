"""Serving: start the scheduler, then the Socket.IO server."""
from flask import Flask

from .extensions import socketio


def serve(app: Flask, host: str, port: int) -> None:
    if app.config["CORDON_SCHEDULER"]:
        try:
            from .services.scheduler import start_scheduler
        except ImportError:  # the scheduler arrives with the exercise engine
            start_scheduler = None
        if start_scheduler:
            start_scheduler(app)
    app.logger.info("Cordon serving on http://%s:%s", host, port)
    socketio.run(app, host=host, port=port, use_reloader=False, log_output=False)
