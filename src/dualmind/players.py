"""Every player by the name used on the command line (``--agents scripted,partner``), and
the human at a keyboard that the browser feeds.

Lives above ``agents`` and ``partners`` because it names players from both. The names
come from :mod:`dualmind.vocab`; :func:`make_player` is where a player is built, so it is
where the agent contract is checked.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from dualmind.agents.mind_agent import MindAgent, MindConfig
from dualmind.agents.random_agent import RandomAgent
from dualmind.agents.scripted import ScriptedAgent
from dualmind.game.rules import ACTIONS, Kitchen
from dualmind.game.state import State
from dualmind.partners.player import persona_player, silent_partner, talking_partner
from dualmind.runtime.agent import Decision, Player, capabilities
from dualmind.vocab import MIND_AGENTS, PARTNERS, canonical_partner

PLAIN: dict[str, Callable[[], Player]] = {"scripted": ScriptedAgent, "random": RandomAgent}


def make_player(name: str, minds: MindConfig | None = None) -> Player:
    """Build a fresh player by name: an agent (``minds`` configures hla, smoa, fmoa and
    nea), a partner persona, or a persona file (``*.toml``)."""
    if name in MIND_AGENTS:
        player: Player = MindAgent(name, minds)
    elif name in PLAIN:
        player = PLAIN[name]()
    elif canonical_partner(name) in PARTNERS or name.endswith(".toml"):
        player = _partner(name)
    else:
        names = ", ".join([*MIND_AGENTS, *PLAIN, *PARTNERS, "partner"])
        raise ValueError(f"unknown agent {name!r}; agents are {names}")
    capabilities(player)  # the contract, checked once where a player is built
    return player


def _partner(name: str) -> Player:
    canonical = canonical_partner(name)
    if canonical == "talker":
        player = talking_partner()
    elif canonical == "silent":
        player = silent_partner()
    else:
        player = persona_player(name)
    return player


class KeyboardHuman:
    """A real human at a keyboard: the browser (or a test) presses keys and sends chat
    between ticks; each tick takes the oldest key (``stay`` if none) and the oldest
    message. Keys beyond ``max_keys`` waiting are dropped and counted (the human is ahead
    of the game)."""

    name = "human"

    def __init__(self, max_keys: int = 4):
        self.max_keys = max_keys
        self.keys: deque[str] = deque()
        self.messages: deque[str] = deque()
        self.dropped_keys = 0

    def press(self, action: str) -> None:
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; actions are {', '.join(ACTIONS)}")
        if len(self.keys) >= self.max_keys:
            self.dropped_keys += 1
            return
        self.keys.append(action)

    def say(self, text: str) -> None:
        self.messages.append(text)

    def reset(self, kitchen: Kitchen, me: int, seed: int) -> None:
        """Nothing to forget: keys pressed before the first tick count."""

    def act(self, state: State) -> Decision:
        action = self.keys.popleft() if self.keys else "stay"
        return Decision(action, self.messages.popleft() if self.messages else None)
