"""Language understanding, measured: accuracy per message kind on the held-out set and
latency per call, for each interpreter that can run here."""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from importlib import resources

from dualmind.agents.language.context import Context
from dualmind.agents.language.evalset import is_correct, load_cases
from dualmind.agents.language.interpreters import INTERPRETERS, make_interpreter
from dualmind.errors import BackendError
from dualmind.runtime.stats import percentile

SECOND_HELDOUT = "heldout_s8.txt"


def bench_interpreter(name: str, cases=None, **options) -> dict:
    """Accuracy (overall and per kind) and p50/p99 latency of one interpreter, on the
    held-out set (and its accuracy on the second held-out set), or on ``cases``."""
    held_out = cases is None
    cases = load_cases() if held_out else cases
    try:
        interpreter = make_interpreter(name, **options)
    except (BackendError, ImportError) as e:
        return {"backend": name, "available": False, "error": str(e)}
    right: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    latencies, errors = [], 0
    # A model's first call evaluates the fixed prompt prefix (seconds, once per process);
    # it is reported apart so p50/p99 describe the calls a game makes.
    first = interpreter.interpret("hello", Context()).latency_s * 1000 if name == "llm" else None
    for case in cases:
        result = interpreter.interpret(case.message, case.context)
        latencies.append(result.latency_s * 1000)
        errors += "error" in result.meta
        ok = is_correct(case, result.intention)
        right[case.expected.kind][0] += ok
        right[case.expected.kind][1] += 1
    total = sum(r[0] for r in right.values())
    # The second held-out set (written a round later, after that round's reading fixes),
    # scored with the same interpreter; only the first gives the latencies.
    later = load_cases(SECOND_HELDOUT) if held_out else []
    later_right = sum(is_correct(c, interpreter.interpret(c.message, c.context).intention) for c in later)
    return {
        "backend": name, "available": True, "cases": len(cases),
        "accuracy": round(total / len(cases), 4),
        "per_kind": {k: round(r[0] / r[1], 4) for k, r in sorted(right.items())},
        "p50_ms": round(percentile(latencies, 50), 2), "p99_ms": round(percentile(latencies, 99), 2),
        "model_errors": errors, "model": interpreter.name,
        **({"first_call_ms": round(first, 1)} if first is not None else {}),
        **({"second_heldout": {"cases": len(later), "accuracy": round(later_right / len(later), 4)}}
           if later else {}),
    }


def available_interpreters() -> list[str]:
    """Every interpreter; ``openai`` only when a server is configured."""
    return [n for n in INTERPRETERS if n != "openai" or os.environ.get("DUALMIND_BASE_URL")]


def language_text(rows: list[dict]) -> str:
    """One line per interpreter for the terminal."""
    lines = []
    for r in rows:
        if not r["available"]:
            lines.append(f"{r['backend']:<10} not available: {r['error']}")
            continue
        kinds = "  ".join(f"{k} {v:.0%}" for k, v in r["per_kind"].items())
        second = r.get("second_heldout")
        later = f"   second set {second['accuracy']:.1%} of {second['cases']}" if second else ""
        lines.append(f"{r['backend']:<10} {r['accuracy']:.1%} of {r['cases']}   p50 {r['p50_ms']:.1f} ms"
                     f"   p99 {r['p99_ms']:.1f} ms   ({kinds}){later}")
    return "\n".join(lines)


# The fast mind's probe: hand-written situations on states of real games (two scripted
# cooks on the layout, seed 1, the first state at or after ``tick``). Each gives the agent
# a plan (the slow mind's intention, written as ``"chop(onion) x2"``), a fresh message from
# the human (with the macro it asks for), or nothing. The right answer is what the code
# fast mind starts (:func:`~dualmind.agents.minds.choose_from_plan`) given that plan, or
# that macro as a one-step plan; with neither, the scripted planner's pick: a ready soup
# or a fire first (a soup burns while a teammate chops on request), else what was asked,
# else what is closest to points.
Case = tuple[str, int, str, str, str | None]  # layout, tick, "plan" | "msg" | "idle", text, asked

# Written first; the prompt and weights of the LLM fast mind were tuned while reading these.
FAST_CASES: tuple[Case, ...] = (
    ("ring", 0, "plan", "chop(onion) x2", None),
    ("ring", 0, "msg", "can you chop some lettuce", "chop(lettuce)"),
    ("ring", 0, "plan", "chop(tomato) x-", None),
    ("ring", 80, "msg", "grab a plate", "fetch(plate)"),
    ("ring", 80, "plan", "chop(lettuce) x3", None),
    ("ring", 160, "msg", "chop onions please", "chop(onion)"),
    ("ring", 160, "plan", "chop(lettuce) x1", None),
    ("ring", 240, "msg", "cut a tomato for me", "chop(tomato)"),
    ("ring", 240, "idle", "", None),
    ("ring", 320, "plan", "fetch(plate) x1", None),
    ("ring", 320, "msg", "stay where you are for now", "wait"),
    ("ring", 400, "plan", "chop(onion) x-", None),
    ("ring", 400, "msg", "get the lettuce chopped", "chop(lettuce)"),
    ("ring", 480, "idle", "", None),
    ("ring", 480, "plan", "wait x1", None),
    ("ring", 560, "msg", "could you take a plate", "fetch(plate)"),
    ("ring", 560, "msg", "throw that away", "discard"),
    ("ring", 640, "msg", "onions!", "chop(onion)"),
    ("ring", 720, "plan", "chop(tomato) x2", None),
    ("ring", 800, "idle", "", None),
)

