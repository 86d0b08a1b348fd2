"""Running minds beside the tick loop without ever blocking it.

A mind call is submitted at some tick and its result becomes visible at a later tick:

* :class:`VirtualScheduler` (virtual clock): the call runs at once, synchronously, and its
  result is held back until the game time it would have taken has passed: its measured
  latency, or one from a :class:`LatencyModel` (fixed, or per prompt/generated token).
  Same seed + same model + deterministic backend -> the same episode, on any machine.
* :class:`ThreadScheduler` (wall clock): the call runs in a worker thread; the tick loop
  polls for finished results each tick and never waits.

Each mind has its own lane: one call in flight at a time. What a mind does with requests
that arrive while it is busy is its own business (the slow mind keeps every human message
and sends them all with its next call, so none is ever skipped).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class LatencyModel:
    """Game seconds charged for a mind call under the virtual clock.

    ``seconds`` fixed per call (None: charge the measured wall time), plus
    ``per_prompt_token`` and ``per_generated_token`` seconds per token when a call reports
    its token counts (a hardware-independent clock).
    """

    seconds: float | None = None
    per_prompt_token: float = 0.0
    per_generated_token: float = 0.0

    def charge(self, measured_s: float, prompt_tokens: int = 0, generated_tokens: int = 0) -> float:
        base = measured_s if self.seconds is None else self.seconds
        return base + prompt_tokens * self.per_prompt_token + generated_tokens * self.per_generated_token


@dataclass
class CallRecord:
    """One mind call: what was asked, what came back, when, and what it cost."""

    mind: str
    submitted_tick: int
    ready_tick: int | None = None
    latency_s: float = 0.0  # charged (virtual) or measured (wall) seconds
    wall_s: float = 0.0  # measured compute time
    result: Any = None
    error: str | None = None
    prompt: str = ""
    output: str = ""
    tokens: tuple[int, int] = (0, 0)
    meta: dict = field(default_factory=dict)


@runtime_checkable
class CountsTokens(Protocol):
    """A mind call's result that reports its (prompt, generated) token counts."""

    tokens: tuple[int, int]


def _tokens(result: Any) -> tuple[int, int]:
    return (result.tokens or (0, 0)) if isinstance(result, CountsTokens) else (0, 0)


class _Lanes:
    """One lane per mind, at most one call in flight on each."""

    def __init__(self, tick_seconds: float, latency: dict[str, LatencyModel] | None = None):
        self.tick_seconds = tick_seconds
        self.latency = latency or {}
        self._pending: dict[str, Any] = {}

    def busy(self, mind: str) -> bool:
        return mind in self._pending

    def _open(self, mind: str, tick: int) -> CallRecord:
        if mind in self._pending:
            raise RuntimeError(f"mind {mind!r} already has a call in flight")
        return CallRecord(mind, tick)


class VirtualScheduler(_Lanes):
    """Discrete-event minds: results appear after their charged latency in game ticks."""

    clock = "virtual"

    def submit(self, mind: str, tick: int, fn: Callable[[], Any]) -> CallRecord:
        record = self._open(mind, tick)
        start = time.perf_counter()
        try:
            record.result = fn()
        except Exception as e:
            record.error = f"{type(e).__name__}: {e}"
        record.wall_s = time.perf_counter() - start
        tokens = _tokens(record.result)
        record.tokens = tokens
        model = self.latency.get(mind, LatencyModel())
        record.latency_s = model.charge(record.wall_s, *tokens)
        record.ready_tick = tick + max(1, math.ceil(record.latency_s / self.tick_seconds - 1e-9))
        self._pending[mind] = record
        return record

    def poll(self, mind: str, tick: int) -> CallRecord | None:
        """The mind's finished call, if its result is visible by ``tick``."""
        record = self._pending.get(mind)
        if record is not None and record.ready_tick is not None and record.ready_tick <= tick:
            del self._pending[mind]
            return record
        return None

    def close(self) -> None:
        self._pending.clear()


CALL_THREAD = "mind-"
"""Name prefix of the daemon thread each wall-clock mind call runs in."""


def calls_running() -> bool:
    """True while a wall-clock mind call (possibly abandoned at close) is still running."""
    return any(t.name.startswith(CALL_THREAD) and t.is_alive() for t in threading.enumerate())


class ThreadScheduler(_Lanes):
    """Wall-clock minds: each call runs in a worker thread; results are polled per tick.

    With a latency model that fixes ``seconds`` (to emulate a slower model), a result is
    held back until that much wall time has passed since submission.
    """

    clock = "wall"

    def __init__(self, tick_seconds: float, latency: dict[str, LatencyModel] | None = None,
                 workers: int = 4):
        super().__init__(tick_seconds, latency)
        # ``workers`` is kept for callers; each lane runs at most one call at a time anyway.

    def submit(self, mind: str, tick: int, fn: Callable[[], Any]) -> CallRecord:
        record = self._open(mind, tick)
        future: Future = Future()

        def run():
            start = time.perf_counter()
            try:
                outcome = fn(), None, time.perf_counter() - start
            except Exception as e:
                outcome = None, f"{type(e).__name__}: {e}", time.perf_counter() - start
            future.set_result(outcome)

        # A daemon thread per call, not a ThreadPoolExecutor: the pool's workers are joined
        # at interpreter exit, so one mind stuck in a model call kept a finished `play`
        # (or a stopped server) alive. A call still running at close is simply abandoned.
        threading.Thread(target=run, name=f"{CALL_THREAD}{mind}", daemon=True).start()
        self._pending[mind] = (record, future, time.perf_counter())
        return record

    def poll(self, mind: str, tick: int) -> CallRecord | None:
        entry = self._pending.get(mind)
        if entry is None:
            return None
        record, future, started = entry
        if not future.done():
            return None
        model = self.latency.get(mind)
        elapsed = time.perf_counter() - started
        if model is not None and model.seconds is not None and elapsed < model.seconds:
            return None  # emulating a slower model: not yet
        record.result, record.error, record.wall_s = future.result()
        record.tokens = _tokens(record.result)
        record.latency_s = elapsed
        record.ready_tick = tick
        del self._pending[mind]
        return record

    def close(self) -> None:
        self._pending.clear()
