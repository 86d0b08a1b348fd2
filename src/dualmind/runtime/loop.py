"""The tick loop: step the game with two agents on a virtual or a wall clock.

The virtual clock runs ticks back to back (as fast as the CPU allows) and charges mind
calls their latency in game time; the wall clock keeps absolute deadlines (tick n is due
at start + n * tick_seconds), so a slow tick makes the next sleep shorter instead of
shifting the whole schedule, and measures how late every tick starts. Agents that have
minds get a scheduler for the episode's clock (``attach``) and are never waited for.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from dualmind.game.events import Event
from dualmind.game.rules import Kitchen
from dualmind.game.state import State
from dualmind.runtime.agent import Agent, Decision
from dualmind.runtime.record import Recorder
from dualmind.runtime.scheduler import ThreadScheduler, VirtualScheduler
from dualmind.runtime.stats import percentile


@dataclass
class EpisodeResult:
    """The summary of one episode (the JSON of ``dualmind play --json``)."""

    layout: str
    agents: list[str]
    seed: int
    score: int
    served: int
    expired: int
    fires: int
    ticks: int
    ignored_actions: list[int]
    missed_ticks: int = 0
    event_counts: dict[str, int] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    """Figures other layers add (compliance from a talking partner, mind latencies...)."""

    def to_json(self) -> dict:
        out = {k: v for k, v in self.__dict__.items() if k != "extra"}
        out.update(self.extra)
        return out


def run_episode(kitchen: Kitchen, agents: tuple[Agent, Agent], seed: int = 0,
                seconds: float | None = None, clock: str = "virtual",
                on_tick: Callable[[State, list[Event]], None] | None = None,
                log: list[Event] | None = None,
                recorder: Recorder | None = None, config: dict | None = None,
                ) -> tuple[EpisodeResult, State]:
    """Play one episode of ``seconds`` game seconds (default: the layout's episode).

    Returns the summary and the final state (which holds the whole chat). Every event is
    appended to ``log`` if one is given; every tick goes to ``recorder`` if one is given.
    """
    if clock not in ("virtual", "wall"):
        raise ValueError(f"clock must be 'virtual' or 'wall', got {clock!r}")
    tick_s = kitchen.settings.tick_seconds
    ticks = kitchen.horizon if seconds is None else min(kitchen.horizon, kitchen.settings.ticks(seconds))
    schedulers = []
    for agent in agents:
        if hasattr(agent, "attach"):
            models = agent.latency_models() if hasattr(agent, "latency_models") else {}
            scheduler = (VirtualScheduler(tick_s, models) if clock == "virtual"
                         else ThreadScheduler(tick_s, models))
            schedulers.append(scheduler)
            agent.attach(scheduler)
    state = kitchen.reset(seed)
    for i, agent in enumerate(agents):
        agent.reset(kitchen, i, seed * 2 + i)
    if recorder is not None:
        recorder.start(kitchen, [a.name for a in agents], seed, clock, state, config)
    counts: dict[str, int] = {}
    macros_seen = [0] * len(agents)  # how much of each agent's macro log is recorded
    lateness: list[float] = []
    missed = 0
    finished = False
    start = time.perf_counter()
    try:
        for n in range(ticks):
            if clock == "wall":
                due = start + n * tick_s
                lag = due - time.perf_counter()
                if lag > 0:
                    time.sleep(lag)
                late = time.perf_counter() - due
                lateness.append(late)
                if late > tick_s:
                    missed += 1  # this tick started more than a whole tick late
            decisions = [_decision(a.act(state)) for a in agents]
            chat = [(i, d.say) for i, d in enumerate(decisions) if d.say]
            actions = (decisions[0].action, decisions[1].action)
            before = state
            state, events = kitchen.step(state, actions, chat)
            for e in events:
                counts[e.kind.value] = counts.get(e.kind.value, 0) + 1
            if log is not None:
                log.extend(events)
            if recorder is not None:
                macros, calls = [], []
                for i, a in enumerate(agents):
                    log_i = getattr(a, "macros", ())
                    macros += [(i, m) for _t, m in log_i[macros_seen[i]:]]
                    macros_seen[i] = len(log_i)
                    if hasattr(a, "drain_calls"):
                        calls += [(i, rec, out) for rec, out in a.drain_calls()]
                recorder.tick(before, actions, state, events, macros, calls)
            if on_tick is not None:
                on_tick(state, events)
        finished = True
    finally:
        for scheduler in schedulers:
            scheduler.close()
        result = EpisodeResult(
            layout=kitchen.layout.name, agents=[a.name for a in agents], seed=seed,
            score=state.score, served=state.served, expired=state.expired, fires=state.fires,
            ticks=state.tick, ignored_actions=[p.ignored_actions for p in state.players],
            missed_ticks=missed, event_counts=dict(sorted(counts.items())))
        if clock == "wall":
            result.extra["lateness_p50_ms"] = round((percentile(lateness, 50) or 0) * 1000, 3)
            result.extra["lateness_p99_ms"] = round((percentile(lateness, 99) or 0) * 1000, 3)
        for agent in agents[:1]:
            if hasattr(agent, "summary"):
                result.extra.update(agent.summary())
        if recorder is not None:
            recorder.finish(state, result.to_json(), finished=finished)
    return result, state


def _decision(value: Decision | str) -> Decision:
    return Decision(value) if isinstance(value, str) else value