# Written after the tuning, on another layout, and run once: the held-out check.
FAST_HELDOUT: tuple[Case, ...] = (
    ("bottleneck", 30, "msg", "please dice an onion", "chop(onion)"),
    ("bottleneck", 30, "plan", "chop(lettuce) x2", None),
    ("bottleneck", 150, "idle", "", None),
    ("bottleneck", 150, "msg", "fetch a plate pls", "fetch(plate)"),
    ("bottleneck", 250, "plan", "chop(tomato) x-", None),
    ("bottleneck", 250, "msg", "wait a sec", "wait"),
    ("bottleneck", 350, "msg", "tomatoes next", "chop(tomato)"),
    ("bottleneck", 350, "plan", "chop(onion) x1", None),
    ("bottleneck", 450, "idle", "", None),
    ("bottleneck", 450, "msg", "some lettuce would help", "chop(lettuce)"),
    ("bottleneck", 550, "plan", "fetch(plate) x1", None),
    ("bottleneck", 650, "msg", "chop me an onion", "chop(onion)"),
)


def fast_situations(cases: tuple[Case, ...] = FAST_CASES):
    """(label, world, steps, expected macro) for each case; a case with no expected macro
    possible in its state is left out (and named in the result)."""
    import dataclasses

    from dualmind.agents.intention import Step
    from dualmind.agents.language.context import parse_last
    from dualmind.agents.macros import parse_macro
    from dualmind.agents.minds import choose_from_plan, possible
    from dualmind.agents.navigation import NavMap
    from dualmind.agents.scripted import ScriptedAgent, ScriptedPlanner
    from dualmind.agents.world import World
    from dualmind.game import Kitchen, load_layout
    from dualmind.game.state import ChatMessage
    from dualmind.runtime.match import run_episode

    states: dict[tuple[str, int], tuple] = {}
    for layout in sorted({c[0] for c in cases}):
        kitchen = Kitchen(load_layout(layout))
        ticks = {c[1] for c in cases if c[0] == layout}
        seen: dict[int, object] = {}

        def keep(state, _events, seen=seen, ticks=ticks) -> None:
            for t in ticks:  # the first state at or after each tick asked for
                if state.tick >= t and t not in seen:
                    seen[t] = state

        run_episode(kitchen, (ScriptedAgent(), ScriptedAgent()), seed=1, seconds=max(ticks) / 10 + 1,
                    on_tick=keep)
        nav = NavMap(kitchen)
        states.update({(layout, t): (kitchen, nav, s) for t, s in seen.items()})
    out, skipped = [], []
    for layout, tick, kind, text, asked in cases:
        kitchen, nav, state = states[(layout, tick)]
        if kind == "msg":
            state = dataclasses.replace(state, chat=(*state.chat, ChatMessage(state.tick, 1, text)))
        world = World(kitchen, nav, state, 0)
        steps = list(parse_last(text).steps) if kind == "plan" else []
        if kind == "idle":
            want = ScriptedPlanner().choose(world, set())
        else:
            want = choose_from_plan(world, steps or [Step(parse_macro(asked or ""), 1)])
        label = f"{layout}@{tick} {kind} {text!r}"
        if want is None or (want.verb != "wait" and not possible(world, want)):
            skipped.append(label)
            continue
        out.append((label, world, steps, want))
    return out, skipped


