"""The web server: pages, games over WebSocket, records and replay.

Routes: ``/`` (play), ``/records`` (list and replay), ``POST /api/games`` (start a game,
returns its token), ``WS /ws/{token}`` (the game stream: frames out; keys and chat in),
``POST /api/games/{token}/questionnaire`` (once per game), ``GET /api/records`` and
``GET /api/records/{id}/frames``.

What the server trusts: nothing a client sends. Every request passes :class:`Guard`
first: the ``Host`` header must name this server (loopback names, plus ``allow_hosts``),
so a page on another site cannot reach it through DNS rebinding; a browser's ``Origin``
must be one of those hosts or in ``allow_origins``, so another site's page cannot start
games or read records; a body over ``MAX_BODY_BYTES`` is refused. Request bodies are
validated by pydantic models (clear 400 messages). Pages carry a Content-Security-Policy
that allows only this server's own scripts, and the scripts never put data into HTML.
At most ``max_games`` games are live at once (503 beyond). A WebSocket client that sends
malformed or deeply nested JSON, a binary frame or an unknown message gets an error
frame; one that sends more than ``MAX_MESSAGES_PER_SECOND`` or a message over
``MAX_MESSAGE_BYTES`` is closed. Other games are never affected.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import re
import time
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, HTTPException, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from dualmind.agents.llm.defaults import default_fast_mind, default_slow
from dualmind.errors import DualmindError
from dualmind.game.layout import shipped_layouts
from dualmind.runtime.record import list_episodes, replay
from dualmind.vocab import (
    DEFAULT_LAYOUT,
    FAST_LATENCY,
    FAST_MINDS,
    SLOW_BACKENDS,
    SLOW_LATENCY,
    WEB_AGENTS,
)
from dualmind.web.frames import frame, kitchen_info
from dualmind.web.session import FINAL, SEND_QUEUE, Game, GameOptions

log = logging.getLogger("dualmind.web")

MAX_MESSAGE_BYTES = 16_384
MAX_MESSAGES_PER_SECOND = 60
MAX_BODY_BYTES = 16_384
MAX_GAMES = 16
"""Live games per server by default (see the README for what one core holds)."""
GRACE_SECONDS = 900.0
"""A finished game stays reachable (summary, questionnaire) this long, then is pruned."""
IDLE_SECONDS = 120.0
"""A game nobody connects to within this long is dropped."""
AGENTS = WEB_AGENTS
BACKENDS = SLOW_BACKENDS
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _page(name: str) -> str:
    return (resources.files("dualmind.web") / "static" / name).read_text(encoding="utf-8")


# ---------------------------------------------------------------------- request bodies
class GameRequest(BaseModel):
    """``POST /api/games``: what game to start."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    layout: str = Field(DEFAULT_LAYOUT, max_length=64)
    agent: str = Field("hla", max_length=16)
    backend: str | None = Field(None, max_length=16)
    """None: the LLM minds when installed, else the learned interpreter (default_slow)."""
    fast_mind: str | None = Field(None, max_length=16)
    """How the fast mind chooses: code or llm; None: llm when installed."""
    seconds: float = Field(120.0, ge=0.1, le=600)
    slow_latency: float = Field(SLOW_LATENCY, ge=0, le=60)
    fast_latency: float = Field(FAST_LATENCY, ge=0, le=10)
    show_mind: bool = True

    @field_validator("layout")
    @classmethod
    def _layout(cls, v: str) -> str:
        if v not in shipped_layouts():
            raise ValueError(f"choose layout from {', '.join(shipped_layouts())}")
        return v

    @field_validator("agent")
    @classmethod
    def _agent(cls, v: str) -> str:
        if v not in AGENTS:
            raise ValueError(f"choose agent from {', '.join(AGENTS)}")
        return v

    @field_validator("backend")
    @classmethod
    def _backend(cls, v: str | None) -> str | None:
        if v is not None and v not in BACKENDS:
            raise ValueError(f"choose backend from {', '.join(BACKENDS)}")
        return v

    @field_validator("fast_mind")
    @classmethod
    def _fast_mind(cls, v: str | None) -> str | None:
        if v is not None and v not in FAST_MINDS:
            raise ValueError(f"choose fast_mind from {', '.join(FAST_MINDS)}")
        return v


Likert = Field(None, ge=1, le=5, strict=True)


