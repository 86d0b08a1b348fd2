"""Team metrics of one episode, from its events, final state and the agent's macro log.

They say how well two players worked together, beside the score:

* ``wasted_items`` -- chopped vegetables never used (thrown away, or still lying around
  when the game ends), soups that burnt, and soups delivered that no order wanted.
* ``duplicated_steps`` -- order steps both players did when one was enough: a wasted
  chopped vegetable that the other player had also chopped in the previous
  :data:`SAME_STEP_SECONDS`, and a soup started beyond the orders for it.
* ``max_unused_s`` -- the longest a chopped vegetable waited between its chopping and its
  use (into a pot), or the end of the game; a stuck board or a pile shows up here.
  Chopped items of one vegetable are matched to their uses oldest first, which makes this
  the smallest wait consistent with the events (a lower bound).
* ``abandoned_chops`` -- vegetables someone started to chop and nobody finished.
* ``agent_idle_s`` -- seconds player 0 (the agent) spent in a ``wait`` macro, or None for
  a player without macros.

Depends only on the game (no partner, no agent): any driver may call it.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Sequence
from typing import Any

from dualmind.game import items
from dualmind.game.events import Event, EventKind
from dualmind.game.state import State

SAME_STEP_SECONDS = 20.0
KEYS = ("wasted_items", "duplicated_steps", "max_unused_s", "abandoned_chops", "agent_idle_s")


def team_metrics(events: Sequence[Event], final: State, tick_seconds: float,
                 initial_orders: Sequence[str] = (),
                 agent_macros: Sequence[tuple[int, str]] | None = None) -> dict[str, Any]:
    """The figures above (see the module docstring); ``initial_orders`` are the soups
    ordered at the start (later ones come as ``order_opened`` events)."""
    queues: dict[str, deque] = defaultdict(deque)  # vegetable -> (tick, player) of chopped items
    chopped_by: dict[tuple[str, int], list[int]] = defaultdict(list)
    wasted = duplicated = 0
    longest = 0.0
    ordered: dict[str, int] = defaultdict(int)
    for soup in initial_orders:
        ordered[soup] += 1
    started: dict[str, int] = defaultdict(int)
    wasted_chops: list[tuple[str, int, int]] = []

    def use(veg: str, tick: int, waste: bool) -> None:
        nonlocal longest
        if queues[veg]:
            made, player = queues[veg].popleft()
            longest = max(longest, (tick - made) * tick_seconds)
            if waste:
                wasted_chops.append((veg, made, player))

    for e in events:
        k = e.kind
        if k == EventKind.CHOPPED:
            queues[e.item].append((e.tick, e.player))
            chopped_by[(e.item, e.player)].append(e.tick)
        elif k == EventKind.ADD_TO_POT:
            for veg in e.vegetables:
                use(veg, e.tick, waste=False)
        elif k == EventKind.DISCARD and e.item.startswith("chopped "):
            for veg in e.item.removeprefix("chopped ").split("+"):
                use(veg, e.tick, waste=True)
        elif k == EventKind.FIRE_STARTED or k == EventKind.WRONG_DELIVERY:
            wasted += 1
        elif k == EventKind.ORDER_OPENED:
            ordered[e.soup] += 1
        elif k == EventKind.COOK_START:
            started[e.soup] += 1
            if started[e.soup] > ordered[e.soup]:
                duplicated += 1
    for veg, queue in queues.items():
        while queue:
            use(veg, final.tick, waste=True)
    for veg, made, player in wasted_chops:
        other = chopped_by.get((veg, 1 - player), []) if player in (0, 1) else []
        if any(made - round(SAME_STEP_SECONDS / tick_seconds) <= t <= made for t in other):
            duplicated += 1
    wasted += len(wasted_chops)
    abandoned = sum(1 for item in final.items.values() if item.kind == items.VEGETABLE and item.chops > 0)
    idle = None
    if agent_macros is not None:
        idle_ticks = 0
        for i, (tick, macro) in enumerate(agent_macros):
            end = agent_macros[i + 1][0] if i + 1 < len(agent_macros) else final.tick
            if macro == "wait":
                idle_ticks += end - tick
        idle = round(idle_ticks * tick_seconds, 1)
    return {"wasted_items": wasted, "duplicated_steps": duplicated, "max_unused_s": round(longest, 1),
            "abandoned_chops": abandoned, "agent_idle_s": idle}


def team_summary(view) -> dict[str, Any]:
    """The summarizer for :class:`~dualmind.runtime.match.Match` (player 0 is the agent)."""
    kitchen = view.kitchen
    initial = [o.soup for o in kitchen.reset(view.final.seed).orders]
    macros = view.macros(0) if view.capabilities[0].macros is not None else None
    return team_metrics(view.events, view.final, kitchen.settings.tick_seconds, initial,
                        list(macros) if macros is not None else None)
