"""Chat in voices the readers were not worked on (typos, emoji, conditions, slips taken
back, questions of how things stand, refusals with scope), read through the public
readers. Messages written by hand for these tests (none is a held-out message, a persona
phrase or a training template)."""

from __future__ import annotations

import pytest

from dualmind.agents.language.context import Context
from dualmind.agents.language.coverage import ground
from dualmind.agents.language.interpreters import LearnedInterpreter, RulesInterpreter
from dualmind.agents.language.slots import tidy
from dualmind.agents.macros import Macro

ORDERS = Context(("alice", "bob", "cathy", "david"))


def cooking(*soups: str) -> Context:
    return Context(("alice", "bob", "cathy", "david"), soups)


@pytest.fixture(scope="module")
def learned():
    return LearnedInterpreter()


def _steps(intention) -> list[tuple[str, int | None]]:
    return sorted((str(s.macro), s.count) for s in intention.steps)


@pytest.mark.parametrize("message, steps", [
    ("serv the cathy", [("serve(cathy)", 1)]),  # a verb misspelt
    ("cok the davd", [("cook(david)", 1)]),  # a letter dropped from a four-letter word
    ("delivr bob", [("serve(bob)", 1)]),
    ("need 2 🧅", [("chop(onion)", 2)]),  # a vegetable drawn
    ("chop2onions", [("chop(onion)", 2)]),  # no spaces
])
def test_misspelt_drawn_and_run_together_words_are_read(message, steps):
    # All five were "no request" to the rules reader ("need 2 🧅": the open orders).
    got = RulesInterpreter().interpret(message, cooking("bob", "cathy")).intention
    assert _steps(got) == steps


def test_tidying_leaves_real_words_alone():
    # "served" is the past of "serve", not a typo of it ("served the bob" is a report);
    # "stat" and "boi" are words of their own.
    for message in ("served the bob", "chop onions stat", "lol boi", "sliced it"):
        assert tidy(message) == message


def test_the_agent_named_first_is_dropped_for_every_reader():
    # The 1.5B read "agent, chop tomatoes", "robot pls cut 2 onions" and "Agent: could you
    # cut lettuce pls" as no request; every reader (its prompt too) reads the cleaned text.
    from dualmind.agents.language.features import clean

    assert clean("Agent: could you cut lettuce pls") == "could you cut lettuce pls"
    assert tidy("hey bot cook cathy") == "cook cathy"
    assert tidy("robot pls cut 2 onions") == "pls cut 2 onions"
    assert tidy("bob is done, serve it") == "bob is done, serve it"


@pytest.mark.parametrize("message, label, steps", [
    ("chop 2 onions, no wait, 3", "chop", [("chop(onion)", 3)]),
    ("cut one onion... make it two", "chop", [("chop(onion)", 2)]),
    ("cook bob... actually no, cook cathy", "cook", [("cook(cathy)", 1)]),
    ("serve alice, er, I mean david", "serve", [("serve(david)", 1)]),
    ("chop tomatoes, sorry i mean lettuce", "chop", [("chop(lettuce)", 1)]),
])
def test_a_slip_taken_back_is_replaced_by_what_follows(message, label, steps):
    # Read as both requests (cook bob and cathy), or the first count kept.
    assert _steps(ground(label, message, cooking("alice", "david"))) == steps


def test_a_new_clause_after_actually_is_no_slip():
    got = ground("chop", "chop onions, actually i'll cook bob", ORDERS)
    assert _steps(got) == [("chop(onion)", 1)] and got.claims == (Macro("cook", "bob"),)


@pytest.mark.parametrize("message, label, ctx, steps", [
    ("when the cathy is done serve it", "serve", cooking("cathy"), [("serve(cathy)", 1)]),
    ("if bob is ready take it out", "serve", cooking("bob"), [("serve(bob)", 1)]),
    ("after the bob do cathy", "cook", cooking("bob"), [("cook(cathy)", 1)]),
    ("BOB IS DONE SERVE IT", "serve", cooking("bob"), [("serve(bob)", 1)]),
    ("if it's not too much trouble, an onion please", "chop", ORDERS, [("chop(onion)", 1)]),
])
def test_a_condition_waits_for_a_state_and_asks_for_nothing(message, label, ctx, steps):
    # The soup waited for was cooked too ("after the bob do cathy": a second Bob), or the
    # condition's "not" forbade the onion asked for.
    got = ground(label, message, ctx)
    assert _steps(got) == steps and not got.avoid


