"""The macro-action vocabulary: the closed set of things a mind may ask the body to do.

This module is the one place the vocabulary is defined. Every macro has a text form that
a model reads and writes, ``verb(argument)`` or a bare ``verb``:

================  ===========================================================================
macro             what the executor does
================  ===========================================================================
chop(V)           get a fresh V (hand, counter or crate), chop it on a free board, and put the
                  chopped V on a counter (preferring one the partner can also reach)
prepare(S)        gather chopped ingredients of soup S into one set and put it on a counter
cook(S)           get S's ingredients into a pot (combining them as needed) so S cooks
plate(S)          take a clean plate to a pot holding ready soup S; done holding the plate
serve(S)          deliver a plated S at the serving window (plating it first if needed)
fetch(X)          take X (tomato, lettuce, onion, plate, extinguisher) into an empty hand
pass              put what I hold on a counter my partner can reach
extinguish        carry the extinguisher to the burning pot and spray until the fire is out
clear             take a charred soup out of its pot with a plate and throw it in the bin
discard           throw what I hold in the bin
wait              stand still for a second, out of the partner's way
================  ===========================================================================

V is one of lettuce, onion, tomato; S one of alice, bob, cathy, david.

>>> parse_macro("Chop(Tomato)")
Macro(verb='chop', arg='tomato')
>>> str(parse_macro(" serve ( bob ) "))
'serve(bob)'
>>> parse_macro("fly(kite)")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
dualmind.agents.macros.MacroParseError: unknown macro verb 'fly'; macros are chop(V), prepare(S), ...
"""

from __future__ import annotations

import re
from typing import NamedTuple

from dualmind.errors import DualmindError
from dualmind.game.items import SOUPS, VEGETABLES


class MacroParseError(DualmindError):
    """Raised when text is not a macro of the vocabulary; the message says why."""


FETCHABLE = (*VEGETABLES, "plate", "extinguisher")

# verb -> the arguments it takes (None: takes no argument).
VERBS: dict[str, tuple[str, ...] | None] = {
    "chop": VEGETABLES,
    "prepare": tuple(SOUPS),
    "cook": tuple(SOUPS),
    "plate": tuple(SOUPS),
    "serve": tuple(SOUPS),
    "fetch": FETCHABLE,
    "pass": None,
    "extinguish": None,
    "clear": None,
    "discard": None,
    "wait": None,
}
_ARG_NAMES = {VEGETABLES: "V", tuple(SOUPS): "S", FETCHABLE: "X"}


class Macro(NamedTuple):
    """One macro action: a verb and, for most verbs, an argument."""

    verb: str
    arg: str | None = None

    def __str__(self) -> str:
        return self.verb if self.arg is None else f"{self.verb}({self.arg})"


def _signature(verb: str) -> str:
    args = VERBS[verb]
    return verb if args is None else f"{verb}({_ARG_NAMES[args]})"


VOCABULARY_HELP = ", ".join(_signature(v) for v in VERBS)
_FORM = re.compile(r"^\s*([a-z_]+)\s*(?:\(\s*([^()]*?)\s*\))?\s*$")


def parse_macro(text: str) -> Macro:
    """Parse one macro's text form; raise :class:`MacroParseError` naming the problem."""
    if not isinstance(text, str):
        raise MacroParseError(f"a macro is text, got {type(text).__name__}")
    if len(text) > 64:
        raise MacroParseError(f"too long for a macro ({len(text)} characters); "
                              f"macros are {VOCABULARY_HELP}")
    m = _FORM.match(text.lower())
    if not m:
        raise MacroParseError(f"{text[:40]!r} is not of the form verb or verb(argument); "
                              f"macros are {VOCABULARY_HELP}")
    verb, arg = m.group(1), m.group(2) or None
    if verb not in VERBS:
        raise MacroParseError(f"unknown macro verb {verb!r}; macros are {VOCABULARY_HELP}")
    allowed = VERBS[verb]
    if allowed is None:
        if arg is not None:
            raise MacroParseError(f"{verb} takes no argument, got {arg!r}")
        return Macro(verb)
    if arg is None:
        raise MacroParseError(f"{verb} needs an argument: one of {', '.join(allowed)}")
    if arg not in allowed:
        raise MacroParseError(f"{verb}({arg}) is not a macro; {verb} takes one of {', '.join(allowed)}")
    return Macro(verb, arg)


def all_macros() -> list[Macro]:
    """Every macro of the vocabulary (the set a constrained mind chooses from)."""
    out = []
    for verb, args in VERBS.items():
        out.extend([Macro(verb)] if args is None else [Macro(verb, a) for a in args])
    return out
