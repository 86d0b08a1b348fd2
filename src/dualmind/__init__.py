"""dualmind: a framework and testbed for real-time hierarchical agents.

The game lives in :mod:`dualmind.game` and depends on nothing else of ours.
"""

__version__ = "0.1.0"
