"""The per-partner digest reads an eval folder and reports what the rows say."""

from __future__ import annotations

import json

from dualmind.bench.digest import digest, load, main


def _row(agent: str, layout: str, partner: str, score: float, compliance: float | None = None) -> dict:
    return {"agent": agent, "layout": layout, "partner": partner, "score": score,
            "compliance": compliance, "acknowledged": 1.0, "wasted_items": 2, "duplicated_steps": 1}


def test_digest_has_one_row_per_layout_and_the_share_of_the_pair(tmp_path):
    rows = [_row("hla", "ring", "leader", s, 0.9) for s in (100, 110, 120)]
    rows += [_row("scripted", "ring", "leader", s, 0.5) for s in (80, 80, 80)]
    pair = [_row("scripted", "ring", "scripted", 160)]
    text = digest(rows, pair)
    line = next(x for x in text.splitlines() if x.startswith("| ring"))
    assert "110 ± " in line and "| 80 |" in line.replace(" ± 0", "")
    assert "80 / 160 = 50%" in line
    assert "**leader** (3 episodes per cell" in text

    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "episodes.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert load(folder) == rows
    assert main([str(folder)]) == 0
