"""Who does what, read through the public readers: clauses without commas, the vegetables
as a whole, the label's own meaning, shorthand splits, prohibitions under "no request",
and the reply that says the human's part. Messages written for these tests (none is a
held-out message, a persona phrase or a training template)."""

from __future__ import annotations

import pytest

from dualmind.agents.language.context import Context
from dualmind.agents.language.coverage import ground
from dualmind.agents.language.interpreters import RulesInterpreter
from dualmind.agents.llm.slow import LLMSlowInterpreter
from dualmind.agents.macros import Macro
from dualmind.agents.minds import read_messages
from tests.agents.doubles import ScriptedBackend

ORDERS = Context(("alice", "bob", "cathy"))


def _steps(intention) -> list[tuple[str, int | None]]:
    return [(str(s.macro), s.count) for s in intention.steps]


def _slow(label: str) -> LLMSlowInterpreter:
    return LLMSlowInterpreter(ScriptedBackend({}, default=label))


@pytest.mark.parametrize("label", ["split", "assign"])
def test_a_new_subject_starts_a_clause_without_a_comma(label):
    # Read as one clause (actor: the agent), the agent cooked the two soups the human took.
    got = _slow(label).interpret("u take alice ill do bob and cathy", ORDERS).intention
    assert _steps(got) == [("cook(alice)", 1)]
    assert set(got.claims) == {Macro("cook", "bob"), Macro("cook", "cathy")}


def test_the_vegetables_as_a_whole_are_the_chopping():
    got = RulesInterpreter().interpret("i'll handle the veggies, pots are yours", ORDERS).intention
    assert got.claims == (Macro("chop"),)
    assert {s.macro.verb for s in got.steps} == {"cook"}


def test_the_label_assign_makes_the_agents_part_inferred():
    # ground() passes the label to the clause reader: its "assign -> infer" rule fires even
    # where the clauses name no claim of the human's.
    got = ground("assign", "you do alice and cathy", ORDERS)
    assert got.kind == "infer" and _steps(got) == [("cook(alice)", 1), ("cook(cathy)", 1)]


def test_a_split_in_shorthand_without_verbs_overrules_no_request():
    got = _slow("none").interpret("me: lettuce. you: tomatoes + onions", ORDERS)
    assert got.meta["overruled"] == "none" and got.intent == "split"
    assert _steps(got.intention) == [("chop(tomato)", 1), ("chop(onion)", 1)]
    assert got.intention.claims == (Macro("chop", "lettuce"),)
    # a question stays a question
    assert not _slow("none").interpret("me: lettuce? you: tomatoes?", ORDERS).intention.steps


def test_a_prohibition_read_as_no_request_still_holds():
    out = read_messages(_slow("none"), ["keep off the tomatoes"], ORDERS)
    assert out.intention is None and Macro("chop", "tomato") in out.avoid
    assert "leave tomato alone" in out.reply


@pytest.mark.parametrize("label", ["none", "urgent"])
def test_no_time_is_no_prohibition(label):
    # "no" refuses work only when work follows it: the urgent soup must not be forbidden.
    got = ground(label, "cathy has no time left!!", ORDERS)
    assert not got.avoid
    assert ground("none", "no more cathy please", ORDERS).avoid == (Macro("cook", "cathy"),)


def test_stop_the_fire_is_no_ban_on_the_extinguisher():
    assert not ground("chop", "stop that fire", ORDERS).avoid
    assert ground("none", "don't spray it", ORDERS).avoid == (Macro("extinguish"),)


def test_the_split_reply_names_what_the_human_claimed():
    # It named every order the agent was not cooking as the human's ("you do Alice and Bob
    # and Cathy") when the human had only claimed a vegetable.
    got = _slow("split").interpret("onions are mine, you do the tomatoes", ORDERS).intention
    assert got.reply.startswith("OK, you do the onions; I'll chop 1 tomato")
    soups = _slow("split").interpret("u take alice ill do bob and cathy", ORDERS).intention
    assert soups.reply == "OK, you do Bob and Cathy; I'll cook the Alice soup."
    # words that name no actor: the label alone says the human takes the soup named
    bare = _slow("split").interpret("dibs on alice", ORDERS).intention
    assert bare.reply == "OK, you do Alice; I'll cook the Bob soup, then cook the Cathy soup."


