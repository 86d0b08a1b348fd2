"""Simulated partners: stand-ins for a human who plays and talks, and the judge that scores
how well an agent did what it was asked (depends on game, runtime and agents)."""
