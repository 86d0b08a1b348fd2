"""Random action sequences never break the game's invariants (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dualmind.game import ACTIONS, Kitchen, load_layout, shipped_layouts
from dualmind.game.events import EventKind

KITCHENS = {name: Kitchen(load_layout(name)) for name in shipped_layouts()}
actions = st.lists(st.tuples(st.sampled_from(ACTIONS), st.sampled_from(ACTIONS)),
                   min_size=1, max_size=400)


@settings(max_examples=60, deadline=None)
@given(layout=st.sampled_from(sorted(KITCHENS)), seed=st.integers(0, 2**20), moves=actions)
def test_invariants_hold(layout, seed, moves):
    kitchen = KITCHENS[layout]
    state = kitchen.reset(seed)
    bonuses = penalties = 0
    for joint in moves:
        state, events = kitchen.step(state, joint)
        p0, p1 = state.players
        assert p0.pos != p1.pos, "two players in one cell"
        for p in state.players:
            assert kitchen.tiles[p.pos] == " ", "a player off the floor"
        # One item per hand is structural (holding is one Item or None); items only lie
        # on tiles that hold items.
        for pos in state.items:
            assert kitchen.tiles[pos] in "-/f"
        assert len(state.orders) == kitchen.settings.open_orders
        for e in events:
            if e.kind == EventKind.SERVE:
                bonuses += kitchen.settings.bonus[e.soup]
            elif e.kind == EventKind.ORDER_EXPIRED:
                penalties += kitchen.settings.expire_penalty
        assert state.score == bonuses - penalties
        extinguishers = sum(1 for p in state.players if p.holding and p.holding.kind == "extinguisher")
        extinguishers += sum(1 for i in state.items.values() if i.kind == "extinguisher")
        assert extinguishers == len(kitchen.layout.cells("f")), "the extinguisher is unique"
