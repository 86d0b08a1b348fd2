"""``dualmind layouts evaluate``: how hard a kitchen is, so users can pick kitchens by
difficulty; and ``dualmind layouts generate``.

Per kitchen:

* ``handover_share``: of the steps of making every orderable soup (bring each ingredient
  from its crate to a board, from the board to a pot, a plate to the pot, the soup to the
  window), the share no single player can do alone, so one player must put the item on a
  counter for the other (from :mod:`dualmind.game.reach`).
* ``longest_walk``: the longest of those steps, in tiles walked, each done the shortest
  way (over a hand-over counter where it needs one).
* ``score`` / ``served`` / ``deadlocks``: the scripted pair's mean score, mean and fewest
  orders served, and total deadlocks (both players blocked by each other for over 3 s),
  over ``seeds`` episodes of the layout's full length on the virtual clock.
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from dualmind.agents.executor import deadlocks
from dualmind.agents.scripted import ScriptedAgent
from dualmind.game import tiles
from dualmind.game.generate import expand_layout_names, generate, parse_size
from dualmind.game.items import SOUPS
from dualmind.game.layout import Layout, Pos, load_layout
from dualmind.game.reach import Reach, analyze
from dualmind.game.rules import Kitchen
from dualmind.runtime.match import Match

INF = 10**6


@dataclass(frozen=True)
class PairResult:
    score: int
    served: int
    deadlocks: int


def play_pair(layout: Layout, seed: int,
              make_agent: Callable[[], ScriptedAgent] = ScriptedAgent) -> PairResult:
    """One full episode of two agents on the virtual clock, counting deadlocks from the
    executors' ``blocked_ticks``, played by the episode driver like every game, so the
    score equals ``dualmind play``'s."""
    kitchen = Kitchen(layout)
    agents = (make_agent(), make_agent())
    result = Match(kitchen, agents, seed).run()
    return PairResult(result.score, result.served,
                      deadlocks(agents, result.ticks, kitchen.settings.tick_seconds) or 0)


def _walks(layout: Layout, zone: frozenset[Pos], sources: Iterable[Pos]) -> dict[Pos, int]:
    """Tiles walked, inside ``zone``, from standing next to any of ``sources`` to standing
    next to each tile (0 when one cell serves both)."""
    def access(tile: Pos) -> list[Pos]:
        x, y = tile
        return [c for c in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)) if c in zone]

    dist: dict[Pos, int] = {}
    todo: deque[Pos] = deque()
    for t in sources:
        for c in access(t):
            if c not in dist:
                dist[c] = 0
                todo.append(c)
    while todo:
        x, y = todo.popleft()
        for n in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
            if n in zone and n not in dist:
                dist[n] = dist[(x, y)] + 1
                todo.append(n)
    out: dict[Pos, int] = {}
    for tile in reach_tiles(layout, zone):
        d = min((dist.get(c, INF) for c in access(tile)), default=INF)
        if d < INF:
            out[tile] = d
    return out


def reach_tiles(layout: Layout, zone: frozenset[Pos]) -> list[Pos]:
    return [(x, y) for y in range(layout.height) for x in range(layout.width)
            if layout.tile((x, y)) != tiles.FLOOR
            and any(c in zone for c in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)))]


def _step_walk(reach: Reach, src: str | list[Pos], dst: str | list[Pos]) -> tuple[int, bool]:
    """(tiles walked, needs a hand-over) for carrying something from a ``src`` tile to a
    ``dst`` tile (tile kinds or cells): alone where one player reaches both, else over
    the best shared counter."""
    lay = reach.layout
    sources = lay.cells(src) if isinstance(src, str) else src
    targets = set(lay.cells(dst) if isinstance(dst, str) else dst)
    best_solo = INF
    for zone in set(reach.zones):
        mine = set(reach_tiles(lay, zone))
        walks = _walks(lay, zone, [t for t in sources if t in mine])
        best_solo = min([best_solo, *(d for t, d in walks.items() if t in targets)])
    if best_solo < INF:
        return best_solo, False
    best = INF
    for up, down in ((0, 1), (1, 0)):
        z_up, z_down = reach.zones[up], reach.zones[down]
        mine = set(reach_tiles(lay, z_up))
        to_counter = _walks(lay, z_up, [t for t in sources if t in mine])
        for h in reach.handover():
            if h not in to_counter:
                continue
            onward = _walks(lay, z_down, [h])
            d = min((d for t, d in onward.items() if t in targets), default=INF)
            best = min(best, max(to_counter[h], d))
    return best, True