@pytest.mark.parametrize("message, veg", [
    ("we're short of onions, can you cut some?", "onion"),
    ("I'm running low on lettuce - chop some more?", "lettuce"),
    ("im out of tomatoes", "tomato"),
    ("missing an onion here, could you do one", "onion"),
])
@pytest.mark.parametrize("label", ["split", "chop"])
def test_saying_what_one_lacks_asks_for_it(message, veg, label):
    # "I'm short of X" was read as the speaker claiming X, and "can you chop some" after
    # it as every vegetable, for good (the asker's games on quick); so too when the LLM
    # labels it a split.
    rules = RulesInterpreter().interpret(message, ORDERS).intention
    llm = _slow(label).interpret(message, ORDERS).intention
    for got in (rules, llm):
        assert [str(s.macro) for s in got.steps] == [f"chop({veg})"], (label, got)
        assert got.steps[0].count is not None and not got.claims
    # Only a lack of something: "out of the way" asks for nothing; a part one takes stays.
    assert RulesInterpreter().interpret("I'm out of the way, go ahead", ORDERS).intention.steps == ()
    split = RulesInterpreter().interpret("I'll chop tomatoes, you chop some onions", ORDERS).intention
    assert split.claims == (Macro("chop", "tomato"),) and _steps(split)[0][0] == "chop(onion)"


@pytest.mark.parametrize("message", ["i'll deal with the fire", "im on the fire", "let me get that fire"])
def test_a_fire_the_speaker_takes_is_no_request(message):
    # It was read as "put out the fire" and answered "OK, I'll put out the fire".
    for got in (RulesInterpreter().interpret(message, ORDERS).intention,
                _slow("extinguish").interpret(message, ORDERS).intention):
        assert not got.steps and got.claims == (Macro("extinguish"),), got
    assert _steps(ground("extinguish", "fire, deal with it pls", ORDERS)) == [("extinguish", 1)]


@pytest.mark.parametrize("label", ["none", "serve"])
def test_a_redirection_read_as_no_request_keeps_its_new_direction(label):
    # "no request" kept the ban on Bob and dropped the Alice it was asked for instead.
    got = ground("none", "forget the bob, do alice instead", ORDERS)
    assert _steps(got) == [("cook(alice)", 1)] and got.avoid == (Macro("cook", "bob"),)
    got = ground(label, "never mind the onions, cut tomato instead", ORDERS)
    assert _steps(got) == [("chop(tomato)", 1)] and Macro("chop", "onion") in got.avoid


def test_a_division_of_roles_read_as_no_request_is_one():
    got = ground("none", "you're on pots, I'm on prep", ORDERS)
    assert got.claims == (Macro("chop"),) and {s.macro.verb for s in got.steps} == {"cook"}
    # thanks that name work are still no request
    assert not ground("none", "nice, you did the alice and I did bob", ORDERS).steps


def test_a_stop_that_names_new_work_is_that_work():
    # The 1.5B labelled both "stop": the agent stopped and did neither.
    cooking = Context(("alice", "bob"), ("bob",))
    got = _slow("stop").interpret("stop what you're doing and serve bob", cooking).intention
    assert _steps(got) == [("serve(bob)", 1)]
    got = _slow("stop").interpret("you should focus on cathy orders", ORDERS).intention
    assert _steps(got) == [("cook(cathy)", 1)]
    plain = _slow("stop").interpret("stop chopping onions", ORDERS).intention
    assert not plain.steps and plain.reply.startswith("OK")


def test_fetching_the_extinguisher_for_a_fire_is_putting_it_out():
    got = _slow("bring").interpret("uh oh, fire! can you grab the extinguisher?", ORDERS).intention
    assert _steps(got) == [("extinguish", 1)]
    got = _slow("bring").interpret("bring me the extinguisher", ORDERS).intention
    assert _steps(got) == [("fetch(extinguisher)", 1), ("pass", 1)]
