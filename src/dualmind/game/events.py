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
    """One event: its kind, the tick it happened in, the player (if any), a detail."""

    kind: EventKind
    tick: int
    player: int | None = None
    detail: str = ""
