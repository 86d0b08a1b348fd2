"""A per-partner digest of an evaluation: one row per layout, one column per agent.

``results.md`` has every metric of every cell; this answers the questions people ask of
it first (who scores more beside this partner, how compliant, how wasteful), from the same
``episodes.jsonl``::

    python -m dualmind.bench.digest out/eval [--pair out/pair]

``--pair`` names a second run of ``--agents scripted --partners scripted``: each persona's
score beside the scripted agent is then also given as a share of the scripted pair's.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from dualmind.runtime.stats import mean_ci

AGENT_ORDER = ("hla", "smoa", "fmoa", "nea", "scripted")


def load(folder: Path) -> list[dict]:
    with (folder / "episodes.jsonl").open() as f:
        return [json.loads(line) for line in f if line.strip()]


def cells(rows: list[dict]) -> dict[tuple[str, str, str], list[dict]]:
    out: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for row in rows:
        out[(row["partner"], row["layout"], row["agent"])].append(row)
    return out


def fmt(values: list[float], digits: int = 0) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    mean, half = mean_ci(values)
    if half is None:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {half:.{digits}f}"


def mean(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def digest(rows: list[dict], pair: list[dict] | None = None) -> str:
    by = cells(rows)
    partners = sorted({p for p, _, _ in by}, key=lambda p: (p != "leader", p))
    layouts = sorted({la for _, la, _ in by})
    agents = [a for a in AGENT_ORDER if any(a == ag for _, _, ag in by)]
    pair_score = {la: mean([r["score"] for r in rs]) for (_, la, _), rs in cells(pair or []).items()}
    lines = []
    for partner in partners:
        n = max(len(by[(partner, la, a)]) for la in layouts for a in agents)
        lines += [f"**{partner}** ({n} episodes per cell; score, then HLA's and the scripted agent's "
                  "compliance, requests acknowledged, wasted items and duplicated steps)", ""]
        head = ["layout", *agents, "compliance hla / scripted", "acked hla", "wasted hla / scripted",
                "dup steps hla / scripted"]
        if pair_score:
            head.append("scripted+partner / scripted pair")
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for la in layouts:
            hla, scr = by[(partner, la, "hla")], by[(partner, la, "scripted")]
            row = [la, *[fmt([r["score"] for r in by[(partner, la, a)]]) for a in agents]]
            row.append(f"{fmt([r.get('compliance') for r in hla], 2)} / "
                       f"{fmt([r.get('compliance') for r in scr], 2)}")
            row.append(fmt([r.get("acknowledged") for r in hla], 2))
            for key in ("wasted_items", "duplicated_steps"):
                row.append(f"{fmt([r.get(key) for r in hla], 1)} / {fmt([r.get(key) for r in scr], 1)}")
            if pair_score:
                ours, ref = mean([r["score"] for r in scr]), pair_score.get(la)
                row.append(f"{ours:.0f} / {ref:.0f} = {ours / ref:.0%}" if ours is not None and ref else "–")
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dualmind.bench.digest",
                                     description=(__doc__ or "").split("\n")[0])
    parser.add_argument("folder", type=Path, help="an eval --out folder")
    parser.add_argument("--pair", type=Path, help="an eval --out folder of the scripted pair")
    args = parser.parse_args(argv)
    print(digest(load(args.folder), load(args.pair) if args.pair else None))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
