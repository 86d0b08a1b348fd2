"""The web server: pages, games over WebSocket, records and replay.

Routes: ``/`` (play), ``/records`` (list and replay), ``POST /api/games`` (start a game,
returns its token), ``WS /ws/{token}`` (the game stream: frames out; keys and chat in),
``POST /api/games/{token}/questionnaire``, ``GET /api/records`` and
``GET /api/records/{id}/frames``. A client that sends malformed JSON or an unknown
message gets an error frame; one that sends more than ``MAX_MESSAGES_PER_SECOND`` or a
message over ``MAX_MESSAGE_BYTES`` is closed. Other games are never affected.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, HTTPException, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse, JSONResponse

from dualmind.game.layout import shipped_layouts
from dualmind.runtime.record import list_episodes, replay
from dualmind.web.frames import frame, kitchen_info
from dualmind.web.session import SEND_QUEUE, Game, GameOptions

MAX_MESSAGE_BYTES = 16_384
MAX_MESSAGES_PER_SECOND = 60
AGENTS = ("hla", "smoa", "fmoa", "nea", "scripted")
BACKENDS = ("learned", "rules", "embedded", "openai")


def _page(name: str) -> str:
    return (resources.files("dualmind.web") / "static" / name).read_text(encoding="utf-8")


def create_app(records: str | Path = "dualmind-records.sqlite") -> FastAPI:
    games: dict[str, Game] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        # Server stopping: end every game; what was played is kept, marked unfinished.
        for game in games.values():
            if game.task is not None and not game.task.done():
                game.task.cancel()
        await asyncio.gather(*(g.task for g in games.values() if g.task), return_exceptions=True)

    app = FastAPI(title="dualmind", lifespan=lifespan)
    app.state.games = games
    app.state.records = str(records)

    @app.get("/", response_class=HTMLResponse)
    async def index():
        return _page("index.html")

    @app.get("/records", response_class=HTMLResponse)
    async def records_page():
        return _page("records.html")

    @app.get("/app.js")
    async def script():
        return HTMLResponse(_page("app.js"), media_type="application/javascript")

    @app.get("/api/options")
    async def options():
        return {"layouts": shipped_layouts(), "agents": list(AGENTS), "backends": list(BACKENDS)}

    @app.post("/api/games")
    async def create_game(body: dict):
        try:
            opts = GameOptions(
                layout=str(body.get("layout", "ring")), agent=str(body.get("agent", "hla")),
                backend=str(body.get("backend", "learned")),
                seconds=float(body.get("seconds", 120)),
                slow_latency=float(body.get("slow_latency", 4.0)),
                fast_latency=float(body.get("fast_latency", 0.3)),
                show_mind=bool(body.get("show_mind", True)))
        except (TypeError, ValueError) as e:
            raise HTTPException(400, f"bad game options: {e}") from None
        if opts.layout not in shipped_layouts() or opts.agent not in AGENTS \
                or opts.backend not in BACKENDS or not 1 <= opts.seconds <= 600:
            raise HTTPException(400, f"choose layout from {shipped_layouts()}, agent from {AGENTS}, "
                                     f"backend from {BACKENDS}, seconds 1..600")
        game = Game(opts, app.state.records)
        games[game.token] = game
        return {"token": game.token}

    @app.post("/api/games/{token}/questionnaire")
    async def questionnaire(token: str, body: dict):
        game = games.get(token)
        if game is None:
            raise HTTPException(404, "no such game")
        answers = {str(k)[:40]: v for k, v in list(body.items())[:20]
                   if isinstance(v, int | str) and len(str(v)) < 500}
        try:
            game.questionnaire(answers)
        except ValueError as e:
            raise HTTPException(409, str(e)) from None
        return {"stored": len(answers)}

    @app.get("/api/records")
    async def records_list():
        try:
            eps = await asyncio.to_thread(list_episodes, app.state.records)
        except Exception:
            eps = []
        return [ep.__dict__ for ep in reversed(eps)]

    @app.get("/api/records/{episode}/frames")
    async def record_frames(episode: int):
        def build():
            played = list(replay(app.state.records, episode))
            kitchen, last, _ = played[-1]
            out = []
            for _, state, events in played:
                f = frame(kitchen, state, None, False, end_tick=last.tick)
                f["chat"] = [{"player": e.player, "text": e.detail} for e in events if e.kind == "chat"]
                out.append(f)
            return {"kitchen": kitchen_info(kitchen), "frames": out}

        try:
            return JSONResponse(await asyncio.to_thread(build))
        except Exception as e:
            raise HTTPException(404, str(e)) from None

    @app.websocket("/ws/{token}")
    async def stream(ws: WebSocket, token: str):
        await ws.accept()
        game = games.get(token)
        if game is None:
            await ws.send_json({"type": "error", "message": "unknown game token"})
            await ws.close(code=1008)
            return
        queue: asyncio.Queue = asyncio.Queue(maxsize=SEND_QUEUE)
        game.listeners.add(queue)
        if game.task is None:
            game.task = asyncio.create_task(game.run())

        async def sender():
            while True:
                message = await queue.get()
                await ws.send_text(json.dumps(message))
                if message.get("type") == "end":
                    return

        send_task = asyncio.create_task(sender())
        window, count = time.monotonic(), 0
        try:
            while not send_task.done():
                receive = asyncio.create_task(ws.receive_text())
                done, _ = await asyncio.wait({receive, send_task}, return_when=asyncio.FIRST_COMPLETED)
                if receive not in done:
                    receive.cancel()
                    break
                text = receive.result()
                now = time.monotonic()
                if now - window > 1.0:
                    window, count = now, 0
                count += 1
                if count > MAX_MESSAGES_PER_SECOND:
                    await ws.send_json({"type": "error", "message": "too many messages: closing"})
                    await ws.close(code=1008)
                    break
                if len(text.encode()) > MAX_MESSAGE_BYTES:
                    await ws.send_json({"type": "error", "message": "message too large: closing"})
                    await ws.close(code=1009)
                    break
                try:
                    msg = json.loads(text)
                    if msg.get("type") == "key":
                        game.key(msg.get("action"))
                    elif msg.get("type") == "chat":
                        game.say(msg.get("text"))
                    else:
                        raise ValueError("type must be key or chat")
                except (ValueError, AttributeError, TypeError) as e:
                    await ws.send_json({"type": "error", "message": f"bad message: {str(e)[:200]}"})
        except WebSocketDisconnect:
            pass
        finally:
            game.listeners.discard(queue)
            send_task.cancel()
            if not game.listeners and game.task is not None and not game.task.done():
                game.task.cancel()  # nobody is playing any more: keep what was played
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await game.task

    return app
