"""Schedulers, the wall clock, records and exact replay."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from dualmind.agents.mind_agent import MindAgent, MindConfig
from dualmind.errors import DualmindError
from dualmind.game import Kitchen, load_layout
from dualmind.partners.player import talking_partner
from dualmind.runtime.match import run_episode
from dualmind.runtime.record import Recorder, list_episodes, replay
from dualmind.runtime.scheduler import LatencyModel, ThreadScheduler, VirtualScheduler

RING = Kitchen(load_layout("ring"))
CONFIG = MindConfig(slow="rules", fast="rules")


def test_virtual_scheduler_charges_latency_in_ticks():
    s = VirtualScheduler(0.1, {"slow": LatencyModel(4.0), "fast": LatencyModel(0.25)})
    s.submit("slow", 10, lambda: "plan")
    s.submit("fast", 10, lambda: "macro")
    assert s.busy("slow") and s.poll("fast", 12) is None
    assert s.poll("fast", 13).result == "macro"  # ceil(0.25 / 0.1) = 3 ticks
    assert s.poll("slow", 49) is None and s.poll("slow", 50).result == "plan"
    s.submit("x", 0, lambda: 1)
    with pytest.raises(RuntimeError, match="already has a call in flight"):
        s.submit("x", 0, lambda: 1)


def test_per_token_latency_model():
    model = LatencyModel(seconds=0.5, per_prompt_token=0.01, per_generated_token=0.05)
    assert model.charge(9.9, 100, 10) == pytest.approx(0.5 + 1.0 + 0.5)
    assert LatencyModel().charge(0.123) == 0.123  # measured


def test_a_raising_mind_is_recorded_not_propagated():
    s = VirtualScheduler(0.1)
    s.submit("slow", 0, lambda: 1 / 0)
    assert "ZeroDivisionError" in s.poll("slow", 5).error


def test_thread_scheduler_never_blocks_the_caller():
    import threading

    s = ThreadScheduler(0.1)
    release = threading.Event()
    s.submit("slow", 0, lambda: release.wait(10) and "done")
    # submit returned while the call is still blocked (had it blocked, the call would be done)
    assert s.busy("slow") and s.poll("slow", 1) is None
    release.set()
    deadline = time.monotonic() + 10
    while (r := s.poll("slow", 2)) is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert r.result == "done"
    s.close()


def test_wall_clock_game_reports_lateness():
    result, _ = run_episode(RING, (MindAgent("hla", CONFIG), talking_partner()), seed=0, seconds=2,
                            clock="wall")
    s = result.to_json()
    assert s["ticks"] == 20 and "lateness_p99_ms" in s and s["missed_ticks"] >= 0


def record_game(path, seed=3, seconds=60):
    rec = Recorder(path, snapshot_every=20)
    result, final = run_episode(RING, (MindAgent("hla", CONFIG), talking_partner()), seed=seed,
                                seconds=seconds, recorder=rec)
    rec.close()
    return result, final


def test_record_and_replay_exactly(tmp_path):
    path = tmp_path / "games.sqlite"
    result, final = record_game(path)
    *_, (_kitchen, replayed, _) = list(replay(path))
    assert replayed == final
    (ep,) = list_episodes(path)
    assert ep.finished and ep.ticks == 600 and ep.summary["score"] == result.score
    db = sqlite3.connect(path)
    assert db.execute("SELECT COUNT(*) FROM mind_calls").fetchone()[0] > 0
    assert db.execute("SELECT COUNT(*) FROM chat").fetchone()[0] == len(final.chat)
    assert db.execute("SELECT COUNT(*) FROM macros").fetchone()[0] > 0


def test_a_tampered_record_is_caught(tmp_path):
    path = tmp_path / "games.sqlite"
    record_game(path)
    db = sqlite3.connect(path)
    db.execute("UPDATE ticks SET action0 = 'up', action1 = 'left' WHERE tick BETWEEN 100 AND 140")
    db.commit()
    with pytest.raises(DualmindError, match="diverged"):
        list(replay(path))


class Crash:
    name = "crash"

    def reset(self, kitchen, me, seed):
        pass

    def act(self, state):
        if state.tick == 250:
            raise RuntimeError("the browser went away")
        return "stay"


def test_a_crash_keeps_the_record_up_to_that_tick(tmp_path):
    path = tmp_path / "games.sqlite"
    rec = Recorder(path)
    with pytest.raises(RuntimeError):
        run_episode(RING, (MindAgent("hla", CONFIG), Crash()), seed=0, recorder=rec)
    rec.close()
    (ep,) = list_episodes(path)
    assert not ep.finished and ep.ticks == 250
    *_, (_kitchen, state, _) = list(replay(path))
    assert state.tick == 250


def test_replay_cli(tmp_path, capsys):
    from dualmind.cli import main

    path = tmp_path / "g.sqlite"
    assert main(["play", "--agents", "hla,partner", "--seconds", "30", "--record", str(path),
                 "--backend", "rules", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert main(["replay", str(path), "--every", "0"]) == 0
    out = capsys.readouterr().out
    assert f"final score {summary['score']}" in out and "replayed 300 ticks exactly" in out


def test_a_command_does_not_wait_at_exit_for_an_abandoned_mind_call(tmp_path):
    """A mind call still running when `play` ends must not hold the process in the
    interpreter's teardown (seen: a native lock in a model library, nothing on stderr).
    Here the teardown hang is an atexit handler that sleeps; the call never returns."""
    import subprocess
    import sys

    script = tmp_path / "exit.py"
    script.write_text(
        "import atexit, threading, time\n"
        "from dualmind.cli import _leave_abandoned_calls\n"
        "from dualmind.runtime.scheduler import ThreadScheduler, calls_running\n"
        "atexit.register(time.sleep, 60)\n"
        "s = ThreadScheduler(0.1)\n"
        "s.submit('slow', 0, lambda: threading.Event().wait())\n"
        "s.close()\n"
        "assert calls_running()\n"
        "print('saved', flush=False)\n"
        "_leave_abandoned_calls(130)\n")
    start = time.monotonic()
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=50)
    assert time.monotonic() - start < 30
    assert done.returncode == 130, done.stderr
    assert done.stdout == "saved\n"  # what was printed is flushed, not lost


def test_one_ctrl_c_ends_play_even_when_its_clean_up_hangs(tmp_path):
    """After the first Ctrl-C the process is gone within the grace period, whatever its
    clean-up waits on (here a `finally` that sleeps a minute)."""
    import signal
    import subprocess
    import sys

    script = tmp_path / "hang.py"
    script.write_text(
        "import os, signal, time\n"
        "from dualmind.cli import _exit_soon_after_ctrl_c\n"
        "_exit_soon_after_ctrl_c(grace_s=1.0)\n"
        "try:\n"
        "    print('playing', flush=True)\n"
        "    time.sleep(60)\n"
        "finally:\n"
        "    print('cleaning up', flush=True)\n"
        "    time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "playing\n"
    start = time.monotonic()
    proc.send_signal(signal.SIGINT)
    rc = proc.wait(timeout=30)
    assert time.monotonic() - start < 10
    assert rc == 130 and proc.stdout.read() == "cleaning up\n"
