"""Layouts: kitchen grids plus the settings that differ from the defaults.

A layout file is text. Lines before ``grid:`` are ``key: value`` settings (``#`` starts a
comment); every line after it is one row of the grid, one character per tile (see
:mod:`dualmind.game.tiles`). Example::

    name: ring
    starts: 1,1 5,1
    grid:
    -LLTTOO-
    -      -
    ...

Loading validates the whole file and raises :class:`~dualmind.errors.LayoutError`
naming the file, line and column of the first problem.

Limits: a grid is at most ``MAX_SIDE`` x ``MAX_SIDE`` (64 x 64) tiles with at most
``MAX_FLOOR`` (1,500) floor cells, because the agents precompute paths between every
pair of floor cells (a 200 x 200 kitchen took 1.7 GB); a file is at most
``MAX_FILE_BYTES``; ``name`` is at most 64 characters and ``description`` 500, both
without control characters (they are shown on pages and in terminals).
"""

from __future__ import annotations

import unicodedata
from collections import deque
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from dualmind.errors import LayoutError, SettingsError
from dualmind.game import tiles
from dualmind.game.items import SOUPS
from dualmind.game.settings import Settings

Pos = tuple[int, int]

MAX_SIDE = 64
"""The widest and tallest grid, in tiles."""
MAX_FLOOR = 1500
"""The most floor cells a grid may hold (paths are precomputed between every pair)."""
MAX_FILE_BYTES = 65_536
MAX_NAME_CHARS = 64
MAX_DESCRIPTION_CHARS = 500

_NUMBER_KEYS = {
    "tick_seconds": float, "episode_seconds": float, "cook_seconds": float,
    "char_seconds": float, "extinguish_seconds": float, "regrow_seconds": float,
    "open_orders": int, "chop_steps": int, "expire_penalty": int,
}
_TABLE_KEYS = {"order_seconds": float, "bonus": int}
_KEYS = {"name", "description", "starts", "soups", "speeds", *_NUMBER_KEYS, *_TABLE_KEYS}


@dataclass(frozen=True)
class Layout:
    """A validated kitchen: its grid, start cells and settings."""

    name: str
    grid: tuple[str, ...]
    starts: tuple[Pos, Pos]
    settings: Settings
    description: str = ""
    source: str = "<layout>"

    @property
    def width(self) -> int:
        return len(self.grid[0])

    @property
    def height(self) -> int:
        return len(self.grid)

    def tile(self, pos: Pos) -> str:
        """The tile character at ``pos`` (x, y)."""
        x, y = pos
        return self.grid[y][x]

    def cells(self, chars: str) -> list[Pos]:
        """All cells whose tile is one of ``chars``, in reading order."""
        return [(x, y) for y, row in enumerate(self.grid) for x, c in enumerate(row) if c in chars]

    def reachable_floor(self) -> set[Pos]:
        """Floor cells some player can walk to from its start."""
        seen: set[Pos] = set(self.starts)
        todo = deque(self.starts)
        while todo:
            x, y = todo.popleft()
            for dx, dy in tiles.DIRECTIONS.values():
                n = (x + dx, y + dy)
                if n not in seen and 0 <= n[1] < self.height and 0 <= n[0] < self.width \
                        and self.tile(n) == tiles.FLOOR:
                    seen.add(n)
                    todo.append(n)
        return seen

    def summary(self) -> str:
        """A few lines describing the layout, for ``dualmind check-layout``."""
        s = self.settings
        counts = {name: len(self.cells(ch)) for ch, name in tiles.TILE_NAMES.items() if ch != tiles.FLOOR}
        parts = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
        warnings = self.warnings()
        return "\n".join([
            f"{self.name}: {self.width}x{self.height}, starts {self.starts[0]} and {self.starts[1]}",
            f"  tiles: {parts}",
            f"  orders: {s.open_orders} open from {', '.join(s.soups)}; "
            f"episode {s.episode_seconds:g} s at {s.tick_seconds:g} s per tick",
            "  speeds: " + ", ".join(
                "keyboard" if v is None else f"{v:g}/s" for v in s.speeds),
            *(f"  warning: {w}" for w in warnings),
        ])

    def warnings(self) -> list[str]:
        """What makes a valid kitchen play badly. A soup left on the stove burns in any
        game, and without an extinguisher anyone can reach the fire burns on and takes its
        pot for the rest of the game (a hand-made kitchen with the extinguisher walled in
        passed check-layout as "ok" and lost all three pots)."""
        floor = self.reachable_floor()
        reach = any(any((x + dx, y + dy) in floor for dx, dy in tiles.DIRECTIONS.values())
                    for x, y in self.cells(tiles.EXTINGUISHER_COUNTER))
        if reach:
            return []
        where = "no player can reach it" if self.cells(tiles.EXTINGUISHER_COUNTER) else "there is none"
        return [f"no fire extinguisher ('{tiles.EXTINGUISHER_COUNTER}') in reach ({where}): "
                "a fire would burn its pot for the rest of the game"]


