"""Executor decision latency: time every ``Executor.step`` while two scripted players play."""

from __future__ import annotations

import time

from dualmind.agents.scripted import ScriptedAgent
from dualmind.game.layout import load_layout
from dualmind.game.rules import Kitchen
from dualmind.runtime.match import Match
from dualmind.runtime.stats import percentile


class _Timed:
    """Wraps an executor's ``step`` and records how long each call takes."""

    def __init__(self, executor, samples: list[float]):
        self._step, self.samples = executor.step, samples
        executor.step = self

    def __call__(self, state):
        start = time.perf_counter()
        out = self._step(state)
        self.samples.append(time.perf_counter() - start)
        return out


class _TimedScripted(ScriptedAgent):
    def __init__(self, samples: list[float]):
        super().__init__()
        self.samples = samples

    def reset(self, kitchen, me, seed):
        super().reset(kitchen, me, seed)
        _Timed(self.executor, self.samples)


def bench_executor(layout: str, seconds: float = 180.0, seeds: int = 2) -> dict:
    """p50/p99 (microseconds) of executor decisions over scripted games on ``layout``."""
    kitchen = Kitchen(load_layout(layout))
    samples: list[float] = []
    for seed in range(seeds):
        Match(kitchen, (_TimedScripted(samples), _TimedScripted(samples)), seed, seconds).run()
    us = [s * 1e6 for s in samples]
    return {"layout": layout, "decisions": len(us), "p50_us": round(percentile(us, 50), 1),
            "p99_us": round(percentile(us, 99), 1), "max_us": round(max(us), 1)}


def executor_text(rows: list[dict]) -> str:
    """One line per layout for the terminal."""
    return "\n".join(f"{r['layout']:<12} p50 {r['p50_us']:7.1f} us   p99 {r['p99_us']:7.1f} us   "
                     f"max {r['max_us']:8.1f} us   ({r['decisions']} decisions)" for r in rows)