class Answers(BaseModel):
    """``POST /api/games/{token}/questionnaire``: three Likert answers, 1 to 5."""

    model_config = ConfigDict(extra="forbid")

    understood: int | None = Likert
    helpful: int | None = Likert
    fast: int | None = Likert


def _explain(exc: RequestValidationError) -> str:
    parts = []
    for e in exc.errors()[:5]:
        where = ".".join(str(x) for x in e.get("loc", ()) if x != "body") or "body"
        message = str(e.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


# ---------------------------------------------------------------------- the guard
def _hostname(value: str) -> str:
    """The host part of a Host header or an origin, lower case, without port or brackets."""
    host = value.strip().lower()
    if host.startswith("["):  # [::1]:8000
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self' {ws}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


class Guard:
    """ASGI middleware in front of everything: Host and Origin checks (HTTP and
    WebSocket), a body size limit, and security headers on every response."""

    def __init__(self, app: Any, allow_hosts: Iterable[str] = (), allow_origins: Iterable[str] = (),
                 max_body: int = MAX_BODY_BYTES):
        self.app = app
        hosts = {h.strip().lower() for h in allow_hosts if h.strip()}
        self.any_host = "*" in hosts
        self.hosts = set(LOOPBACK) | {_hostname(h) for h in hosts - {"*"}}
        self.origins = {o.strip().rstrip("/").lower() for o in allow_origins if o.strip()}
        self.max_body = max_body

    def host_ok(self, host: str | None) -> bool:
        return self.any_host or (host is not None and _hostname(host) in self.hosts)

    def origin_ok(self, origin: str | None) -> bool:
        if origin is None:
            return True  # not a browser (or a same-origin GET): the Host check still applies
        origin = origin.strip().rstrip("/").lower()
        if origin in self.origins or "*" in self.origins:
            return True
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and parts.hostname is not None \
            and parts.hostname in self.hosts

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        host, origin = headers.get("host"), headers.get("origin")
        problem = None
        if not self.host_ok(host):
            problem = (f"host {host!r} is not served here; start the server with "
                       f"--allow-host {_hostname(host or '') or 'NAME'} to allow it")
        elif not self.origin_ok(origin):
            problem = (f"pages from {origin!r} may not use this server; start it with "
                       f"--allow-origin {origin} to allow them")
        if problem is not None:
            log.warning("refused %s %s: %s", scope["type"], scope.get("path"), problem)
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": problem[:120]})
                return
            return await _plain(send, 403, problem)
        if scope["type"] == "websocket":
            return await self.app(scope, receive, send)

        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return await _plain(send, 413, f"request body over {self.max_body:,} bytes")
        # Read the body here, bounded, before the app sees it: a chunked body with no
        # length cannot run on, and the app gets it whole.
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_body:
                return await _plain(send, 413, f"request body over {self.max_body:,} bytes")
        replayed = False

        async def buffered_receive():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        # The page's own WebSocket origin (CSP 'self' does not cover ws: everywhere);
        # only a plain host[:port] goes into the header.
        plain_host = host is not None and re.fullmatch(r"[A-Za-z0-9.\-]+(:\d+)?|\[[0-9A-Fa-f:.]+\](:\d+)?",
                                                       host) is not None
        ws_origin = f"ws://{host} wss://{host}" if plain_host else ""

        async def secured_send(message):
            if message["type"] == "http.response.start":
                extra = [(b"content-security-policy", CSP.format(ws=ws_origin).encode("latin-1")),
                         (b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"no-referrer"),
                         (b"x-frame-options", b"DENY")]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, buffered_receive, secured_send)


