"""Render a state as text: the grid, players, what they hold, pots, orders and timers.

The same text serves a terminal and a model's prompt, so it favours plain words over
symbols. Players are drawn as their number on the grid, with an arrow for facing.
"""

from __future__ import annotations

from dualmind.game import items, tiles
from dualmind.game.rules import BURNING, CHARRED, COOKING, FILLING, READY, Kitchen
from dualmind.game.state import State

_ARROWS = {"up": "^", "down": "v", "left": "<", "right": ">"}
_ITEM_MARKS = {items.VEGETABLE: "v", items.CHOPPED: "c", items.PLATE: "p", items.EXTINGUISHER: "e"}


def seconds_left(kitchen: Kitchen, state: State, deadline: int) -> float:
    """Game seconds from ``state`` until tick ``deadline``."""
    return (deadline - state.tick) * kitchen.settings.tick_seconds


def render_grid(kitchen: Kitchen, state: State) -> list[str]:
    """The grid as rows of text; each cell is two characters wide (tile + mark)."""
    layout = kitchen.layout
    rows = []
    players = {p.pos: (i, p) for i, p in enumerate(state.players)}
    for y, row in enumerate(layout.grid):
        cells = []
        for x, ch in enumerate(row):
            pos = (x, y)
            if pos in players:
                i, p = players[pos]
                cells.append(f"{i}{_ARROWS[p.facing]}")
            elif pos in kitchen.pot_index:
                pot = state.pots[kitchen.pot_index[pos]]
                phase = kitchen.pot_phase(pot, state.tick)
                cells.append("U" + {BURNING: "!", READY: "*", COOKING: "~", FILLING: ".",
                                    CHARRED: "x"}.get(phase, " "))
            elif pos in state.items:
                mark = _ITEM_MARKS[state.items[pos].kind]
                cells.append(("f" if ch == tiles.EXTINGUISHER_COUNTER else ch) + mark)
            else:
                cells.append(ch + (ch if ch == tiles.COUNTER else " "))
        rows.append("".join(cells))
    return rows


def describe(kitchen: Kitchen, state: State, end_tick: int | None = None) -> list[str]:
    """The non-grid facts as sentences: time, score, players, items, pots, orders.
    ``end_tick`` is when this game ends (default: the layout's episode length)."""
    s = kitchen.settings
    end = kitchen.horizon if end_tick is None else end_tick
    left = max(0.0, (end - state.tick) * s.tick_seconds)
    lines = [f"time {state.tick * s.tick_seconds:.1f} s, {left:.1f} s left; score {state.score} "
             f"(served {state.served}, expired {state.expired}, fires {state.fires})"]
    for i, p in enumerate(state.players):
        held = str(p.holding) if p.holding else "nothing"
        lines.append(f"player {i} at {p.pos} facing {p.facing}, holding {held}")
    for pos, item in sorted(state.items.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if item.kind != items.EXTINGUISHER or kitchen.tiles[pos] != tiles.EXTINGUISHER_COUNTER:
            lines.append(f"{tiles.TILE_NAMES[kitchen.tiles[pos]]} at {pos}: {item}")
        else:
            lines.append(f"extinguisher at {pos}")
    for k, (pos, pot) in enumerate(zip(kitchen.pot_cells, state.pots, strict=True)):
        phase = kitchen.pot_phase(pot, state.tick)
        text = f"pot {k} at {pos}: {phase}"
        if pot.vegetables:
            text += " (" + "+".join(pot.vegetables) + (f" = {pot.soup} soup" if pot.soup else "") + ")"
        if phase == COOKING and pot.cook_start is not None:
            text += f", ready in {seconds_left(kitchen, state, pot.cook_start + kitchen.cook_ticks):.1f} s"
        elif phase == READY and pot.cook_start is not None:
            fire_at = pot.cook_start + kitchen.cook_ticks + kitchen.char_ticks
            text += f", chars in {seconds_left(kitchen, state, fire_at):.1f} s"
        elif phase == BURNING:
            text += ", ON FIRE"
        lines.append(text)
    orders = ", ".join(f"{o.soup} ({seconds_left(kitchen, state, o.deadline):.0f} s)"
                       for o in state.orders)
    lines.append(f"orders: {orders}")
    return lines


def render(kitchen: Kitchen, state: State, chat_lines: int = 3, end_tick: int | None = None) -> str:
    """The whole state as text: grid on top, then the facts, then the last chat lines."""
    out = render_grid(kitchen, state) + describe(kitchen, state, end_tick)
    for msg in state.chat[-chat_lines:] if chat_lines else ():
        out.append(f"chat [{msg.tick * kitchen.settings.tick_seconds:.1f} s] player {msg.player}: "
                   f"{msg.text[:200]}")
    return "\n".join(out)