def bench_fast_mind(chooser=None, cases: tuple[Case, ...] = FAST_CASES, verbose: bool = False) -> dict:
    """How often the LLM fast mind starts the macro a situation asks for, and its latency
    per call (p50/p99, the first call apart), with the prompt tokens evaluated per call
    (the rest comes from llama.cpp's cache) and the candidate tokens decoded. The load
    average is reported because the machine may be shared."""
    if chooser is None:
        try:
            from dualmind.agents.llm.fast import LLMFastChooser

            chooser = LLMFastChooser()
        except (BackendError, ImportError) as e:
            return {"available": False, "error": str(e)}
    situations, skipped = fast_situations(cases)
    load_before = os.getloadavg()[0]
    first = None
    latencies, evaluated, decoded, right, rows = [], [], [], 0, []
    for label, world, steps, want in situations:
        start = time.perf_counter()
        out = chooser.choose(world, steps)
        took = (time.perf_counter() - start) * 1000
        if first is None and out.meta.get("scored", 1):
            first = took  # the fixed prompt's evaluation may land here: reported apart
        elif out.meta.get("scored", 1):
            latencies.append(took)
            evaluated.append(out.tokens[0])
            decoded.append(out.tokens[1])
        right += out.macro == want
        rows.append({"case": label, "want": str(want), "got": str(out.macro), "ms": round(took, 1)})
        if verbose:
            print(f"{'ok ' if out.macro == want else 'BAD'} {label:<46} want {want!s:<14}"
                  f" got {out.macro!s:<14} {took:7.1f} ms  {out.meta.get('scores', '')}", flush=True)
    return {
        "available": True, "model": chooser.name, "cases": len(situations), "skipped": skipped,
        "accuracy": round(right / max(1, len(situations)), 4), "right": right,
        "first_call_ms": round(first or 0.0, 1),
        "p50_ms": round(percentile(latencies, 50), 1), "p99_ms": round(percentile(latencies, 99), 1),
        "prompt_tokens_mean": round(sum(evaluated) / max(1, len(evaluated)), 1),
        "option_tokens_mean": round(sum(decoded) / max(1, len(decoded)), 1),
        "load_avg": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "rows": rows,
    }


def fast_mind_text(result: dict) -> str:
    if not result["available"]:
        return f"fast mind not available: {result['error']}"
    return _scored_line(result, "followed", f"   option tokens/call {result['option_tokens_mean']}")


def _scored_line(r: dict, verb: str, extra: str = "") -> str:
    """One line for a model bench: how many cases right, latency, tokens, machine load."""
    return (f"{r['model']}: {verb} {r['right']}/{r['cases']} ({r['accuracy']:.0%})"
            f"   p50 {r['p50_ms']:.0f} ms   p99 {r['p99_ms']:.0f} ms   first {r['first_call_ms']:.0f} ms"
            f"   prompt tokens/call {r['prompt_tokens_mean']}{extra}"
            f"   load {r['load_avg'][0]}->{r['load_avg'][1]}")


STATUS_CASES, STATUS_HELDOUT = "status_cases.jsonl", "status_heldout.jsonl"
"""Hand-written status checks: a request, what was done since, the game, and whether the
request is over (none of them is among the prompt's examples). The held-out ones were
written after the prompt was frozen and are never tuned on."""


def status_cases(name: str = STATUS_CASES) -> list[dict]:
    text = (resources.files("dualmind.agents.language") / "data" / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def bench_status(interpreter=None, verbose: bool = False, cases: str = STATUS_CASES) -> dict:
    """How often the LLM slow mind's status check says rightly whether a standing request
    is over (:meth:`~dualmind.agents.llm.slow.LLMSlowInterpreter.status`; counted ones end
    by their counters, unasked), and its latency per check after the reading prompt is
    cached (the first check apart)."""
    from dualmind.agents.language.context import parse_last
    from dualmind.agents.minds import model_tokens

    if interpreter is None:
        try:
            from dualmind.agents.llm.slow import LLMSlowInterpreter

            interpreter = LLMSlowInterpreter(template="slow+status")
        except (BackendError, ImportError) as e:
            return {"available": False, "error": str(e)}
    load_before = os.getloadavg()[0]
    right, latencies, evaluated, rows, first = 0, [], [], [], None
    for case in status_cases(cases):
        doing = parse_last(case["doing"])
        if doing is None or not doing.standing:
            continue  # counted steps end by their counters: the model is not asked (SlowMind.status)
        ctx = Context(tuple(o for o in case["orders"].split(",") if o),
                      tuple(c for c in case["cooking"].split(",") if c), doing)
        start = time.perf_counter()
        over, meta = interpreter.status(case["request"], case["done"], ctx)
        took = (time.perf_counter() - start) * 1000
        if first is None:
            first = took
        else:
            latencies.append(took)
            evaluated.append(model_tokens(meta)[0])
        right += over == case["finished"]
        rows.append({"request": case["request"], "done": case["done"], "want": case["finished"],
                     "got": over, "ms": round(took, 1)})
        if verbose:
            print(f"{'ok ' if over == case['finished'] else 'BAD'} {case['request'][:40]:<40} "
                  f"{case['done']:<40} want {case['finished']!s:<5} {took:7.0f} ms", flush=True)
    n = len(rows)
    return {"available": True, "model": interpreter.name, "cases": n, "right": right,
            "accuracy": round(right / max(1, n), 4), "first_call_ms": round(first or 0.0, 1),
            "p50_ms": round(percentile(latencies, 50), 1), "p99_ms": round(percentile(latencies, 99), 1),
            "prompt_tokens_mean": round(sum(evaluated) / max(1, len(evaluated)), 1),
            "load_avg": [round(load_before, 2), round(os.getloadavg()[0], 2)], "rows": rows}


def status_text(result: dict) -> str:
    if not result["available"]:
        return f"slow mind not available: {result['error']}"
    return _scored_line(result, "status right")
