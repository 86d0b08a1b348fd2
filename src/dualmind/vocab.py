"""Every name the user can type, and every default they can leave out, written once.

The CLI's choices and defaults, the web page's lists (served by ``GET /api/options``),
the evaluation's defaults and the player registry all read from here, so adding a
persona or a backend is one line in one place. Imports nothing: any layer may read it.
"""

from __future__ import annotations

MIND_AGENTS: tuple[str, ...] = ("hla", "smoa", "fmoa", "nea")
"""Agents with a slow and a fast mind (HLA and its baselines), in the order tables list them."""
PLAIN_AGENTS: tuple[str, ...] = ("scripted", "random")
"""Agents without minds."""
AGENTS: tuple[str, ...] = MIND_AGENTS + PLAIN_AGENTS
WEB_AGENTS: tuple[str, ...] = (*MIND_AGENTS, "scripted")
"""What a human can play with in the browser (a random partner is no fun)."""

PARTNERS: tuple[str, ...] = ("leader", "asker", "novice", "silent", "talker")
"""Simulated human personas (player 1 in evaluation)."""
PARTNER_ALIASES: dict[str, str] = {"partner": "talker"}
"""Older names still accepted: ``partner`` is the talker."""
DEFAULT_PARTNERS: tuple[str, ...] = ("partner", "silent")
"""The partners ``dualmind eval`` uses unless told otherwise."""

LAYOUTS: tuple[str, ...] = ("bottleneck", "partition", "quick", "ring")
"""The layouts that ship with dualmind (a test checks these against the layout files)."""
DEFAULT_LAYOUT = "ring"

SLOW_BACKENDS: tuple[str, ...] = ("llm", "learned", "rules", "embedded", "openai")
"""What the slow mind (and ``dualmind interpret``) can read chat with (llm: Qwen 1.5B, the
``models`` extra; dualmind.agents.llm.defaults picks it by default when installed)."""
FAST_MINDS: tuple[str, ...] = ("code", "llm")
"""How the fast mind picks macros: code, or llm (Qwen 0.5B by likelihood; the models extra)."""
FAST_BACKENDS: tuple[str, ...] = ("rules", "learned", "embedded")
"""What the fast mind can read a fresh message with."""
DEFAULT_SLOW_BACKEND = "learned"
DEFAULT_FAST_BACKEND = "rules"

SLOW_LATENCY = 4.0
"""Game seconds charged per slow-mind call unless told otherwise."""
FAST_LATENCY = 0.3
"""Game seconds charged per fast-mind call unless told otherwise."""

TOKENS = "tokens"
"""A latency (``--slow-latency tokens``) that charges each model call its prompt and
generated tokens at the rates measured on a 2-core CPU (:mod:`dualmind.llm.rates`)."""

CLOCKS: tuple[str, ...] = ("virtual", "wall")


def canonical_partner(name: str) -> str:
    """A partner's canonical name (``partner`` -> ``talker``); other names unchanged."""
    return PARTNER_ALIASES.get(name, name)
