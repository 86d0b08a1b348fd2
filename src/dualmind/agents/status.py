"""Status of the human's open request: what the agent has done for it, and whether it is over.

A counter ends "chop 2 onions" by itself, but not "chop onions until the David is in the
pot", "keep the pots busy for a bit" or "serve the Alice" once the human served it: whether
such a request is over depends on its words and on the game. So while a request is open the
slow mind is asked, after each macro the body finishes and at most every
:data:`STATUS_SECONDS`, what the reference HLA asks its slow model: given the request and
what was done since, is it finished? The answer ends the intention (with a line to the
human saying what was done) or lets it run.

With an LLM slow mind the model answers (:meth:`~dualmind.agents.llm.slow.LLMSlowInterpreter.
status`, one constrained label after the same cached prompt as its reading of chat); with
code minds :func:`rule_status` does, at once: a request is over when nothing in it can still
serve an open order (the soup it names was served, expired or is cooking already).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from dualmind.agents.intention import Step
from dualmind.agents.macros import Macro
from dualmind.agents.scripted import uncovered_orders
from dualmind.agents.world import World
from dualmind.game.text import article

STATUS_SECONDS = 5.0
"""At most one status call this often while a request is open (and one after each macro)."""

SOUP_VERBS = ("cook", "serve", "plate", "prepare")


@dataclass
class Request:
    """The human's request in force: its words, when it was read, and the macros finished since."""

    text: str
    tick: int
    done: Counter = field(default_factory=Counter)

    def did(self, macro: Macro) -> None:
        self.done[macro] += 1

    def done_text(self) -> str:
        """``chop(onion) x3, cook(bob) x1`` (or ``nothing yet``): what a prompt reads."""
        return ", ".join(f"{m} x{n}" for m, n in self.done.items()) or "nothing yet"

    def said(self) -> str:
        """What was done, as a person says it: "chopped 3 onions and cooked the Bob soup"."""
        from dualmind.agents.minds import PLURAL

        parts = []
        for m, n in self.done.items():
            if m.verb == "chop":
                parts.append(f"chopped {n} {PLURAL.get(m.arg, m.arg)}" if n > 1
                             else f"chopped {article(m.arg)} {m.arg}")
            elif m.verb in SOUP_VERBS:
                past = {"cook": "cooked", "serve": "served", "plate": "plated", "prepare": "gathered"}[m.verb]
                parts.append(f"{past} the {m.arg.capitalize()} soup" + (f" x{n}" if n > 1 else ""))
            elif m.verb == "fetch":
                parts.append(f"got the {m.arg}")
            elif m.verb == "extinguish":
                parts.append("put out the fire")
            elif m.verb == "pass":
                parts.append("handed it over")
            elif m.verb == "clear":
                parts.append("emptied the burnt pot")
        return " and ".join(parts[:3])


def finished_line(request: Request, why: str = "") -> str:
    """The agent's line when it ends a request on its own judgement."""
    did = request.said()
    if why:
        return f"{why}; I'll go back to the open orders." if not did else f"Done: I {did}. {why}."
    return f"Done: I {did}." if did else "OK, that's done."


def moot(world: World, steps: list[Step], named: frozenset[str] = frozenset()) -> str:
    """Why nothing left in ``steps`` can still serve an open order ("" when something can).

    Only steps about a soup are judged: a soup no open order wants any more (served by the
    human, expired) or already cooking for its order. Chopping and fetching are left to
    counters and standing-order caps, which know what the orders still lack. A soup the
    human asked for by name (``named``, :func:`~dualmind.agents.minds.named_soups`) is
    cooked as asked while an order wants it, cooking or not: its counter ends it."""
    soups = [s.macro.arg for s in steps if s.macro.verb in SOUP_VERBS and s.macro.arg]
    if not soups or len(soups) != len(steps):
        return ""
    orders = Counter(o.soup for o in world.state.orders)
    # The same count of "on its way" as the fast mind's (choose_from_plan skips a cook
    # whose orders are all covered): the request must not stay open with nothing to do.
    uncovered = set(uncovered_orders(world))
    for soup in dict.fromkeys(soups):
        verbs = {s.macro.verb for s in steps if s.macro.arg == soup}
        if orders[soup] == 0:
            continue  # nobody wants it any more
        if verbs <= {"cook", "prepare"} and soup not in named and soup not in uncovered:
            continue  # every order of it is cooking or plated already
        return ""
    names = " and ".join(s.capitalize() for s in dict.fromkeys(soups))
    gone = all(orders[s] == 0 for s in soups)
    return f"The {names} order is gone" if gone else f"The {names} soup is already on its way"


def rule_status(world: World, steps: list[Step], named: frozenset[str] = frozenset()) -> tuple[bool, str]:
    """Code minds' status: (finished, why), at once and without a model."""
    why = moot(world, steps, named)
    return bool(why), why
