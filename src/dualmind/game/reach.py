"""Who can reach what on a kitchen, and whether two players together can make every soup.

A *zone* is the set of floor cells one player works from. Players in different rooms
(floor components) have different zones. Two players in one room share it, with one
exception: a room whose floor is a single path (one tile wide, no loop, no side cell)
cannot be shared, because two players on a path can never pass each other. Such a room
is split once, between the two starts, into two segments; the split keeps the most
counters next to both segments (where items are handed over). Both players compute the
same zones from the layout alone, so each can predict the other's part of the work.

:func:`solvability` is the search the layout generator and ``dualmind layouts evaluate``
use: it follows every item (fresh, chopped, clean plate, plated soup) through the zones
that can get it, moving it across a counter that both zones touch, until nothing new can
be had; a soup is solvable when a plated one reaches a serving window.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dualmind.game import tiles
from dualmind.game.items import SOUPS
from dualmind.game.layout import Layout, Pos

_DIRS = tuple(tiles.DIRECTIONS.values())

DEADLOCK_SECONDS = 3.0
"""Both players blocked by each other for longer than this counts as one deadlock."""


def _neighbours(floor: frozenset[Pos], p: Pos) -> list[Pos]:
    return [(p[0] + dx, p[1] + dy) for dx, dy in _DIRS if (p[0] + dx, p[1] + dy) in floor]


def _component(floor: frozenset[Pos], start: Pos) -> frozenset[Pos]:
    seen = {start}
    todo = deque([start])
    while todo:
        for n in _neighbours(floor, todo.popleft()):
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return frozenset(seen)


def path_order(cells: frozenset[Pos]) -> list[Pos] | None:
    """The cells in walking order if they form a single path (every cell has at most two
    neighbours and there is no loop), else None. A single cell is a path."""
    degree = {p: len(_neighbours(cells, p)) for p in cells}
    if any(d > 2 for d in degree.values()):
        return None
    ends = sorted(p for p, d in degree.items() if d <= 1)
    if not ends:
        return None  # a loop: players can walk round each other
    order = [ends[0]]
    seen = {ends[0]}
    while True:
        nxt = [n for n in _neighbours(cells, order[-1]) if n not in seen]
        if not nxt:
            break
        order.append(nxt[0])
        seen.add(nxt[0])
    return order if len(order) == len(cells) else None


@dataclass(frozen=True)
class Reach:
    """The zones of a kitchen's two players and the tiles each can use."""

    layout: Layout
    zones: tuple[frozenset[Pos], frozenset[Pos]]

    @property
    def shared(self) -> bool:
        """Both players move in the same space."""
        return self.zones[0] == self.zones[1]

    def tiles(self, player: int) -> frozenset[Pos]:
        """Non-floor tiles player ``player`` can stand next to (and so use)."""
        return _touching(self.layout, self.zones[player])

    def handover(self) -> frozenset[Pos]:
        """Counters both players can reach: where one puts an item down for the other.
        Empty when the players share their zone (they can carry items themselves)."""
        if self.shared:
            return frozenset()
        both = self.tiles(0) & self.tiles(1)
        return frozenset(p for p in both if self.layout.tile(p) == tiles.COUNTER)

    def can_use(self, player: int, chars: str) -> bool:
        return any(self.layout.tile(p) in chars for p in self.tiles(player))


def _touching(layout: Layout, zone: Iterable[Pos]) -> frozenset[Pos]:
    out = set()
    for x, y in zone:
        for dx, dy in _DIRS:
            n = (x + dx, y + dy)
            if 0 <= n[1] < layout.height and 0 <= n[0] < layout.width and layout.tile(n) != tiles.FLOOR:
                out.add(n)
    return frozenset(out)


