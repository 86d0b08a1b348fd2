"""What one player can see and reach this tick: the queries macro logic is written in."""

from __future__ import annotations

from collections.abc import Callable

from dualmind.agents.navigation import INF, NavMap
from dualmind.game import items, tiles
from dualmind.game.layout import Pos
from dualmind.game.rules import Kitchen
from dualmind.game.state import Player, State


class World:
    """One tick's view for player ``me``: items, pots and tiles sorted by distance."""

    def __init__(self, kitchen: Kitchen, nav: NavMap, state: State, me: int):
        self.kitchen, self.nav, self.state, self.me_index = kitchen, nav, state, me
        self.me: Player = state.players[me]
        self.partner: Player = state.players[1 - me]
        self.region = nav.region[self.me.pos]
        self.partner_region = nav.region[self.partner.pos]
        self.holding = self.me.holding

    # distances -------------------------------------------------------------------
    def distance(self, tile: Pos) -> int:
        return self.nav.tile_distance(self.me.pos, tile)

    def partner_distance(self, tile: Pos) -> int:
        return self.nav.tile_distance(self.partner.pos, tile)

    def reachable(self, tile: Pos) -> bool:
        return self.nav.tile_reachable(tile, self.region)

    def partner_reachable(self, tile: Pos) -> bool:
        return self.nav.tile_reachable(tile, self.partner_region)

    def can_use(self, chars: str) -> bool:
        """Some tile of one of these kinds is in my reach."""
        return any(self.reachable(t) for t in self.tiles(chars))

    def partner_can_use(self, chars: str) -> bool:
        return any(self.partner_reachable(t) for t in self.tiles(chars))

    @property
    def apart(self) -> bool:
        """The partner works in another zone: items reach it only across a counter."""
        return self.region != self.partner_region

    def partner_cooks(self) -> bool:
        """The kitchen is split and the partner is the better-placed cook: it reaches a
        pot and more of what follows (pot, plates, serving window) than I do, so chopped
        food goes to it rather than into a pot of mine."""
        if not self.apart or not self.partner_can_use(tiles.POT):
            return False
        mine = sum(self.can_use(ch) for ch in (tiles.POT, tiles.PLATES, tiles.WINDOW))
        theirs = sum(self.partner_can_use(ch) for ch in (tiles.POT, tiles.PLATES, tiles.WINDOW))
        return theirs > mine or not self.can_use(tiles.POT)

    def nearest(self, tiles: list[Pos]) -> Pos | None:
        best = min(((self.distance(t), t) for t in tiles), default=(INF, None))
        return best[1] if best[0] < INF else None

    # tiles and items -------------------------------------------------------------
    def tiles(self, chars: str) -> list[Pos]:
        return [p for ch in chars for p in self.nav.by_char.get(ch, ())]

    def items_where(self, pred: Callable[[items.Item], bool]) -> list[Pos]:
        """Reachable counter/board cells holding an item that satisfies ``pred``, nearest first."""
        found = [(self.distance(p), p) for p, item in self.state.items.items() if pred(item)]
        return [p for d, p in sorted(found) if d < INF]

    def free_counters(self) -> list[Pos]:
        """Empty, reachable counters, nearest first."""
        cells = [p for p in self.tiles(tiles.COUNTER + tiles.EXTINGUISHER_COUNTER)
                 if p not in self.state.items]
        found = sorted((self.distance(p), p) for p in cells)
        return [p for d, p in found if d < INF]

    def store_counters(self) -> list[Pos]:
        """Where to leave food or whatever is in my hands: when the kitchen is split,
        counters the partner can also reach if the partner is the cook (then my own, then
        the last shared one: it is kept for a whole soup's set), else counters of my own,
        then shared ones but never the last free one (a soup may have to cross); the
        nearest free counters otherwise."""
        free = self.free_counters()
        if self.region != self.partner_region:
            shared = [p for p in free if self.partner_region in self.nav.regions_of_tile.get(p, ())]
            own = [p for p in free if p not in shared]
            if self.partner_cooks():  # across to the cook, but one stays free for whole sets
                return shared[:-1] + own + shared[-1:]
            # My own counters first; of the shared ones, one stays free for hand-overs.
            return own + shared[:-1]
        return free

    def hand_over_counters(self) -> list[Pos]:
        """Empty counters the partner can reach, nearest to the partner first."""
        free = [p for p in self.free_counters()
                if self.partner_region in self.nav.regions_of_tile.get(p, ())
                and self.nav.approach(self.me.pos, p, avoid=self.partner.pos) is not None]
        return sorted(free, key=lambda p: (self.partner_distance(p), self.distance(p)))

    def free_boards(self) -> list[Pos]:
        cells = [p for p in self.tiles(tiles.BOARD) if p not in self.state.items]
        found = sorted((self.distance(p), p) for p in cells)
        return [p for d, p in found if d < INF]

    def pots(self, phases: tuple[str, ...], soup: str | None = None) -> list[Pos]:
        """Reachable pots in one of ``phases`` (holding ``soup`` if given), nearest first."""
        k = self.kitchen
        out = []
        for pos, pot in zip(k.pot_cells, self.state.pots, strict=True):
            if k.pot_phase(pot, self.state.tick) in phases and (soup is None or pot.soup == soup):
                d = self.distance(pos)
                if d < INF:
                    out.append((d, pos))
        return [p for _, p in sorted(out)]

    def pot_for(self, soup: str) -> Pos | None:
        """The nearest pot in reach that can take ``soup`` (empty, or filling with part of
        it) and whose missing ingredients all lie chopped in my hand or reach."""
        target = set(items.SOUPS[soup].ingredients)
        usable = [p for p in self.pots(("filling",)) if set(self.pot_at(p).vegetables) < target]
        usable += self.pots(("empty",))
        held = self.holding
        for pot in usable:
            rest = target - set(self.pot_at(pot).vegetables)
            have: set[str] = set()
            if held is not None and held.kind == items.CHOPPED and set(held.vegetables) <= rest:
                have |= set(held.vegetables)
            for pos in self.items_where(lambda it, rest=rest: it.kind == items.CHOPPED
                                        and set(it.vegetables) <= rest):
                have |= set(self.state.items[pos].vegetables)
            if have >= rest:
                return pot
        return None

    def pot_at(self, pos: Pos):
        return self.state.pots[self.kitchen.pot_index[pos]]

    def crate(self, vegetable: str) -> Pos | None:
        char = next(c for c, v in tiles.CRATES.items() if v == vegetable)
        return self.nearest(self.tiles(char))
