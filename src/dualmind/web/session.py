"""One game in the browser: the wall-clock tick loop, the agent, the human's inputs.

Each game is isolated behind a random token; only a connection holding the token can
send its keys or chat. The loop keeps absolute deadlines at the game's tick rate and
never waits for a mind (minds run in threads). Every tick is recorded as it happens, so
a game cut short by a closed browser or a stopped server is kept, marked unfinished.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections import deque
from dataclasses import dataclass, field

from dualmind.agents.language.context import Context
from dualmind.agents.mind_agent import MindConfig, shared_interpreter
from dualmind.game.layout import load_layout
from dualmind.game.rules import ACTIONS, Kitchen
from dualmind.players import make_player
from dualmind.runtime.record import Recorder
from dualmind.runtime.scheduler import ThreadScheduler
from dualmind.runtime.stats import percentile
from dualmind.web.frames import frame, kitchen_info

MAX_QUEUED_KEYS = 4  # key presses beyond this are dropped (the human is ahead of the game)
MAX_CHAT_CHARS = 500
SEND_QUEUE = 64  # frames waiting for a slow client; the oldest is dropped beyond this


@dataclass
class GameOptions:
    layout: str = "ring"
    agent: str = "hla"
    backend: str = "learned"
    seconds: float = 120.0
    slow_latency: float = 4.0
    fast_latency: float = 0.3
    show_mind: bool = True


@dataclass
class Game:
    """A game in progress (or over) and everything the server needs about it."""

    options: GameOptions
    records: str
    token: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    status: str = "created"  # created, running, finished, aborted
    summary: dict | None = None
    episode: int | None = None
    keys: deque = field(default_factory=deque)
    chat: list = field(default_factory=list)
    listeners: set = field(default_factory=set)  # asyncio.Queue per connected client
    dropped_frames: int = 0
    dropped_keys: int = 0
    lateness: list = field(default_factory=list)
    task: asyncio.Task | None = None
    human_chat: list = field(default_factory=list)  # (tick, text, context) of each message
    events: list = field(default_factory=list)

    # -------------------------------------------------------------- inputs
    def key(self, action: str) -> None:
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; actions are {', '.join(ACTIONS)}")
        if len(self.keys) >= MAX_QUEUED_KEYS:
            self.dropped_keys += 1
            return
        self.keys.append(action)

    def say(self, text: str) -> None:
        if not isinstance(text, str):
            raise ValueError("chat text must be a string")
        text = text.strip()[:MAX_CHAT_CHARS]
        if text:
            self.chat.append(text)

    # -------------------------------------------------------------- output
    def publish(self, message: dict) -> None:
        for queue in list(self.listeners):
            if queue.full():
                queue.get_nowait()  # a slow client loses its oldest frame, not the game
                self.dropped_frames += 1
            queue.put_nowait(message)

    # -------------------------------------------------------------- the loop
    async def run(self) -> None:
        opts = self.options
        kitchen = Kitchen(load_layout(opts.layout))
        minds = MindConfig(slow=opts.backend, slow_latency=opts.slow_latency,
                           fast_latency=opts.fast_latency)
        # Building an agent may load a model (seconds): off the event loop.
        agent = await asyncio.to_thread(make_player, opts.agent, minds)
        scheduler = None
        if hasattr(agent, "attach"):
            scheduler = ThreadScheduler(kitchen.settings.tick_seconds, agent.latency_models())
            agent.attach(scheduler)
        state = kitchen.reset(secrets.randbelow(2**31))
        agent.reset(kitchen, 0, state.seed)
        recorder = Recorder(self.records)
        self.episode = recorder.start(kitchen, [agent.name, "human"], state.seed, "wall", state,
                                      {"options": opts.__dict__})
        self.publish({"type": "start", "kitchen": kitchen_info(kitchen), "token_ok": True,
                      "you": 1, "agent": agent.name, "episode": self.episode})
        self.status = "running"
        tick_s = kitchen.settings.tick_seconds
        ticks = min(kitchen.horizon, kitchen.settings.ticks(opts.seconds))
        start = time.perf_counter()
        macros_seen = 0  # how much of the agent's macro log is recorded
        finished = False
        try:
            for n in range(ticks):
                due = start + n * tick_s
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                self.lateness.append(time.perf_counter() - due)
                decision = agent.act(state)
                human = self.keys.popleft() if self.keys else "stay"
                chat = [(1, text) for text in self.chat] + ([(0, decision.say)] if decision.say else [])
                self.chat = []
                before = state
                state, events = kitchen.step(state, (decision.action, human), chat)
                self.events.extend(e for e in events if e.player == 0 or e.kind == "serve")
                log = getattr(agent, "macros", ())
                macros, macros_seen = [(0, m) for _t, m in log[macros_seen:]], len(log)
                calls = [(0, r, o) for r, o in agent.drain_calls()] if hasattr(agent, "drain_calls") else []
                recorder.tick(before, (decision.action, human), state, events, macros, calls)
                for e in events:
                    if e.kind == "chat" and e.player == 1:
                        self.human_chat.append((before.tick, e.detail, Context.from_state(
                            kitchen, before, getattr(getattr(agent, "plan", None), "intention", None))))
                msg = frame(kitchen, state, agent, opts.show_mind, end_tick=ticks)
                msg["chat"] = [{"player": e.player, "text": e.detail} for e in events if e.kind == "chat"]
                self.publish(msg)
            finished = True
        finally:
            if scheduler is not None:
                scheduler.close()
            self.summary = {
                "score": state.score, "served": state.served, "expired": state.expired,
                "fires": state.fires, "ticks": state.tick, "finished": finished,
                "lateness_p50_ms": round((percentile(self.lateness, 50) or 0.0) * 1000, 3),
                "lateness_p99_ms": round((percentile(self.lateness, 99) or 0.0) * 1000, 3),
                "missed_ticks": sum(1 for x in self.lateness if x > tick_s),
                "dropped_frames": self.dropped_frames, "dropped_keys": self.dropped_keys}
            if hasattr(agent, "summary"):
                self.summary.update(agent.summary())
            if self.human_chat and self.events:
                with contextlib.suppress(Exception):  # no interpreter installed: no compliance
                    self.summary.update(await asyncio.to_thread(
                        interpreted_compliance, self.human_chat, self.events, state,
                        getattr(agent, "macros", ()), tick_s))
            recorder.finish(state, self.summary, finished=finished)
            self.recorder = recorder
            self.status = "finished" if finished else "aborted"
            self.publish({"type": "end", "summary": self.summary})

    def questionnaire(self, answers: dict) -> None:
        recorder = getattr(self, "recorder", None)
        if recorder is None:
            raise ValueError("the questionnaire comes after the game")
        recorder.questionnaire(answers)


def interpreted_compliance(human_chat, events, state, macros, tick_seconds: float) -> dict:
    """Compliance with a real human: what they asked is read by the learned interpreter
    (98.5% on held-out messages), then the judge scores the agent as for simulated
    partners. Reported as ``compliance`` with ``compliance_source: interpreted``."""
    from dualmind.partners.judge import judge
    from dualmind.partners.talker import TalkRecord

    reader = shared_interpreter("learned")
    talk = []
    for tick, text, ctx in human_chat:
        got = reader.interpret(text, ctx)
        keywords = tuple(w for w in got.intention.reply.replace(".", " ").replace(",", " ").split()
                         if w.lower() in ("alice", "bob", "cathy", "david", "lettuce", "onion", "tomato"))
        talk.append(TalkRecord(tick, text, got.intent, got.intention, keywords))
    report = judge(talk, events, state.chat, 0, tick_seconds, state.tick, macros)
    return {**report.summary(), "compliance_source": "interpreted"}