def analyze(layout: Layout) -> Reach:
    """The players' zones (see the module docstring)."""
    floor = frozenset(layout.cells(tiles.FLOOR))
    a, b = layout.starts
    room_a, room_b = _component(floor, a), _component(floor, b)
    if room_a != room_b:
        return Reach(layout, (room_a, room_b))
    order = path_order(room_a)
    if order is None:
        return Reach(layout, (room_a, room_a))
    ia, ib = order.index(a), order.index(b)
    lo, hi = min(ia, ib), max(ia, ib)
    best = None
    for k in range(lo, hi):  # segment one is order[:k+1], segment two order[k+1:]
        first, second = frozenset(order[:k + 1]), frozenset(order[k + 1:])
        zones = (first, second) if ia < ib else (second, first)
        reach = Reach(layout, zones)
        served = sum(solvability(reach).values())
        # Most soups solvable, then most hand-over counters, then the most even split.
        key = (served, len(reach.handover()), -abs(len(first) - len(second)), -k)
        if best is None or key > best[0]:
            best = (key, reach)
    assert best is not None  # lo < hi: two distinct starts on the path
    return best[1]


def solvability(reach: Reach) -> dict[str, bool]:
    """For every soup the layout orders: can the two players make and serve it together?"""
    return {soup: not why for soup, why in solvability_reasons(reach).items()}


def solvability_reasons(reach: Reach) -> dict[str, str]:
    """Per soup, '' if the players together can make and serve it, else why not."""
    lay = reach.layout
    players = (0, 1)
    usable = [reach.tiles(p) for p in players]

    def uses(p: int, chars: str) -> list[Pos]:
        return [t for t in usable[p] if lay.tile(t) in chars]

    can_pass = bool(reach.handover())
    have: list[set[str]] = [set(), set()]  # things each player can get into its hands
    for p in players:
        for ch, veg in tiles.CRATES.items():
            if uses(p, ch):
                have[p].add("fresh " + veg)
        if uses(p, tiles.PLATES):
            have[p].add("plate")
    pots = lay.cells(tiles.POT)
    cooks: dict[Pos, tuple[int, ...]] = {u: tuple(p for p in players if u in usable[p]) for u in pots}
    changed = True
    while changed:
        changed = False
        before = [set(h) for h in have]
        for p in players:
            if uses(p, tiles.BOARD):
                have[p] |= {"chopped " + t[6:] for t in list(have[p]) if t.startswith("fresh ")}
            for soup, info in SOUPS.items():
                if soup not in lay.settings.soups:
                    continue
                for who in cooks.values():
                    # The pot is filled by someone who has every ingredient; the soup is
                    # taken out by someone at the same pot holding a clean plate.
                    filled = any(all("chopped " + v in have[q] for v in info.ingredients) for q in who)
                    if filled and p in who and "plate" in have[p]:
                        have[p].add("soup " + soup)
        if can_pass:
            union = have[0] | have[1]
            have = [set(union), set(union)]
        changed = have != before
    out = {}
    for soup, info in SOUPS.items():
        if soup not in lay.settings.soups:
            continue
        served = any("soup " + soup in have[p] and uses(p, tiles.WINDOW) for p in players)
        out[soup] = "" if served else _why_not(reach, have, info.ingredients, soup, uses)
    return out


def _why_not(reach: Reach, have: list[set[str]], ingredients: Sequence[str], soup: str, uses) -> str:
    for v in ingredients:
        if not any("fresh " + v in h for h in have):
            return f"no player can reach a {v} crate"
        if not any("chopped " + v in h for h in have):
            return f"nobody can get a {v} to a chopping board"
    if not any("plate" in h for h in have):
        return "no player can reach the plate dispenser"
    if not any("soup " + soup in h for h in have):
        return f"no pot can get both the {soup} ingredients and a clean plate"
    return "nobody holding the plated soup can reach a serving window"


def count_deadlocks(blocked: Iterable[tuple[bool, bool]], tick_seconds: float,
                    limit_seconds: float = DEADLOCK_SECONDS) -> int:
    """How many times both players were blocked by each other, at once, for longer than
    ``limit_seconds``. ``blocked`` holds, per tick, whether each player was waiting for or
    yielding to its partner (an executor's ``blocked`` flag; False for a human)."""
    limit = round(limit_seconds / tick_seconds)
    count = run = 0
    for a, b in blocked:
        if a and b:
            run += 1
            if run == limit + 1:  # counted once, on the first tick past the limit
                count += 1
        else:
            run = 0
    return count
