"""Language understanding, measured: accuracy per message kind on the held-out set and
latency per call, for each interpreter that can run here."""

from __future__ import annotations

import os
from collections import defaultdict

from dualmind.agents.language.context import Context
from dualmind.agents.language.evalset import is_correct, load_cases
from dualmind.agents.language.interpreters import INTERPRETERS, make_interpreter
from dualmind.errors import BackendError
from dualmind.runtime.stats import percentile


def bench_interpreter(name: str, cases=None, **options) -> dict:
    """Accuracy (overall and per kind) and p50/p99 latency of one interpreter."""
    cases = cases if cases is not None else load_cases()
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
    return {
        "backend": name, "available": True, "cases": len(cases),
        "accuracy": round(total / len(cases), 4),
        "per_kind": {k: round(r[0] / r[1], 4) for k, r in sorted(right.items())},
        "p50_ms": round(percentile(latencies, 50), 2), "p99_ms": round(percentile(latencies, 99), 2),
        "model_errors": errors, "model": interpreter.name,
        **({"first_call_ms": round(first, 1)} if first is not None else {}),
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
        lines.append(f"{r['backend']:<10} {r['accuracy']:.1%} of {r['cases']}   p50 {r['p50_ms']:.1f} ms"
                     f"   p99 {r['p99_ms']:.1f} ms   ({kinds})")
    return "\n".join(lines)
