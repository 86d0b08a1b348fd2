"""The talker: sends chat messages of the five kinds of GAME.md, grounded in the game, and
records for each one the ground truth: what a good partner should now do.

Messages come from the phrase bank (the ``talker`` persona's ``[phrases]``), slots filled from the state: the
vegetables the open orders need, soups on the order list, the order about to expire.
Requests are only made when the agent can carry them out in this layout (a player
behind a wall is not asked to chop what it cannot reach).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from dualmind.agents.intention import Intention, Step
from dualmind.agents.macros import Macro
from dualmind.agents.scripted import can_chop
from dualmind.agents.world import World
from dualmind.game import items, tiles
from dualmind.game.rules import BURNING, COOKING, READY

NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four"}
PLURALS = {"tomato": "tomatoes", "onion": "onions", "lettuce": "lettuces"}

# Game seconds a willing partner needs, per round of a macro; the talker waits at least
# this long (plus a margin) before its next request, so every message gets a fair window.
SECONDS_PER_CHOP = 12.0
SECONDS_TO_SERVE = 22.0
SECONDS_TO_EXTINGUISH = 14.0
MARGIN_SECONDS = 6.0
STANDING_ROUNDS = 2  # a standing order is judged on its first two rounds


def macro_seconds(macro: Macro) -> float:
    """Time a willing partner needs for one round of ``macro`` (chopping included)."""
    if macro.verb == "chop":
        return SECONDS_PER_CHOP
    if macro.verb == "cook":
        return SECONDS_PER_CHOP * len(items.SOUPS[macro.arg].ingredients) + 6.0
    if macro.verb == "serve":
        return SECONDS_TO_SERVE
    if macro.verb == "extinguish":
        return SECONDS_TO_EXTINGUISH
    return 5.0


def seconds_needed(expected: Intention) -> float:
    """Time a willing partner needs to carry out a request (0 for none and questions)."""
    if expected.kind in ("none", "question") or not expected.steps:
        return 0.0
    if expected.kind == "infer" and len(expected.steps) > 1:  # "do the rest": any one of them
        return min(macro_seconds(s.macro) for s in expected.steps)
    return sum(macro_seconds(s.macro) * (STANDING_ROUNDS if s.count is None else s.count)
               for s in expected.steps)


# The kind of message (GAME.md) each of the talker's intents is.
INTENT_KINDS = {"none": "none", "chop": "short", "cook": "short", "serve": "short",
                "extinguish": "short", "more": "infer", "split": "infer", "urgent": "infer",
                "keep": "long", "orders": "question", "recipe": "question"}


def load_phrases(persona: str = "talker") -> dict[str, dict]:
    """A talker persona's phrase bank: intent -> {"kind": ..., "phrases": [...]}."""
    from dualmind.partners.persona import load_persona

    bank = load_persona(persona).phrases
    return {k: {"kind": INTENT_KINDS[k], "phrases": list(v)} for k, v in bank.items()}


@dataclass(frozen=True)
class TalkRecord:
    """One message the talker sent, with its ground truth."""

    tick: int
    text: str
    intent: str  # the phrase-bank section: chop, cook, split, keep, orders, ...
    expected: Intention  # what a good partner should now do
    keywords: tuple[str, ...] = ()  # words a grounded reply to a question must contain

    def to_json(self) -> dict:
        return {"tick": self.tick, "text": self.text, "intent": self.intent,
                "expected": self.expected.to_json(), "keywords": list(self.keywords)}


