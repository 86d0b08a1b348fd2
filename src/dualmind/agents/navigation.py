"""Precomputed navigation for one layout: regions, all-pairs distances, tile access.

Built once per kitchen so that a decision is table look-ups, not a search: the only
search at run time is a tiny BFS around the partner when it blocks every shortest step.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from dualmind.game import tiles
from dualmind.game.layout import Pos
from dualmind.game.reach import analyze
from dualmind.game.rules import Kitchen

INF = 10**6
_DIRS = tuple(tiles.DIRECTIONS.items())
_FACE = {(dx, dy): name for name, (dx, dy) in tiles.DIRECTIONS.items()}


class NavMap:
    """Distances between floor cells and the cells from which each tile is reached."""

    def __init__(self, kitchen: Kitchen):
        self.kitchen = kitchen
        self.floor = frozenset(p for p, ch in kitchen.tiles.items() if ch == tiles.FLOOR)
        self.neighbours: dict[Pos, tuple[tuple[str, Pos], ...]] = {
            p: tuple((name, (p[0] + dx, p[1] + dy)) for name, (dx, dy) in _DIRS
                     if (p[0] + dx, p[1] + dy) in self.floor)
            for p in self.floor}
        self.dist: dict[Pos, dict[Pos, int]] = {p: self._bfs(p) for p in self.floor}
        self.region: dict[Pos, int] = {}
        for p in sorted(self.floor):
            if p not in self.region:
                rid = len(set(self.region.values()))
                for q in self.dist[p]:
                    self.region[q] = rid
        # A one-tile path holding both players is split between them (see game.reach):
        # neither can pass the other, so each works from its own segment, like two rooms.
        self.reach = analyze(kitchen.layout)
        zone_a, zone_b = self.reach.zones
        if zone_a != zone_b and self.region[next(iter(zone_a))] == self.region[next(iter(zone_b))]:
            rid = len(set(self.region.values()))
            for q in zone_b:
                self.region[q] = rid
        # tile -> [(access cell, facing)] for every non-floor tile next to the floor
        self.access: dict[Pos, list[tuple[Pos, str]]] = {}
        for p in self.floor:
            for name, (dx, dy) in _DIRS:
                t = (p[0] + dx, p[1] + dy)
                if t in kitchen.tiles and kitchen.tiles[t] != tiles.FLOOR:
                    self.access.setdefault(t, []).append((p, name))
        self.by_char: dict[str, list[Pos]] = {}
        for pos, ch in sorted(kitchen.tiles.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            self.by_char.setdefault(ch, []).append(pos)
        # Counters reachable from more than one region: where items are handed over.
        self.regions_of_tile: dict[Pos, frozenset[int]] = {
            t: frozenset(self.region[c] for c, _ in cells) for t, cells in self.access.items()}
        self.corridor = frozenset(p for p in self.floor if len(self.neighbours[p]) <= 2)
        # Cells a player can stand on without cutting the floor in two: the partner can
        # still walk anywhere else. Making way means walking to the nearest of these.
        self.refuges = self.floor - _cut_cells(self.floor, self.neighbours)

    def _bfs(self, start: Pos, blocked: Pos | None = None) -> dict[Pos, int]:
        dist = {start: 0}
        todo = deque([start])
        while todo:
            p = todo.popleft()
            for _, n in self.neighbours[p]:
                if n not in dist and n != blocked:
                    dist[n] = dist[p] + 1
                    todo.append(n)
        return dist

    def tile_reachable(self, tile: Pos, region: int) -> bool:
        return region in self.regions_of_tile.get(tile, ())

    def approach(self, me: Pos, tile: Pos, avoid: Pos | None = None) -> tuple[Pos, str, int] | None:
        """The nearest cell (and facing) from which ``me`` can interact with ``tile``,
        skipping the partner's cell; None if out of reach."""
        best = None
        dists = self.dist[me]
        mine = self.region[me]
        for cell, facing in self.access.get(tile, ()):
            if cell == avoid or self.region[cell] != mine:
                continue
            d = dists.get(cell)
            if d is not None and (best is None or d < best[2]):
                best = (cell, facing, d)
        return best

    def tile_distance(self, me: Pos, tile: Pos) -> int:
        """Steps from ``me`` to the nearest access cell of ``tile`` (INF if unreachable)."""
        dists, mine = self.dist[me], self.region[me]
        return min((dists.get(c, INF) for c, _ in self.access.get(tile, ())
                    if self.region[c] == mine), default=INF)

    def step_towards(self, me: Pos, goal: Pos, partner: Pos | None) -> str | None:
        """The first move of a shortest path from ``me`` to ``goal`` that does not enter
        the partner's cell; None if every shortest first step is the partner's cell."""
        here = self.dist[me].get(goal)
        if here is None or here == 0:
            return None
        for name, n in self.neighbours[me]:
            if n != partner and self.dist[n].get(goal, INF) == here - 1:
                return name
        return None

    def detour(self, me: Pos, goal: Pos, partner: Pos) -> list[Pos] | None:
        """A shortest path (cells after ``me``, ending at ``goal``) around the partner's
        cell, or None if the partner cuts ``me`` off from ``goal``."""
        return self._search(me, lambda p: p == goal, lambda n: n != partner)


    def refuge_route(self, me: Pos, partner: Pos, partner_facing: str | None = None) -> list[Pos] | None:
        """The shortest walk (cells after ``me``) that avoids the partner's cell and ends on a
        refuge cell of my zone other than my own, not next to the partner and not straight
        ahead of it (where it is likely going); None if there is none."""
        mine = self.region[me]
        ahead: set[Pos] = set()
        if partner_facing is not None:
            dx, dy = tiles.DIRECTIONS[partner_facing]
            p = (partner[0] + dx, partner[1] + dy)
            while p in self.floor:
                ahead.add(p)
                p = (p[0] + dx, p[1] + dy)
        return self._search(
            me,
            lambda p: (p != me and p in self.refuges and p not in ahead
                       and abs(p[0] - partner[0]) + abs(p[1] - partner[1]) > 1),
            lambda n: n != partner and self.region[n] == mine)

    def _search(self, me: Pos, found: Callable[[Pos], bool],
                passable: Callable[[Pos], bool]) -> list[Pos] | None:
        """Breadth-first from ``me`` through ``passable`` cells to the nearest cell where
        ``found`` holds: the cells after ``me``, ending there; None if none is reachable."""
        parent: dict[Pos, Pos] = {me: me}
        todo = deque([me])
        while todo:
            p = todo.popleft()
            if found(p):
                path = []
                while p != me:
                    path.append(p)
                    p = parent[p]
                return path[::-1]
            for _, n in self.neighbours[p]:
                if n not in parent and passable(n):
                    parent[n] = p
                    todo.append(n)
        return None


