"""The runtime: the agent protocol, clocks and the tick loop (depends on dualmind.game)."""