class Talker:
    """Speaks every ``every_seconds`` (a range) of game time, from a seeded generator."""

    def __init__(self, first_seconds: float = 5.0, every_seconds: tuple[float, float] = (20.0, 32.0),
                 phrases: dict[str, dict] | None = None):
        self.first_seconds = first_seconds
        self.every_seconds = every_seconds
        self.phrases = phrases if phrases is not None else load_phrases()
        self.log: list[TalkRecord] = []
        self.rng = random.Random(0)
        self.next_tick = 0
        self.tick_seconds = 0.1
        self._last_request: Step | None = None
        self.claimed: str | None = None  # the soup the talker said it would do itself

    def reset(self, tick_seconds: float, seed: int) -> None:
        self.rng = random.Random(seed)
        self.tick_seconds = tick_seconds
        self.log = []
        self.next_tick = round(self.first_seconds / tick_seconds)
        self._last_request = None
        self.claimed = None

    def maybe_say(self, agent_view: World) -> str | None:
        """A message for this tick, or None. ``agent_view`` is the game seen as the agent."""
        tick = agent_view.state.tick
        alarm = self._fire_alarm(agent_view)
        if tick < self.next_tick and not alarm:
            return None
        record = self._compose(agent_view, alarm)
        lo, hi = self.every_seconds
        gap = self.rng.uniform(lo, hi)
        if record is not None:
            gap = max(gap, seconds_needed(record.expected) + MARGIN_SECONDS)
        self.next_tick = tick + round(gap / self.tick_seconds)
        if record is None:
            return None
        self.log.append(record)
        return record.text

    def _fire_alarm(self, w: World) -> bool:
        """A fire the agent can fight and that the talker has not shouted about yet."""
        if not w.pots((BURNING,)) or not self._can_extinguish(w):
            return False
        recent = [r for r in self.log if r.intent == "extinguish"]
        return not recent or (w.state.tick - recent[-1].tick) * self.tick_seconds > 30

    def _can_extinguish(self, w: World) -> bool:
        return w.partner.holding != items.THE_EXTINGUISHER and (
            w.holding == items.THE_EXTINGUISHER
            or bool(w.items_where(lambda it: it == items.THE_EXTINGUISHER)))

    # ------------------------------------------------------------------ composing
    def _compose(self, w: World, alarm: bool) -> TalkRecord | None:
        if alarm:
            return self._say_extinguish(w)
        # Only requests that can be carried out before the game ends ("chop 4" with five
        # seconds left would score a willing partner as disobedient).
        left = (w.kitchen.horizon - w.state.tick) * self.tick_seconds
        options = {k: v for k, v in self._options(w).items()
                   if self._longest(k) + MARGIN_SECONDS <= left}
        if not options:
            return None
        names = list(options)
        intent = self.rng.choices(names, [options[k] for k in names])[0]
        return getattr(self, f"_say_{intent}")(w)

    @staticmethod
    def _longest(intent: str) -> float:
        """The most time any message of this intent can need."""
        return {"chop": 4 * SECONDS_PER_CHOP, "keep": STANDING_ROUNDS * SECONDS_PER_CHOP,
                "cook": macro_seconds(Macro("cook", "david")),
                "split": macro_seconds(Macro("cook", "david")),
                "urgent": macro_seconds(Macro("cook", "david")),
                "more": macro_seconds(Macro("cook", "david")),
                "serve": SECONDS_TO_SERVE}.get(intent, 0.0)

    def _options(self, w: World) -> dict[str, float]:
        opts = {"none": 1.0, "orders": 1.0, "recipe": 1.0}
        if self._choppable(w):
            opts.update(chop=3.0, keep=1.0)
        if self._cookable(w):
            opts["cook"] = 2.0
            if len({o.soup for o in w.state.orders}) > 1 and len(self._cookable(w)) >= 1:
                opts["split"] = 1.0
        if self._servable(w):
            opts["serve"] = 1.5
        urgent = self._urgent(w)
        if urgent is not None and (urgent in self._servable(w) or urgent in self._cookable(w)):
            opts["urgent"] = 1.5
        if self._last_request is not None and self._feasible(w, self._last_request.macro):
            opts["more"] = 1.0
        return opts

    def _feasible(self, w: World, macro: Macro) -> bool:
        """Could the agent do this macro alone, now?"""
        if macro.verb == "chop":
            return macro.arg in self._choppable(w)
        if macro.verb == "cook":
            return macro.arg in self._cookable(w)
        if macro.verb == "serve":
            return macro.arg in self._servable(w)
        return False

    def _choppable(self, w: World) -> list[str]:
        return [v for v in items.VEGETABLES if can_chop(w, v)]

    def _cookable(self, w: World) -> list[str]:
        """Ordered soups the agent could cook alone: a pot in reach and every ingredient
        choppable by it."""
        if not w.pots(("empty", "filling")):
            return []
        choppable = set(self._choppable(w))
        return sorted({o.soup for o in w.state.orders
                       if set(items.SOUPS[o.soup].ingredients) <= choppable})

    def _servable(self, w: World) -> list[str]:
        if w.nearest(w.tiles(tiles.WINDOW)) is None:
            return []
        return sorted({w.pot_at(p).soup for p in w.pots((COOKING, READY))})

    def _urgent(self, w: World) -> str | None:
        soon = [o for o in w.state.orders
                if (o.deadline - w.state.tick) * self.tick_seconds < 25]
        return min(soon, key=lambda o: o.deadline).soup if soon else None

    def _fill(self, intent: str, **slots) -> str:
        text = self.rng.choice(self.phrases[intent]["phrases"]).format(**slots)
        roll = self.rng.random()
        if roll < 0.1:
            text = text.upper()
        elif roll < 0.3:
            text = text.lower()
        return text

    def _soup_name(self, soup: str) -> str:
        return soup.capitalize() if self.rng.random() < 0.7 else soup

    def _record(self, w: World, intent: str, text: str, expected: Intention,
                keywords: tuple[str, ...] = ()) -> TalkRecord:
        if expected.kind in ("short", "infer", "long") and len(expected.steps) == 1:
            self._last_request = Step(expected.steps[0].macro, 1)
        return TalkRecord(w.state.tick, text, intent, expected, keywords)

    def _say_none(self, w: World) -> TalkRecord:
        return self._record(w, "none", self._fill("none"), Intention("none"))

    def _say_chop(self, w: World) -> TalkRecord:
        veg = self._wanted_vegetable(w)
        n = self.rng.randint(1, 4)
        count = NUMBER_WORDS[n] if self.rng.random() < 0.4 else str(n)
        vegs = PLURALS[veg] if n > 1 else veg
        text = self._fill("chop", n=count, veg=veg, vegs=vegs)
        return self._record(w, "chop", text, Intention("short", (Step(Macro("chop", veg), n),)))

    def _say_keep(self, w: World) -> TalkRecord:
        veg = self._wanted_vegetable(w)
        text = self._fill("keep", veg=veg, vegs=PLURALS[veg])
        return self._record(w, "keep", text, Intention("long", (Step(Macro("chop", veg), None),)))

    def _wanted_vegetable(self, w: World) -> str:
        choppable = self._choppable(w)
        needed = [v for o in w.state.orders for v in items.SOUPS[o.soup].ingredients if v in choppable]
        return self.rng.choice(needed or choppable)

    def _say_cook(self, w: World) -> TalkRecord:
        soup = self.rng.choice(self._cookable(w))
        text = self._fill("cook", soup=self._soup_name(soup))
        return self._record(w, "cook", text, Intention("short", (Step(Macro("cook", soup)),)))

    def _say_serve(self, w: World) -> TalkRecord:
        soup = self.rng.choice(self._servable(w))
        text = self._fill("serve", soup=self._soup_name(soup))
        return self._record(w, "serve", text, Intention("short", (Step(Macro("serve", soup)),)))

    def _say_extinguish(self, w: World) -> TalkRecord:
        return self._record(w, "extinguish", self._fill("extinguish"),
                            Intention("short", (Step(Macro("extinguish")),)))

    def _say_more(self, w: World) -> TalkRecord:
        step = self._last_request
        if step is None:  # "more" is only offered after a request; be safe anyway
            return self._say_none(w)
        return self._record(w, "more", self._fill("more"), Intention("infer", (step,)))

    def _say_split(self, w: World) -> TalkRecord:
        soups = sorted({o.soup for o in w.state.orders})
        cookable = set(self._cookable(w))
        mine = self.rng.choice([s for s in soups if cookable - {s}])
        rest = tuple(Step(Macro("cook", s)) for s in soups if s != mine and s in cookable)
        text = self._fill("split", soup=self._soup_name(mine))
        record = self._record(w, "split", text, Intention("infer", rest))
        self.claimed = mine
        return record

    def _say_urgent(self, w: World) -> TalkRecord:
        soup = self._urgent(w) or w.state.orders[0].soup
        cooking = soup in self._servable(w)
        macro = Macro("serve", soup) if cooking else Macro("cook", soup)
        text = self._fill("urgent", soup=self._soup_name(soup))
        return self._record(w, "urgent", text, Intention("infer", (Step(macro),)))

    def _say_orders(self, w: World) -> TalkRecord:
        soups = tuple(dict.fromkeys(o.soup for o in w.state.orders))
        reply = "The orders are " + ", ".join(f"{s.capitalize()} soup" for s in soups) + "."
        return self._record(w, "orders", self._fill("orders"), Intention("question", reply=reply), soups)

    def _say_recipe(self, w: World) -> TalkRecord:
        soup = self.rng.choice(list(items.SOUPS))
        ingredients = items.SOUPS[soup].ingredients
        reply = f"{soup.capitalize()} soup is " + " + ".join(ingredients) + "."
        text = self._fill("recipe", soup=self._soup_name(soup))
        return self._record(w, "recipe", text, Intention("question", reply=reply), ingredients)
