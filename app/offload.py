"""Heavy work off the eventlet hub, and waits that let the hub run.

The server is one eventlet hub serving every tablet; anything that holds the CPU for long (laying
out a PDF, drawing charts, parsing a workbook, tracing the field's regions) would freeze them all.
`off_hub` runs such work in a worker thread of eventlet's pool (`tpool`) while the hub keeps
serving; the GIL is released to the hub at least every few milliseconds (Python's switch
interval), so a tablet waits milliseconds, not the whole job. A time limit stops the wait (the
thread finishes its work unobserved) with a clear error. Work that would hold the GIL for seconds
and needs nothing of the server (laying out a PDF from the report's data) goes to a worker
process instead (`off_process`), whose time limit ends the process. `pause` sleeps without
blocking the hub.

Outside eventlet (tests, the CLI) both run inline. docs/architecture.md, "What runs off the event loop".
"""
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import eventlet
from eventlet import patcher, tpool
from eventlet.green import subprocess as green_subprocess
from flask import copy_current_request_context, current_app, has_app_context, has_request_context

from .errors import ServiceError

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent  # where `python -m app...` finds the package


class TooSlow(ServiceError):
    """Work that ran past its time limit: the answer is a 503 the caller may try again later."""

    code, status = "too_slow", 503


def on_hub() -> bool:
    """Whether this process is served by eventlet's hub (threads patched into green threads)."""
    return patcher.is_monkey_patched("thread")


def pause(seconds: float) -> None:
    """Sleep without holding up the hub."""
    if on_hub():
        eventlet.sleep(seconds)
    else:
        time.sleep(seconds)


def off_hub(function: Callable[..., T], *args, limit_s: float | None = None, what: str = "this work",
            **kwargs) -> T:
    """`function(*args, **kwargs)` in a worker thread, with this request's (or app's) context; the hub
    serves others meanwhile. Past `limit_s` seconds, TooSlow names `what` and the limit."""
    if not on_hub():
        return function(*args, **kwargs)
    if has_request_context():
        job = copy_current_request_context(lambda: function(*args, **kwargs))
    elif has_app_context():
        app = current_app._get_current_object()

        def job():
            with app.app_context():
                return function(*args, **kwargs)
    else:
        def job():
            return function(*args, **kwargs)
    if limit_s is None:
        return tpool.execute(job)
    try:
        with eventlet.Timeout(limit_s):
            return tpool.execute(job)
    except eventlet.Timeout:
        raise TooSlow(f"{what} took longer than {limit_s:g} s; try again, or ask for less") from None



def off_process(module: str, payload: bytes, *, limit_s: float, what: str = "this work") -> bytes:
    """Run `python -m <module>` with `payload` on its standard input and return its standard output:
    a separate process, so its CPU time is not taken from the hub (nor its GIL). The caller waits
    cooperatively; past `limit_s` the process is killed and TooSlow says so."""
    command = [sys.executable, "-m", module]
    with _PROCESS_SLOTS:  # one at a time: a second waits (cooperatively) rather than take the other core
        return _run_process(command, module, payload, limit_s, what)


# Under eventlet `threading` is patched: waiting for the slot lets the hub run.
_PROCESS_SLOTS = threading.BoundedSemaphore(1)


def _run_process(command: list[str], module: str, payload: bytes, limit_s: float, what: str) -> bytes:
    if on_hub():
        process = green_subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, cwd=ROOT)
        try:
            with eventlet.Timeout(limit_s):
                out, err = process.communicate(payload)
        except eventlet.Timeout:
            process.kill()
            process.wait()
            raise TooSlow(f"{what} took longer than {limit_s:g} s; try again, or ask for less") from None
    else:
        try:
            done = subprocess.run(command, input=payload, capture_output=True, timeout=limit_s, cwd=ROOT)
        except subprocess.TimeoutExpired:
            raise TooSlow(f"{what} took longer than {limit_s:g} s; try again, or ask for less") from None
        out, err, process = done.stdout, done.stderr, done
    if process.returncode != 0:
        raise RuntimeError(f"{module} failed ({process.returncode}): {err.decode(errors='replace')[-2000:]}")
    return out
