"""The game context a message is read in: open orders, soups on the stove, last intention."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dualmind.agents.intention import Intention, Step
from dualmind.agents.macros import parse_macro
from dualmind.game.rules import COOKING, READY, Kitchen
from dualmind.game.state import State


@dataclass(frozen=True)
class Context:
    """What the interpreter knows besides the message."""

    orders: tuple[str, ...] = ()  # open orders, oldest first
    cooking: tuple[str, ...] = ()  # soups cooking or ready in a pot
    last: Intention | None = None  # the intention in force before this message
    # What the agent can do in this layout (None: not known), so it can say when it cannot.
    can_chop: tuple[str, ...] | None = None
    can_cook: bool | None = None
    can_serve: bool | None = None
    can_extinguish: bool | None = None

    @classmethod
    def from_state(cls, kitchen: Kitchen, state: State, last: Intention | None = None) -> Context:
        cooking = tuple(p.soup for p in state.pots
                        if p.soup and kitchen.pot_phase(p, state.tick) in (COOKING, READY))
        return cls(tuple(o.soup for o in state.orders), cooking, last)

    def describe(self) -> str:
        """The context as a few lines for a model's prompt."""
        last = ", ".join(f"{s.macro} x{'always' if s.count is None else s.count}"
                         for s in self.last.steps) if self.last and self.last.steps else "nothing"
        return (f"Open orders (oldest first): {', '.join(self.orders) or 'none'}.\n"
                f"Soups cooking or ready: {', '.join(self.cooking) or 'none'}.\n"
                f"Your current intention: {last}.")


# A standing order is written "x-", or as `interpret` prints it, "x always" (also "x inf").
_STEP = re.compile(r"^(?P<macro>.+?)\s*(?:x\s*(?P<count>\d+|-|always|inf|forever|none))?$", re.IGNORECASE)


def parse_last(text: str | None) -> Intention | None:
    """Read a last intention written as ``"chop(tomato) x2, cook(bob) x1"`` (x- standing)."""
    if not text or text.strip() in ("", "-"):
        return None
    steps = []
    for part in text.split(","):
        m = _STEP.match(part.strip())
        if m is None:
            raise ValueError(f"cannot read {part!r} as macro x count")
        count = m.group("count")
        steps.append(Step(parse_macro(m.group("macro")),
                          int(count) if count and count.isdigit() else None if count else 1))
    kind = "long" if any(s.count is None for s in steps) else "short"
    return Intention(kind, tuple(steps))
