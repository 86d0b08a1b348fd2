"""The rules reader (HLA's fast mind): what it reads a plain request as."""

from __future__ import annotations

from dualmind.agents.intention import Step
from dualmind.agents.language import interpreters
from dualmind.agents.language.context import Context
from dualmind.agents.language.interpreters import RulesInterpreter
from dualmind.agents.macros import Macro


def test_a_vegetable_to_chop_for_the_speakers_soup_is_a_chop(monkeypatch):
    # "for my soup" names no soup: the word "soup" alone does not make it a cook request
    # (read as one, the fast mind sent the agent to cook a soup with tomato in it).
    rules, ctx = RulesInterpreter(), Context(("bob", "cathy", "david"))
    for text, veg in (("could you cut a tomato for my soup", "tomato"),
                      ("chop an onion for the soup please", "onion")):
        got = rules.interpret(text, ctx)
        assert got.intent == "chop" and got.intention.steps == (Step(Macro("chop", veg), 1),), text
    # With a cooking word, or a soup named, it is read as before.
    assert rules.classify("chop a tomato and make the soup") == "cook"
    assert rules.interpret("cut a tomato for the bob soup", ctx).intention.steps == (
        Step(Macro("chop", "tomato"), 1),)
    monkeypatch.setattr(interpreters, "_COOKING", interpreters.re.compile(""))  # the rule off
    assert rules.classify("could you cut a tomato for my soup") == "cook"
