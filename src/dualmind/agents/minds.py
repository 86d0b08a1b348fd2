"""The two minds of HLA and the plan they share.

* :class:`SlowMind` reads every human message that arrived since its last call, with the
  capable interpreter, and returns the new intention (or keeps the old one for "never
  mind") and a chat reply for questions.
* :class:`FastMind` picks the next macro action from the intention, constrained to the
  macros possible now (a cook whose vegetables are not chopped yet becomes chopping
  them); it can also read a fresh message with the quick interpreter so the body reacts
  before the slow mind has finished. It returns None when the intention offers nothing
  possible, and the agent falls back to the scripted planner (counted).
* :class:`Plan` tracks an intention's progress: each completed macro uses up one of its
  step's count; standing orders never run out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dualmind.agents import macro_logic as L
from dualmind.agents.intention import Intention, Step
from dualmind.agents.language.context import Context
from dualmind.agents.language.interpreters import Interpretation, Interpreter
from dualmind.agents.macros import Macro
from dualmind.agents.world import World
from dualmind.game import items as I


@dataclass
class MindOutput:
    """What one mind call produced."""

    intention: Intention | None = None  # None: keep the current one
    macro: Macro | None = None
    reply: str = ""
    tokens: tuple[int, int] = (0, 0)
    prompt: str = ""
    output: str = ""
    model_errors: int = 0
    meta: dict = field(default_factory=dict)


class Plan:
    """The intention in force and how much of each step is left."""

    def __init__(self, intention: Intention | None = None):
        self.set(intention or Intention())

    def set(self, intention: Intention) -> None:
        self.intention = intention
        self.left: list[list] = [[s.macro, s.count] for s in intention.steps]

    @property
    def steps(self) -> list[Step]:
        return [Step(m, c) for m, c in self.left]

    @property
    def empty(self) -> bool:
        return not self.left

    def completed(self, macro: Macro) -> None:
        """One round of ``macro`` is done: use up one of the first matching step."""
        for entry in self.left:
            if entry[0] == macro:
                if entry[1] is not None:
                    entry[1] -= 1
                    if entry[1] <= 0:
                        self.left.remove(entry)
                return


def possible(world: World, macro: Macro) -> bool:
    """Can the executor start this macro now (it does not fail or finish at once)?"""
    return isinstance(L.plan(world, {}, macro), L.Use | L.Go | L.Stay)


def choose_from_plan(world: World, steps: list[Step]) -> Macro | None:
    """The first step possible now, or the chopping that would make a cook possible."""
    for step in steps:
        m = step.macro
        if possible(world, m):
            return m
        if m.verb in ("cook", "serve", "prepare", "plate"):
            for veg in I.SOUPS[m.arg].ingredients:
                chop = Macro("chop", veg)
                if possible(world, chop):
                    return chop
    return None


def read_messages(interpreter: Interpreter, messages: list[str], ctx: Context) -> MindOutput:
    """Interpret messages in order; the last one that asks for something sets the
    intention, every question gets its reply."""
    intention, replies, errors = None, [], 0
    last = ctx.last
    parts = []
    for text in messages:
        result: Interpretation = interpreter.interpret(text, Context(ctx.orders, ctx.cooking, last))
        errors += "error" in result.meta
        got = result.intention
        parts.append(f"{text[:200]!r} -> {result.intent}")
        if got.kind == "question":
            replies.append(got.reply)
        elif got.kind != "none":
            intention = last = got
    return MindOutput(intention=intention, reply=" ".join(replies), model_errors=errors,
                      prompt=ctx.describe() + "\n" + "\n".join(m[:200] for m in messages),
                      output="; ".join(parts))


class SlowMind:
    """Reads chat with the capable interpreter; keeps the plan."""

    def __init__(self, interpreter: Interpreter):
        self.interpreter = interpreter

    def think(self, messages: list[str], ctx: Context) -> MindOutput:
        return read_messages(self.interpreter, messages, ctx)


class FastMind:
    """Picks the next macro from the plan; reads a fresh message with a quick interpreter."""

    def __init__(self, interpreter: Interpreter | None = None):
        self.interpreter = interpreter

    def choose(self, world: World, steps: list[Step]) -> MindOutput:
        macro = choose_from_plan(world, steps)
        return MindOutput(macro=macro, prompt="; ".join(f"{s.macro}x{s.count}" for s in steps),
                          output=str(macro))

    def react(self, messages: list[str], ctx: Context, world: World, steps: list[Step]) -> MindOutput:
        """Read new messages quickly and pick the macro they call for, in one call."""
        if self.interpreter is None:
            return MindOutput()
        out = read_messages(self.interpreter, messages, ctx)
        plan_steps = list(out.intention.steps) if out.intention is not None else steps
        out.macro = choose_from_plan(world, plan_steps)
        return out
