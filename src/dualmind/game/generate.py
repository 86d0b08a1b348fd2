"""Generated kitchens: a valid, solvable layout from a seed, in one of five styles.

>>> text = generate(17)
>>> generate(17) == text  # the same seed gives the same kitchen
True
>>> load_generated("gen:17").name
'gen:17'

Styles (the floor plan; stations are then placed on counters next to the floor):

* ``open``: one room, stations on the walls.
* ``island``: one room round a block of counters; stations on the walls and the block.
* ``partition``: a counter wall splits the kitchen into two rooms with no way through;
  each player has its own room and items are handed over the wall.
* ``corridor``: one-tile-wide corridors (a main corridor with side branches), where
  players must make way for each other.
* ``bottleneck``: two rooms joined by a one-cell doorway in the wall (sometimes a
  short tunnel through a thick wall).

Every kitchen is checked like a layout file (:func:`~dualmind.game.layout.parse_layout`)
and by the solvability search of :mod:`dualmind.game.reach` (each soup can be made and
served by the two players together, handing items over counters where needed); a draw
that fails is redrawn from the same seeded generator, so the result stays a function of
the seed. A request that cannot be met (a size too small for a style) raises
:class:`GenerateError` saying why.

A layout name ``gen:SEED[:STYLE][:WxH]`` loads a generated kitchen wherever a layout
name is accepted; ``gen:A-B`` in a list of layouts stands for ``gen:A`` ... ``gen:B``.
"""

from __future__ import annotations

import random
from collections import deque

from dualmind.errors import DualmindError
from dualmind.game import tiles
from dualmind.game.items import SOUPS
from dualmind.game.layout import MAX_SIDE, Layout, Pos, parse_layout
from dualmind.game.reach import analyze, solvability_reasons
from dualmind.game.text import article

STYLES: tuple[str, ...] = ("open", "island", "partition", "corridor", "bottleneck")
MIN_SIZE: dict[str, tuple[int, int]] = {
    "open": (5, 4), "island": (6, 5), "partition": (5, 5), "corridor": (8, 3), "bottleneck": (5, 5)}
"""Smallest grid (width, height, border included) each style can be drawn in at all."""
MAX_SIZE = (min(MAX_SIDE, 32), min(MAX_SIDE, 24))
ATTEMPTS = 200  # redraws before giving up on a request
FREE_COUNTERS = 3  # plain counters next to the floor in every kitchen: room to put things down

_DEFAULT_SIZES = {  # (widths, heights) a seed picks from when no size is given
    "open": ((6, 7, 8), (5, 6, 7)),
    "island": ((7, 8, 9), (6, 7)),
    "partition": ((7, 8, 9), (5, 6, 7)),
    "corridor": ((8, 9, 10, 11), (5, 6)),
    "bottleneck": ((7, 8, 9), (5, 6, 7)),
}


class GenerateError(DualmindError):
    """Raised when a kitchen with the requested seed, size and style cannot be made."""


def _a(word: str) -> str:
    return f"{article(word)} {word}"


def parse_size(text: str) -> tuple[int, int]:
    """``"9x7"`` -> (9, 7)."""
    w, sep, h = text.lower().partition("x")
    try:
        if not sep:
            raise ValueError
        return int(w), int(h)
    except ValueError:
        raise GenerateError(f"a size is WIDTHxHEIGHT (e.g. 9x7), got {text!r}") from None


def generate(seed: int, size: tuple[int, int] | None = None, style: str | None = None,
             name: str | None = None) -> str:
    """Layout text for a solvable kitchen; a pure function of its arguments."""
    rng = random.Random(f"dualmind-kitchen-{seed}")
    if style is None:
        style = STYLES[seed % len(STYLES)]
    if style not in STYLES:
        raise GenerateError(f"unknown style {style!r}; styles are {', '.join(STYLES)}")
    widths, heights = _DEFAULT_SIZES[style]
    default = (rng.choice(widths), rng.choice(heights))  # drawn always: same size, same kitchen
    size = size or default
    w, h = size
    mw, mh = MIN_SIZE[style]
    if w < mw or h < mh:
        raise GenerateError(f"size {w}x{h} is too small for {_a(style)} kitchen: it needs at least "
                            f"{mw}x{mh} (width x height, walls included)")
    if w > MAX_SIZE[0] or h > MAX_SIZE[1]:
        raise GenerateError(f"size {w}x{h} is too large: at most {MAX_SIZE[0]}x{MAX_SIZE[1]}")
    name = name or spec_name(seed, size if size != default else None, style)
    why = "no draw"
    for _ in range(ATTEMPTS):
        plan = _DRAW[style](rng, w, h)
        if isinstance(plan, str):
            why = plan
            if plan.startswith("!"):  # the size can never work: say so at once
                raise GenerateError(f"size {w}x{h} cannot hold {_a(style)} kitchen: {plan[1:].strip()}")
            continue
        text = _text(plan, name, style, seed)
        layout = parse_layout(text, source=name)
        reasons = {s: r for s, r in solvability_reasons(analyze(layout)).items() if r}
        if not reasons:
            return text
        why = "; ".join(f"{s} soup: {r}" for s, r in sorted(reasons.items()))
    raise GenerateError(f"no solvable {style} kitchen of size {w}x{h} in {ATTEMPTS} draws "
                        f"(last problem: {why})")


