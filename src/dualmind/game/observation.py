"""Turn a state into a fixed-size numeric observation for RL, from one player's view.

The observation is a flat ``float32`` vector in [0, 1]: a grid of ``CHANNELS`` planes of
the layout's height x width (``obs[:grid_size].reshape(C, H, W)``), then global features.

Grid planes (one value per cell):

==========  ======================================================================
planes      meaning
==========  ======================================================================
0-9         tile kind: counter, tomato/lettuce/onion crate, plates, board, pot,
            serving window, bin, extinguisher counter
10, 11-14   me: my cell; my facing (up, down, left, right)
15, 16-19   partner: its cell; its facing
20-22       fresh vegetable here (lettuce, onion, tomato), on a counter or in a hand
23          chopping progress of that vegetable (chops / chop_steps)
24-26       chopped vegetables here (lettuce, onion, tomato): an ingredient set sets several
27          a plate here; 28-31 its soup (alice, bob, cathy, david); 32 charred
33          the extinguisher here
34-36       pot contents (lettuce, onion, tomato)
37          pot cooking progress (0..1); 38 ready; 39 burning; 40 charred
41          fire-fighting progress (0..1)
==========  ======================================================================

An item in a hand is drawn on its holder's cell. Global features after the grid: time
left (fraction of the episode), whether I may act this tick (speed limit), then per open
order slot: the soup one-hot (4) and its time left (fraction of its order time).
"""

from __future__ import annotations

import numpy as np

from dualmind.game import items
from dualmind.game.rules import BURNING, CHARRED, COOKING, READY, Kitchen
from dualmind.game.state import State

CHANNELS = 42
_TILE_PLANES = {ch: i for i, ch in enumerate("-TLOP/U*Bf")}
_FACING = {"up": 0, "down": 1, "left": 2, "right": 3}
_VEG = {v: i for i, v in enumerate(items.VEGETABLES)}
_SOUP = {s: i for i, s in enumerate(items.SOUPS)}


class Observer:
    """Builds observations for one kitchen; precomputes the static tile planes."""

    def __init__(self, kitchen: Kitchen):
        self.kitchen = kitchen
        layout = kitchen.layout
        self.h, self.w = layout.height, layout.width
        self.grid_size = CHANNELS * self.h * self.w
        self.size = self.grid_size + 2 + 5 * kitchen.settings.open_orders
        self._static = np.zeros((CHANNELS, self.h, self.w), dtype=np.float32)
        for (x, y), ch in kitchen.tiles.items():
            if ch in _TILE_PLANES:
                self._static[_TILE_PLANES[ch], y, x] = 1.0

    def _item(self, grid: np.ndarray, item: items.Item, x: int, y: int) -> None:
        k = self.kitchen
        if item.kind == items.VEGETABLE:
            grid[20 + _VEG[item.vegetables[0]], y, x] = 1.0
            grid[23, y, x] = item.chops / k.settings.chop_steps
        elif item.kind == items.CHOPPED:
            for v in item.vegetables:
                grid[24 + _VEG[v], y, x] = 1.0
        elif item.kind == items.PLATE:
            grid[27, y, x] = 1.0
            if item.soup == items.CHARRED:
                grid[32, y, x] = 1.0
            elif item.soup is not None:
                grid[28 + _SOUP[item.soup], y, x] = 1.0
        else:
            grid[33, y, x] = 1.0

    def observe(self, state: State, me: int) -> np.ndarray:
        """The observation of player ``me`` (0 or 1)."""
        k = self.kitchen
        out = np.zeros(self.size, dtype=np.float32)
        grid = out[: self.grid_size].reshape(CHANNELS, self.h, self.w)
        grid[:] = self._static
        for who, base in ((me, 10), (1 - me, 15)):
            p = state.players[who]
            x, y = p.pos
            grid[base, y, x] = 1.0
            grid[base + 1 + _FACING[p.facing], y, x] = 1.0
            if p.holding is not None:
                self._item(grid, p.holding, x, y)
        for (x, y), item in state.items.items():
            self._item(grid, item, x, y)
        for (x, y), pot in zip(k.pot_cells, state.pots, strict=True):
            for v in pot.vegetables:
                grid[34 + _VEG[v], y, x] = 1.0
            phase = k.pot_phase(pot, state.tick)
            if phase == COOKING and pot.cook_start is not None:
                grid[37, y, x] = (state.tick - pot.cook_start) / k.cook_ticks
            elif phase == READY:
                grid[37, y, x] = grid[38, y, x] = 1.0
            elif phase == BURNING:
                grid[39, y, x] = 1.0
                if pot.spray_start is not None:
                    grid[41, y, x] = min(1.0, (state.tick - pot.spray_start) / k.extinguish_ticks)
            elif phase == CHARRED:
                grid[40, y, x] = 1.0
        g = self.grid_size
        out[g] = max(0.0, 1.0 - state.tick / k.horizon)
        p = state.players[me]
        out[g + 1] = float(state.tick - p.last_action_tick >= k.action_gaps[me])
        for slot, order in enumerate(state.orders[: k.settings.open_orders]):
            base = g + 2 + 5 * slot
            out[base + _SOUP[order.soup]] = 1.0
            out[base + 4] = min(1.0, max(0.0, (order.deadline - state.tick) / k.order_ticks[order.soup]))
        return out
