"""What the browser draws: the static kitchen once, then one small frame per tick."""

from __future__ import annotations

from dualmind.game.rules import BURNING, COOKING, READY, Kitchen
from dualmind.game.state import State
from dualmind.runtime.agent import MindView


def kitchen_info(kitchen: Kitchen) -> dict:
    lay = kitchen.layout
    return {"name": lay.name, "grid": list(lay.grid), "width": lay.width, "height": lay.height,
            "tick_seconds": kitchen.settings.tick_seconds, "horizon": kitchen.horizon}


def frame(kitchen: Kitchen, state: State, view: MindView | None = None, show_mind: bool = True,
          end_tick: int | None = None) -> dict:
    """One tick as the browser draws it; ``view`` is what the agent means to do (None: an
    agent without minds, or a replay); ``end_tick`` is when this game ends."""
    k, t = kitchen, state.tick
    end = k.horizon if end_tick is None else end_tick
    pots = []
    for pos, pot in zip(k.pot_cells, state.pots, strict=True):
        phase = k.pot_phase(pot, t)
        progress = 0.0
        if phase == COOKING and pot.cook_start is not None:
            progress = (t - pot.cook_start) / k.cook_ticks
        elif phase == READY and pot.cook_start is not None:
            progress = (t - pot.cook_start - k.cook_ticks) / k.char_ticks  # towards charring
        pots.append({"pos": pos, "phase": phase, "soup": pot.soup, "vegetables": list(pot.vegetables),
                     "progress": round(progress, 3), "fire": phase == BURNING})
    out = {
        "type": "frame", "tick": t,
        "time_left": round(max(0, end - t) * k.settings.tick_seconds, 1),
        "score": state.score, "served": state.served, "expired": state.expired, "fires": state.fires,
        "players": [{"pos": p.pos, "facing": p.facing, "holding": str(p.holding) if p.holding else None}
                    for p in state.players],
        "items": [{"pos": pos, "item": str(item), "kind": item.kind, "chops": item.chops}
                  for pos, item in state.items.items()],
        "pots": pots,
        "orders": [{"soup": o.soup, "left": round((o.deadline - t) * k.settings.tick_seconds, 1),
                    "frac": round(max(0.0, (o.deadline - t) / k.order_ticks[o.soup]), 3)}
                   for o in state.orders],
    }
    if show_mind and view is not None:
        out["intention"] = view.steps
        out["macro"] = view.macro
    return out