def shipped_layouts() -> list[str]:
    """Names of the layouts that ship with dualmind."""
    folder = resources.files("dualmind.game") / "layouts"
    return sorted(p.name.removesuffix(".layout") for p in folder.iterdir()
                  if p.name.endswith(".layout"))


def load_layout(name_or_path: str | Path) -> Layout:
    """Load a shipped layout by name (``"ring"``), a generated one (``"gen:17"``, see
    :mod:`dualmind.game.generate`) or any layout file by path."""
    text = str(name_or_path)
    if text.startswith("gen:"):
        from dualmind.game.generate import load_generated  # generate imports this module

        return load_generated(text)
    if text in shipped_layouts():
        resource = resources.files("dualmind.game") / "layouts" / f"{text}.layout"
        return parse_layout(resource.read_bytes(), source=f"{text}.layout")
    path = Path(name_or_path)
    try:
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)  # never read a huge file whole
    except OSError as e:
        known = ", ".join(shipped_layouts())
        raise LayoutError(f"cannot read layout ({e.strerror}); shipped layouts: {known}",
                          path=str(path)) from None
    return parse_layout(data, source=str(path))


def _position(data: bytes | str, index: int) -> tuple[int, int]:
    """1-based (line, column) of offset ``index``."""
    newline = b"\n" if isinstance(data, bytes) else "\n"
    line = data.count(newline, 0, index) + 1
    return line, index - (data.rfind(newline, 0, index) + 1) + 1


def _decode(data: bytes, source: str) -> str:
    # A NUL byte marks a binary file even where the bytes happen to be valid UTF-8.
    nul = data.find(b"\0")
    if nul >= 0:
        raise LayoutError("not a text file (NUL byte)", path=source, line=_position(data, nul)[0],
                          col=_position(data, nul)[1])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line, col = _position(data, e.start)
        raise LayoutError("not a text file (invalid UTF-8)", path=source, line=line,
                          col=col) from None


