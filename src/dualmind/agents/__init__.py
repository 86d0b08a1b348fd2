"""Agents: players built from the runtime's protocol (depends on game and runtime)."""
