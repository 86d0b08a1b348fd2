"""Vegetables, soups and the items a player can hold.

Items are small immutable values (named tuples) so that a state holding them is cheap
to copy and trivially serialisable. Every kind of item has one readable text form,
used by the renderer and in prompts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

VEGETABLES: tuple[str, ...] = ("lettuce", "onion", "tomato")


@dataclass(frozen=True)
class Soup:
    """A soup that can be ordered: its ingredients, how long an order waits, its bonus."""

    name: str
    ingredients: tuple[str, ...]  # sorted, no repeats
    order_seconds: float
    bonus: int


# The four soups of the HLA testbed; humans use these names in chat.
SOUPS: dict[str, Soup] = {
    s.name: s
    for s in (
        Soup("alice", ("lettuce", "onion"), 60.0, 15),
        Soup("bob", ("lettuce", "tomato"), 60.0, 15),
        Soup("cathy", ("onion", "tomato"), 60.0, 15),
        Soup("david", ("lettuce", "onion", "tomato"), 70.0, 20),
    )
}

CHARRED = "charred"

# Item kinds.
VEGETABLE = "vegetable"  # fresh (maybe partly chopped) vegetable: vegetables=(veg,), chops=n
CHOPPED = "chopped"  # a set of chopped vegetables: vegetables=sorted tuple
PLATE = "plate"  # soup=None (clean), a soup name, or "charred"
EXTINGUISHER = "extinguisher"


class Item(NamedTuple):
    """One item: what a hand, a counter or a chopping board can hold."""

    kind: str
    vegetables: tuple[str, ...] = ()
    chops: int = 0
    soup: str | None = None

    def __str__(self) -> str:
        if self.kind == VEGETABLE:
            veg = self.vegetables[0]
            return f"{veg} (chopped {self.chops}x)" if self.chops else veg
        if self.kind == CHOPPED:
            return "chopped " + "+".join(self.vegetables)
        if self.kind == PLATE:
            return f"plate of {self.soup} soup" if self.soup else "plate"
        return self.kind

    def to_json(self) -> dict:
        out: dict = {"kind": self.kind}
        if self.vegetables:
            out["vegetables"] = list(self.vegetables)
        if self.chops:
            out["chops"] = self.chops
        if self.soup is not None:
            out["soup"] = self.soup
        return out

    @classmethod
    def from_json(cls, data: dict) -> Item:
        return cls(
            data["kind"],
            tuple(data.get("vegetables", ())),
            int(data.get("chops", 0)),
            data.get("soup"),
        )


def fresh(vegetable: str) -> Item:
    """A fresh vegetable as it comes out of its crate."""
    return FRESH[vegetable]


def chopped(*vegetables: str) -> Item:
    """A set of chopped vegetables."""
    return Item(CHOPPED, tuple(sorted(vegetables)))


FRESH: dict[str, Item] = {v: Item(VEGETABLE, (v,)) for v in VEGETABLES}
CLEAN_PLATE = Item(PLATE)
THE_EXTINGUISHER = Item(EXTINGUISHER)


def soup_of(vegetables: tuple[str, ...], soups: dict[str, Soup] = SOUPS) -> str | None:
    """The soup whose ingredients are exactly these (sorted) vegetables, if any."""
    for soup in soups.values():
        if soup.ingredients == vegetables:
            return soup.name
    return None


def combine(a: tuple[str, ...], b: tuple[str, ...], soups: dict[str, Soup] = SOUPS) -> tuple[str, ...] | None:
    """Union of two ingredient sets if it is still part of some recipe, else None.

    >>> combine(("lettuce",), ("tomato",))
    ('lettuce', 'tomato')
    >>> combine(("lettuce",), ("lettuce",)) is None  # no recipe has two lettuces
    True
    """
    if set(a) & set(b):
        return None
    union = tuple(sorted(a + b))
    for soup in soups.values():
        if set(union) <= set(soup.ingredients):
            return union
    return None
