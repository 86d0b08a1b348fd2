"""State as plain data: JSON round-trips exactly; stepping is deterministic."""

from __future__ import annotations

import json
import random

import pytest

from dualmind.errors import StateFormatError
from dualmind.game import ACTIONS, Kitchen, State, load_layout, shipped_layouts


def random_trajectory(kitchen: Kitchen, seed: int, steps: int):
    rng = random.Random(seed)
    state = kitchen.reset(seed)
    states = [state]
    for t in range(steps):
        chat = [(rng.randrange(2), f"msg {t}")] if rng.random() < 0.02 else []
        state, _ = kitchen.step(state, (rng.choice(ACTIONS), rng.choice(ACTIONS)), chat)
        states.append(state)
    return states


@pytest.mark.parametrize("layout", shipped_layouts())
def test_json_round_trip_is_exact(layout):
    kitchen = Kitchen(load_layout(layout))
    for state in random_trajectory(kitchen, 1, 1500)[::50]:
        text = json.dumps(state.to_json())
        assert State.from_json(json.loads(text)) == state


def test_same_seed_same_trajectory():
    kitchen = Kitchen(load_layout("ring"))
    assert random_trajectory(kitchen, 5, 1200) == random_trajectory(kitchen, 5, 1200)


def test_orders_depend_on_the_seed_only():
    kitchen = Kitchen(load_layout("ring"))
    assert kitchen.reset(3).orders == kitchen.reset(3).orders
    sequences = {tuple(kitchen.new_order(s, i, 0).soup for i in range(10)) for s in range(5)}
    assert len(sequences) > 1


def test_step_leaves_its_input_unchanged():
    kitchen = Kitchen(load_layout("ring"))
    state = kitchen.reset(0)
    before = json.dumps(state.to_json())
    for _ in range(50):
        kitchen.step(state, ("interact", "left"), [(0, "hi")])
    assert json.dumps(state.to_json()) == before


def test_wrong_version_is_a_clear_error():
    data = Kitchen(load_layout("ring")).reset(0).to_json()
    data["version"] = 99
    with pytest.raises(StateFormatError, match="version 99"):
        State.from_json(data)
