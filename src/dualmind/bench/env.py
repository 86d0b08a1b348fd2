"""Env throughput: two random players stepping the game headless.

Figures from one machine are noisy, so the reference (Overcooked-AI's ``cramped_room``,
when the ``overcooked`` package is installed) runs in the same process, interleaved
with ours over several rounds, and the ratio of medians is what to compare.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import random
import statistics
import time

from dualmind.game.layout import load_layout
from dualmind.game.rules import ACTIONS, Kitchen


def kitchen_for_bench(layout: str, speed_limits: bool) -> Kitchen:
    """The layout's kitchen; without speed limits every random action applies, as in
    Overcooked-AI, so the comparison is like for like."""
    lay = load_layout(layout)
    if not speed_limits:
        lay = dataclasses.replace(lay, settings=dataclasses.replace(lay.settings, speeds=(None, None)))
    return Kitchen(lay)


def dualmind_steps_per_second(kitchen: Kitchen, steps: int, seed: int = 0) -> float:
    """Steps/s of ``kitchen.step`` with two uniformly random players (resetting at the end)."""
    rng = random.Random(seed)
    choice = rng.choice
    state = kitchen.reset(seed)
    step, horizon = kitchen.step, kitchen.horizon
    start = time.perf_counter()
    for _ in range(steps):
        state, _events = step(state, (choice(ACTIONS), choice(ACTIONS)))
        if state.tick >= horizon:
            state = kitchen.reset(state.seed + 1)
    return steps / (time.perf_counter() - start)


class OvercookedReference:
    """Overcooked-AI's env (PyPI ``overcooked``) with two random players."""

    def __init__(self, layout: str = "cramped_room", horizon: int = 400):
        try:
            from overcooked.mdp import Action, OvercookedEnv, OvercookedGridworld
        except ImportError:
            raise ImportError(
                "the Overcooked-AI reference needs the 'overcooked' package: "
                "pip install 'dualmind[bench]'") from None
        self.actions = list(Action.ALL_ACTIONS)
        self.layout = layout
        with contextlib.redirect_stdout(io.StringIO()):  # it prints while planning
            mdp = OvercookedGridworld.from_layout_name(layout)
            self.env = OvercookedEnv.from_mdp(mdp, horizon=horizon)
            self.env.reset(regen_mdp=False)

    def steps_per_second(self, steps: int, seed: int = 0) -> float:
        rng = random.Random(seed)
        choice, actions, env = rng.choice, self.actions, self.env
        with contextlib.redirect_stdout(io.StringIO()):
            start = time.perf_counter()
            for _ in range(steps):
                _s, _r, done, _info = env.step((choice(actions), choice(actions)))
                if done:
                    env.reset(regen_mdp=False)
            return steps / (time.perf_counter() - start)


def bench_env(layout: str = "ring", steps: int = 50_000, rounds: int = 3,
              vs_overcooked_ai: bool = False, speed_limits: bool = False) -> dict:
    """Median steps/s over ``rounds`` (and the reference's, interleaved, if asked)."""
    kitchen = kitchen_for_bench(layout, speed_limits)
    reference = OvercookedReference() if vs_overcooked_ai else None
    ours, theirs = [], []
    dualmind_steps_per_second(kitchen, min(steps, 2_000))  # warm up
    for r in range(rounds):
        ours.append(dualmind_steps_per_second(kitchen, steps, seed=r))
        if reference is not None:
            theirs.append(reference.steps_per_second(steps, seed=r))
    out: dict = {"layout": layout, "steps_per_second": round(statistics.median(ours), 1),
                 "steps": steps, "rounds": rounds, "speed_limits": speed_limits}
    if reference is not None:
        ref = statistics.median(theirs)
        out["overcooked_ai_layout"] = reference.layout
        out["overcooked_ai_steps_per_second"] = round(ref, 1)
        out["ratio_vs_overcooked_ai"] = round(statistics.median(ours) / ref, 2)
    return out


def env_text(result: dict) -> str:
    """One line per layout for the terminal."""
    line = f"{result['layout']:<12} {result['steps_per_second']:>12,.0f} steps/s"
    if "ratio_vs_overcooked_ai" in result:
        line += (f"   overcooked-ai {result['overcooked_ai_layout']}: "
                 f"{result['overcooked_ai_steps_per_second']:,.0f} steps/s"
                 f"   ratio {result['ratio_vs_overcooked_ai']:.2f}x")
    return line