async def _plain(send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


# ---------------------------------------------------------------------- the games
class Games:
    """The server's games by token: a cap on live ones, and pruning of finished and
    abandoned ones (each game releases its own resources when it ends)."""

    def __init__(self, max_live: int = MAX_GAMES, grace_s: float = GRACE_SECONDS,
                 idle_s: float = IDLE_SECONDS):
        if max_live < 1:
            raise ValueError(f"max_games must be at least 1, got {max_live}")
        self.max_live, self.grace_s, self.idle_s = max_live, grace_s, idle_s
        self._games: dict[str, Game] = {}

    def __len__(self) -> int:
        return len(self._games)

    def __iter__(self):
        return iter(list(self._games.values()))

    def get(self, token: str) -> Game | None:
        return self._games.get(token)

    def live(self) -> int:
        return sum(1 for g in self._games.values() if g.live)

    def add(self, game: Game) -> None:
        self.prune()
        if self.live() >= self.max_live:
            raise HTTPException(503, f"the server is busy: {self.max_live} games are live, the most "
                                     "it runs at once; try again when one ends",
                                headers={"Retry-After": "30"})
        self._games[game.token] = game

    def prune(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        for token, game in list(self._games.items()):
            if game.live:
                if game.status == "created" and game.task is None \
                        and now - game.created_at > self.idle_s:
                    game.abandon()  # nobody ever connected
                    del self._games[token]
            elif game.ended_at is not None and now - game.ended_at > self.grace_s \
                    and (game.task is None or game.task.done()):
                game.abandon()  # gives back what is left (the stopped driver, the agent)
                del self._games[token]


# ---------------------------------------------------------------------- the app
def create_app(records: str | Path = "dualmind-records.sqlite", *, allow_hosts: Iterable[str] = (),
               allow_origins: Iterable[str] = (), max_games: int = MAX_GAMES,
               grace_seconds: float = GRACE_SECONDS, idle_seconds: float = IDLE_SECONDS) -> FastAPI:
    """The server; its games are ``app.state.games`` (a :class:`Games`).

    ``allow_hosts``: names besides the loopback ones that clients may reach it by (the
    Host header; ``*`` for any); ``allow_origins``: other origins whose pages may use it.
    """
    games = Games(max_games, grace_seconds, idle_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        # Everything imported so far (~70k objects: FastAPI, pydantic, uvicorn, numpy...)
        # lives as long as the server. Moved out of the collector's sight, a full collection
        # no longer scans it on the tick path: measured 78 ms -> 0 ms on this 2-core box,
        # and those pauses were what made 50 concurrent games miss ticks.
        gc.collect()
        gc.freeze()

        async def pruner():
            while True:
                await asyncio.sleep(min(5.0, max(0.05, grace_seconds / 2)))
                games.prune()

        prune_task = asyncio.create_task(pruner())
        yield
        prune_task.cancel()
        # Server stopping: end every game; what was played is kept, marked unfinished.
        running = [g for g in games if g.task is not None and not g.task.done()]
        for game in running:
            game.task.cancel()
        await asyncio.gather(*(g.task for g in running), return_exceptions=True)
        for game in games:
            game.abandon()

    app = FastAPI(title="dualmind", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.games = games
    app.state.records = str(records)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        return JSONResponse({"detail": f"bad request: {_explain(exc)}"}, status_code=400)

    @app.get("/", response_class=HTMLResponse)
    async def index():
        return _page("index.html")

    @app.get("/records", response_class=HTMLResponse)
    async def records_page():
        return _page("records.html")

    @app.get("/{name}.js")
    async def script(name: str):
        if name not in ("app", "play", "records"):
            raise HTTPException(404, "no such script")
        return Response(_page(f"{name}.js"), media_type="application/javascript")

    @app.get("/style.css")
    async def style():
        return Response(_page("style.css"), media_type="text/css")

    @app.get("/api/options")
    async def options():
        return {"layouts": shipped_layouts(), "agents": list(AGENTS), "backends": list(BACKENDS),
                "defaults": {"layout": DEFAULT_LAYOUT, "agent": "hla", "backend": default_slow(None),
                             "slow_latency": SLOW_LATENCY}}

    @app.post("/api/games")
    async def create_game(body: GameRequest):
        chosen = body.model_dump()
        chosen["backend"] = default_slow(body.backend)
        chosen["fast_mind"] = default_fast_mind(body.fast_mind, chosen["backend"])
        opts = GameOptions(**chosen)
        game = Game(opts, app.state.records)
        games.add(game)
        return {"token": game.token}

    @app.post("/api/games/{token}/questionnaire")
    async def questionnaire(token: str, body: Answers):
        game = games.get(token)
        if game is None:
            raise HTTPException(404, "no such game (or it ended long ago)")
        answers = body.model_dump(exclude_none=True)
        if not answers:
            raise HTTPException(400, "bad request: answer at least one question")
        try:
            await asyncio.to_thread(game.questionnaire, answers)
        except (ValueError, DualmindError) as e:
            raise HTTPException(409, str(e)) from None
        return {"stored": len(answers)}

    @app.get("/api/records")
    async def records_list(last: int = Query(200, ge=1, le=5000)):
        """The ``last`` games recorded, newest first (a server that runs for weeks holds
        thousands)."""
        if not Path(app.state.records).exists():
            return []  # no game recorded yet
        try:
            eps = await asyncio.to_thread(list_episodes, app.state.records, last)
        except DualmindError as e:
            log.error("cannot list records: %s", e)
            raise HTTPException(500, "the records cannot be read; see the server log") from None
        return [ep.__dict__ for ep in reversed(eps)]

    @app.get("/api/records/{episode}/frames")
    async def record_frames(episode: int):
        def build():
            played = list(replay(app.state.records, episode))
            kitchen, last, _ = played[-1]
            out = []
            for _, state, events in played:
                f = frame(kitchen, state, None, False, end_tick=last.tick)
                f["chat"] = [{"player": e.player, "text": e.text} for e in events if e.kind == "chat"]
                out.append(f)
            return {"kitchen": kitchen_info(kitchen), "frames": out}

        try:
            return JSONResponse(await asyncio.to_thread(build))
        except DualmindError as e:
            # The message may name the records file: the log gets it, the client does not.
            log.warning("record %s: %s", episode, e)
            raise HTTPException(404, f"no record {episode} can be replayed") from None

    @app.websocket("/ws/{token}")
    async def stream(ws: WebSocket, token: str):
        await ws.accept()
        game = games.get(token)
        if game is None:
            await ws.send_json({"type": "error", "message": "unknown game token"})
            await ws.close(code=1008, reason="unknown game token")
            return
        if not game.live:  # a game that is over: how it ended, then a proper close
            for message in game.farewell():
                await ws.send_text(json.dumps(message))
            code, reason = game.close_reason
            await ws.close(code=code, reason=reason)
            return
        queue: asyncio.Queue = asyncio.Queue(maxsize=SEND_QUEUE)
        game.listeners.add(queue)
        if game.task is None:
            game.task = asyncio.create_task(game.run())
        close: tuple[int, str] | None = None  # None: the game's own close code and reason

        async def sender():
            while True:
                message = await queue.get()
                await ws.send_text(json.dumps(message))
                if message.get("type") in FINAL:
                    return

        send_task = asyncio.create_task(sender())
        window, count = time.monotonic(), 0
        try:
            while not send_task.done():
                receive = asyncio.create_task(ws.receive())
                done, _ = await asyncio.wait({receive, send_task}, return_when=asyncio.FIRST_COMPLETED)
                if receive not in done:
                    receive.cancel()
                    break
                message = receive.result()
                if message["type"] == "websocket.disconnect":
                    raise WebSocketDisconnect(message.get("code", 1000))
                now = time.monotonic()
                if now - window > 1.0:
                    window, count = now, 0
                count += 1
                if count > MAX_MESSAGES_PER_SECOND:
                    await ws.send_json({"type": "error", "message": "too many messages: closing"})
                    close = (1008, "too many messages")
                    break
                text = message.get("text")
                if text is None:
                    await ws.send_json({"type": "error",
                                        "message": "bad message: binary frames are not accepted; "
                                                   "send JSON text"})
                    continue
                if len(text.encode("utf-8", "surrogatepass")) > MAX_MESSAGE_BYTES:
                    await ws.send_json({"type": "error", "message": "message too large: closing"})
                    close = (1009, "message too large")
                    break
                try:
                    msg = json.loads(text)
                    if not isinstance(msg, dict):
                        raise ValueError("a message is a JSON object")
                    if msg.get("type") == "key":
                        game.key(msg.get("action"))
                    elif msg.get("type") == "chat":
                        game.say(msg.get("text"))
                    else:
                        raise ValueError("type must be key or chat")
                except RecursionError:
                    await ws.send_json({"type": "error", "message": "bad message: nested too deeply"})
                except (ValueError, TypeError) as e:
                    await ws.send_json({"type": "error", "message": f"bad message: {str(e)[:200]}"})
        except WebSocketDisconnect:
            close = (0, "")
        finally:
            game.listeners.discard(queue)
            send_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await send_task
            if not game.listeners and game.live and game.task is not None and not game.task.done():
                game.task.cancel()  # nobody is playing any more: keep what was played
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await game.task
            code, reason = close if close is not None else game.close_reason
            if code:
                with contextlib.suppress(Exception):
                    await ws.close(code=code, reason=reason)

    app.add_middleware(Guard, allow_hosts=tuple(allow_hosts), allow_origins=tuple(allow_origins))
    return app