def spec_name(seed: int, size: tuple[int, int] | None = None, style: str | None = None) -> str:
    """The layout name that loads this kitchen again: ``gen:SEED[:STYLE][:WxH]``."""
    parts = [f"gen:{seed}"]
    if style is not None and style != STYLES[seed % len(STYLES)]:
        parts.append(style)
    if size is not None:
        parts.append(f"{size[0]}x{size[1]}")
    return ":".join(parts)


def parse_spec(spec: str) -> tuple[int, tuple[int, int] | None, str | None]:
    """``gen:SEED[:STYLE][:WxH]`` -> (seed, size, style)."""
    parts = spec.split(":")
    if parts[0] != "gen" or len(parts) < 2:
        raise GenerateError(f"a generated layout is gen:SEED[:STYLE][:WxH], got {spec!r}")
    try:
        seed = int(parts[1])
    except ValueError:
        raise GenerateError(f"gen: takes a whole-number seed, got {parts[1]!r} in {spec!r}") from None
    size = style = None
    for part in parts[2:]:
        if part in STYLES:
            style = part
        else:
            size = parse_size(part)
    return seed, size, style


def load_generated(spec: str) -> Layout:
    """The Layout a ``gen:...`` name stands for."""
    seed, size, style = parse_spec(spec)
    text = generate(seed, size, style, name=spec)
    return parse_layout(text, source=spec)


def expand_layout_names(names: list[str]) -> list[str]:
    """Expand ``gen:A-B`` (A <= B) into ``gen:A`` ... ``gen:B``; other names pass through."""
    out: list[str] = []
    for name in names:
        head, _, rest = name.partition(":")
        first, dash, last = rest.partition("-")
        if head == "gen" and dash and first.isdigit() and last.isdigit():
            a, b = int(first), int(last)
            if b < a:
                raise GenerateError(f"{name}: a range gen:A-B needs A <= B")
            if b - a >= 10_000:
                raise GenerateError(f"{name}: at most 10000 generated kitchens at once")
            out.extend(f"gen:{s}" for s in range(a, b + 1))
        else:
            out.append(name)
    return out


# ---------------------------------------------------------------------------- drawing
class _Plan:
    """A grid being drawn: mutable rows, the two starts, the cells that may hold stations."""

    def __init__(self, w: int, h: int):
        self.w, self.h = w, h
        self.rows = [[tiles.COUNTER] * w for _ in range(h)]
        self.starts: tuple[Pos, Pos] = ((0, 0), (0, 0))

    def floor(self, x: int, y: int) -> None:
        self.rows[y][x] = tiles.FLOOR

    def is_floor(self, p: Pos) -> bool:
        x, y = p
        return 0 <= x < self.w and 0 <= y < self.h and self.rows[y][x] == tiles.FLOOR

    def floor_cells(self) -> list[Pos]:
        return [(x, y) for y in range(self.h) for x in range(self.w) if self.rows[y][x] == tiles.FLOOR]

    def slots(self) -> list[Pos]:
        """Counter cells next to the floor: where stations can stand."""
        return [(x, y) for y in range(self.h) for x in range(self.w)
                if self.rows[y][x] == tiles.COUNTER
                and any(self.is_floor((x + dx, y + dy)) for dx, dy in tiles.DIRECTIONS.values())]

    def distances(self, start: Pos) -> dict[Pos, int]:
        dist = {start: 0}
        todo = deque([start])
        while todo:
            x, y = todo.popleft()
            for dx, dy in tiles.DIRECTIONS.values():
                n = (x + dx, y + dy)
                if n not in dist and self.is_floor(n):
                    dist[n] = dist[(x, y)] + 1
                    todo.append(n)
        return dist


