"""Web load: N concurrent games on one server, driven by simulated clients over WebSocket
(loopback only). Each client presses a random key every 200 ms and reads every frame;
the server measures each game's tick lateness. Reported: median of the games' p50, the
worst game's p99 (both in ms and in ticks), missed ticks and messages dropped."""

from __future__ import annotations

import asyncio
import json
import random
import socket
import threading
import time

import httpx
import uvicorn
from websockets.asyncio.client import connect

from dualmind.game.rules import ACTIONS
from dualmind.web.app import create_app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _client(port: int, token: str, seed: int) -> dict:
    rng = random.Random(seed)
    received = 0
    async with connect(f"ws://127.0.0.1:{port}/ws/{token}", max_size=2**22) as ws:
        async def press():
            while True:
                await asyncio.sleep(0.2)
                await ws.send(json.dumps({"type": "key", "action": rng.choice(ACTIONS)}))

        presser = asyncio.create_task(press())
        try:
            async for raw in ws:
                received += 1
                message = json.loads(raw)
                if message["type"] == "end":
                    return {**message["summary"], "received": received}
        finally:
            presser.cancel()
    return {"received": received, "finished": False}


def bench_web(games: int = 20, seconds: float = 30.0, agent: str = "scripted",
              records: str = ":memory:") -> dict:
    port = _free_port()
    path = records if records != ":memory:" else f"/tmp/dualmind-bench-web-{port}.sqlite"
    server = uvicorn.Server(uvicorn.Config(create_app(path), host="127.0.0.1", port=port,
                                           log_level="warning", ws="websockets-sansio"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        tokens = [httpx.post(f"http://127.0.0.1:{port}/api/games",
                             json={"agent": agent, "seconds": seconds}, timeout=30).json()["token"]
                  for _ in range(games)]

        async def run_all():
            return await asyncio.gather(*(_client(port, t, i) for i, t in enumerate(tokens)))

        results = asyncio.run(run_all())
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    done = [r for r in results if r.get("finished")]
    p50s = sorted(r["lateness_p50_ms"] for r in done) or [float("nan")]
    p99 = max((r["lateness_p99_ms"] for r in done), default=float("nan"))
    tick_ms = 100.0
    return {"games": games, "seconds": seconds, "agent": agent, "finished": len(done),
            "lateness_p50_ms": round(p50s[len(p50s) // 2], 3), "lateness_p99_ms": round(p99, 3),
            "lateness_p99_ticks": round(p99 / tick_ms, 4),
            "missed_ticks": sum(r.get("missed_ticks", 0) for r in done),
            "messages_dropped": sum(r.get("dropped_frames", 0) + r.get("dropped_keys", 0) for r in done),
            "frames_dropped": sum(r.get("dropped_frames", 0) for r in done),
            "keys_dropped": sum(r.get("dropped_keys", 0) for r in done),
            "frames_received": sum(r.get("received", 0) for r in results)}
