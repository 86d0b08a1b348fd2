"""The episode driver: one game between two players, on a virtual or a wall clock.

Every way of playing goes through :class:`Match`: ``dualmind play`` and ``eval`` (through
``bench.episode``), every benchmark, and the browser (``web.session``, which only feeds
the human's keys and chat in and publishes frames out from ``on_tick``). The driver owns

* the clock: the virtual clock runs ticks back to back (as fast as the CPU allows) and
  charges mind calls their latency in game time; the wall clock keeps absolute deadlines
  (tick n is due at start + n * tick_seconds), so a slow tick makes the next wait shorter
  instead of shifting the whole schedule, and measures how late every tick starts;
* the minds: each :class:`~dualmind.runtime.agent.MindPlayer` gets a scheduler for the
  episode's clock (``attach``) and is never waited for; its finished calls are drained
  every tick;
* stepping, recording (every tick, macro and mind call to a
  :class:`~dualmind.runtime.record.Recorder`), the event log and the chat log;
* the end-of-episode summary (:class:`EpisodeResult`), identical in its keys whichever
  way the game was played.

Three ways to drive it: :meth:`Match.run` (blocking; sleeps between wall-clock ticks),
:meth:`Match.run_async` (the same, awaiting instead of sleeping, for an asyncio server),
or step by step: :meth:`Match.start`, then while not :attr:`Match.over` wait
:meth:`Match.delay` seconds and :meth:`Match.step`, then :meth:`Match.finish` (which also
runs the summarizers, or ``finish(summarize=False)`` now and :meth:`Match.summarize` later).

Summary hook
------------
``summarizers`` is a sequence of callables ``summarizer(view: EpisodeView) -> dict``,
called once, in order, when the episode ends (also when it was cut short: check
``view.finished``). Each gets the whole episode -- the kitchen, the final state, every
event, both players, every chat line with the state it was said in and each player's
:class:`~dualmind.runtime.agent.MindView` at that moment -- and returns figures to merge
into the summary (later summarizers win on a clash). A summarizer must always return the
same keys (None for a figure it cannot compute), so that summaries from the browser and
from ``play`` have the same keys. The ones every game uses are listed in
``dualmind.summaries.SUMMARIZERS`` (the compliance judge; team metrics go there too).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dualmind.game.events import Event, EventKind
from dualmind.game.rules import Kitchen
from dualmind.game.state import State
from dualmind.runtime.agent import Capabilities, Decision, MindView, Player, capabilities
from dualmind.runtime.record import Recorder
from dualmind.runtime.scheduler import ThreadScheduler, VirtualScheduler
from dualmind.runtime.stats import percentile

CLOCKS = ("virtual", "wall")


@dataclass
class EpisodeResult:
    """The summary of one episode (the JSON of ``dualmind play --json``, the browser's end
    message and the record's summary)."""

    layout: str
    agents: list[str]
    seed: int
    clock: str
    score: int
    served: int
    expired: int
    fires: int
    ticks: int
    finished: bool
    """False when the episode was cut short (an error, a closed browser, a stopped server)."""
    ignored_actions: list[int]
    missed_ticks: int = 0
    """Wall clock: ticks that started more than a whole tick late (0 on the virtual clock)."""
    lateness_p50_ms: float | None = None
    """Wall clock: how late ticks started, median (None on the virtual clock)."""
    lateness_p99_ms: float | None = None
    event_counts: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    """Figures the players and the summarizers add (mind latencies, compliance...)."""

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "extra"}
        out.update(self.extra)
        return out


@dataclass(frozen=True)
class ChatLine:
    """One chat message as the driver saw it."""

    tick: int
    player: int
    text: str
    before: State
    """The state the message was sent in (what the sender saw)."""
    views: tuple[MindView | None, ...]
    """Each player's mind view right after the tick's decisions (None: no minds)."""


@dataclass(frozen=True)
class EpisodeView:
    """Everything a summarizer may read about a finished (or cut short) episode."""

    kitchen: Kitchen
    final: State
    events: Sequence[Event]
    players: tuple[Player, Player]
    capabilities: tuple[Capabilities, Capabilities]
    chat: Sequence[ChatLine]
    finished: bool

    def macros(self, player: int) -> Sequence[tuple[int, str]]:
        """Player ``player``'s macro log ((tick, macro) each time one was taken up)."""
        logger = self.capabilities[player].macros
        return logger.macros if logger is not None else ()


Summarizer = Callable[[EpisodeView], Mapping[str, Any]]


