"""One game in the browser: the agent against the human at the keyboard.

The episode driver (:class:`dualmind.runtime.match.Match`, on the wall clock, stepped
from the event loop) plays the game exactly as ``dualmind play`` does: same stepping,
record, minds and summary. This module only feeds the human's keys and chat in
(:class:`~dualmind.players.KeyboardHuman`) and publishes a frame per tick to every
connected client.

A :class:`Game` owns everything its game holds and gives it back when the game ends:
the record's SQLite connection, the task, the agent and its mind threads (stopped by the
driver), the clients' queues. Work that may block (building an agent that loads a model,
starting the episode, closing the record, end-of-game scoring) runs in daemon threads, so
it never stalls other games' ticks and never keeps a stopped server alive. The messages a
client gets, in order: ``start``, a ``frame`` per tick, ``end`` (the summary, as soon as
the record is finished), then ``summary`` (with the end-of-game scoring: compliance, team
figures), after which the server closes the socket with code 1000. A game that cannot
start or breaks sends ``error`` (``fatal: true``) and is closed with 1011 and the reason;
the server log gets one line.

Each game is isolated behind a random token; only a connection holding the token can
send its keys or chat. Every tick is recorded as it happens, so a game cut short by a
closed browser or a stopped server is kept, marked unfinished.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from dualmind.agents.mind_agent import MindConfig
from dualmind.errors import DualmindError
from dualmind.game.events import Event, EventKind
from dualmind.game.layout import load_layout
from dualmind.game.rules import Kitchen
from dualmind.game.state import State
from dualmind.game.text import clean_text
from dualmind.players import KeyboardHuman, make_player
from dualmind.runtime.agent import MindView, capabilities
from dualmind.runtime.match import Match
from dualmind.runtime.record import Recorder, store_questionnaire
from dualmind.summaries import SUMMARIZERS
from dualmind.vocab import DEFAULT_LAYOUT, DEFAULT_SLOW_BACKEND, FAST_LATENCY, SLOW_LATENCY
from dualmind.web.frames import frame, kitchen_info

log = logging.getLogger("dualmind.web")

MAX_QUEUED_KEYS = 4  # key presses beyond this are dropped (the human is ahead of the game)
MAX_QUEUED_MESSAGES = 4  # chat beyond this is dropped (one message enters per tick)
SEND_QUEUE = 64  # frames waiting for a slow client; the oldest is dropped beyond this
FINAL = ("summary", "error")  # after one of these a client's stream is over
# End-of-game work (the summary, the scoring) is mostly pure Python: many games ending
# together would each hold the interpreter lock in turn while the event loop waits behind
# all of them (measured: other games' ticks 50-130 ms late when 50 ended at once). Finishing
# (fast) goes one game at a time; scoring (slow: it may read thousands of messages) two at a
# time, on its own, so a slow scoring never holds back another game's end.
_FINISHING = threading.Lock()
_SCORING = threading.BoundedSemaphore(2)
T = TypeVar("T")


async def in_daemon_thread(fn: Callable[..., T], *args: Any, name: str = "dualmind-work") -> T:
    """``fn(*args)`` in a daemon thread, awaited without blocking the event loop.

    Unlike ``asyncio.to_thread`` (a pool whose threads are joined when the loop and the
    interpreter shut down), a call still running when the server stops is abandoned, so
    one Ctrl-C stops the server. Cancelling the await leaves the call to finish alone.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future = loop.create_future()

    def settle(value: Any, error: BaseException | None) -> None:
        if not future.done():
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(value)

    def work() -> None:
        try:
            value, error = fn(*args), None
        except BaseException as e:  # handed to the awaiting task
            value, error = None, e
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(settle, value, error)

    threading.Thread(target=work, name=name, daemon=True).start()
    return await future


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return f"{type(error).__name__}: {text}"[:300]


@dataclass
class GameOptions:
    layout: str = DEFAULT_LAYOUT
    agent: str = "hla"
    backend: str = DEFAULT_SLOW_BACKEND
    fast_mind: str = "code"
    """How the fast mind chooses a macro: code or llm."""
    seconds: float = 120.0
    slow_latency: float = SLOW_LATENCY
    fast_latency: float = FAST_LATENCY
    show_mind: bool = True
    seed: int | None = None
    """The episode's seed (None: a random one)."""


