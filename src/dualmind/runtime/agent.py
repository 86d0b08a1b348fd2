"""The one protocol every player implements, whatever drives it (a script, a model, a human)."""

from __future__ import annotations

from typing import NamedTuple, Protocol

from dualmind.game.rules import Kitchen
from dualmind.game.state import State


class Decision(NamedTuple):
    """What a player does in one tick: an atomic action, and optionally a chat message."""

    action: str = "stay"
    say: str | None = None


class Agent(Protocol):
    """A player. ``act`` is called once per tick and must return at once."""

    name: str

    def reset(self, kitchen: Kitchen, me: int, seed: int) -> None:
        """Start an episode as player ``me`` (0 or 1)."""

    def act(self, state: State) -> Decision:
        """This tick's decision, from the current state (chat included)."""