class Match:
    """One episode between two players; see the module docstring for the three ways to
    drive it."""

    def __init__(self, kitchen: Kitchen, players: tuple[Player, Player], seed: int = 0,
                 seconds: float | None = None, clock: str = "virtual", *,
                 recorder: Recorder | None = None, config: dict | None = None,
                 summarizers: Sequence[Summarizer] = (),
                 on_tick: Callable[[State, list[Event]], None] | None = None):
        """Play ``seconds`` game seconds (default: the layout's whole episode).

        Every tick goes to ``recorder`` if one is given (the caller closes it);
        ``on_tick(state, events)`` is called after every tick.
        """
        if clock not in CLOCKS:
            raise ValueError(f"clock must be 'virtual' or 'wall', got {clock!r}")
        self.kitchen, self.players, self.seed, self.clock = kitchen, players, seed, clock
        self.capabilities = (capabilities(players[0]), capabilities(players[1]))
        self.recorder, self.config = recorder, config
        self.summarizers = tuple(summarizers)
        self.on_tick = on_tick
        self.tick_seconds = kitchen.settings.tick_seconds
        self.end_tick = kitchen.horizon if seconds is None else min(
            kitchen.horizon, kitchen.settings.ticks(seconds))
        self.state: State | None = None
        self.events: list[Event] = []
        self.chat: list[ChatLine] = []
        self.result: EpisodeResult | None = None
        self._schedulers: list[VirtualScheduler | ThreadScheduler] = []
        self._macros_seen = [0, 0]  # how much of each player's macro log is recorded
        self._lateness: list[float] = []
        self._missed = 0
        self._counts: dict[str, int] = {}
        self._start = 0.0
        self._summarized: dict[str, Any] | None = None

    # ------------------------------------------------------------------ step-wise API
    def start(self) -> State:
        """Give the minds their schedulers, reset the players, open the record; the
        wall clock starts now."""
        if self.state is not None:
            raise RuntimeError("this match has already started")
        for caps in self.capabilities:
            if caps.mind is not None:
                models = dict(caps.mind.latency_models())
                scheduler = (VirtualScheduler(self.tick_seconds, models) if self.clock == "virtual"
                             else ThreadScheduler(self.tick_seconds, models))
                self._schedulers.append(scheduler)
                caps.mind.attach(scheduler)
        state = self.kitchen.reset(self.seed)
        for i, player in enumerate(self.players):
            player.reset(self.kitchen, i, self.seed * 2 + i)
        if self.recorder is not None:
            self.recorder.start(self.kitchen, [p.name for p in self.players], self.seed, self.clock,
                                state, self.config)
        self.state = state
        self._start = time.perf_counter()
        return state

    def restart_clock(self) -> None:
        """Tick 0 is due now (wall clock). For a caller that ran :meth:`start` in a worker
        thread (resetting players can take a while) and plays from an event loop: the clock
        starts when the loop is ready to play, not when the thread finished."""
        if self.state is None or self.state.tick != 0:
            raise RuntimeError("restart_clock() is for a started match before its first tick")
        self._start = time.perf_counter()

    @property
    def over(self) -> bool:
        """True once every tick of the episode has been played."""
        return self.state is not None and self.state.tick >= self.end_tick

    def delay(self) -> float:
        """Seconds to wait before the next tick is due (always 0 on the virtual clock)."""
        if self.clock == "virtual" or self.state is None:
            return 0.0
        return self._start + self.state.tick * self.tick_seconds - time.perf_counter()

    def step(self) -> tuple[State, list[Event]]:
        """Play one tick now: both players decide, the game steps, everything is logged."""
        before = self.state
        if before is None:
            raise RuntimeError("start() the match before stepping it")
        if self.clock == "wall":
            late = time.perf_counter() - (self._start + before.tick * self.tick_seconds)
            self._lateness.append(late)
            if late > self.tick_seconds:
                self._missed += 1  # this tick started more than a whole tick late
        decisions = [_decision(p.act(before)) for p in self.players]
        chat = [(i, d.say) for i, d in enumerate(decisions) if d.say]
        actions = (decisions[0].action, decisions[1].action)
        state, events = self.kitchen.step(before, actions, chat)
        self.state = state
        self.events.extend(events)
        views: tuple[MindView | None, ...] | None = None
        for e in events:
            self._counts[e.kind.value] = self._counts.get(e.kind.value, 0) + 1
            if e.kind == EventKind.CHAT and e.player is not None:
                if views is None:
                    views = tuple(c.mind.mind_view() if c.mind is not None else None
                                  for c in self.capabilities)
                self.chat.append(ChatLine(before.tick, e.player, e.text, before, views))
        macros, calls = [], []
        for i, caps in enumerate(self.capabilities):
            if caps.macros is not None:
                log = caps.macros.macros
                macros += [(i, m) for _t, m in log[self._macros_seen[i]:]]
                self._macros_seen[i] = len(log)
            if caps.mind is not None:
                calls += [(i, rec, out) for rec, out in caps.mind.drain_calls()]
        if self.recorder is not None:
            self.recorder.tick(before, actions, state, events, macros, calls)
        if self.on_tick is not None:
            self.on_tick(state, events)
        return state, events

    def finish(self, summarize: bool = True) -> EpisodeResult:
        """Stop the minds, build the summary (the players' own figures included), finish the
        record's episode, then (unless ``summarize`` is False) run the summarizers: see
        :meth:`summarize`. Safe to call more than once."""
        if self.result is None:
            if self.state is None:
                raise RuntimeError("start() the match before finishing it")
            for scheduler in self._schedulers:
                scheduler.close()
            state, finished = self.state, self.over
            result = EpisodeResult(
                layout=self.kitchen.layout.name, agents=[p.name for p in self.players],
                seed=self.seed, clock=self.clock, score=state.score, served=state.served,
                expired=state.expired, fires=state.fires, ticks=state.tick, finished=finished,
                ignored_actions=[p.ignored_actions for p in state.players],
                missed_ticks=self._missed, event_counts=dict(sorted(self._counts.items())))
            if self.clock == "wall":
                result.lateness_p50_ms = round((percentile(self._lateness, 50) or 0.0) * 1000, 3)
                result.lateness_p99_ms = round((percentile(self._lateness, 99) or 0.0) * 1000, 3)
            mind = self.capabilities[0].mind  # the agent's figures (player 1 is its partner)
            if mind is not None:
                result.extra.update(mind.summary())
            self.result = result
            # The record is finished first: a summarizer that fails or takes long never
            # leaves it unfinished; their figures are merged in afterwards.
            if self.recorder is not None:
                self.recorder.finish(state, result.to_json(), finished=finished)
        if summarize:
            self.summarize()
        return self.result

    def view(self) -> EpisodeView:
        """The episode so far, as summarizers see it."""
        if self.state is None:
            raise RuntimeError("start() the match first")
        return EpisodeView(self.kitchen, self.state, self.events, self.players, self.capabilities,
                           self.chat, self.over)

    def summarize(self) -> dict[str, Any]:
        """Run the summarizers once (after :meth:`finish`) and merge what they return into the
        result and the record; returns those figures. A caller that must not wait for them
        (the browser's end message) calls ``finish(summarize=False)`` and this later."""
        if self.result is None:
            raise RuntimeError("finish() the match before summarizing it")
        if self._summarized is None:
            added: dict[str, Any] = {}
            view = self.view()
            for summarize in self.summarizers:
                added.update(summarize(view))
            self.result.extra.update(added)
            if self.recorder is not None and added:
                self.recorder.add_to_summary(added)
            self._summarized = added
        return self._summarized

    # ------------------------------------------------------------------ whole episodes
    def run(self) -> EpisodeResult:
        """Play the whole episode, blocking (sleeping between wall-clock ticks)."""
        if self.state is None:
            self.start()
        try:
            while not self.over:
                wait = self.delay()
                if wait > 0:
                    time.sleep(wait)
                self.step()
        finally:
            result = self.finish()
        return result

    async def run_async(self) -> EpisodeResult:
        """Play the whole episode from an asyncio loop without ever blocking it: waits are
        awaited (and a late tick still yields once, so other games get their turn), and
        the summary is built in a worker thread (a summarizer may load a model)."""
        if self.state is None:
            self.start()
        try:
            while not self.over:
                await asyncio.sleep(max(0.0, self.delay()))
                self.step()
        finally:
            result = await asyncio.to_thread(self.finish)
        return result


def _decision(value: Decision | str) -> Decision:
    return Decision(value) if isinstance(value, str) else value


def run_episode(kitchen: Kitchen, players: tuple[Player, Player], seed: int = 0,
                seconds: float | None = None, clock: str = "virtual",
                on_tick: Callable[[State, list[Event]], None] | None = None,
                log: list[Event] | None = None, recorder: Recorder | None = None,
                config: dict | None = None, summarizers: Sequence[Summarizer] = (),
                ) -> tuple[EpisodeResult, State]:
    """Play one whole episode with a :class:`Match` (blocking); returns the summary and the
    final state (which holds the whole chat). Every event is appended to ``log`` if one is
    given, also when the episode is cut short."""
    match = Match(kitchen, players, seed, seconds, clock, recorder=recorder, config=config,
                  summarizers=summarizers, on_tick=on_tick)
    try:
        result = match.run()
    finally:
        if log is not None:
            log.extend(match.events)
    final = match.state
    if final is None:  # run() always starts the match
        raise RuntimeError("the match never started")
    return result, final