def _cut_cells(floor: frozenset[Pos], neighbours: dict[Pos, tuple[tuple[str, Pos], ...]]) -> set[Pos]:
    """Articulation points of the floor graph (Tarjan's low-link, iterative: no recursion
    limit on large kitchens)."""
    index: dict[Pos, int] = {}
    low: dict[Pos, int] = {}
    cut: set[Pos] = set()
    for root in sorted(floor):
        if root in index:
            continue
        index[root] = low[root] = len(index)
        children = 0
        stack = [(root, None, iter([n for _, n in neighbours[root]]))]
        while stack:
            node, parent, it = stack[-1]
            advanced = False
            for n in it:
                if n == parent:
                    continue
                if n in index:
                    low[node] = min(low[node], index[n])
                else:
                    index[n] = low[n] = len(index)
                    if node == root:
                        children += 1
                    stack.append((n, node, iter([m for _, m in neighbours[n]])))
                    advanced = True
                    break
            if not advanced:
                stack.pop()
                if parent is not None:
                    low[parent] = min(low[parent], low[node])
                    if parent != root and low[node] >= index[parent]:
                        cut.add(parent)
        if children > 1:
            cut.add(root)
    return cut


def facing_towards(src: Pos, dst: Pos) -> str:
    """The direction from a cell to an adjacent cell."""
    return _FACE[(dst[0] - src[0], dst[1] - src[1])]
