"""What one player can see and reach this tick: the queries macro logic is written in."""

from __future__ import annotations

from collections.abc import Callable

from dualmind.agents.navigation import INF, NavMap
from dualmind.game import items as I
from dualmind.game import tiles as T
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

    def nearest(self, tiles: list[Pos]) -> Pos | None:
        best = min(((self.distance(t), t) for t in tiles), default=(INF, None))
        return best[1] if best[0] < INF else None

    # tiles and items -------------------------------------------------------------
    def tiles(self, chars: str) -> list[Pos]:
        return [p for ch in chars for p in self.nav.by_char.get(ch, ())]

    def items_where(self, pred: Callable[[I.Item], bool]) -> list[Pos]:
        """Reachable counter/board cells holding an item that satisfies ``pred``, nearest first."""
        found = [(self.distance(p), p) for p, item in self.state.items.items() if pred(item)]
        return [p for d, p in sorted(found) if d < INF]

    def free_counters(self) -> list[Pos]:
        """Empty, reachable counters, nearest first."""
        cells = [p for p in self.tiles(T.COUNTER + T.EXTINGUISHER_COUNTER) if p not in self.state.items]
        found = sorted((self.distance(p), p) for p in cells)
        return [p for d, p in found if d < INF]

    def store_counters(self) -> list[Pos]:
        """Where to leave a finished item: counters the partner can also reach when the
        kitchen is split (so it can be handed over), else the nearest free counters."""
        free = self.free_counters()
        if self.region != self.partner_region:
            shared = [p for p in free if self.partner_region in self.nav.regions_of_tile.get(p, ())]
            return shared or free
        return free

    def hand_over_counters(self) -> list[Pos]:
        """Empty counters the partner can reach, nearest to the partner first."""
        free = [p for p in self.free_counters()
                if self.partner_region in self.nav.regions_of_tile.get(p, ())
                and self.nav.approach(self.me.pos, p, avoid=self.partner.pos) is not None]
        return sorted(free, key=lambda p: (self.partner_distance(p), self.distance(p)))

    def free_boards(self) -> list[Pos]:
        cells = [p for p in self.tiles(T.BOARD) if p not in self.state.items]
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

    def pot_at(self, pos: Pos):
        return self.state.pots[self.kitchen.pot_index[pos]]

    def crate(self, vegetable: str) -> Pos | None:
        char = next(c for c, v in T.CRATES.items() if v == vegetable)
        return self.nearest(self.tiles(char))
