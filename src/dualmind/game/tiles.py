"""The tile alphabet of layout files (one character per tile)."""

from __future__ import annotations

FLOOR = " "
COUNTER = "-"
CRATES = {"T": "tomato", "L": "lettuce", "O": "onion"}
PLATES = "P"
BOARD = "/"
POT = "U"
WINDOW = "*"
BIN = "B"
EXTINGUISHER_COUNTER = "f"

TILE_NAMES: dict[str, str] = {
    FLOOR: "floor",
    COUNTER: "counter",
    "T": "tomato crate",
    "L": "lettuce crate",
    "O": "onion crate",
    PLATES: "plate dispenser",
    BOARD: "chopping board",
    POT: "pot",
    WINDOW: "serving window",
    BIN: "bin",
    EXTINGUISHER_COUNTER: "counter with the fire extinguisher",
}

# Tiles that can hold one item (an extinguisher counter is a counter that starts with it).
HOLDS_ITEMS = frozenset({COUNTER, BOARD, EXTINGUISHER_COUNTER})

# Directions as (dx, dy) with (0, 0) at the top left.
DIRECTIONS: dict[str, tuple[int, int]] = {
    "up": (0, -1),
    "down": (0, 1),
    "left": (-1, 0),
    "right": (1, 0),
}
