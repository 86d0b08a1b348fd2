"""``dualmind bench all``: every performance figure in one run, each beside a reference
measured in the same process where one exists, so figures compare across noisy machines.

* env: steps/s of the game with two random players, and of a plain Python loop doing the
  same random draws and a dict update per step (the ratio is the game's cost in units of
  "bare Python steps"); Overcooked-AI alongside when it is installed.
* executor: decision p50/p99 per layout, and as a ratio of one game step's time.
* language: each interpreter's accuracy and latency; the embedded model per call.
* wall: tick lateness at 10 Hz with the embedded model kept busy, against no load.
* web: 20 concurrent games on one server, against one game alone.
"""

from __future__ import annotations

import random
import statistics
import time

from dualmind.bench.env import bench_env
from dualmind.bench.executor import bench_executor
from dualmind.game.layout import shipped_layouts
from dualmind.game.rules import ACTIONS
from dualmind.runtime.stats import percentile


def plain_loop_steps_per_second(steps: int = 50_000, seed: int = 0) -> float:
    """The reference: the random draws of the env bench plus one small dict update."""
    rng = random.Random(seed)
    choice = rng.choice
    state = {"tick": 0, "a": None, "b": None}
    start = time.perf_counter()
    for _ in range(steps):
        state = {"tick": state["tick"] + 1, "a": choice(ACTIONS), "b": choice(ACTIONS)}
    return steps / (time.perf_counter() - start)


def bench_all(quick: bool = False, wall_seconds: float = 15.0) -> dict:
    steps = 10_000 if quick else 50_000
    out: dict = {"env": [], "executor": [], "language": [], "wall": None, "web": None}
    plain = statistics.median(plain_loop_steps_per_second(steps, s) for s in range(3))
    try:
        import overcooked  # noqa: F401

        vs = True
    except ImportError:
        vs = False
    for layout in shipped_layouts():
        row = bench_env(layout, steps=steps, rounds=3, vs_overcooked_ai=vs)
        row["plain_loop_steps_per_second"] = round(plain, 1)
        row["ratio_vs_plain_loop"] = round(row["steps_per_second"] / plain, 3)
        out["env"].append(row)
    for layout in shipped_layouts():
        row = bench_executor(layout, seconds=60 if quick else 180, seeds=1 if quick else 2)
        step_us = 1e6 / bench_env(layout, steps=steps, rounds=1)["steps_per_second"]
        row["game_step_us"] = round(step_us, 2)
        row["p50_vs_game_step"] = round(row["p50_us"] / step_us, 2)
        row["p99_vs_game_step"] = round(row["p99_us"] / step_us, 2)
        out["executor"].append(row)
    out["language"] = _language(quick)
    out["embedded_call"] = _embedded_call()
    if not quick:
        from dualmind.bench.wall import bench_wall
        from dualmind.bench.web import bench_web

        out["wall"] = bench_wall(seconds=wall_seconds, loads=("none", "thread"))
        # Reference: one game alone on the server, measured in the same run.
        alone, loaded = bench_web(games=1, seconds=wall_seconds), bench_web(games=20, seconds=wall_seconds)
        loaded["p99_vs_one_game"] = round(loaded["lateness_p99_ms"] / max(alone["lateness_p99_ms"], 1e-9), 2)
        out["web"] = {"one_game": alone, "twenty_games": loaded}
    return out


def _language(quick: bool) -> list[dict]:
    from dualmind.agents.language.evalset import load_cases
    from dualmind.bench.language import bench_interpreter

    cases = load_cases()
    names = ["rules", "learned"] if quick else ["rules", "learned", "embedded"]
    rows = [bench_interpreter(n, cases) for n in names]
    rules = next((r for r in rows if r["backend"] == "rules" and r.get("available")), None)
    for r in rows:
        if r.get("available") and rules and rules["p50_ms"]:
            r["p50_vs_rules"] = round(r["p50_ms"] / rules["p50_ms"], 1)
    return rows


def _embedded_call(calls: int = 20) -> dict:
    """Latency of one constrained choice by the embedded model on a mind-sized prompt."""
    try:
        from dualmind.agents.language.interpreters import INTENTS, SYSTEM_PROMPT
        from dualmind.llm.embedded import EmbeddedBackend
        from dualmind.llm.protocol import Choices, Message

        backend = EmbeddedBackend()
    except Exception as e:
        return {"available": False, "error": str(e)}
    messages = [Message("system", SYSTEM_PROMPT), Message("user", "Message: chop 3 tomatoes\nIntent:")]
    times, tokens = [], []
    for _ in range(calls):
        c = backend.complete(messages, Choices(INTENTS))
        times.append(c.latency_s * 1000)
        tokens.append(c.prompt_tokens)
    return {"available": True, "load_s": round(backend.load_s, 3), "calls": calls,
            "p50_ms": round(percentile(times, 50), 1), "p99_ms": round(percentile(times, 99), 1),
            "prompt_tokens": tokens[0]}


def suite_text(result: dict) -> str:
    """Every figure of :func:`bench_all`, one line each, for the terminal."""
    lines = []
    for r in result["env"]:
        extra = (f"  {r['ratio_vs_overcooked_ai']:.1f}x overcooked-ai"
                 if "ratio_vs_overcooked_ai" in r else "")
        lines.append(f"env       {r['layout']:<11} {r['steps_per_second']:>10,.0f} steps/s  "
                     f"{r['ratio_vs_plain_loop']:.2f}x plain loop{extra}")
    for r in result["executor"]:
        lines.append(f"executor  {r['layout']:<11} p50 {r['p50_us']:.1f} us  p99 {r['p99_us']:.1f} us  "
                     f"({r['p99_vs_game_step']:.1f}x a game step)")
    for r in result["language"]:
        if r.get("available"):
            lines.append(f"language  {r['backend']:<11} {r['accuracy']:.1%}  p50 {r['p50_ms']} ms  "
                         f"p99 {r['p99_ms']} ms")
    e = result["embedded_call"]
    if e.get("available"):
        lines.append(f"embedded  one call: p50 {e['p50_ms']} ms  p99 {e['p99_ms']} ms  "
                     f"({e['prompt_tokens']} prompt tokens; load {e['load_s']} s)")
    for r in result["wall"] or ():
        lines.append(f"wall      load {r['load']:<7} missed {r['missed_ticks']}  lateness p99 "
                     f"{r['lateness_p99_ms']:.2f} ms  executor p99 {r['executor_p99_ms']:.3f} ms")
    if result["web"]:
        w = result["web"]["twenty_games"]
        lines.append(f"web       20 games: p99 {w['lateness_p99_ms']:.2f} ms ({w['p99_vs_one_game']}x one "
                     f"game), missed {w['missed_ticks']}, dropped {w['messages_dropped']}")
    return "\n".join(lines)
