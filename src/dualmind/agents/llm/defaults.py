"""Which minds run when the user names none: the LLM minds when the ``models`` extra
(and llama-cpp-python) is installed, else the learned interpreter and the code fast mind,
with a one-line notice saying how to get the LLM minds."""

from __future__ import annotations

import sys
from functools import cache

from dualmind.llm.weights import INSTALL_HINT, models_installed


@cache
def llm_available() -> bool:
    return models_installed()


_noticed: list[bool] = []


def _notice() -> None:
    if not _noticed:
        _noticed.append(True)
        print(f"dualmind: the LLM minds are not installed; using the learned interpreter "
              f"(for the LLM minds: {INSTALL_HINT})", file=sys.stderr)


def default_slow(name: str | None) -> str:
    """``name``, or the slow mind's interpreter to use when none was given."""
    if name:
        return name
    if llm_available():
        return "llm"
    _notice()
    return "learned"


def default_fast_mind(name: str | None, slow: str | None = "llm") -> str:
    """``name``, or how the fast mind chooses when none was given: llm when the LLM minds
    are installed and the slow mind is the LLM too (a user who picks ``--backend rules``
    asked for no model), else code."""
    if name:
        return name
    return "llm" if llm_available() and slow == "llm" else "code"
