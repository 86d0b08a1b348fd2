"""The scripted team player: a planner with no language that picks macro actions from the
state, and the agent that pairs it with an executor.

Priorities, first match wins: fires (and handing the extinguisher over a wall), charred
pots, plated soups in hand, handing over what I hold but only my partner can use, ready
soups (the nearer player who can get a plate takes them), plated soups left on counters,
a clean plate for a partner who cooks but cannot reach the plates, cooking the most
urgent order nobody is covering, chopping what the open orders still lack (or fetching
it for a partner who has the chopping board), otherwise wait. "Covering" counts what is
already cooking, ready or plated, so two scripted players split the work instead of
doubling it.

The division of labour comes from reachability alone (:class:`World` answers what each
player can reach; :mod:`dualmind.game.reach` splits a kitchen into the players' zones):
a player who cannot reach the crates takes vegetables from a shared counter, one who can
reach the crates but not the boards fetches and hands them over, one who chops but
cannot reach a pot leaves the chopped food where the cook can reach it, and one who can
reach the plates brings plates to a cook who cannot. No layout is named here.
"""

from __future__ import annotations

from collections import Counter

from dualmind.agents.executor import Executor, Status
from dualmind.agents.macro_logic import handed_sets
from dualmind.agents.macros import Macro
from dualmind.agents.navigation import INF, NavMap
from dualmind.agents.world import World
from dualmind.game import items, tiles
from dualmind.game.rules import BURNING, CHARRED, COOKING, READY, Kitchen
from dualmind.game.state import State
from dualmind.runtime.agent import Decision

RETRY_SECONDS = 2.0  # a macro that failed is not chosen again for this long
MAX_CHOICES_PER_TICK = 3  # macros tried in one tick when each fails at once


def uncovered_orders(w: World) -> list[str]:
    """Open orders (most urgent first) not yet matched by a soup cooking, ready or plated."""
    k, s = w.kitchen, w.state
    covered = Counter()
    for pot in s.pots:
        if pot.soup and k.pot_phase(pot, s.tick) in (COOKING, READY):
            covered[pot.soup] += 1
    for item in [*s.items.values(), *(p.holding for p in s.players)]:
        if item is not None and item.kind == items.PLATE and item.soup not in (None, items.CHARRED):
            covered[item.soup] += 1
    out = []
    for order in sorted(s.orders, key=lambda o: o.deadline):
        if covered[order.soup] > 0:
            covered[order.soup] -= 1
        else:
            out.append(order.soup)
    return out


def vegetable_supply(w: World, wanted: list[str] | None = None) -> Counter:
    """Vegetables already on their way: chopped anywhere, on boards, in hands, in filling
    pots. With ``wanted``, a chopped set that fits none of those soups (a David set when
    no David is wanted) is not counted: it cannot be split to make another."""
    fits = [set(items.SOUPS[s].ingredients) for s in wanted] if wanted is not None else None
    supply: Counter = Counter()
    for item in [*w.state.items.values(), *(p.holding for p in w.state.players)]:
        if item is not None and item.kind in (items.CHOPPED, items.VEGETABLE):
            if fits is not None and item.kind == items.CHOPPED and len(item.vegetables) > 1 \
                    and not any(set(item.vegetables) <= f for f in fits):
                continue
            supply.update(item.vegetables)
    for pot in w.state.pots:
        if pot.soup is None:
            supply.update(pot.vegetables)
    return supply


def can_cook(w: World, soup: str) -> bool:
    """A pot in reach can take this soup and every missing ingredient lies chopped in reach."""
    return w.pot_for(soup) is not None


def can_chop(w: World, veg: str) -> bool:
    source = w.crate(veg) is not None or bool(w.items_where(lambda it: it == items.fresh(veg)))
    return source and w.can_use(tiles.BOARD)


