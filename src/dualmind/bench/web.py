"""Web load: N concurrent games on one server, driven by simulated clients over WebSocket
(loopback only; the clients run in a process of their own). Each client presses a random
key every 200 ms and reads every frame; the server measures each game's tick lateness.
Reported: median of the games' p50, the worst game's p99 (both in ms and in ticks), missed
ticks, messages dropped, how many records are complete and games closed normally, and the
share of a core the server process and its event loop (where every game's ticks run)
used, hence about how many such games one core holds."""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import queue
import random
import socket
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from websockets.asyncio.client import connect

from dualmind.errors import DualmindError
from dualmind.game.rules import ACTIONS
from dualmind.runtime.record import list_episodes
from dualmind.web.app import create_app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _client(port: int, token: str, seed: int) -> dict:
    rng = random.Random(seed)
    received = 0
    out: dict = {"finished": False}
    async with connect(f"ws://127.0.0.1:{port}/ws/{token}", max_size=2**22) as ws:
        async def press():
            while True:
                await asyncio.sleep(0.2)
                await ws.send(json.dumps({"type": "key", "action": rng.choice(ACTIONS)}))

        presser: asyncio.Task | None = None
        try:
            async for raw in ws:  # until the server closes the socket after the summary
                received += 1
                message = json.loads(raw)
                if message["type"] == "start":  # keys before the game starts would only queue
                    presser = asyncio.create_task(press())
                elif message["type"] == "end":
                    if presser is not None:
                        presser.cancel()
                    out.update(message["summary"], **message["transport"])
                elif message["type"] == "summary":
                    out.update(message["summary"])
                elif message["type"] == "error" and message.get("fatal"):
                    out["error"] = message["message"]
            out["close_code"] = ws.close_code
        finally:
            if presser is not None:
                presser.cancel()
    return {**out, "received": received}


def _clients(port: int, tokens: list[str], answers) -> None:
    """Every game's client, in one event loop (run in a separate process)."""
    async def run_all():
        return await asyncio.gather(*(_client(port, t, i) for i, t in enumerate(tokens)))

    answers.put(asyncio.run(run_all()))


def _answer(answers, clients, timeout: float) -> list[dict]:
    """The clients' results; a clients process that died without answering (a client's
    connection refused, say) is an error now, not a wait of ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return answers.get(timeout=1.0)
        except queue.Empty:
            if not clients.is_alive():
                with contextlib.suppress(queue.Empty):  # it may have answered, then exited
                    return answers.get(timeout=1.0)
                raise DualmindError(f"bench web: the clients' process exited ({clients.exitcode}) "
                                    "without results; see its error above") from None
            if time.monotonic() > deadline:
                raise DualmindError(f"bench web: no results from the clients in {timeout:.0f} s") from None


def _thread_cpu_s(native_id: int | None) -> float:
    """CPU seconds (user + system) one thread of this process has used (Linux)."""
    try:
        fields = Path(f"/proc/self/task/{native_id}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def bench_web(games: int = 20, seconds: float = 30.0, agent: str = "scripted",
              records: str = ":memory:") -> dict:
    """Play ``games`` games of ``seconds`` at once on one server; see the module docstring.

    Also reported: how many records are complete (finished, every tick), the share of a
    core the server's event loop used (every game's ticks run on it) and the whole server
    process used (loop, minds, records; the clients run elsewhere), and from that how many
    such games one core holds by CPU (``games_per_core``: games / cores the server used)."""
    port = _free_port()
    scratch = tempfile.TemporaryDirectory(prefix="dualmind-bench-web-") if records == ":memory:" else None
    path = records if scratch is None else str(Path(scratch.name) / "records.sqlite")
    server = uvicorn.Server(uvicorn.Config(create_app(path, max_games=games), host="127.0.0.1",
                                           port=port, log_level="warning", ws="websockets-sansio"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        tokens = [httpx.post(f"http://127.0.0.1:{port}/api/games",
                             json={"agent": agent, "seconds": seconds}, timeout=30).json()["token"]
                  for _ in range(games)]

        # The clients run in a process of their own: in this one they would compete with
        # the server for the interpreter lock and show up as the server's lateness.
        context = multiprocessing.get_context("spawn")
        answers = context.Queue()
        clients = context.Process(target=_clients, args=(port, tokens, answers), daemon=True)
        cpu0, wall0 = _thread_cpu_s(thread.native_id), time.perf_counter()
        process0 = time.process_time()  # the whole server: loop, minds, records (no clients)
        clients.start()
        results = _answer(answers, clients, timeout=3 * seconds + 300)
        loop_cpu_s, wall_s = _thread_cpu_s(thread.native_id) - cpu0, time.perf_counter() - wall0
        server_cpu_s = time.process_time() - process0
        clients.join(timeout=30)
        episodes = list_episodes(path)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        if scratch is not None:
            scratch.cleanup()
    done = [r for r in results if r.get("finished")]
    p50s = sorted(r["lateness_p50_ms"] for r in done) or [float("nan")]
    p99s = sorted(r["lateness_p99_ms"] for r in done) or [float("nan")]
    tick_ms = 100.0
    expected = max((e.ticks for e in episodes), default=0)
    loop_share = loop_cpu_s / wall_s if wall_s > 0 else float("nan")
    server_share = server_cpu_s / wall_s if wall_s > 0 else float("nan")
    return {"games": games, "seconds": seconds, "agent": agent, "finished": len(done),
            "records_complete": sum(1 for e in episodes if e.finished and e.ticks == expected
                                    and e.summary is not None),
            "closed_normally": sum(1 for r in results if r.get("close_code") == 1000),
            "lateness_p50_ms": round(p50s[len(p50s) // 2], 3), "lateness_p99_ms": round(p99s[-1], 3),
            "lateness_p99_median_game_ms": round(p99s[len(p99s) // 2], 3),
            "lateness_p99_ticks": round(p99s[-1] / tick_ms, 4),
            "missed_ticks": sum(r.get("missed_ticks", 0) for r in done),
            "messages_dropped": sum(r.get("dropped_frames", 0) + r.get("dropped_keys", 0) for r in done),
            "frames_dropped": sum(r.get("dropped_frames", 0) for r in done),
            "keys_dropped": sum(r.get("dropped_keys", 0) for r in done),
            "frames_received": sum(r.get("received", 0) for r in results),
            "loop_cpu_share": round(loop_share, 3), "server_cpu_share": round(server_share, 3),
            "games_per_core": round(games / server_share, 1) if server_share > 0 else None}


def web_text(result: dict) -> str:
    """The load test in one line for the terminal."""
    return (f"{result['finished']}/{result['games']} games x {result['seconds']:g} s: tick lateness "
            f"p50 {result['lateness_p50_ms']:.2f} ms, worst p99 {result['lateness_p99_ms']:.2f} ms "
            f"({result['lateness_p99_ticks']:.3f} ticks), missed {result['missed_ticks']}, "
            f"dropped {result['messages_dropped']}; records complete {result['records_complete']}, "
            f"server busy {result['server_cpu_share']:.0%} of a core, its event loop "
            f"{result['loop_cpu_share']:.0%} (~{result['games_per_core']} such games per core by CPU)")
