"""What a call to each embedded model costs on a CPU, per token, for the virtual clock.

A virtual-clock evaluation with ``--slow-latency tokens --fast-latency tokens`` charges
every mind call ``overhead + prompt tokens evaluated x per_prompt_token + generated
tokens x per_generated_token`` game seconds, from the token counts the call reports
(prompt tokens that llama.cpp took from its cache cost nothing, as on a real CPU). The
figures below were fitted by least squares on the mind calls of measured-latency episodes
recorded on the project's reference machine (2 cores, one llama.cpp thread per model, both
models loaded, nothing else running)::

    dualmind eval --agents hla --layouts ring,bottleneck --partners leader,talker \\
        --episodes 1 --backend llm --fast-mind llm --slow-latency -1 --fast-latency -1 --out OUT
    python -m dualmind.bench.rates OUT

Charging tokens instead of each call's wall time keeps an evaluation's result independent
of what else the machine is doing (two eval workers share two cores), yet shows what a CPU
user gets. On other hardware, fit your own with the commands above and pass them through
:class:`~dualmind.runtime.scheduler.LatencyModel`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from dualmind.runtime.scheduler import LatencyModel

# (overhead s, s per prompt token evaluated, s per generated token), fitted as said above
# on 210 calls (35 slow, 175 fast) while other jobs shared the machine (load ~2.7 on 2
# cores), so these are upper bounds: slow p50 1.79 s (37 prompt tokens), fast p50 0.28 s.
# The slow mind's answer is one or two tokens, too constant to fit, so its per-token cost
# is the 1.5B's grammar-constrained generation rate measured in issue 14 (~14 tokens/s
# plus ~20 ms of grammar per token); its fitted overhead already holds one such token.
CPU_RATES: dict[str, tuple[float, float, float]] = {
    "slow": (0.533, 0.0340, 0.090),
    "fast": (0.052, 0.0205, 0.0397),
}
"""Per lane: ``slow`` is Qwen2.5-Coder-1.5B, ``fast`` Qwen2.5-Coder-0.5B (the fast mind's
scored options are decoded in one batch with the prompt's new tokens, so each costs about
a prompt token)."""


def cpu_latency(lane: str) -> LatencyModel:
    """The per-token latency model of the model behind ``lane`` (slow or fast)."""
    overhead, per_prompt, per_generated = CPU_RATES[lane]
    return LatencyModel(overhead, per_prompt_token=per_prompt, per_generated_token=per_generated)


def calls(paths: Iterable[Path]) -> dict[str, list[tuple[float, int, int]]]:
    """(wall seconds, prompt tokens, generated tokens) of every model call in the records,
    by lane; calls that report no tokens (code, rules) are left out."""
    out: dict[str, list[tuple[float, int, int]]] = {}
    for path in paths:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = con.execute("SELECT mind, wall_s, prompt_tokens, completion_tokens FROM mind_calls "
                               "WHERE error IS NULL AND prompt_tokens + completion_tokens > 0").fetchall()
        finally:
            con.close()
        for mind, wall, p, g in rows:
            out.setdefault(mind, []).append((float(wall), int(p), int(g)))
    return out


def fit(rows: list[tuple[float, int, int]]) -> tuple[float, float, float]:
    """Least-squares (overhead, per prompt token, per generated token), none below 0.

    A token column that barely varies (the slow mind's label is one or two tokens) cannot
    be told apart from the overhead: it is left out (its cost 0, the overhead takes it)."""
    import numpy as np

    x = np.array([[1.0, p, g] for _, p, g in rows], dtype=float)
    y = np.array([w for w, _, _ in rows], dtype=float)
    keep = np.array([True] + [len(set(x[:, k])) >= 3 for k in (1, 2)])
    for _ in range(3):  # refit without a column that came out negative
        coef = np.zeros(3)
        coef[keep], *_ = np.linalg.lstsq(x[:, keep], y, rcond=None)
        if not (coef < 0).any():
            break
        keep &= coef >= 0
    return float(max(coef[0], 0.0)), float(max(coef[1], 0.0)), float(max(coef[2], 0.0))
