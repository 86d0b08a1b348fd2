"""Tables (CSV, Markdown) and plots (PNG) from an evaluation's aggregated rows."""

from __future__ import annotations

import csv
from pathlib import Path

from dualmind.bench.evaluate import METRICS
from dualmind.vocab import PARTNERS

SHOWN = ("score", "served", "expired", "fires", "compliance", "acknowledged", "wasted_items",
         "duplicated_steps", "agent_idle_s", "deadlocks", "command_to_macro_s",
         "reply_latency_s", "macro_latency_s", "atomic_latency_ms", "fallbacks", "model_errors")
HEADERS = {"score": "score", "served": "served", "expired": "expired", "fires": "fires",
           "compliance": "compliance", "command_to_macro_s": "cmd→macro s",
           "command_to_action_s": "cmd→action s", "reply_latency_s": "reply s",
           "macro_latency_s": "macro s", "atomic_latency_ms": "atomic ms",
           "fallbacks": "fallbacks", "model_errors": "model errors", "acknowledged": "acked",
           "wasted_items": "wasted", "duplicated_steps": "dup steps", "agent_idle_s": "idle s",
           "max_unused_s": "max unused s", "deadlocks": "deadlocks"}


def write_csv(table: list[dict], path: Path) -> None:
    keys = [k for k in table[0] if not k.endswith("_ci95")] if table else []
    fields = []
    for k in keys:
        fields.append(k)
        if k in METRICS:
            fields.append(f"{k}_ci95")
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for row in table:
            writer.writerow({k: row.get(k) for k in fields})


def _cell(row: dict, metric: str) -> str:
    mean, ci = row.get(metric), row.get(f"{metric}_ci95")
    if mean is None:
        return "–"
    fmt = "{:.0f}" if metric in ("score", "fallbacks") else "{:.2f}"
    text = fmt.format(mean)
    return text + (f" ± {fmt.format(ci)}" if ci is not None else "")


def markdown(table: list[dict], metrics: tuple[str, ...] = SHOWN) -> str:
    sweep = len({r.get("slow_latency") for r in table}) > 1
    head = ["agent", "layout", "partner", *(["slow s"] if sweep else []), "n",
            *[HEADERS[m] for m in metrics]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in table:
        cells = [r["agent"], r["layout"], r["partner"],
                 *([str(r.get("slow_latency"))] if sweep else []), str(r["episodes"]),
                 *[_cell(r, m) for m in metrics]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _save(fig, ax, path: Path, made: list[Path]) -> None:
    """Legend, layout, write, close: the same last steps for every figure."""
    import matplotlib.pyplot as plt

    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    made.append(path)


def plots(table: list[dict], out: Path) -> list[Path]:
    """score_by_layout.png, compliance_vs_latency.png, and latency_sweep.png for sweeps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []
    latencies = sorted({r.get("slow_latency") for r in table}, key=_latency_order)
    base = [r for r in table if r.get("slow_latency") == latencies[-1 if len(latencies) > 1 else 0]]
    # The first persona in the vocabulary's order (leader: the one the round is about).
    present = {r["partner"] for r in base}
    partner = next((p for p in PARTNERS if p in present), base[0]["partner"])
    base = [r for r in base if r["partner"] == partner]
    agents = list(dict.fromkeys(r["agent"] for r in base))
    layouts = list(dict.fromkeys(r["layout"] for r in base))
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / max(1, len(agents))
    for i, agent in enumerate(agents):
        xs, ys, es = [], [], []
        for j, layout in enumerate(layouts):
            row = next((r for r in base if r["agent"] == agent and r["layout"] == layout), None)
            if row and row["score"] is not None:
                xs.append(j + i * width)
                ys.append(row["score"])
                es.append(row["score_ci95"] or 0)
        ax.bar(xs, ys, width, yerr=es, capsize=3, label=agent)
    ax.set_xticks([j + width * (len(agents) - 1) / 2 for j in range(len(layouts))], layouts)
    ax.set_ylabel("score (mean, 95% CI)")
    ax.set_title(f"Score per agent and layout (partner: {partner})")
    _save(fig, ax, out / "score_by_layout.png", made)

    fig, ax = plt.subplots(figsize=(6, 4))
    for agent in agents:
        pts = [(r["command_to_macro_s"], r["compliance"]) for r in base
               if r["agent"] == agent and r["compliance"] is not None and r["command_to_macro_s"] is not None]
        if pts:
            ax.scatter(*zip(*pts, strict=True), label=agent, s=40)
    ax.set_xlabel("median time from command to compliant macro (s)")
    ax.set_ylabel("compliance")
    ax.set_title("Compliance vs reaction time (one point per layout)")
    _save(fig, ax, out / "compliance_vs_latency.png", made)

    if len(latencies) > 1:
        fig, ax = plt.subplots(figsize=(6, 4))
        for agent in dict.fromkeys(r["agent"] for r in table):
            pts = []
            for lat in latencies:
                rows = [r for r in table if r["agent"] == agent and r.get("slow_latency") == lat
                        and r["partner"] == partner and r["score"] is not None]
                if rows:
                    pts.append((lat, sum(r["score"] for r in rows) / len(rows)))
            if pts:
                ax.plot(*zip(*pts, strict=True), marker="o", label=agent)
        ax.set_xlabel("slow mind latency (s)")
        ax.set_ylabel("score (mean over layouts)")
        ax.set_title("How score falls as the slow mind gets slower")
        _save(fig, ax, out / "latency_sweep.png", made)
    return made


def write_readme_results(md: str, made: list[Path], command: str, readme: Path) -> None:
    """Replace the README's Results section (between markers) with this run's table and
    figures; ``command`` is the command line that produced them (without ``--readme``)."""
    import shutil

    start, end = "<!-- results:start -->", "<!-- results:end -->"
    text = readme.read_text()
    if start not in text:
        text += f"\n## Results\n\n{start}\n{end}\n"
    figures = readme.parent / "docs" / "results"
    figures.mkdir(parents=True, exist_ok=True)
    links = []
    for p in made:
        shutil.copy(p, figures / p.name)
        links.append(f"![{p.stem}](docs/results/{p.name})")
    body = (f"{start}\nGenerated by `{command} --readme` (virtual clock; every number below is "
            f"measured by that run).\n\n{md}\n\n" + "\n".join(links) + f"\n{end}")
    before, _, rest = text.partition(start)
    _, _, after = rest.partition(end)
    readme.write_text(before + body + after)


def _latency_order(value) -> tuple:
    """Sweep order: fixed seconds ascending, then ``tokens``, then measured (None)."""
    if isinstance(value, int | float):
        return (0, value)
    return (1, 0) if value is not None else (2, 0)
