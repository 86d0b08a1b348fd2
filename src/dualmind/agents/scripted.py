"""The scripted team player: a planner with no language that picks macro actions from the
state, and the agent that pairs it with an executor.

Priorities, first match wins: fires (and handing the extinguisher over a wall), charred
pots, plated soups in hand, ready soups (the nearer player takes them), plated soups left
on counters, cooking the most urgent order nobody is covering, chopping what the open
orders still lack, otherwise wait. "Covering" counts what is already cooking, ready or
plated, so two scripted players split the work instead of doubling it.
"""

from __future__ import annotations

from collections import Counter

from dualmind.agents.executor import Executor, Status
from dualmind.agents.macros import Macro
from dualmind.agents.navigation import INF, NavMap
from dualmind.agents.world import World
from dualmind.game import items as I
from dualmind.game import tiles as T
from dualmind.game.rules import BURNING, CHARRED, COOKING, EMPTY, FILLING, READY, Kitchen
from dualmind.game.state import State
from dualmind.runtime.agent import Decision

RETRY_SECONDS = 2.0  # a macro that failed is not chosen again for this long


def uncovered_orders(w: World) -> list[str]:
    """Open orders (most urgent first) not yet matched by a soup cooking, ready or plated."""
    k, s = w.kitchen, w.state
    covered = Counter()
    for pot in s.pots:
        if pot.soup and k.pot_phase(pot, s.tick) in (COOKING, READY):
            covered[pot.soup] += 1
    for item in [*s.items.values(), *(p.holding for p in s.players)]:
        if item is not None and item.kind == I.PLATE and item.soup not in (None, I.CHARRED):
            covered[item.soup] += 1
    out = []
    for order in sorted(s.orders, key=lambda o: o.deadline):
        if covered[order.soup] > 0:
            covered[order.soup] -= 1
        else:
            out.append(order.soup)
    return out


def vegetable_supply(w: World) -> Counter:
    """Vegetables already on their way: chopped anywhere, on boards, in hands, in filling pots."""
    supply: Counter = Counter()
    for item in [*w.state.items.values(), *(p.holding for p in w.state.players)]:
        if item is not None and item.kind in (I.CHOPPED, I.VEGETABLE):
            supply.update(item.vegetables)
    for pot in w.state.pots:
        if pot.soup is None:
            supply.update(pot.vegetables)
    return supply


def can_cook(w: World, soup: str) -> bool:
    """A pot in reach can take this soup and every missing ingredient lies chopped in reach."""
    target = set(I.SOUPS[soup].ingredients)
    pots = [p for p in w.pots((FILLING,)) if set(w.pot_at(p).vegetables) < target] + w.pots((EMPTY,))
    if not pots:
        return False
    rest = target - set(w.pot_at(pots[0]).vegetables)
    have: set[str] = set()
    held = w.holding
    if held is not None and held.kind == I.CHOPPED and set(held.vegetables) <= rest:
        have |= set(held.vegetables)
    for pos in w.items_where(lambda it: it.kind == I.CHOPPED and set(it.vegetables) <= rest):
        have |= set(w.state.items[pos].vegetables)
    return have >= rest


def can_chop(w: World, veg: str) -> bool:
    source = w.crate(veg) is not None or bool(w.items_where(lambda it: it == I.fresh(veg)))
    return source and bool(w.tiles(T.BOARD)) and any(w.reachable(b) for b in w.tiles(T.BOARD))


