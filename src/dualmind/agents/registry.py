"""Agents by the names used on the command line (``--agents random,random``)."""

from __future__ import annotations

from collections.abc import Callable

from dualmind.agents.random_agent import RandomAgent
from dualmind.agents.scripted import ScriptedAgent
from dualmind.runtime.agent import Agent

AGENTS: dict[str, Callable[[], Agent]] = {
    "random": RandomAgent,
    "scripted": ScriptedAgent,
}


def make_agent(name: str) -> Agent:
    """Build a fresh agent by name; the error lists the valid names."""
    try:
        return AGENTS[name]()
    except KeyError:
        raise ValueError(f"unknown agent {name!r}; agents are {', '.join(AGENTS)}") from None
