"""What happened in a tick: events returned by the rules, also used as metrics."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class EventKind(StrEnum):
    """Every kind of event the rules report."""

    PICK_UP = "pick_up"
    PUT_DOWN = "put_down"
    TAKE = "take"  # from a crate or the plate dispenser
    CHOP = "chop"
    CHOPPED = "chopped"  # a vegetable finished chopping
    COMBINE = "combine"
    ADD_TO_POT = "add_to_pot"
    COOK_START = "cook_start"
    SOUP_READY = "soup_ready"
    PLATE_SOUP = "plate_soup"
    SERVE = "serve"  # a soup delivered against an open order
    WRONG_DELIVERY = "wrong_delivery"  # a soup no open order wanted
    DISCARD = "discard"
    FIRE_STARTED = "fire_started"
    SPRAY = "spray"
    FIRE_OUT = "fire_out"
    ORDER_OPENED = "order_opened"
    ORDER_EXPIRED = "order_expired"
    CHAT = "chat"
    IGNORED_ACTION = "ignored_action"  # faster than the player's speed


class Event(NamedTuple):
    """One event: its kind, the tick it happened in, the player (if any), and what it
    concerns, each in its own field (empty when it does not apply):

    ==============================================  =========================================
    kind                                            fields
    ==============================================  =========================================
    take                                            ``item``: a vegetable or ``plate``
    chop, chopped                                   ``item``: the vegetable
    pick_up, put_down, discard                      ``item``: the item's text (``chopped
                                                    tomato``, ``plate of bob soup``)
    combine, add_to_pot                             ``vegetables``; ``pot`` for add_to_pot
    cook_start, soup_ready, plate_soup              ``soup``, ``pot``
    serve, wrong_delivery, order_opened/expired     ``soup``
    fire_started, spray, fire_out                   ``pot``
    chat                                            ``text``
    ==============================================  =========================================
    """

    kind: EventKind
    tick: int
    player: int | None = None
    item: str = ""
    soup: str = ""
    vegetables: tuple[str, ...] = ()
    pot: int | None = None
    text: str = ""

    @property
    def label(self) -> str:
        """One short human-readable line of what it concerns (for records and logs; code
        reads the fields)."""
        if self.kind == EventKind.CHAT:
            return self.text
        return (self.item or self.soup or "+".join(self.vegetables)
                or ("" if self.pot is None else f"pot {self.pot}"))
