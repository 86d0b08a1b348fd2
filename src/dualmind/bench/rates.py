"""Fit the per-token cost of each mind's model from recorded episodes.

``python -m dualmind.bench.rates OUT [OUT ...]`` reads the mind calls in ``OUT/records``
(an eval run with ``--slow-latency -1 --fast-latency -1``, so wall times were measured) and
prints, per lane, the calls, their median wall time, the fitted overhead and per-token
costs (with tokens/s), and how well the fit predicts (median absolute error): the numbers
that go into :data:`dualmind.llm.rates.CPU_RATES`.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from dualmind.llm.rates import calls, fit


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m dualmind.bench.rates", description=__doc__.split("\n\n")[0])
    ap.add_argument("out", nargs="+", help="eval --out folders (their records/*.sqlite are read)")
    args = ap.parse_args(argv)
    paths = [p for d in args.out for p in sorted(Path(d, "records").glob("*.sqlite"))]
    if not paths:
        raise SystemExit(f"no records under {', '.join(args.out)}/records")
    for lane, rows in sorted(calls(paths).items()):
        a, b, c = fit(rows)
        err = statistics.median(abs(w - (a + b * p + c * g)) for w, p, g in rows)
        print(f"{lane}: {len(rows)} calls, median wall {statistics.median(r[0] for r in rows):.3f} s, "
              f"median prompt tokens {statistics.median(r[1] for r in rows):.0f}, generated "
              f"{statistics.median(r[2] for r in rows):.0f}")
        print(f"  overhead {a:.4f} s, prompt {b * 1000:.2f} ms/token ({1 / b if b else float('inf'):.0f}/s), "
              f"generated {c * 1000:.2f} ms/token ({1 / c if c else float('inf'):.0f}/s); "
              f"median abs error {err * 1000:.0f} ms")
        print(f"  CPU_RATES[{lane!r}] = ({a:.4f}, {b:.5f}, {c:.5f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
