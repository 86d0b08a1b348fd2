"""Test doubles for the minds: a scripted model and partners that say fixed things."""

from __future__ import annotations

from dualmind.errors import BackendUnavailable
from dualmind.llm.protocol import Completion
from dualmind.runtime.agent import Decision


class ScriptedBackend:
    """A deterministic model: answers by looking the last user message up in a table."""

    name = "scripted"

    def __init__(self, table: dict[str, str], default: str = "none", fail: bool = False):
        self.table, self.default, self.fail = table, default, fail
        self.calls = 0

    def complete(self, messages, constraint, timeout=30.0):
        self.calls += 1
        if self.fail:
            raise BackendUnavailable("HTTP 500 (on purpose)")
        text = messages[-1].content
        answer = next((v for k, v in self.table.items() if k in text), self.default)
        return Completion(answer, answer, 0.001, 10, 1, backend=self.name)


class Sayer:
    """A partner that stands still and says ``lines`` at the given ticks."""

    def __init__(self, lines: dict[int, str], name: str = "sayer"):
        self.lines, self.name = lines, name

    def reset(self, kitchen, me, seed):
        pass

    def act(self, state):
        return Decision("stay", self.lines.get(state.tick))