def _stations(rng: random.Random, room: int) -> list[str]:
    """The station tiles to place; the extras are dropped first when the room is small.
    Two pots at least, like every shipped kitchen: with one, a soup can only start once
    the last one is out, and the kitchen measures the pot more than the players."""
    need = sorted({v for s in SOUPS.values() for v in s.ingredients})
    crates = [next(c for c, v in tiles.CRATES.items() if v == veg) for veg in need]
    core = [*crates, tiles.BOARD, tiles.POT, tiles.POT, tiles.PLATES, tiles.WINDOW, tiles.BIN,
            tiles.EXTINGUISHER_COUNTER]
    extra = [tiles.BOARD]
    if rng.random() < 0.5:
        extra.append(tiles.POT)
    return core + extra[:max(0, room - len(core))]


def _far_pair(plan: _Plan, cells: list[Pos]) -> tuple[Pos, Pos]:
    """Two start cells far apart (the first of the farthest pairs, in reading order)."""
    best = None
    for a in cells:
        dist = plan.distances(a)
        for b in cells:
            d = dist.get(b)
            if d is not None and b != a and (best is None or d > best[0]):
                best = (d, a, b)
    if best is None:
        raise GenerateError("the kitchen has fewer than two floor cells")
    return best[1], best[2]


def _place(rng: random.Random, plan: _Plan, slots: list[Pos], stations: list[str],
           keep: int = 0) -> str | None:
    """Put ``stations`` on random ``slots``, leaving at least ``keep`` of them plain."""
    if len(slots) < len(stations) + keep:
        return (f"! it has {len(slots)} counter cells next to the floor and needs "
                f"{len(stations)} for stations and {keep} free to put things down")
    for pos, ch in zip(rng.sample(slots, len(stations)), stations, strict=True):
        plan.rows[pos[1]][pos[0]] = ch
    return None


def _draw_open(rng: random.Random, w: int, h: int) -> _Plan | str:
    plan = _Plan(w, h)
    for y in range(1, h - 1):
        for x in range(1, w - 1):
            plan.floor(x, y)
    slots = plan.slots()
    problem = _place(rng, plan, slots, _stations(rng, len(slots) - FREE_COUNTERS), FREE_COUNTERS)
    if problem:
        return problem
    plan.starts = _far_pair(plan, plan.floor_cells())
    return plan


def _draw_island(rng: random.Random, w: int, h: int) -> _Plan | str:
    plan = _Plan(w, h)
    for y in range(1, h - 1):
        for x in range(1, w - 1):
            plan.floor(x, y)
    # A block of counters with a walkway of width 1 or 2 all round it.
    gap_x = rng.choice([1, 2] if w >= 8 else [1])
    gap_y = rng.choice([1, 2] if h >= 8 else [1])
    x0, x1, y0, y1 = 1 + gap_x, w - 2 - gap_x, 1 + gap_y, h - 2 - gap_y
    if x1 < x0 or y1 < y0:
        return "! no room for an island with a walkway round it"
    for y in range(y0, y1 + 1):
        for x in range(x0, x1 + 1):
            plan.rows[y][x] = tiles.COUNTER
    slots = plan.slots()
    island = [p for p in slots if x0 <= p[0] <= x1 and y0 <= p[1] <= y1]
    stations = _stations(rng, len(slots) - FREE_COUNTERS)
    # Put a few stations on the island so players work round it, the rest on the walls.
    k = min(len(island), rng.randint(2, 4))
    on_island = rng.sample(island, k) if k else []
    rest = [p for p in slots if p not in on_island]
    order = stations[:]
    rng.shuffle(order)
    for pos, ch in zip(on_island, order[:k], strict=True):
        plan.rows[pos[1]][pos[0]] = ch
    problem = _place(rng, plan, rest, order[k:], FREE_COUNTERS)
    if problem:
        return problem
    plan.starts = _far_pair(plan, plan.floor_cells())
    return plan


