"""The command-line contract: layouts, check-layout, play --json, bench env --json."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dualmind.cli import main


def test_layouts_lists_all_four(capsys):
    assert main(["layouts"]) == 0
    out = capsys.readouterr().out
    for name in ("ring", "partition", "bottleneck", "quick"):
        assert name in out


def test_check_layout_valid(tmp_path, capsys):
    f = tmp_path / "k.layout"
    f.write_text("starts: 1,1 4,2\ngrid:\n-TLOP-\n-    /\nU    *\n-fB---\n")
    assert main(["check-layout", str(f)]) == 0
    assert "ok" in capsys.readouterr().out


def test_check_layout_invalid_exits_2_with_file_line_col(tmp_path, capsys):
    f = tmp_path / "k.layout"
    f.write_text("starts: 1,1 4,2\ngrid:\n-TLOP-\n-  ? /\nU    *\n-fB---\n")
    assert main(["check-layout", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{f}:4:4: unknown tile '?'")


def test_check_layout_binary_file_no_traceback(tmp_path):
    f = tmp_path / "k.layout"
    f.write_bytes(b"\x00\x01\x02\xff")
    proc = subprocess.run([sys.executable, "-m", "dualmind.cli", "check-layout", str(f)],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{f}:1:1: not a text file" in proc.stderr


def test_play_json_summary(capsys):
    assert main(["play", "--layout", "ring", "--agents", "random,random", "--seconds", "20",
                 "--seed", "3", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    for key in ("score", "served", "expired", "fires", "ticks"):
        assert key in summary
    assert summary["ticks"] == 200


def test_play_renders_text(capsys):
    assert main(["play", "--seconds", "10"]) == 0
    out = capsys.readouterr().out
    assert "orders:" in out and "final score" in out


def test_play_unknown_agent(capsys):
    assert main(["play", "--agents", "random,nobody", "--seconds", "1"]) == 2
    assert "agents are" in capsys.readouterr().err


def test_bench_env_json(capsys):
    assert main(["bench", "env", "--layout", "quick", "--steps", "2000", "--rounds", "1",
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["layout"] == "quick" and result["steps_per_second"] > 0


def test_bench_env_side_by_side_with_overcooked_ai(capsys):
    assert main(["bench", "env", "--steps", "2000", "--rounds", "1", "--vs-overcooked-ai",
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["overcooked_ai_steps_per_second"] > 0
    ratio = result["steps_per_second"] / result["overcooked_ai_steps_per_second"]
    assert abs(result["ratio_vs_overcooked_ai"] - ratio) < 0.01


def test_play_scripted_pair_contract(capsys):
    assert main(["play", "--layout", "quick", "--agents", "scripted,scripted", "--clock", "virtual",
                 "--seconds", "60", "--seed", "2", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert {"score", "served", "expired", "fires", "ticks"} <= set(s)
    assert s["ticks"] == 600 and s["served"] >= 1


def test_play_with_talking_partner_reports_compliance(capsys):
    assert main(["play", "--layout", "ring", "--agents", "scripted,partner", "--seconds", "120",
                 "--seed", "1", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert 0.0 <= s["compliance"] <= 1.0 and s["messages"] >= 2


def test_bench_executor_json(capsys):
    assert main(["bench", "executor", "--layout", "ring", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["p50_us"] > 0 and r["p99_us"] >= r["p50_us"] and r["layouts"][0]["layout"] == "ring"


@pytest.mark.parametrize("argv", [
    ["play", "--seconds", "inf"], ["play", "--seconds", "0"], ["play", "--seconds", "-5"],
    ["play", "--seconds", "nan"], ["play", "--slow-latency", "inf"], ["eval", "--episodes", "0"],
    ["eval", "--seconds", "1e308"], ["bench", "web", "--games", "0"], ["bench", "wall", "--seconds", "inf"],
])
def test_numbers_out_of_range_are_clear_errors(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and ("must be" in err or "not a number" in err)


def test_eval_sweep_values_are_checked(capsys, tmp_path):
    assert main(["eval", "--sweep", "slow-latency=1,inf", "--out", str(tmp_path)]) == 2
    assert "--sweep" in capsys.readouterr().err


def test_eval_charges_tokens_when_asked(tmp_path):
    # Code minds report no tokens, so each call costs the lane's overhead only: the run
    # goes through, the rows keep "tokens" as the latency and resume from the same keys.
    out = tmp_path / "tok"
    argv = ["eval", "--agents", "hla", "--layouts", "ring", "--partners", "leader", "--episodes", "1",
            "--seconds", "20", "--slow-latency", "tokens", "--fast-latency", "tokens", "--workers", "1",
            "--json", "--out", str(out)]
    assert main(argv) == 0
    rows = [json.loads(x) for x in (out / "episodes.jsonl").read_text().splitlines()]
    assert [r["slow_latency"] for r in rows] == ["tokens"] and rows[0]["fast_latency"] == "tokens"
    assert main(argv) == 0  # resumes: nothing new to play
    assert len((out / "episodes.jsonl").read_text().splitlines()) == 1


def test_a_reader_that_stops_early_is_no_error():
    # `dualmind check-layout X | head -1` ended in a BrokenPipeError traceback.
    import subprocess
    import sys

    done = subprocess.run(f"{sys.executable} -m dualmind.cli check-layout ring | head -1",
                          shell=True, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().endswith("ok")
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
