"""Two scripted players keep serving orders on every layout."""

from __future__ import annotations

import pytest

from dualmind.agents.scripted import ScriptedAgent
from dualmind.game import Kitchen, load_layout, shipped_layouts
from dualmind.runtime.match import run_episode


@pytest.mark.parametrize("layout", shipped_layouts())
def test_scripted_pair_serves_orders(layout):
    kitchen = Kitchen(load_layout(layout))
    result, _ = run_episode(kitchen, (ScriptedAgent(), ScriptedAgent()), seed=1)
    # A fixed-seed full game: at least one order served on every layout, and (measured at
    # the time of writing: 7-18 served) comfortably more than the expired ones.
    assert result.served >= 5 and result.served > result.expired
    assert result.score > 0


def test_scripted_pair_on_partition_hands_items_over_the_wall():
    kitchen = Kitchen(load_layout("partition"))
    events = []
    run_episode(kitchen, (ScriptedAgent(), ScriptedAgent()), seed=0, seconds=90, log=events)
    # Lettuce and onion only grow on the right, pots only stand on the left: a soup with
    # lettuce or onion can only have been cooked from something put down on the wall.
    right_puts = [e for e in events if e.player == 1 and e.kind == "put_down"]
    cooked = [e.soup for e in events if e.kind == "cook_start"]
    assert right_puts and any(s in ("alice", "bob", "cathy", "david") for s in cooked)
