"""Every player by the name used on the command line (``--agents scripted,partner``).

Lives above ``agents`` and ``partners`` because it names players from both.
"""

from __future__ import annotations

from collections.abc import Callable

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


def make_player(name: str) -> Agent:
    """Build a fresh player by name; the error lists the valid names."""
    try:
        return PLAYERS[name]()
    except KeyError:
        raise ValueError(f"unknown agent {name!r}; agents are {', '.join(PLAYERS)}") from None
