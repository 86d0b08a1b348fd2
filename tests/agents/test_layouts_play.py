"""Planning from reachability: on kitchens the agents were not written for (hand-made
held-out ones in docs/layouts, not from the generator), the scripted pair divides the
work by what each player can reach and hand over, and serves."""

from __future__ import annotations

from pathlib import Path

import pytest

from dualmind.agents.executor import deadlocks
from dualmind.agents.scripted import ScriptedAgent
from dualmind.bench.layouts import difficulty, evaluate
from dualmind.game import Kitchen, load_layout, parse_layout
from dualmind.game.events import EventKind
from dualmind.game.reach import analyze

HELD_OUT = Path(__file__).resolve().parents[2] / "docs" / "layouts"

# Plates on the crate side, pots and the window on the other: the cook cannot reach a plate.
PLATES_ACROSS = """\
name: plates-across
starts: 1,1 1,3
grid:
-TLO/P--
-      -
--------
-      *
-UU-----
"""


def play(kitchen: Kitchen, seed: int = 0):
    agents = (ScriptedAgent(), ScriptedAgent())
    state = kitchen.reset(seed)
    for i, agent in enumerate(agents):
        agent.reset(kitchen, i, 2 * seed + i)
    events = []
    for _ in range(kitchen.horizon):
        state, ev = kitchen.step(state, (agents[0].act(state).action, agents[1].act(state).action))
        events += ev
    return state, events, deadlocks(agents, state.tick, kitchen.settings.tick_seconds)


def test_two_rooms_joined_by_a_counter_serve():
    # Crates and boards on one side; pots, plates and the window on the other.
    kitchen = Kitchen(load_layout(str(HELD_OUT / "two-rooms.layout")))
    state, events, jams = play(kitchen)
    assert state.served >= 1 and jams == 0
    # The division of labour follows reachability: player 0 (crate side) chops and hands
    # over, player 1 (pot side) cooks and serves; neither does the other's part.
    by = {k: {e.player for e in events if e.kind == k} for k in
          (EventKind.CHOPPED, EventKind.COOK_START, EventKind.SERVE)}
    assert by[EventKind.CHOPPED] == {0}
    assert by[EventKind.COOK_START] == {1} and by[EventKind.SERVE] == {1}


def test_the_first_kitchen_of_issue_17_serves():
    # Two one-tile corridors joined at one end: the players can never pass each other.
    kitchen = Kitchen(load_layout(str(HELD_OUT / "u-corridors.layout")))
    zones = analyze(kitchen.layout).zones
    for seed in range(3):
        agents = (ScriptedAgent(), ScriptedAgent())
        state = kitchen.reset(seed)
        for i, agent in enumerate(agents):
            agent.reset(kitchen, i, 2 * seed + i)
        for _ in range(kitchen.horizon):
            state, _ = kitchen.step(state, (agents[0].act(state).action, agents[1].act(state).action))
            # Each stays in its own corridor: nobody walks into the other's way.
            assert all(state.players[i].pos in zones[i] for i in range(2))
        assert state.served >= 1
        assert deadlocks(agents, state.tick, kitchen.settings.tick_seconds) == 0


def test_a_cook_without_plates_gets_them_across_the_counter():
    kitchen = Kitchen(parse_layout(PLATES_ACROSS))
    state, events, jams = play(kitchen)
    plates_taken = {e.player for e in events if e.kind == EventKind.TAKE and e.item == "plate"}
    assert plates_taken == {0}  # only the crate side reaches the plates
    assert state.served >= 1 and jams == 0


@pytest.mark.parametrize("name", ["long-island"])
def test_other_held_out_kitchens_serve(name):
    state, _, jams = play(Kitchen(load_layout(str(HELD_OUT / f"{name}.layout"))))
    assert state.served >= 1 and jams == 0


def test_difficulty_measures_hand_overs_and_walks():
    assert difficulty(load_layout("ring"))[0] == 0.0  # one room: nothing needs handing over
    share, walk = difficulty(load_layout(str(HELD_OUT / "two-rooms.layout")))
    assert 0 < share < 1 and walk > 0
    share_u, _ = difficulty(load_layout(str(HELD_OUT / "u-corridors.layout")))
    assert share_u > 0  # the split path makes hand-overs needed though the floor is one piece
    assert difficulty(parse_layout(PLATES_ACROSS))[0] > 0


def test_evaluate_rows():
    rows = evaluate(["gen:0-1", "partition"], seeds=1)
    assert [r["layout"] for r in rows] == ["gen:0", "gen:1", "partition"]
    for row in rows:
        assert row["episodes"] == 1 and row["deadlocks"] == 0
        assert set(row) >= {"handover_share", "longest_walk", "score", "served", "served_min"}
    assert rows[2]["handover_share"] > 0
