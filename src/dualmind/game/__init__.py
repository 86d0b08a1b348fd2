"""The kitchen: a real-time, two-player cooking game (rules of GAME.md).

Usable alone, with no other part of dualmind:

>>> from dualmind.game import Kitchen, load_layout
>>> kitchen = Kitchen(load_layout("ring"))
>>> state = kitchen.reset(seed=0)
>>> state, events = kitchen.step(state, ("right", "stay"))
>>> state.players[0].pos
(2, 1)
"""

from dualmind.game.events import Event, EventKind
from dualmind.game.items import SOUPS, VEGETABLES, Item, Soup
from dualmind.game.layout import Layout, load_layout, parse_layout, shipped_layouts
from dualmind.game.render import render
from dualmind.game.rules import ACTIONS, Kitchen
from dualmind.game.settings import Settings
from dualmind.game.state import ChatMessage, Order, Player, Pot, State

__all__ = [
    "ACTIONS", "SOUPS", "VEGETABLES", "ChatMessage", "Event", "EventKind", "Item", "Kitchen",
    "Layout", "Order", "Player", "Pot", "Settings", "Soup", "State", "load_layout",
    "parse_layout", "render", "shipped_layouts",
]
