"""Slots from a message: vegetables, soups, counts, order positions.

Rules, not a model: the words are few and closed, and a rule is exact where a model
would guess. Typos are forgiven by edit distance; a few other languages are covered by
their words for the vegetables and the small numbers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

VEGETABLE_WORDS = {
    "tomato": ("tomato", "tomatoes", "tomatos", "tomatoe", "tomate", "tomates", "tomaten", "tomatoe"),
    "lettuce": ("lettuce", "lettuces", "salad", "lechuga", "lechugas", "laitue", "laitues", "salat"),
    "onion": ("onion", "onions", "cebolla", "cebollas", "oignon", "oignons", "zwiebel", "zwiebeln"),
}
SOUP_WORDS = {"alice": ("alice",), "bob": ("bob", "bobs"), "cathy": ("cathy", "cathys"),
              "david": ("david", "davids")}
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "couple": 2, "few": 3,
    "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4,
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4,
    "eins": 1, "ein": 1, "eine": 1, "zwei": 2, "drei": 3, "vier": 4,
}
ORDINALS = {"first": 0, "1st": 0, "oldest": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2,
            "last": -1, "newest": -1}


@dataclass(frozen=True)
class Slots:
    """What the message names, if anything."""

    vegetables: tuple[str, ...] = ()
    soups: tuple[str, ...] = ()
    count: int | None = None
    ordinal: int | None = None  # index into the open orders (-1 = last)


def normalise(text: str) -> str:
    """Lower case, accents folded, for matching."""
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if not unicodedata.combining(c)).lower()


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", normalise(text))


def _close(word: str, target: str) -> bool:
    """Equal, or one edit apart for words long enough that a typo is likely a typo."""
    if word == target:
        return True
    if min(len(word), len(target)) < 5 or abs(len(word) - len(target)) > 1:
        return False
    # One insertion, deletion, substitution or adjacent swap.
    if len(word) == len(target):
        diff = [i for i, (a, b) in enumerate(zip(word, target, strict=True)) if a != b]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and word[diff[0]] == target[diff[1]]
                                  and word[diff[1]] == target[diff[0]])
    short, long_ = sorted((word, target), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _match(word: str, table: dict[str, tuple[str, ...]]) -> str | None:
    for name, forms in table.items():
        if any(_close(word, f) for f in forms):
            return name
    return None


def _soup(word: str) -> str | None:
    if word.startswith("bob") and len(word) <= 5:  # "bobb", "bobby": too short for edit distance
        return "bob"
    return _match(word, SOUP_WORDS)


def extract(text: str) -> Slots:
    """All slots of a message, in the order they appear."""
    vegs: list[str] = []
    soups: list[str] = []
    count = ordinal = None
    tokens = words(text[:2000])  # a 100 KB message is read no further than this
    for i, w in enumerate(tokens):
        veg = _match(w, VEGETABLE_WORDS)
        if veg and veg not in vegs:
            vegs.append(veg)
            continue
        soup = _soup(w)
        if soup and soup not in soups:
            soups.append(soup)
            continue
        if count is None:
            if w.isdigit() and 0 < int(w) < 20:
                count = int(w)
            elif w in NUMBER_WORDS:
                count = NUMBER_WORDS[w]
            elif w in ("a", "an") and i + 1 < len(tokens) and _match(tokens[i + 1], VEGETABLE_WORDS):
                count = 1
        if ordinal is None and w in ORDINALS:
            ordinal = ORDINALS[w]
    return Slots(tuple(vegs), tuple(soups), count, ordinal)