def parse_layout(data: bytes | str, source: str = "<layout>") -> Layout:
    """Parse and validate layout text; raise LayoutError at the first problem."""
    def err(msg: str, line: int, col: int = 1) -> LayoutError:
        return LayoutError(msg, path=source, line=line, col=col)

    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        raise err(f"layout file too large: over {MAX_FILE_BYTES:,} bytes", 1)
    text = _decode(data, source) if isinstance(data, bytes) else data
    # Windows editors (Notepad) save UTF-8 with a byte-order mark: invisible in the file, it
    # made the first setting an unknown '\ufeffname'.
    text = text.removeprefix("\ufeff")
    lines = text.replace("\r\n", "\n").split("\n")

    if not any(ln.strip() and not ln.lstrip().startswith("#") for ln in lines):
        raise err("empty layout file: expected settings and a 'grid:' section", 1)

    values: dict[str, tuple[str, int, int]] = {}  # key -> (value, line, col of value)
    grid_line = None
    for i, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, colon, value = raw.partition(":")
        key = key.strip()
        if not colon:
            raise err(f"expected 'key: value' or 'grid:', got {stripped[:40]!r}", i)
        if key == "grid":
            if value.strip():
                raise err("'grid:' takes no value; the grid starts on the next line", i,
                          raw.index(":") + 2)
            grid_line = i
            break
        if key not in _KEYS:
            raise err(f"unknown setting {key!r}; known: {', '.join(sorted(_KEYS))}, grid", i)
        colon_at = raw.index(":")
        col = colon_at + 2 + len(value) - len(value.lstrip())  # 1-based column of the value
        values[key] = (value.strip(), i, col)
    if grid_line is None:
        raise err("no 'grid:' line: the grid must follow a line reading 'grid:'", len(lines))

    rows = lines[grid_line:]
    while rows and not rows[-1].strip():
        rows.pop()
    if not rows:
        raise err("empty grid: no rows after 'grid:'", grid_line)
    first = grid_line + 1  # file line of grid row 0
    if len(rows) > MAX_SIDE:
        raise err(f"grid too tall: {len(rows)} rows, at most {MAX_SIDE}", first + MAX_SIDE)
    floor_seen = 0
    for y, row in enumerate(rows):
        if len(row) > MAX_SIDE:
            raise err(f"grid too wide: {len(row)} tiles, at most {MAX_SIDE}", first + y, MAX_SIDE + 1)
        for x, ch in enumerate(row):
            if ch not in tiles.TILE_NAMES:
                raise err(f"unknown tile {ch!r}; tiles are "
                          + " ".join(repr(c) for c in tiles.TILE_NAMES), first + y, x + 1)
            if ch == tiles.FLOOR:
                floor_seen += 1
                if floor_seen > MAX_FLOOR:
                    raise err(f"too many floor cells: at most {MAX_FLOOR:,}", first + y, x + 1)
    width = max(len(r) for r in rows)
    widest = next(y for y, r in enumerate(rows) if len(r) == width)
    kept = len(rows[widest].rstrip(" "))
    if kept < width and all(len(r) <= kept for y, r in enumerate(rows) if y != widest):
        # Trailing spaces are invisible in an editor: name the row that has them rather
        # than call every other row short.
        raise err(f"trailing spaces: this row has {width - kept} after its last tile, past "
                  "the grid's right border", first + widest, kept + 1)
    for y, row in enumerate(rows):
        if len(row) < width:
            raise err(f"open border: row is {len(row)} tiles wide, the grid {width}; "
                      "close it with counters", first + y, len(row) + 1)
        for x, ch in enumerate(row):
            edge = y in (0, len(rows) - 1) or x in (0, width - 1)
            if edge and ch == tiles.FLOOR:
                raise err("open border: floor on the edge of the grid", first + y, x + 1)
    grid = tuple(rows)

    def number(key: str, kind: type) -> float | int:
        value, line, col = values[key]
        try:
            return kind(value)
        except ValueError:
            raise err(f"{key} must be a {'whole ' if kind is int else ''}number, got {value!r}",
                      line, col) from None

    kwargs: dict = {k: number(k, kind) for k, kind in _NUMBER_KEYS.items() if k in values}
    if "soups" in values:
        value, line, col = values["soups"]
        kwargs["soups"] = tuple(value.replace(",", " ").split())
        for s in kwargs["soups"]:
            if s not in SOUPS:
                raise err(f"unknown soup {s!r}; the soups are {', '.join(SOUPS)}", line, col)
    if "speeds" in values:
        value, line, col = values["speeds"]
        speeds: list[float | None] = []
        for word in value.replace(",", " ").split():
            try:
                speeds.append(None if word.lower() in ("none", "keyboard") else float(word))
            except ValueError:
                raise err(f"a speed is a number of actions per second or 'keyboard', got {word!r}",
                          line, col) from None
        kwargs["speeds"] = tuple(speeds)
    for key, kind in _TABLE_KEYS.items():
        if key in values:
            value, line, col = values[key]
            table = dict(getattr(Settings(), key))
            for word in value.replace(",", " ").split():
                soup, eq, num = word.partition("=")
                if not eq or soup not in SOUPS:
                    raise err(f"{key} takes soup=value pairs (e.g. david=70), got {word!r}",
                              line, col)
                try:
                    table[soup] = kind(num)
                except ValueError:
                    raise err(f"{key}: {num!r} is not a number", line, col) from None
            kwargs[key] = table
    try:
        settings = Settings(**kwargs)
    except SettingsError as e:
        # Point at the setting the message names (speeds, bonus of david...), else the first.
        named = [k for k in values if str(e).startswith(k)]
        line, col = ((values[named[0]][1], values[named[0]][2]) if named
                     else (min((v[1] for v in values.values()), default=1), 1))
        raise err(f"invalid settings: {e}", line, col) from None
    for key, limit in (("name", MAX_NAME_CHARS), ("description", MAX_DESCRIPTION_CHARS)):
        if key in values:
            value, line, col = values[key]
            if len(value) > limit:
                raise err(f"{key} is {len(value)} characters, at most {limit}", line, col + limit)
            for i, ch in enumerate(value):
                if unicodedata.category(ch) in ("Cc", "Cf", "Cs"):
                    raise err(f"{key} holds a control character {ch!r}", line, col + i)

    # Start cells.
    starts: list[Pos] = []
    start_line, start_col = (values["starts"][1], values["starts"][2]) if "starts" in values \
        else (grid_line, 1)
    if "starts" in values:
        for word in values["starts"][0].split():
            try:
                x, y = (int(v) for v in word.strip("()").split(","))
            except ValueError:
                raise err(f"a start cell is x,y (e.g. 1,1), got {word!r}",
                          start_line, start_col) from None
            starts.append((x, y))
    if len(starts) < 2:
        raise err(f"too few start cells: {len(starts)} given, 2 players need 2 "
                  "(e.g. 'starts: 1,1 5,1')", start_line, start_col)
    if len(starts) > 2:
        raise err(f"too many start cells: {len(starts)} given for 2 players",
                  start_line, start_col)
    for x, y in starts:
        if not (0 <= y < len(grid) and 0 <= x < width) or grid[y][x] != tiles.FLOOR:
            raise err(f"start cell ({x},{y}) is not a floor cell of the grid",
                      start_line, start_col)
    if starts[0] == starts[1]:
        raise err("too few start cells: both players start on the same cell",
                  start_line, start_col)

    layout = Layout(
        name=values["name"][0] if "name" in values else Path(source).stem,
        grid=grid,
        starts=(starts[0], starts[1]),
        settings=settings,
        description=values.get("description", ("", 0, 0))[0],
        source=source,
    )
    _check_reachable(layout, first, err, values.get("soups", ("", grid_line, 1)))
    return layout


