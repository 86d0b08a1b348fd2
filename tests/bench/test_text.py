"""Each benchmark formats its own figures for the terminal (the CLI only prints them)."""

from __future__ import annotations

from dualmind.bench.env import env_text
from dualmind.bench.executor import executor_text
from dualmind.bench.wall import wall_text
from dualmind.cli import main


def test_env_line_shows_the_reference_when_there_is_one():
    ours = {"layout": "ring", "steps_per_second": 123456.7}
    assert env_text(ours) == "ring              123,457 steps/s"
    both = {**ours, "overcooked_ai_layout": "cramped_room", "overcooked_ai_steps_per_second": 1000.0,
            "ratio_vs_overcooked_ai": 123.46}
    assert env_text(both).endswith("overcooked-ai cramped_room: 1,000 steps/s   ratio 123.46x")


def test_executor_and_wall_lines():
    rows = [{"layout": "quick", "p50_us": 1.25, "p99_us": 9.5, "max_us": 30.0, "decisions": 10}]
    assert executor_text(rows) == ("quick        p50     1.2 us   p99     9.5 us   max     30.0 us"
                                   "   (10 decisions)")
    runs = [{"load": "none", "missed_ticks": 0, "lateness_p50_ms": 0.1, "lateness_p99_ms": 0.5,
             "executor_p99_ms": 0.02, "model_calls_during_run": 0}] * 2
    assert wall_text(runs).count("\n") == 1 and wall_text(runs).startswith("load none")


def test_the_cli_prints_what_the_bench_formats(capsys):
    assert main(["bench", "env", "--layout", "quick", "--steps", "500", "--rounds", "1"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("quick") and out.endswith("steps/s")
