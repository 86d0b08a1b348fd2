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

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"intention kind must be one of {', '.join(KINDS)}, got {self.kind!r}")

    @property
    def standing(self) -> bool:
        return any(s.count is None for s in self.steps)

    def to_json(self) -> dict:
        return {"kind": self.kind, "macros": [s.to_json() for s in self.steps], "reply": self.reply}

    @classmethod
    def from_json(cls, data: dict) -> Intention:
        steps = tuple(Step(parse_macro(m["macro"]), m.get("count")) for m in data.get("macros", ()))
        return cls(data.get("kind", "none"), steps, data.get("reply", ""))
