"""The runtime: the agent contract, the minds' schedulers, the episode driver and records
(depends on dualmind.game only)."""
