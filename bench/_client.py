"""A benchmark client worker: many python-socketio AsyncClients in one asyncio process.

Started by bench/_common.py with one JSON argument; talks to its parent by lines:
  -> JOINED {...}   tokens obtained (POST /api/v1/join), nothing connected yet
  <- CONNECT
  -> READY {...}    every client connected (websocket transport)
  <- GO <seconds> [rate]
                    (mode "actions") log actions as fast as acks come back, or, with a rate,
                    at that many per second from this worker's clients together; then report
  <- REPORT         report what was received so far
  -> RESULT {...}
  <- STOP
Modes: "listen" (record latency of every `event` message: receipt time - its wall_time),
"actions" (log_action loop) and "idle" (just stay connected).
"""
import asyncio
import json
import random
import sys
import time
import uuid
from datetime import datetime

import aiohttp
import socketio

spec = json.loads(sys.argv[1])
MODE = spec["mode"]


def say(word, data=None):
    sys.stdout.write(f"{word} {json.dumps(data or {})}\n")
    sys.stdout.flush()


async def join_all(session: aiohttp.ClientSession, url: str, code: str, n: int, prefix: str) -> list[str]:
    sem = asyncio.Semaphore(16)

    async def one(i):
        async with sem:
            for attempt in range(5):
                async with session.post(url + "/api/v1/join", json={"code": code, "name": f"{prefix}-{i}"}) as r:
                    body = await r.json()
                    if r.status in (200, 201):
                        return body["token"]
                await asyncio.sleep(0.5)
            raise RuntimeError(f"join failed: {r.status} {body}")

    return await asyncio.gather(*(one(i) for i in range(n)))


async def main():
    loop = asyncio.get_running_loop()
    stdin_lines = asyncio.Queue()

    def reader():
        for line in sys.stdin:
            loop.call_soon_threadsafe(stdin_lines.put_nowait, line.strip())
        loop.call_soon_threadsafe(stdin_lines.put_nowait, "STOP")

    loop.run_in_executor(None, reader)
    n = spec["count"]
    urls = spec["urls"]
    received = []  # (latency_s, seq, size_bytes)
    sizes = []

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        # Groups of clients, each joining one team with its code (all through the first URL);
        # a spec without groups is one group, or anonymous clients (the baseline) without a code.
        groups = spec.get("groups") or [{"code": spec.get("code"), "count": n, "prefix": spec.get("prefix", "c"),
                                         "steps": spec.get("steps") or []}]
        tokens, client_steps = [], []
        for g in groups:
            if g.get("code"):
                tokens += await join_all(http, urls[0], g["code"], g["count"], g.get("prefix", "c"))
            else:
                tokens += [None] * g["count"]
            client_steps += [g.get("steps") or []] * g["count"]
        n = len(tokens)
        say("JOINED", {"count": len(tokens)})
        while (await stdin_lines.get()) != "CONNECT":
            pass

        only_type = spec.get("event_type")

        def make(i):
            sio = socketio.AsyncClient(reconnection=False, http_session=http, ssl_verify=False)

            @sio.on("event")
            def on_event(message):
                now = time.time()
                if only_type and message.get("type") != only_type:
                    return
                wall = datetime.fromisoformat(message["wall_time"]).timestamp()
                received.append((now - wall, message.get("seq")))
                if len(sizes) < 5:
                    sizes.append(len(json.dumps(message, separators=(",", ":"))))

            return sio

        sem = asyncio.Semaphore(spec.get("connect_concurrency", 25))

        async def connect(i):
            sio = make(i)
            async with sem:
                auth = {"token": tokens[i]} if tokens[i] else None
                await sio.connect(urls[i % len(urls)], auth=auth, transports=["websocket"], wait_timeout=60)
            clients[i] = sio

        clients = [None] * n
        t0 = time.monotonic()
        await asyncio.gather(*(connect(i) for i in range(n)))
        say("READY", {"connected": len(clients), "connect_s": round(time.monotonic() - t0, 2)})

        while True:
            command = await stdin_lines.get()
            if command == "STOP":
                break
            if command == "REPORT":
                say("RESULT", {"latencies": [r[0] for r in received], "seqs": [r[1] for r in received],
                               "sizes": sizes})
                received.clear()
            elif command.startswith("GO "):
                _, seconds, *rate = command.split()
                spec["rate"] = float(rate[0]) if rate else 0
                say("RESULT", await action_loop(clients, client_steps, float(seconds)))

        await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)


async def action_loop(clients, client_steps, seconds):
    """Closed loop (each client sends its next action when the last is acknowledged) or, with a
    rate, open loop: each client sends on its own fixed schedule, acknowledged or not,
    so that together they offer `rate` actions per second."""
    step_every = spec.get("step_every", 0)
    rate = spec.get("rate") or 0  # for this worker's clients together
    latencies, errors, duplicates, samples = [], 0, 0, []
    start = time.monotonic()
    stop_at = start + seconds

    async def one(sio, idx, k):
        nonlocal errors, duplicates
        steps = client_steps[idx]
        payload = {"client_id": uuid.uuid4().hex, "text": f"bench action {idx}-{k}"}
        if step_every and steps and k % step_every == 0:
            payload["step"] = steps[k % len(steps)]
        t = time.monotonic()
        try:
            answer = await sio.call("log_action", payload, timeout=30)
        except Exception as exc:
            errors += 1
            samples.append(repr(exc)[:200])
            return
        if not answer.get("ok"):
            errors += 1
            samples.append(json.dumps(answer)[:200])
            return
        duplicates += bool(answer.get("duplicate"))
        latencies.append(time.monotonic() - t)

    async def closed(sio, idx):
        k = 0
        while time.monotonic() < stop_at:
            k += 1
            await one(sio, idx, k)

    async def scheduled(sio, idx):
        interval = len(clients) / rate
        due = start + random.uniform(0, interval)
        sent, k = [], 0
        while due < stop_at:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            k += 1
            sent.append(asyncio.ensure_future(one(sio, idx, k)))
            due += interval
        await asyncio.gather(*sent)

    await asyncio.gather(*((scheduled if rate else closed)(c, i) for i, c in enumerate(clients)))
    return {"latencies": latencies, "errors": errors, "duplicates": duplicates,
            "elapsed": time.monotonic() - start, "error_samples": samples[:3]}


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Exception as exc:  # tell the parent rather than hang it
        say("ERROR", {"error": repr(exc)})
        raise
