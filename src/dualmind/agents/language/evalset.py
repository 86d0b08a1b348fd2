"""The language evaluation set: load it, and score an interpreter on it.

A case is correct when the kind matches and the macros (with counts) match exactly, in
any order; a question is correct when the kind is ``question`` and the reply names every
expected word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from dualmind.agents.intention import Intention
from dualmind.agents.language.context import Context, parse_last
from dualmind.agents.language.slots import normalise


@dataclass(frozen=True)
class Case:
    message: str
    context: Context
    expected: Intention
    keywords: tuple[str, ...] = ()
    line: int = 0


def load_cases(name: str = "heldout.txt") -> list[Case]:
    """The cases of a data file shipped in ``dualmind/agents/language/data``."""
    text = (resources.files("dualmind.agents.language") / "data" / name).read_text(encoding="utf-8")
    cases = []
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        left, _, expected = raw.partition(" => ")
        message, orders, last, cooking = (p.strip() for p in left.rsplit("|", 3))
        ctx = Context(tuple(o for o in orders.split(",") if o),
                      tuple(c for c in cooking.split(",") if c and c != "-"), parse_last(last))
        expected = expected.strip()
        keywords: tuple[str, ...] = ()
        if expected == "none":
            intention = Intention("none")
        else:
            kind, _, body = expected.partition(":")
            if kind == "question":
                keywords = tuple(body.replace("?", " ").split())
                intention = Intention("question")
            else:
                parsed = parse_last(body.replace(" x", "x"))
                intention = Intention(kind.strip(), parsed.steps if parsed else ())
        cases.append(Case(message.strip(), ctx, intention, keywords, n))
    return cases


def is_correct(case: Case, got: Intention) -> bool:
    if got.kind != case.expected.kind:
        return False
    if case.expected.kind == "question":
        reply = got.reply.lower()
        return all(word.lower() in reply for word in case.keywords)
    key = lambda s: (str(s.macro), -1 if s.count is None else s.count)  # noqa: E731
    return sorted(map(key, got.steps)) == sorted(map(key, case.expected.steps))


def template_pattern(template: str) -> re.Pattern | None:
    """A template as a regex over normalised text, each slot standing for one word; None
    for a template with no words of its own ("{soup} = ?", "...")."""
    text = " ".join(re.findall(r"[a-z0-9{}]+", normalise(template)))
    if not re.sub(r"\{[a-z]+\}", "", text).strip():
        return None
    parts = re.split(r"\{[a-z]+\}", text)
    return re.compile("^" + r"[a-z0-9]+".join(re.escape(p) for p in parts) + "$")


def normalised_words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", normalise(text)))
