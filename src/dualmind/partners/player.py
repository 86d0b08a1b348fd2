"""Simulated human players: the scripted planner and the same executor as the agents, made
human-like (slower, pausing, now and then fetching the wrong vegetable), optionally
talking through a :class:`~dualmind.partners.talker.Talker`.

Names on the command line: ``partner`` (plays and talks) and ``silent`` (plays, never
talks).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from dualmind.agents.executor import Executor, Status
from dualmind.agents.macros import Macro
from dualmind.agents.navigation import NavMap
from dualmind.agents.scripted import ScriptedPlanner, can_chop, can_cook
from dualmind.agents.world import World
from dualmind.game import items as I
from dualmind.game.rules import Kitchen
from dualmind.game.state import State
from dualmind.partners.talker import Talker, TalkRecord
from dualmind.runtime.agent import Decision


@dataclass(frozen=True)
class Imperfection:
    """How the simulated human falls short of the scripted player."""

    speed: float = 2.0
    """Actions per second it manages (below the agent's 2.5 by default)."""
    pause_chance: float = 0.15
    """Chance, at each new macro, of pausing first (looking at the screen, typing)."""
    pause_seconds: tuple[float, float] = (1.0, 4.0)
    """Length of a pause, uniform in this range."""
    wrong_item_chance: float = 0.1
    """Chance that a chop goes to the wrong vegetable."""


class SimulatedHuman:
    """Plays the human's side; talks if it has a talker."""

    def __init__(self, talker: Talker | None = None, imperfection: Imperfection | None = None):
        self.talker = talker
        self.imperfection = imperfection or Imperfection()
        self.name = "partner" if talker else "silent"
        self.planner = ScriptedPlanner()
        self.executor: Executor | None = None
        self.rng = random.Random(0)

    @property
    def talk_log(self) -> list[TalkRecord]:
        """What it said, with the ground truth of each message (empty if silent)."""
        return self.talker.log if self.talker else []

    def reset(self, kitchen: Kitchen, me: int, seed: int) -> None:
        self.kitchen, self.me = kitchen, me
        self.nav = NavMap(kitchen)
        self.executor = Executor(kitchen, me, seed=seed, nav=self.nav)
        self.rng = random.Random(seed + 7919)
        tick_s = kitchen.settings.tick_seconds
        self.gap = max(1, round(1 / (self.imperfection.speed * tick_s)))
        self.last_act = -(10**9)
        self.paused_until = 0
        if self.talker:
            self.talker.reset(tick_s, seed + 104729)

    def _choose(self, w: World) -> Macro:
        macro = self.planner.choose(w, set())
        claimed = self.talker.claimed if self.talker else None
        if claimed in {o.soup for o in w.state.orders} and macro.verb in ("chop", "wait"):
            # It said it would do this soup itself: keep its word where it can.
            if can_cook(w, claimed):
                return Macro("cook", claimed)
            choppable = [v for v in I.SOUPS[claimed].ingredients if can_chop(w, v)]
            if macro.verb == "wait" and choppable:
                macro = Macro("chop", self.rng.choice(choppable))
        if macro.verb == "chop" and self.rng.random() < self.imperfection.wrong_item_chance:
            macro = Macro("chop", self.rng.choice([v for v in I.VEGETABLES if v != macro.arg]))
        return macro

    def act(self, state: State) -> Decision:
        if self.executor is None:
            raise RuntimeError("reset() the partner before act()")
        say = None
        if self.talker is not None:
            say = self.talker.maybe_say(World(self.kitchen, self.nav, state, 1 - self.me))
        if state.tick < self.paused_until or state.tick - self.last_act < self.gap:
            return Decision("stay", say)
        step = self.executor.step(state)
        if step.status != Status.RUNNING:
            imp = self.imperfection
            if self.rng.random() < imp.pause_chance:
                lo, hi = imp.pause_seconds
                self.paused_until = state.tick + round(self.rng.uniform(lo, hi) /
                                                       self.kitchen.settings.tick_seconds)
            self.executor.set_macro(self._choose(World(self.kitchen, self.nav, state, self.me)))
            step = self.executor.step(state)
        if step.action != "stay":
            self.last_act = state.tick
        return Decision(step.action, say)


def talking_partner() -> SimulatedHuman:
    """``partner`` on the command line: plays and talks."""
    return SimulatedHuman(Talker())


def silent_partner() -> SimulatedHuman:
    """``silent`` on the command line: plays, never talks."""
    return SimulatedHuman(None)