def can_prepare_for_partner(w: World, soup: str) -> bool:
    """Every ingredient of ``soup`` lies chopped in my reach (or in my hand), and the whole
    set is not already waiting where the partner can reach it."""
    target = set(items.SOUPS[soup].ingredients)
    full = items.chopped(*target)
    if any(w.partner_reachable(p) for p in w.items_where(lambda it: it == full)):
        return False
    have: set[str] = set()
    held = w.holding
    if held is not None and held.kind == items.CHOPPED and set(held.vegetables) <= target:
        have |= set(held.vegetables)
    skip = handed_sets(w)
    for pos in w.items_where(lambda it: it.kind == items.CHOPPED and set(it.vegetables) <= target):
        if pos not in skip:
            have |= set(w.state.items[pos].vegetables)
    return have >= target


def can_hand_over(w: World, spare: int = 0) -> bool:
    """The partner works elsewhere and a free counter we both reach is in my reach (and
    ``spare`` more stay free, for the soups that must cross after it)."""
    return w.apart and len(w.hand_over_counters()) > spare


def partner_gets_plates(w: World) -> bool:
    """The partner can reach the plates, or a clean plate is in its hand or reach."""
    if w.partner_can_use(tiles.PLATES) or w.partner.holding == items.CLEAN_PLATE:
        return True
    return any(w.partner_reachable(p) for p, it in w.state.items.items() if it == items.CLEAN_PLATE)


def plates_partner_lacks(w: World) -> int:
    """Soups cooking or ready in pots only the partner reaches, less the clean plates it has
    or can reach: how many plates to bring it (0 when it gets its own)."""
    if not w.apart or w.partner_can_use(tiles.PLATES):
        return 0
    k, s = w.kitchen, w.state
    soups = sum(1 for pos, pot in zip(k.pot_cells, s.pots, strict=True)
                if k.pot_phase(pot, s.tick) in (COOKING, READY)
                and w.partner_reachable(pos) and not w.reachable(pos))
    plates = int(w.partner.holding == items.CLEAN_PLATE) + sum(
        1 for p, it in s.items.items() if it == items.CLEAN_PLATE and w.partner_reachable(p))
    return soups - plates


