"""Use cases that change state: each runs in the caller's transaction and appends its events.

HTTP routes, Socket.IO handlers and the scheduler all call these; none writes on its own.
"""
