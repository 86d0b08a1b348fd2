"""Shared helpers: a tiny kitchen where every tile is one step from the floor."""

from __future__ import annotations

import dataclasses

import pytest

from dualmind.game import Kitchen, parse_layout
from dualmind.game.state import Player, State

# Floor is x 1..4, y 1..2. Above row 1: crates T L O and plates P; right: a board (5,1)
# and the serving window (5,2); left: a pot (0,2) and a counter (0,1); below: the
# extinguisher counter (1,3), the bin (2,3), counters.
TINY = """\
name: tiny
starts: 1,1 4,2
grid:
-TLOP-
-    /
U    *
-fB---
"""


@pytest.fixture
def tiny() -> Kitchen:
    return Kitchen(parse_layout(TINY, source="tiny.layout"))


def place(state: State, who: int, pos, facing: str, holding=None) -> State:
    """The state with player ``who`` moved to ``pos``, facing ``facing``, holding ``holding``."""
    players = list(state.players)
    players[who] = Player(pos, facing, holding, players[who].last_action_tick,
                          players[who].ignored_actions)
    return dataclasses.replace(state, players=tuple(players))


def run(kitchen: Kitchen, state: State, actions0, actions1=None):
    """Step each pair of actions once both players may act under their speed limits
    (waiting with ``stay`` as needed). Returns the last state and all events."""
    actions1 = actions1 or ["stay"] * len(actions0)
    events = []
    for a0, a1 in zip(actions0, actions1, strict=True):
        while any(state.tick - p.last_action_tick < gap
                  for p, gap in zip(state.players, kitchen.action_gaps, strict=True)):
            state, ev = kitchen.step(state, ("stay", "stay"))
            events += ev
        state, ev = kitchen.step(state, (a0, a1))
        events += ev
    return state, events
