"""The one percentile every figure of dualmind is reported with."""

from __future__ import annotations


def percentile(values, q: float) -> float | None:
    """The q-th percentile (0..100) by nearest rank; None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))]
