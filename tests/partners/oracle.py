"""A test double: a listener that reads the talking partner's ground truth directly and
obeys it perfectly. It calibrates the judge (it must score 100%); it is not a product."""

from __future__ import annotations

from dualmind.agents.executor import Executor, Status
from dualmind.agents.macros import Macro
from dualmind.agents.navigation import NavMap
from dualmind.agents.scripted import ScriptedPlanner
from dualmind.agents.world import World
from dualmind.game import items
from dualmind.runtime.agent import Decision


def expand(step) -> list[Macro]:
    """The macros that carry out one intention step (cooking includes its chopping)."""
    m = step.macro
    if m.verb == "cook":
        return [Macro("chop", v) for v in items.SOUPS[m.arg].ingredients] + [m]
    return [m] * (step.count or 1)


class Oracle:
    name = "oracle"

    def __init__(self, partner):
        self.partner = partner
        self.planner = ScriptedPlanner()

    def reset(self, kitchen, me, seed):
        self.kitchen, self.me = kitchen, me
        self.nav = NavMap(kitchen)
        # No reflexes: a perfect listener obeys rather than rescuing soups on its own.
        self.executor = Executor(kitchen, me, seed=seed, nav=self.nav, reflexes=False)
        self.queue: list[Macro] = []
        self.standing: Macro | None = None
        self.seen = 0

    def act(self, state):
        say = None
        log = self.partner.talk_log
        if len(log) > self.seen:
            record = log[-1]
            self.seen = len(log)
            expected = record.expected
            if expected.kind == "question":
                say = expected.reply
            elif expected.kind != "none":
                self.standing = None
                first = expected.steps[0]
                self.queue = expand(first)
                if first.count is None:
                    self.standing = first.macro
                self.executor.set_macro(self.queue.pop(0))
        step = self.executor.step(state)
        if step.status != Status.RUNNING:
            if not self.queue and self.standing is not None:
                self.queue = [self.standing]
            if self.queue:
                macro = self.queue.pop(0)
            else:
                macro = self.planner.choose(World(self.kitchen, self.nav, state, self.me), set())
            self.executor.set_macro(macro)
            step = self.executor.step(state)
        return Decision(step.action, say)
