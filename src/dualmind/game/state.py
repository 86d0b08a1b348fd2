"""The game state: plain, immutable data.

A :class:`State` never changes; the rules build a new one each tick, sharing every part
that did not change, so "copying" a state is free. Timers are stored as the tick at which
something happens (a deadline), not as countdowns, so a quiet tick touches nothing but
the tick counter. ``to_json``/``from_json`` round-trip exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from dualmind.errors import StateFormatError
from dualmind.game.items import Item

Pos = tuple[int, int]
FORMAT_VERSION = 1


class Player(NamedTuple):
    """One player: where it stands, where it faces, what it holds."""

    pos: Pos
    facing: str  # "up", "down", "left" or "right"
    holding: Item | None = None
    last_action_tick: int = -(10**9)  # tick of its last accepted action (speed limit)
    ignored_actions: int = 0  # actions dropped for arriving faster than its speed

    def to_json(self) -> dict:
        return {
            "pos": list(self.pos),
            "facing": self.facing,
            "holding": None if self.holding is None else self.holding.to_json(),
            "last_action_tick": self.last_action_tick,
            "ignored_actions": self.ignored_actions,
        }

    @classmethod
    def from_json(cls, d: dict) -> Player:
        holding = d.get("holding")
        return cls(tuple(d["pos"]), d["facing"], None if holding is None else Item.from_json(holding),
                   d["last_action_tick"], d["ignored_actions"])


class Pot(NamedTuple):
    """A pot on a stove. Cooking, charring and fire follow from ``cook_start``.

    ``soup`` is set once a full recipe is in; from then on the pot is cooking until
    ``cook_start + cook``, ready until ``+ char``, then charred and burning until the fire
    is put out (``extinguished``). Spraying progress is ``spray_start``..``last_spray``.
    """

    vegetables: tuple[str, ...] = ()
    soup: str | None = None
    cook_start: int | None = None
    spray_start: int | None = None
    last_spray: int | None = None
    extinguished: bool = False

    def to_json(self) -> dict:
        return {"vegetables": list(self.vegetables), "soup": self.soup,
                "cook_start": self.cook_start, "spray_start": self.spray_start,
                "last_spray": self.last_spray, "extinguished": self.extinguished}

    @classmethod
    def from_json(cls, d: dict) -> Pot:
        return cls(tuple(d["vegetables"]), d["soup"], d["cook_start"], d["spray_start"],
                   d["last_spray"], d["extinguished"])


EMPTY_POT = Pot()


class Order(NamedTuple):
    """An open order: which soup, when it appeared, the tick it expires."""

    soup: str
    created: int
    deadline: int


class ChatMessage(NamedTuple):
    """One chat line with the tick in which it was sent."""

    tick: int
    player: int
    text: str


@dataclass(frozen=True, slots=True)
class State:
    """Everything that changes during an episode. Never mutated: build a new one.

    ``items`` maps counter and board cells to what lies on them; it is shared between
    states and copied on write, never changed in place.
    """

    tick: int
    players: tuple[Player, Player]
    items: dict[Pos, Item]
    pots: tuple[Pot, ...]  # in the layout's reading order of pot cells
    orders: tuple[Order, ...]
    orders_created: int  # how many orders have appeared; the next one's index
    seed: int  # drives the order sequence
    score: int = 0
    served: int = 0
    expired: int = 0
    fires: int = 0
    chat: tuple[ChatMessage, ...] = ()

    def to_json(self) -> dict:
        """Plain JSON-able data; ``State.from_json(s.to_json()) == s``."""
        return {
            "version": FORMAT_VERSION,
            "tick": self.tick,
            "players": [p.to_json() for p in self.players],
            "items": [[list(pos), item.to_json()] for pos, item in sorted(self.items.items())],
            "pots": [p.to_json() for p in self.pots],
            "orders": [list(o) for o in self.orders],
            "orders_created": self.orders_created,
            "seed": self.seed,
            "score": self.score,
            "served": self.served,
            "expired": self.expired,
            "fires": self.fires,
            "chat": [list(m) for m in self.chat],
        }

    @classmethod
    def from_json(cls, data: dict) -> State:
        if data.get("version") != FORMAT_VERSION:
            raise StateFormatError(
                f"state format version {data.get('version')!r}; this dualmind reads {FORMAT_VERSION}")
        try:
            return cls(
                tick=data["tick"],
                players=tuple(Player.from_json(p) for p in data["players"]),  # type: ignore[arg-type]
                items={tuple(pos): Item.from_json(item) for pos, item in data["items"]},
                pots=tuple(Pot.from_json(p) for p in data["pots"]),
                orders=tuple(Order(*o) for o in data["orders"]),
                orders_created=data["orders_created"],
                seed=data["seed"],
                score=data["score"],
                served=data["served"],
                expired=data["expired"],
                fires=data["fires"],
                chat=tuple(ChatMessage(*m) for m in data["chat"]),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise StateFormatError(f"malformed state: {e!r}") from None