@dataclass
class Game:
    """A game in progress (or over), owning its resources; see the module docstring."""

    options: GameOptions
    records: str
    token: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    status: str = "created"  # created, running, finished, aborted, failed
    summary: dict | None = None
    """The driver's summary (the same keys as ``dualmind play --json``), once it ended."""
    error: str | None = None
    """Why the game could not start or broke (one line), if it did."""
    episode: int | None = None
    listeners: set = field(default_factory=set)  # asyncio.Queue per connected client
    watchers: list[Callable[[dict], None]] = field(default_factory=list)
    """Called with every message as it is published (in the game's loop, between ticks)."""
    dropped_frames: int = 0
    dropped_messages: int = 0
    task: asyncio.Task | None = None
    created_at: float = field(default_factory=time.monotonic)
    ended_at: float | None = None
    human: KeyboardHuman = field(default_factory=lambda: KeyboardHuman(MAX_QUEUED_KEYS))
    recorder: Recorder | None = None
    """Open while the game is played; closed (and dropped) once its record is complete."""
    match: Match | None = None
    """The episode driver playing this game (kept, stopped, until the game is pruned)."""
    _set_up: threading.Event | None = field(default=None, repr=False)
    """Set once the game's record and match are set up (or failed to be)."""
    scored: bool = False
    """True once the end-of-game scoring is merged into ``summary`` (and the record)."""
    answered: bool = False

    # -------------------------------------------------------------- inputs
    @property
    def live(self) -> bool:
        return self.status in ("created", "running")

    def key(self, action: str) -> None:
        if not self.live:
            raise ValueError("the game is over")
        self.human.press(action)

    def say(self, text: str) -> None:
        if not isinstance(text, str):
            raise ValueError("chat text must be a string")
        if not self.live:
            raise ValueError("the game is over")
        text = clean_text(text)  # valid UTF-8, one line, bounded: as the game will keep it
        if not text:
            return
        if len(self.human.messages) >= MAX_QUEUED_MESSAGES:
            self.dropped_messages += 1
            return
        self.human.say(text)

    @property
    def dropped_keys(self) -> int:
        return self.human.dropped_keys

    @property
    def transport(self) -> dict[str, int]:
        """What the connection lost (not part of the game's summary)."""
        return {"dropped_frames": self.dropped_frames, "dropped_keys": self.dropped_keys,
                "dropped_messages": self.dropped_messages}

    # -------------------------------------------------------------- output
    def publish(self, message: dict) -> None:
        for watch in self.watchers:
            watch(message)
        for queue in list(self.listeners):
            if queue.full():
                queue.get_nowait()  # a slow client loses its oldest frame, not the game
                self.dropped_frames += 1
            queue.put_nowait(message)

    def farewell(self) -> list[dict]:
        """What a client that connects after the game ended gets before the close."""
        if self.status == "failed":
            return [{"type": "error", "message": self.error or "the game failed", "fatal": True}]
        if self.summary is None:
            return []
        return [{"type": "end", "summary": self.summary, "transport": self.transport},
                {"type": "summary", "summary": self.summary, "scored": self.scored}]

    @property
    def close_reason(self) -> tuple[int, str]:
        """The WebSocket close code and reason at the end of this game."""
        if self.status == "failed":
            return 1011, (self.error or "the game failed")[:120]
        return 1000, f"game {self.status}"

    # -------------------------------------------------------------- the game
    async def run(self) -> None:
        """Play the game; whatever happens, end it cleanly and give its resources back."""
        opts = self.options
        started = cancelled = False
        try:
            kitchen = Kitchen(load_layout(opts.layout))
            minds = MindConfig(slow=opts.backend, fast_mind=opts.fast_mind,
                               slow_latency=opts.slow_latency, fast_latency=opts.fast_latency)
            # Building an agent may load a model (seconds): off the event loop.
            agent = await in_daemon_thread(make_player, opts.agent, minds, name="game-agent")
            caps = capabilities(agent)
            seed = opts.seed if opts.seed is not None else secrets.randbelow(2**31)
            end_tick = min(kitchen.horizon, kitchen.settings.ticks(opts.seconds))

            def mind_view() -> MindView:
                if caps.mind is not None:
                    return caps.mind.mind_view()
                if caps.macros is not None and caps.macros.macros:  # no minds: its latest macro
                    return MindView(macro=caps.macros.macros[-1][1])
                return MindView()

            def on_tick(state: State, events: list[Event]) -> None:
                view = mind_view() if opts.show_mind else None
                msg = frame(kitchen, state, view, opts.show_mind, end_tick=end_tick)
                msg["chat"] = [{"player": e.player, "text": e.text} for e in events
                               if e.kind == EventKind.CHAT]
                self.publish(msg)

            def set_up() -> Match:
                # Opening the file (schema, WAL) and starting the match (players' path
                # tables, the record's first rows) may take a while: off the event loop,
                # where other games are ticking. The wrap-up waits for this to be over, so
                # what it opens is closed even if the game is cancelled meanwhile.
                try:
                    self.recorder = Recorder(self.records)
                    # The game ends (record complete, end message sent) before the
                    # summarizers run: finish(summarize=False), then summarize() (_wrap_up).
                    self.match = Match(kitchen, (agent, self.human), seed=seed, seconds=opts.seconds,
                                       clock="wall", recorder=self.recorder,
                                       config={"options": dict(opts.__dict__)},
                                       summarizers=SUMMARIZERS, on_tick=on_tick)
                    self.match.start()
                    return self.match
                finally:
                    self._set_up.set()

            self._set_up = threading.Event()
            match = await in_daemon_thread(set_up, name="game-start")
            started = True
            self.episode = self.recorder.episode
            self.publish({"type": "start", "kitchen": kitchen_info(kitchen), "token_ok": True,
                          "you": 1, "agent": agent.name, "episode": self.episode})
            self.status = "running"
            match.restart_clock()  # tick 0 is due now, not when the start thread returned
            while not match.over:
                await asyncio.sleep(max(0.0, match.delay()))
                match.step()
        except asyncio.CancelledError:
            cancelled = True  # a closed browser or a stopping server: keep what was played
            raise
        except Exception as e:
            self.error = (f"the game could not start: {_one_line(e)}" if not started
                          else f"the game broke: {_one_line(e)}")
            log.error("game %s (%s, %s): %s", self.token[:8], opts.agent, opts.layout, self.error)
        finally:
            await self._wrap_up(cancelled)

    async def _wrap_up(self, cancelled: bool) -> None:
        """End the game: record complete, end message, scoring, resources given back.

        All of it runs in one daemon thread that owns the record from here on, so a
        cancelled task or a stopping server never leaves the connection open. A game cut
        short waits only for its record to be finished, not for the scoring: one Ctrl-C
        stops the server at once (the scoring is then simply not merged)."""
        loop = asyncio.get_running_loop()
        recorded, done = loop.create_future(), loop.create_future()
        set_up = self._set_up

        def soon(fn: Callable, *args: Any) -> None:
            with contextlib.suppress(RuntimeError):  # the loop is gone (server stopped)
                loop.call_soon_threadsafe(fn, *args)

        def settle(future: asyncio.Future) -> None:
            if not future.done():
                future.set_result(None)

        def wrap_up() -> None:
            if set_up is not None:
                set_up.wait()  # a set-up still running: what it opens is closed here
            match, recorder = self.match, self.recorder
            try:
                if match is not None and match.state is not None:  # started
                    with _FINISHING:
                        result = match.finish(summarize=False)  # minds stopped; record finished
                    self.summary = result.to_json()
                    self.status = "finished" if match.over else "aborted"
                    self.ended_at = time.monotonic()
                    soon(self.publish, {"type": "end", "summary": dict(self.summary),
                                        "transport": self.transport})
                    soon(settle, recorded)
                    with _SCORING:
                        self._score(match)
            except Exception as e:  # the record could not be closed: say so, once
                self.error = self.error or f"the game could not be recorded: {_one_line(e)}"
                log.error("game %s: %s", self.token[:8], self.error)
            finally:
                if recorder is not None:
                    recorder.close()
                self.recorder = None
                if self.error:
                    self.status = "failed"
                elif self.live:
                    self.status = "aborted"
                self.ended_at = self.ended_at or time.monotonic()
                for message in self.farewell()[-1:]:
                    soon(self.publish, message)
                soon(settle, recorded)
                soon(settle, done)

        threading.Thread(target=wrap_up, name="game-wrap-up", daemon=True).start()
        await (recorded if cancelled else done)

    def _score(self, match: Match) -> None:
        """End-of-game figures (compliance, team metrics), merged by the driver into its
        result and the already finished record; a failure leaves the summary as it was."""
        try:
            added = match.summarize()
        except Exception as e:
            log.warning("game %s: end-of-game scoring failed: %s", self.token[:8], _one_line(e))
            return
        self.summary = {**(self.summary or {}), **added}
        self.scored = True

    def abandon(self) -> None:
        """Give back what a game holds when nobody will play it (never connected) or the
        server stops; a running game is ended by cancelling its task instead."""
        if self.status == "created" and self.task is None:
            self.status = "aborted"
            self.ended_at = time.monotonic()
        if self.task is None or self.task.done():
            if self.recorder is not None:
                self.recorder.close()
                self.recorder = None
            self.match = None  # the agent, its tables and the episode's log
            self.listeners.clear()

    def questionnaire(self, answers: dict[str, Any]) -> None:
        """Store the player's answers with the record, once per game."""
        if self.live or self.episode is None or self.summary is None:
            raise DualmindError("the questionnaire comes after the game")
        if self.answered:
            raise DualmindError("the questionnaire of this game is already answered")
        store_questionnaire(self.records, self.episode, answers)
        self.answered = True
