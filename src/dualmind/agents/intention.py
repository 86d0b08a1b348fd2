"""Intentions: what a mind (or a human's message) wants done for the next while.

An intention is a kind of message and an ordered list of macro actions with counts; a
count of ``None`` is a standing order ("keep chopping lettuce") that holds until the
next instruction. Its JSON form is the contract of ``dualmind interpret --json``.
"""

from __future__ import annotations

from dataclasses import dataclass

from dualmind.agents.macros import Macro, parse_macro

KINDS = ("none", "short", "long", "infer", "question")


@dataclass(frozen=True)
class Step:
    """One macro of an intention, to be done ``count`` times (None: until told otherwise)."""

    macro: Macro
    count: int | None = 1

    def to_json(self) -> dict:
        return {"macro": str(self.macro), "count": self.count}


@dataclass(frozen=True)
class Intention:
    """A structured intention: kind, steps, and an optional chat reply."""

    kind: str = "none"
    steps: tuple[Step, ...] = ()
    reply: str = ""
    claims: tuple[Macro, ...] = ()
    """What the human said they will do themselves ("I'll do the alice soup": cook(alice));
    a bare verb (``Macro("cook")``) claims that kind of work on every soup."""
    avoid: tuple[Macro, ...] = ()
    """What the agent was told not to do ("don't touch the tomatoes": chop(tomato))."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"intention kind must be one of {', '.join(KINDS)}, got {self.kind!r}")

    @property
    def standing(self) -> bool:
        return any(s.count is None for s in self.steps)

    def to_json(self) -> dict:
        out = {"kind": self.kind, "macros": [s.to_json() for s in self.steps], "reply": self.reply}
        if self.claims:  # only when said, so the plain contract keeps its three keys
            out["claims"] = [str(m) for m in self.claims]
        if self.avoid:
            out["avoid"] = [str(m) for m in self.avoid]
        return out

    @classmethod
    def from_json(cls, data: dict) -> Intention:
        steps = tuple(Step(parse_macro(m["macro"]), m.get("count")) for m in data.get("macros", ()))
        return cls(data.get("kind", "none"), steps, data.get("reply", ""),
                   tuple(_loose(m) for m in data.get("claims", ())),
                   tuple(_loose(m) for m in data.get("avoid", ())))


def _loose(text: str) -> Macro:
    """A claim or prohibition: a macro, or a bare verb standing for all its arguments."""
    text = text.strip().lower()
    return Macro(text) if "(" not in text else parse_macro(text)
