"""The tick loop: step the game with two agents on a virtual or a wall clock.

The virtual clock runs ticks back to back (as fast as the CPU allows); the wall clock
keeps absolute deadlines (tick n is due at start + n * tick_seconds), so a slow tick
makes the next sleep shorter instead of shifting the whole schedule, and counts every
tick that started late.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from dualmind.game.events import Event, EventKind
from dualmind.game.rules import Kitchen
from dualmind.game.state import State
from dualmind.runtime.agent import Agent, Decision


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
                log: list[Event] | None = None) -> tuple[EpisodeResult, State]:
    """Play one episode of ``seconds`` game seconds (default: the layout's episode).

    Returns the summary and the final state (which holds the whole chat). Every event is
    appended to ``log`` if one is given.
    """
    if clock not in ("virtual", "wall"):
        raise ValueError(f"clock must be 'virtual' or 'wall', got {clock!r}")
    tick_s = kitchen.settings.tick_seconds
    ticks = kitchen.horizon if seconds is None else min(kitchen.horizon, kitchen.settings.ticks(seconds))
    state = kitchen.reset(seed)
    for i, agent in enumerate(agents):
        agent.reset(kitchen, i, seed * 2 + i)
    counts: dict[str, int] = {}
    missed = 0
    start = time.perf_counter()
    for n in range(ticks):
        if clock == "wall":
            due = start + n * tick_s
            lag = due - time.perf_counter()
            if lag > 0:
                time.sleep(lag)
            elif -lag > tick_s:
                missed += 1  # this tick started more than a whole tick late
        decisions = [_decision(a.act(state)) for a in agents]
        chat = [(i, d.say) for i, d in enumerate(decisions) if d.say]
        state, events = kitchen.step(state, (decisions[0].action, decisions[1].action), chat)
        for e in events:
            counts[e.kind.value] = counts.get(e.kind.value, 0) + 1
        if log is not None:
            log.extend(events)
        if on_tick is not None:
            on_tick(state, events)
    return EpisodeResult(
        layout=kitchen.layout.name, agents=[a.name for a in agents], seed=seed,
        score=state.score, served=state.served, expired=state.expired, fires=state.fires,
        ticks=state.tick, ignored_actions=[p.ignored_actions for p in state.players],
        missed_ticks=missed, event_counts=dict(sorted(counts.items())),
    ), state


def _decision(value: Decision | str) -> Decision:
    return Decision(value) if isinstance(value, str) else value


__all__ = ["EpisodeResult", "EventKind", "run_episode"]
