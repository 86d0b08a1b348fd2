"""A player that presses random keys: the floor every other agent must beat."""

from __future__ import annotations

import random

from dualmind.game.rules import ACTIONS, Kitchen
from dualmind.game.state import State
from dualmind.runtime.agent import Decision


class RandomAgent:
    """Uniformly random atomic actions from a seeded generator."""

    name = "random"

    def __init__(self) -> None:
        self._rng = random.Random(0)

    def reset(self, kitchen: Kitchen, me: int, seed: int) -> None:
        self._rng = random.Random(seed)

    def act(self, state: State) -> Decision:
        return Decision(self._rng.choice(ACTIONS))
