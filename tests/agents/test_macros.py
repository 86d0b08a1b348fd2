"""The macro vocabulary: every macro round-trips through its text form; nothing else parses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dualmind.agents.intention import Intention, Step
from dualmind.agents.macros import Macro, MacroParseError, all_macros, parse_macro


def test_every_macro_round_trips():
    macros = all_macros()
    assert len(macros) == 3 + 4 * 4 + 5 + 5  # chop, prepare/cook/plate/serve, fetch, bare verbs
    for m in macros:
        assert parse_macro(str(m)) == m


@pytest.mark.parametrize("text,reason", [
    ("chop(steak)", "chop takes one of lettuce, onion, tomato"),
    ("chop", "chop needs an argument"),
    ("wait(5)", "wait takes no argument"),
    ("dance", "unknown macro verb 'dance'"),
    ("chop(tomato); serve(bob)", "not of the form"),
    ("", "not of the form"),
    ("x" * 100, "too long"),
])
def test_bad_text_is_rejected_with_a_reason(text, reason):
    with pytest.raises(MacroParseError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        parse_macro(text)


def test_non_text_is_rejected():
    with pytest.raises(MacroParseError):
        parse_macro(b"chop(tomato)")  # type: ignore[arg-type]


@given(st.text(max_size=30))
def test_parser_returns_a_vocabulary_macro_or_raises(text):
    try:
        m = parse_macro(text)
    except MacroParseError:
        return
    assert m in all_macros()


def test_intention_json_contract():
    i = Intention("long", (Step(Macro("chop", "lettuce"), None),))
    data = i.to_json()
    assert data == {"kind": "long", "macros": [{"macro": "chop(lettuce)", "count": None}], "reply": ""}
    assert Intention.from_json(data) == i
    with pytest.raises(ValueError, match="kind must be one of"):
        Intention("shouting")
