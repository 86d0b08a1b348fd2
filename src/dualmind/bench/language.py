"""Language understanding, measured: accuracy per message kind on the held-out set and
latency per call, for each interpreter that can run here."""

from __future__ import annotations

import os
from collections import defaultdict

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
        "model_errors": errors,
    }


def available_interpreters() -> list[str]:
    """Every interpreter; ``openai`` only when a server is configured."""
    return [n for n in INTERPRETERS if n != "openai" or os.environ.get("DUALMIND_BASE_URL")]
