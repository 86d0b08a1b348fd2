"""Prompt templates shipped as data (``prompts/*.txt``): chat turns, each opened by a
``### system|user|assistant`` line. The fixed turns (instructions, worked examples) come
first so llama.cpp reuses its cache; only the last turn has ``{fields}`` filled per call."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from dualmind.llm.protocol import Message


@cache
def template(name: str) -> tuple[tuple[str, str], ...]:
    """The (role, text) turns of ``prompts/<name>.txt``. ``"a+b"`` is template ``a`` with
    ``b`` added: b's system text after a's, b's examples before a's (so a's examples stay
    nearest the question and a's last turn, the one filled per call, stays last)."""
    if "+" in name:
        base, extra = (template(n) for n in name.split("+", 1))
        (role, system), *examples = base
        (_, more), *extra_examples = extra
        return ((role, f"{system}\n{more}"), *extra_examples, *examples)
    text = (resources.files("dualmind.agents.llm") / "prompts" / f"{name}.txt").read_text(encoding="utf-8")
    turns: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("### "):
            turns.append((line[4:].strip(), []))
        elif turns:
            turns[-1][1].append(line)
    return tuple((role, "\n".join(body).strip()) for role, body in turns)


def quote(text: str, limit: int = 300) -> str:
    """Chat text as it may appear inside a prompt: cut, one line, quotes escaped, and no
    chat-template markers (``<|im_start|>`` in a message must not open a new turn)."""
    text = text[:limit].replace("<|", "< |").replace("|>", "| >")
    return json.dumps(text, ensure_ascii=False)[1:-1]


def fill(name: str, **values: str) -> list[Message]:
    """The chat messages of template ``name``, its last turn's ``{fields}`` filled in."""
    turns = template(name)
    *fixed, (role, last) = turns
    return [Message(r, body) for r, body in fixed] + [Message(role, last.format(**values))]
