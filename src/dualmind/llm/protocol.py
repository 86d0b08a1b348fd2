"""The one protocol every language-model backend implements.

``complete(messages, constraint, timeout)`` returns a :class:`Completion` (the text, the
parsed value, latency and token counts) or raises a
:class:`~dualmind.errors.BackendError` subclass: ``BackendTimeout``,
``BackendUnavailable`` or ``BackendOutputError``. A constraint is either a fixed set of
choices (the answer is exactly one of them) or a JSON schema (the answer is an object
that satisfies it). Minds see only this protocol, so the same agent runs on a hosted API,
a local server or the embedded model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from dualmind.errors import BackendOutputError


@dataclass(frozen=True)
class Message:
    """One chat message to a model."""

    role: str  # "system", "user" or "assistant"
    content: str

    def to_json(self) -> dict:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class Choices:
    """The answer must be exactly one of these strings."""

    options: tuple[str, ...]


@dataclass(frozen=True)
class JsonSchema:
    """The answer must be a JSON value satisfying this (small) JSON schema."""

    schema: dict
    name: str = "answer"


Constraint = Choices | JsonSchema


@dataclass
class Completion:
    """A backend's answer."""

    text: str
    value: Any  # the chosen string for Choices, the parsed object for JsonSchema
    latency_s: float
    prompt_tokens: int = 0
    completion_tokens: int = 0
    backend: str = ""
    meta: dict = field(default_factory=dict)


class Backend(Protocol):
    """A language model. Implementations: one per file in :mod:`dualmind.llm`."""

    name: str

    def complete(self, messages: list[Message], constraint: Constraint,
                 timeout: float = 30.0) -> Completion:
        """Answer ``messages`` within ``constraint``; raise a BackendError on failure."""


def parse_answer(text: str, constraint: Constraint) -> Any:
    """Check raw model text against a constraint; raise BackendOutputError if it fails."""
    if isinstance(constraint, Choices):
        answer = text.strip().strip('"').strip()
        if answer in constraint.options:
            return answer
        # A JSON-wrapped choice ({"choice": "..."}) also counts.
        try:
            obj = json.loads(text)
        except (ValueError, TypeError):
            obj = None
        if isinstance(obj, dict) and len(obj) == 1:
            (value,) = obj.values()
            if value in constraint.options:
                return value
        raise BackendOutputError(f"answer {text[:80]!r} is not one of {list(constraint.options)[:12]}")
    try:
        value = json.loads(text)
    except (ValueError, TypeError):
        raise BackendOutputError(f"answer is not JSON: {text[:80]!r}") from None
    problem = schema_problem(value, constraint.schema)
    if problem:
        raise BackendOutputError(f"answer does not fit the schema: {problem}")
    return value


def schema_problem(value: Any, schema: dict, path: str = "$") -> str | None:
    """The first way ``value`` breaks ``schema`` (the subset of JSON Schema we use), or None."""
    kinds = schema.get("type")
    if isinstance(kinds, list):
        for k in kinds:
            if schema_problem(value, {**schema, "type": k}, path) is None:
                return None
        return f"{path}: expected one of types {kinds}"
    if "enum" in schema and value not in schema["enum"]:
        return f"{path}: {value!r} is not one of the allowed values"
    checks = {"object": dict, "array": list, "string": str, "boolean": bool}
    if kinds == "null":
        return None if value is None else f"{path}: expected null"
    if kinds == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            return f"{path}: expected an integer"
        if "minimum" in schema and value < schema["minimum"]:
            return f"{path}: below {schema['minimum']}"
        if "maximum" in schema and value > schema["maximum"]:
            return f"{path}: above {schema['maximum']}"
        return None
    if kinds in checks and not isinstance(value, checks[kinds]):
        return f"{path}: expected {kinds}"
    if kinds == "string" and "maxLength" in schema and len(value) > schema["maxLength"]:
        return f"{path}: longer than {schema['maxLength']}"
    if kinds == "object":
        for key in schema.get("required", ()):
            if key not in value:
                return f"{path}: missing {key!r}"
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                problem = schema_problem(value[key], sub, f"{path}.{key}")
                if problem:
                    return problem
    if kinds == "array":
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            return f"{path}: more than {schema['maxItems']} items"
        for i, item in enumerate(value):
            problem = schema_problem(item, schema.get("items", {}), f"{path}[{i}]")
            if problem:
                return problem
    return None