def _check_reachable(layout: Layout, first_line: int, err, soups_at: tuple[str, int, int]) -> None:
    floor = layout.reachable_floor()

    def reachable(pos: Pos) -> bool:
        x, y = pos
        return any((x + dx, y + dy) in floor for dx, dy in tiles.DIRECTIONS.values())

    def at(pos: Pos) -> tuple[int, int]:
        return first_line + pos[1], pos[0] + 1

    for ch in (tiles.POT, tiles.WINDOW):
        cells = layout.cells(ch)
        if not cells:
            raise err(f"no {tiles.TILE_NAMES[ch]} in the grid", first_line)
        for pos in cells:
            if not reachable(pos):
                raise err(f"unreachable {tiles.TILE_NAMES[ch]}: no player can stand next to it",
                          *at(pos))
    for ch in (tiles.BOARD, tiles.PLATES):
        cells = layout.cells(ch)
        if not any(reachable(p) for p in cells):
            where = at(cells[0]) if cells else (first_line, 1)
            raise err(f"no reachable {tiles.TILE_NAMES[ch]}", *where)
    needed: dict[str, list[str]] = {}
    for soup in layout.settings.soups:
        for veg in SOUPS[soup].ingredients:
            needed.setdefault(veg, []).append(soup)
    for ch, veg in tiles.CRATES.items():
        if veg not in needed:
            continue
        cells = layout.cells(ch)
        if not any(reachable(p) for p in cells):
            where = at(cells[0]) if cells else soups_at[1:]
            raise err(f"no reachable {veg} crate, needed by {', '.join(needed[veg])} soup",
                      *where)
