"""Tick-loop steadiness on the wall clock while the embedded model is kept busy.

HLA plays the talking partner at 10 Hz for ``seconds`` of real time, its slow mind taking
``slow_latency`` seconds per call, while a load generator keeps SmolLM2 generating
non-stop -- in a thread of this process (competing for the GIL with the tick loop) or in
a separate process (competing only for the 2 cores). Reports missed ticks, tick lateness
p50/p99 and executor decision p99, plus the same figures from a run with no load in the
same process, as the baseline.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
import time

from dualmind.agents.mind_agent import MindConfig
from dualmind.bench.episode import play_episode


def _hammer(stop, counter) -> None:
    from dualmind.llm.embedded import EmbeddedBackend
    from dualmind.llm.protocol import Choices, Message

    backend = EmbeddedBackend()
    while not stop.is_set():
        backend.complete([Message("user", "Pick the best next step for the kitchen.")],
                         Choices(("chop(tomato)", "cook(bob)", "serve(bob)", "wait")), timeout=30)
        with counter.get_lock():
            counter.value += 1


def run(seconds: float, load: str, slow_latency: float, seed: int) -> dict:
    ctx = mp.get_context("spawn")  # a fresh interpreter: no forked torch/llama state
    stop = ctx.Event() if load == "process" else threading.Event()
    counter = ctx.Value("i", 0)
    worker = None
    if load == "process":
        worker = ctx.Process(target=_hammer, args=(stop, counter), daemon=True)
    elif load == "thread":
        worker = threading.Thread(target=_hammer, args=(stop, counter), daemon=True)
    if worker is not None:
        worker.start()
        time.sleep(2.0)  # let the model load and start generating
    try:
        result = play_episode("ring", ("hla", "partner"), seed=seed, seconds=seconds, clock="wall",
                              minds=MindConfig(slow="learned", slow_latency=slow_latency))
    finally:
        stop.set()
        if worker is not None:
            worker.join(timeout=30)
    s = result.to_json()
    return {"load": load, "seconds": seconds, "missed_ticks": s["missed_ticks"],
            "lateness_p50_ms": s["lateness_p50_ms"], "lateness_p99_ms": s["lateness_p99_ms"],
            "executor_p50_ms": s["atomic_latency_ms"], "executor_p99_ms": s["atomic_latency_p99_ms"],
            "model_calls_during_run": counter.value, "score": s["score"]}


def bench_wall(seconds: float = 30.0, slow_latency: float = 5.0, seed: int = 0,
               loads: tuple[str, ...] = ("none", "thread", "process")) -> list[dict]:
    """One run per kind of load; 'none' is the baseline measured in the same process."""
    return [run(seconds, load, slow_latency, seed) for load in loads]
