"""`dualmind bench language` scores both held-out sets (latency on the first only)."""

from __future__ import annotations

from dualmind.agents.language.evalset import load_cases
from dualmind.bench.language import bench_interpreter, language_text


def test_the_bench_reports_the_second_held_out_set():
    row = bench_interpreter("rules")
    assert row["cases"] == len(load_cases()) and row["second_heldout"]["cases"] == 40
    assert 0.8 <= row["second_heldout"]["accuracy"] <= 1.0
    assert "second set" in language_text([row])
    # a caller's own cases are scored alone
    own = bench_interpreter("rules", cases=load_cases()[:5])
    assert own["cases"] == 5 and "second_heldout" not in own
