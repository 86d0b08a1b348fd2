"""Every player by the name used on the command line (``--agents scripted,partner``).

Lives above ``agents`` and ``partners`` because it names players from both.
"""

from __future__ import annotations

from collections.abc import Callable

from dualmind.agents.mind_agent import MODES, MindAgent, MindConfig
from dualmind.agents.random_agent import RandomAgent
from dualmind.agents.scripted import ScriptedAgent
from dualmind.partners.player import silent_partner, talking_partner
from dualmind.runtime.agent import Agent

PLAYERS: dict[str, Callable[[], Agent]] = {
    "scripted": ScriptedAgent,
    "random": RandomAgent,
    "partner": talking_partner,
    "silent": silent_partner,
}


def make_player(name: str, minds: MindConfig | None = None) -> Agent:
    """Build a fresh player by name (``minds`` configures hla, smoa, fmoa and nea)."""
    if name in MODES:
        return MindAgent(name, minds)
    try:
        return PLAYERS[name]()
    except KeyError:
        names = ", ".join([*MODES, *PLAYERS])
        raise ValueError(f"unknown agent {name!r}; agents are {names}") from None