def _two_rooms(rng: random.Random, w: int, h: int, door: bool) -> _Plan | str:
    plan = _Plan(w, h)
    vertical = w >= h if rng.random() < 0.8 else w < h  # mostly split the long side
    if w < 5 or h < 5:
        vertical = w >= 5  # the only way that fits
    if vertical:
        if w < 5:
            return "! two rooms side by side need a width of at least 5"
        wall = rng.randint(2, w - 3)
        left = [(x, y) for y in range(1, h - 1) for x in range(1, wall)]
        right = [(x, y) for y in range(1, h - 1) for x in range(wall + 1, w - 1)]
        wall_cells = [(wall, y) for y in range(1, h - 1)]
    else:
        if h < 5:
            return "! two rooms one above the other need a height of at least 5"
        wall = rng.randint(2, h - 3)
        left = [(x, y) for y in range(1, wall) for x in range(1, w - 1)]
        right = [(x, y) for y in range(wall + 1, h - 1) for x in range(1, w - 1)]
        wall_cells = [(x, wall) for x in range(1, w - 1)]
    for x, y in left + right:
        plan.floor(x, y)
    if door:
        dx, dy = rng.choice(wall_cells)
        plan.floor(dx, dy)
        wall_cells.remove((dx, dy))
    slots = plan.slots()
    # Keep plain counters: three on the wall for hand-overs and two in each room.
    stations = _stations(rng, len(slots) - 7)
    if door:
        problem = _place(rng, plan, slots, stations, FREE_COUNTERS)
        if problem:
            return problem
        plan.starts = (left[0], right[-1])
        return plan
    # No way through: choose a division of labour. Half the time the classic one (the
    # fresh food on one side, pots, plates and the window on the other), else at random.
    handover = rng.sample(wall_cells, min(len(wall_cells), 3))
    if len(handover) < 2:
        return "! the wall between the rooms is too short for two hand-over counters"
    free = [p for p in slots if p not in handover]
    if len(free) < len(stations):
        return f"it has {len(free)} counter cells for stations and needs {len(stations)}"
    side = {p: (0 if p in set(_touching_cells(plan, left)) else 1) for p in free}
    if rng.random() < 0.5:
        near_a = [p for p in free if side[p] == 0]
        near_b = [p for p in free if side[p] == 1]
        a_tiles = [t for t in stations if t in tiles.CRATES or t == tiles.BOARD]
        b_tiles = [t for t in stations if t not in a_tiles]
        if rng.random() < 0.5:
            near_a, near_b = near_b, near_a
        if len(near_a) < len(a_tiles) or len(near_b) < len(b_tiles):
            return "the rooms are too small for the classic division of labour"
        for group, cells in ((a_tiles, near_a), (b_tiles, near_b)):
            for pos, ch in zip(rng.sample(cells, len(group)), group, strict=True):
                plan.rows[pos[1]][pos[0]] = ch
    else:
        problem = _place(rng, plan, free, stations)
        if problem:
            return problem
    # Each room keeps two plain counters of its own besides the wall: a player whose
    # only counters are the hand-over ones fills them with its own food and then has
    # nowhere to hand a soup over.
    for room in (left, right):
        touching = set(_touching_cells(plan, room)) - set(wall_cells)
        if sum(1 for x, y in touching if plan.rows[y][x] == tiles.COUNTER) < 2:
            return "a room has fewer than two counters of its own"
    plan.starts = (left[0], right[-1])
    return plan


def _touching_cells(plan: _Plan, cells: list[Pos]) -> list[Pos]:
    return [(x + dx, y + dy) for x, y in cells for dx, dy in tiles.DIRECTIONS.values()]


def _draw_partition(rng: random.Random, w: int, h: int) -> _Plan | str:
    return _two_rooms(rng, w, h, door=False)


def _draw_bottleneck(rng: random.Random, w: int, h: int) -> _Plan | str:
    return _two_rooms(rng, w, h, door=True)


def _draw_corridor(rng: random.Random, w: int, h: int) -> _Plan | str:
    plan = _Plan(w, h)
    main = rng.randint(1, h - 2)
    for x in range(1, w - 1):
        plan.floor(x, main)
    # Side branches one tile wide, two columns apart so they stay one tile wide; a
    # player steps into one to let the other pass.
    columns = list(range(2, w - 2))
    rng.shuffle(columns)
    used: set[int] = set()
    for x in columns:
        if len(used) >= max(1, (w - 4) // 3) or any(abs(x - u) < 2 for u in used):
            continue
        up = [y for y in range(main - 1, 0, -1)]
        down = [y for y in range(main + 1, h - 1)]
        options = [cells for cells in (up, down) if cells]
        if not options:
            break
        cells = rng.choice(options)
        length = rng.randint(1, min(2, len(cells)))
        for y in cells[:length]:
            plan.floor(x, y)
        used.add(x)
    slots = plan.slots()
    problem = _place(rng, plan, slots, _stations(rng, len(slots) - FREE_COUNTERS), FREE_COUNTERS)
    if problem:
        return problem
    plan.starts = ((1, main), (w - 2, main))
    return plan


_DRAW = {"open": _draw_open, "island": _draw_island, "partition": _draw_partition,
         "corridor": _draw_corridor, "bottleneck": _draw_bottleneck}


def _text(plan: _Plan, name: str, style: str, seed: int) -> str:
    (ax, ay), (bx, by) = plan.starts
    lines = [
        f"# generated: dualmind layouts generate --seed {seed} --style {style} "
        f"--size {plan.w}x{plan.h}",
        f"name: {name}",
        f"description: generated {style} kitchen (seed {seed})",
        f"starts: {ax},{ay} {bx},{by}",
        "grid:",
        *("".join(row) for row in plan.rows),
    ]
    return "\n".join(lines) + "\n"