def difficulty(layout: Layout) -> tuple[float, int]:
    """(share of soup-making steps that need a hand-over, longest walk of one step).

    Each soup is made in the pot that needs the fewest hand-overs (then the shortest
    longest step): its ingredients go crate -> board -> that pot, a plate goes to that
    pot, the soup from it to the window."""
    reach = analyze(layout)
    crate_of = {veg: ch for ch, veg in tiles.CRATES.items()}
    chopping = {veg: _step_walk(reach, crate_of[veg], tiles.BOARD) for veg in crate_of}
    steps: list[tuple[int, bool]] = []
    for soup in layout.settings.soups:
        options = []
        for pot in layout.cells(tiles.POT):
            these = [chopping[veg] for veg in SOUPS[soup].ingredients]
            these += [_step_walk(reach, tiles.BOARD, [pot]) for _ in SOUPS[soup].ingredients]
            these += [_step_walk(reach, tiles.PLATES, [pot]), _step_walk(reach, [pot], tiles.WINDOW)]
            options.append((sum(h for _, h in these), max(d for d, _ in these), these))
        steps += min(options, key=lambda o: o[:2])[2]
    share = sum(h for _, h in steps) / len(steps)
    longest = max(d for d, _ in steps)
    return round(share, 3), longest


def evaluate_layout(name: str, seeds: int = 5) -> dict:
    """One row of ``dualmind layouts evaluate``."""
    layout = load_layout(name)
    share, longest = difficulty(layout)
    results = [play_pair(layout, s) for s in range(seeds)]
    return {
        "layout": name, "size": f"{layout.width}x{layout.height}", "handover_share": share,
        "longest_walk": longest,
        "score": round(statistics.mean(r.score for r in results), 1),
        "served": round(statistics.mean(r.served for r in results), 1),
        "served_min": min(r.served for r in results),
        "deadlocks": sum(r.deadlocks for r in results),
        "episodes": seeds,
    }


def evaluate(names: list[str], seeds: int = 5,
             progress: Callable[[dict], None] | None = None) -> list[dict]:
    rows = []
    for name in expand_layout_names(names):
        rows.append(evaluate_layout(name, seeds))
        if progress is not None:
            progress(rows[-1])
    return rows


def summary(rows: list[dict]) -> dict:
    """Totals over a set of kitchens: median score, kitchens with nothing served."""
    scores = [r["score"] for r in rows]
    return {"kitchens": len(rows), "median_score": statistics.median(scores) if scores else None,
            "mean_score": round(statistics.mean(scores), 1) if scores else None,
            "none_served": [r["layout"] for r in rows if r["served_min"] == 0],
            "deadlocks": sum(r["deadlocks"] for r in rows)}


HEADER = ("layout", "size", "handover_share", "longest_walk", "score", "served", "served_min",
          "deadlocks")


def row_text(row: dict) -> str:
    return (f"{row['layout']:<16} {row['size']:>6} {row['handover_share']:>8.0%} "
            f"{row['longest_walk']:>6} {row['score']:>8} {row['served']:>7} {row['served_min']:>5} "
            f"{row['deadlocks']:>5}")


def header_text() -> str:
    return (f"{'layout':<16} {'size':>6} {'handover':>8} {'walk':>6} {'score':>8} {'served':>7} "
            f"{'min':>5} {'dlock':>5}")


def write_generated(seed: int, size: str | None, style: str | None, out: str | None) -> str:
    """Text of ``dualmind layouts generate``; written to ``out`` if given."""
    text = generate(seed, parse_size(size) if size else None, style)
    if out:
        Path(out).write_text(text)
    return text