class ScriptedPlanner:
    """Chooses the next macro for one player from the state alone."""

    def choose(self, w: World, avoid: set[Macro]) -> Macro:
        for macro in self._candidates(w):
            if macro not in avoid:
                return macro
        return Macro("wait")

    def _candidates(self, w: World):
        held = w.holding
        window = w.nearest(w.tiles(tiles.WINDOW))
        # 1. Fires.
        burning_anywhere = any(w.kitchen.pot_phase(p, w.state.tick) == BURNING for p in w.state.pots)
        if burning_anywhere:
            if w.pots((BURNING,)):
                if w.partner.holding != items.THE_EXTINGUISHER:
                    yield Macro("extinguish")
            elif held == items.THE_EXTINGUISHER:
                yield Macro("pass")
            elif any(not w.partner_reachable(p)
                     for p in w.items_where(lambda it: it == items.THE_EXTINGUISHER)):
                yield Macro("fetch", "extinguisher")  # to hand it to the partner at the fire
        if held == items.THE_EXTINGUISHER and not burning_anywhere:
            # Across the counter only to a partner with pots I cannot reach; else the next
            # macro puts it down on my side (a shared counter is for food).
            if not w.apart:
                yield Macro("discard")
            elif any(w.partner_reachable(p) and not w.reachable(p) for p in w.kitchen.pot_cells):
                yield Macro("pass")
        # 2. Charred soup.
        if held == items.Item(items.PLATE, soup=items.CHARRED) or w.pots((CHARRED,)):
            yield Macro("clear")
        # 3. A plated soup in hand.
        if held is not None and held.kind == items.PLATE and held.soup not in (None, items.CHARRED):
            yield Macro("serve", held.soup) if window is not None else Macro("pass")
        # Holding what only the partner can use (a vegetable and no board here, chopped
        # food and no pot here): hand it over the counter.
        if held is not None and w.apart:
            if held.kind == items.VEGETABLE and not w.can_use(tiles.BOARD) and w.partner_can_use(tiles.BOARD):
                yield Macro("pass")
            if held.kind == items.CHOPPED and w.partner_cooks():
                yield Macro("pass")
        # 4. Ready soups: the nearer player who can get a plate takes them.
        for pos in w.pots((READY,)):
            if w.distance(pos) <= w.partner_distance(pos) or w.partner_distance(pos) >= INF \
                    or w.partner.holding is not None or not partner_gets_plates(w):
                soup = w.pot_at(pos).soup
                yield Macro("serve", soup) if window is not None else Macro("plate", soup)
        # 5. Plated soups waiting on a counter: serve them, or if only the partner reaches a
        # window, pick up one it cannot reach (the pickup ends in a hand-over).
        plated = w.items_where(lambda it: it.kind == items.PLATE and it.soup not in (None, items.CHARRED))
        for pos in plated:
            if window is not None or (w.apart and w.partner_can_use(tiles.WINDOW)
                                      and not w.partner_reachable(pos) and held is None):
                yield Macro("serve", w.state.items[pos].soup)
        # A cook who cannot reach the plates gets them from me.
        if plates_partner_lacks(w) > 0 and w.can_use(tiles.PLATES) and can_hand_over(w):
            yield Macro("pass") if held == items.CLEAN_PLATE else Macro("fetch", "plate")
        # 6. Cook the most urgent uncovered order we can.
        wanted = uncovered_orders(w)
        for soup in wanted:
            if can_cook(w, soup) and not w.partner_cooks():
                yield Macro("cook", soup)
        # A chopper who cannot cook hands whole sets over: one shared counter per soup,
        # and food left on my side of the wall gets to the cook's.
        if w.partner_cooks():
            for soup in wanted:
                if can_prepare_for_partner(w, soup):
                    yield Macro("prepare", soup)
        # Fresh vegetables handed over to me: chop them first, they hold a shared counter.
        if w.apart and w.can_use(tiles.BOARD):
            for pos in w.items_where(lambda it: it.kind == items.VEGETABLE):
                if w.kitchen.tiles[pos] != tiles.BOARD and w.partner_reachable(pos):
                    yield Macro("chop", w.state.items[pos].vegetables[0])
        # 7. Chop what the next orders still lack.
        need: Counter = Counter()
        for soup in wanted[:2]:
            need.update(items.SOUPS[soup].ingredients)
        need.subtract(vegetable_supply(w, wanted[:2]))
        for soup in wanted[:2]:
            for veg in items.SOUPS[soup].ingredients:
                if need[veg] <= 0:
                    continue
                if can_chop(w, veg):
                    yield Macro("chop", veg)
                elif w.crate(veg) is not None and w.partner_can_use(tiles.BOARD) \
                        and can_hand_over(w, spare=1):
                    yield Macro("fetch", veg)  # then "pass": the partner has the board
        # A fresh vegetable someone left on a counter (handed over): chop it.
        for pos in w.items_where(lambda it: it.kind == items.VEGETABLE):
            if w.kitchen.tiles[pos] != tiles.BOARD and w.can_use(tiles.BOARD):
                yield Macro("chop", w.state.items[pos].vegetables[0])
        # Hands full of something nobody wants: make room.
        if held is not None and held.kind == items.VEGETABLE:
            yield Macro("chop", held.vegetables[0])
        if held is not None and held.kind == items.PLATE and held.soup not in (None, items.CHARRED):
            yield Macro("wait")  # a good soup is never binned: wait for a counter to free up
        if held is not None and held != items.THE_EXTINGUISHER and held.kind != items.CHOPPED:
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
        # A macro that fails at once is remembered too, and the next choice is tried in
        # the same tick: else a player whose first choice can never work (a hand-over
        # with every shared counter full) picks it again every tick and never moves on.
        for _ in range(MAX_CHOICES_PER_TICK):
            if step.status == Status.FAILED and step.macro is not None:
                self.failed[step.macro] = state.tick
            if step.status == Status.RUNNING:
                break
            macro = self.choose(state)
            self.executor.set_macro(macro)
            self.macros.append((state.tick, str(macro)))
            step = self.executor.step(state)
        return Decision(step.action)