class ScriptedPlanner:
    """Chooses the next macro for one player from the state alone."""

    def choose(self, w: World, avoid: set[Macro]) -> Macro:
        for macro in self._candidates(w):
            if macro not in avoid:
                return macro
        return Macro("wait")

    def _candidates(self, w: World):
        held = w.holding
        window = w.nearest(w.tiles(T.WINDOW))
        # 1. Fires.
        burning_anywhere = any(w.kitchen.pot_phase(p, w.state.tick) == BURNING for p in w.state.pots)
        if burning_anywhere:
            if w.pots((BURNING,)):
                if w.partner.holding != I.THE_EXTINGUISHER:
                    yield Macro("extinguish")
            elif held == I.THE_EXTINGUISHER:
                yield Macro("pass")
            elif w.items_where(lambda it: it == I.THE_EXTINGUISHER):
                yield Macro("fetch", "extinguisher")
        if held == I.THE_EXTINGUISHER and not burning_anywhere:
            yield Macro("pass") if w.region != w.partner_region else Macro("discard")
        # 2. Charred soup.
        if held == I.Item(I.PLATE, soup=I.CHARRED) or w.pots((CHARRED,)):
            yield Macro("clear")
        # 3. A plated soup in hand.
        if held is not None and held.kind == I.PLATE and held.soup not in (None, I.CHARRED):
            yield Macro("serve", held.soup) if window is not None else Macro("pass")
        # 4. Ready soups: the nearer player takes them.
        for pos in w.pots((READY,)):
            if w.distance(pos) <= w.partner_distance(pos) or w.partner_distance(pos) >= INF \
                    or w.partner.holding is not None:
                soup = w.pot_at(pos).soup
                yield Macro("serve", soup) if window is not None else Macro("plate", soup)
        # 5. Plated soups waiting on a counter.
        if window is not None:
            for pos in w.items_where(lambda it: it.kind == I.PLATE and it.soup not in (None, I.CHARRED)):
                yield Macro("serve", w.state.items[pos].soup)
        # 6. Cook the most urgent uncovered order we can.
        wanted = uncovered_orders(w)
        for soup in wanted:
            if can_cook(w, soup):
                yield Macro("cook", soup)
        # 7. Chop what the next orders still lack.
        need: Counter = Counter()
        for soup in wanted[:2]:
            need.update(I.SOUPS[soup].ingredients)
        need.subtract(vegetable_supply(w))
        for soup in wanted[:2]:
            for veg in I.SOUPS[soup].ingredients:
                if need[veg] > 0 and can_chop(w, veg):
                    yield Macro("chop", veg)
        # Hands full of something nobody wants: make room.
        if held is not None and held.kind == I.VEGETABLE:
            yield Macro("chop", held.vegetables[0])
        if held is not None and held != I.THE_EXTINGUISHER and held.kind != I.CHOPPED:
            yield Macro("discard")


class ScriptedAgent:
    """A team player with no language: scripted planner + executor."""

    name = "scripted"

    def __init__(self, reflexes: bool = True):
        self.reflexes = reflexes
        self.planner = ScriptedPlanner()
        self.executor: Executor | None = None
        self.failed: dict[Macro, int] = {}
        self.macros: list[tuple[int, str]] = []  # (tick, macro) each time one is taken up

    def reset(self, kitchen: Kitchen, me: int, seed: int) -> None:
        self.kitchen, self.me = kitchen, me
        self.nav = NavMap(kitchen)
        self.executor = Executor(kitchen, me, reflexes=self.reflexes, seed=seed, nav=self.nav)
        self.failed = {}
        self.macros = []
        self.retry_ticks = kitchen.settings.ticks(RETRY_SECONDS)

    def choose(self, state: State) -> Macro:
        """The next macro for this state (skipping ones that failed a moment ago)."""
        avoid = {m for m, t in self.failed.items() if state.tick - t < self.retry_ticks}
        return self.planner.choose(World(self.kitchen, self.nav, state, self.me), avoid)

    def act(self, state: State) -> Decision:
        if self.executor is None:
            raise RuntimeError("reset() the agent before act()")
        step = self.executor.step(state)
        if step.status == Status.FAILED and step.macro is not None:
            self.failed[step.macro] = state.tick
        if step.status != Status.RUNNING:
            macro = self.choose(state)
            self.executor.set_macro(macro)
            self.macros.append((state.tick, str(macro)))
            step = self.executor.step(state)
        return Decision(step.action)
