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


def _hammer_qwen(stop, counter) -> None:
    """Both Qwen models kept busy (their own copies, so the agent's minds never wait for
    them): the 1.5B generating constrained JSON, the 0.5B scoring candidates, in turn."""
    from dualmind.llm.protocol import JsonSchema, Message
    from dualmind.llm.qwen import QwenBackend, chat_prompt
    from dualmind.llm.weights import FAST_MODEL, SLOW_MODEL

    slow, fast = QwenBackend(SLOW_MODEL, scoring=False), QwenBackend(FAST_MODEL)
    schema = {"type": "object", "properties": {"note": {"type": "string", "maxLength": 80}},
              "required": ["note"]}
    while not stop.is_set():
        slow.complete([Message("user", f"Describe kitchen step {counter.value}.")], JsonSchema(schema))
        fast.score(chat_prompt([Message("user", f"Next macro {counter.value}?")]),
                   ["chop(tomato)", "cook(bob)", "serve(bob)", "wait", "fetch(plate)"])
        with counter.get_lock():
            counter.value += 2


def run(seconds: float, load: str, slow_latency: float, seed: int) -> dict:
    ctx = mp.get_context("spawn")  # a fresh interpreter: no forked torch/llama state
    stop = ctx.Event() if load == "process" else threading.Event()
    counter = ctx.Value("i", 0)
    worker = None
    if load == "process":
        worker = ctx.Process(target=_hammer, args=(stop, counter), daemon=True)
    elif load == "thread":
        worker = threading.Thread(target=_hammer, args=(stop, counter), daemon=True)
    elif load == "llm":  # issue 14: HLA's own minds are the Qwen models, and both also generate
        worker = threading.Thread(target=_hammer_qwen, args=(stop, counter), daemon=True)
    if worker is not None:
        worker.start()
        time.sleep(2.0 if load != "llm" else 8.0)  # let the models load and start generating
    minds = (MindConfig(slow="llm", fast_mind="llm", slow_latency=None, fast_latency=None) if load == "llm"
             else MindConfig(slow="learned", slow_latency=slow_latency))
    try:
        result = play_episode("ring", ("hla", "partner"), seed=seed, seconds=seconds, clock="wall",
                              minds=minds)
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
               loads: tuple[str, ...] | None = None) -> list[dict]:
    """One run per kind of load; 'none' is the baseline measured in the same process.
    By default 'llm' (HLA with both Qwen minds while both models also generate) is run too
    when the models extra is installed."""
    if loads is None:
        from dualmind.agents.llm.defaults import llm_available

        loads = ("none", "thread", "process") + (("llm",) if llm_available() else ())
    return [run(seconds, load, slow_latency, seed) for load in loads]


def wall_text(rows: list[dict]) -> str:
    """One line per kind of load for the terminal."""
    return "\n".join(
        f"load {r['load']:<8} missed {r['missed_ticks']}  lateness p50 "
        f"{r['lateness_p50_ms']:.2f} ms  p99 {r['lateness_p99_ms']:.2f} ms  executor p99 "
        f"{r['executor_p99_ms']:.3f} ms  model calls {r['model_calls_during_run']}" for r in rows)