@pytest.mark.parametrize("message, ctx, words", [
    ("is alice cooking yet", ORDERS, ["No Alice"]),
    ("is the bob done?", cooking("bob"), ["Bob soup is in a pot"]),
    ("are the pots free?", ORDERS, ["Nothing"]),
    ("are there any orders left?", ORDERS, ["Open orders", "David"]),
    ("is bob lettuce and tomato?", ORDERS, ["lettuce + tomato"]),
])
def test_a_question_of_how_things_stand_is_answered(learned, message, ctx, words):
    # "is alice cooking yet" was "cook alice" (a second Alice), "is the bob done?" a recipe.
    for reader in (learned, RulesInterpreter()):
        got = reader.interpret(message, ctx).intention
        assert got.kind == "question" and all(w in got.reply for w in words), (reader.name, got)


def test_a_question_followed_by_a_request_keeps_the_request():
    assert _steps(ground("serve", "is bob done? serve it", cooking("bob"))) == [("serve(bob)", 1)]


@pytest.mark.parametrize("message", ["letuce plz", "onion!!!", "can someone cut onions",
                                     "CHOP ONIONS NOW!!!"])
def test_a_chop_with_no_standing_word_is_one_chop(learned, message):
    # The learned head said "keep" to all four, and the agent chopped for good.
    got = learned.interpret(message, ORDERS).intention
    assert got.kind == "short" and len(got.steps) == 1 and got.steps[0].count == 1


def test_a_standing_word_or_a_division_still_makes_a_standing_order():
    assert _steps(ground("keep", "keep cutting onions", ORDERS)) == [("chop(onion)", None)]
    got = ground("keep", "I've got lettuce covered, you do the tomatoes and onions", ORDERS)
    assert _steps(got) == [("chop(onion)", None), ("chop(tomato)", None)]


def test_a_refusal_covers_only_what_it_names():
    # "cook alice not bob" forbade both; "not the tomatoes, the onions" banned the onions too.
    got = ground("cook", "cook alice not bob", ORDERS)
    assert _steps(got) == [("cook(alice)", 1)] and got.avoid == (Macro("cook", "bob"),)
    got = ground("chop", "not the tomatoes, the onions", ORDERS)
    assert _steps(got) == [("chop(onion)", 1)] and Macro("chop", "onion") not in got.avoid


def test_a_slip_of_the_message_before_is_taken_back():
    # "srry i mean tomatoes not onions" was the speaker's own ("i"), asking nothing.
    got = ground("chop", "srry i mean tomatoes not onions", ORDERS)
    assert _steps(got) == [("chop(tomato)", 1)] and Macro("chop", "onion") in got.avoid
    got = ground("chop", "nah not onions, tomato", ORDERS)
    assert _steps(got) == [("chop(tomato)", 1)] and Macro("chop", "tomato") not in got.avoid


def test_a_division_without_commas_is_read():
    # "u chop i cook" was no request to the learned head and "cook alice" to the rules.
    got = ground("none", "u chop i cook", ORDERS)
    assert {s.macro.verb for s in got.steps} == {"chop"} and got.claims == (Macro("cook"),)


def test_work_the_speaker_has_done_is_no_claim():
    got = ground("chop", "i already chopped the lettuce, u do onion", ORDERS)
    assert _steps(got) == [("chop(onion)", 1)] and not got.claims


@pytest.mark.parametrize("message, steps", [
    ("I need like five tomatoes", [("chop(tomato)", 5)]),  # "need" read as a question
    ("make for me one lettuce", [("chop(lettuce)", 1)]),  # "make" read as cook alice
    ("AI, do david", [("cook(david)", 1)]),  # no cue word: nothing
    ("a pair of tomatoes please", [("chop(tomato)", 2)]),
])
def test_the_rules_reader_reads_plain_requests(message, steps):
    assert _steps(RulesInterpreter().interpret(message, ORDERS).intention) == steps

