"""Words that tell rather than ask, words that end work, and words that name the other verb,
read through the public readers. Messages written by hand for these tests (none is a
held-out message, a persona phrase or a training template)."""

from __future__ import annotations

import pytest

from dualmind.agents.intention import Intention, Step
from dualmind.agents.language.context import Context
from dualmind.agents.language.coverage import ground
from dualmind.agents.language.interpreters import LearnedInterpreter, RulesInterpreter
from dualmind.agents.macros import Macro

ORDERS = Context(("alice", "bob", "cathy", "david"))


@pytest.fixture(scope="module")
def learned():
    return LearnedInterpreter()


def _steps(intention) -> list[tuple[str, int | None]]:
    return [(str(s.macro), s.count) for s in intention.steps]


@pytest.mark.parametrize("label", ["cook", "keep", "chop"])
@pytest.mark.parametrize("message", ["bob is in the pot", "onions done, on the counter for you",
                                     "ok the david's cooking", "tomatoes chopped"])
def test_a_report_of_the_state_of_things_asks_for_nothing(message, label):
    # "bob is in the pot" was read as "cook bob": a second Bob nobody ordered.
    assert ground(label, message, ORDERS).steps == ()


def test_a_report_still_lends_its_soup_to_a_pronoun():
    cooking = Context(("alice", "bob"), ("bob",))
    assert _steps(ground("serve", "bob's ready, take it", cooking)) == [("serve(bob)", 1)]
    # a request with the same words is still a request
    assert _steps(ground("chop", "tomatoes chopped asap", ORDERS)) == [("chop(tomato)", 1)]
    got = ground("cook", "the cathy is cooking now, no need to start another", ORDERS)
    assert got.steps == () and got.avoid == (Macro("cook", "cathy"),)


@pytest.mark.parametrize("label", ["keep", "chop", "none"])
@pytest.mark.parametrize("message, veg", [("enough lettuce", "lettuce"),
                                          ("that's plenty of onion thanks", "onion"),
                                          ("please stop, you're making too many tomatoes", "tomato")])
def test_having_enough_ends_the_chopping(message, veg, label):
    # All three were read as "keep chopping" by the learned head's label.
    got = ground(label, message, ORDERS)
    assert got.steps == () and Macro("chop", veg) in got.avoid


def test_not_having_enough_asks_for_more():
    got = RulesInterpreter().interpret("not enough onions here", ORDERS).intention
    assert _steps(got) == [("chop(onion)", 1)] and not got.avoid


def test_the_verb_in_the_words_wins_over_the_label():
    cooking = Context(("alice", "bob"), ("bob",))
    assert _steps(ground("cook", "take the bob out of the pot when it's done", cooking)) == \
        [("serve(bob)", 1)]
    # a request that opens as one is no question, whatever the label ...
    assert _steps(ground("orders", "could you get the next order started", ORDERS)) == [("cook(alice)", 1)]
    assert _steps(ground("orders", "start whatever's oldest", ORDERS)) == [("cook(alice)", 1)]
    # ... but a question stays one
    assert ground("orders", "what are we making", ORDERS).kind == "question"
    assert ground("orders", "tell me what to cook next", ORDERS).kind == "question"


def test_chopping_for_the_soup_before_is_its_vegetables_once_each():
    got = RulesInterpreter().interpret("I'll cook david, could you prep its veggies", ORDERS).intention
    assert sorted(_steps(got)) == [("chop(lettuce)", 1), ("chop(onion)", 1), ("chop(tomato)", 1)]
    assert got.claims == (Macro("cook", "david"),)


def test_the_rest_after_a_shorthand_owner_is_theirs():
    got = ground("keep", "your job: lettuce. mine: everything else", ORDERS)
    assert _steps(got) == [("chop(lettuce)", None)]


def test_never_empty_is_no_ban():
    assert not ground("cook", "can you make sure the pots are never empty", ORDERS).avoid


def test_slang_for_tomatoes():
    assert _steps(RulesInterpreter().interpret("yo chop the toms", ORDERS).intention) == [("chop(tomato)", 1)]


@pytest.mark.parametrize("label", ["clear", "discard"])
def test_throwing_away_needs_words_that_say_so(label):
    # The 1.5B labelled "take the bob out of the pot when it's done" clear (it answered
    # "I'll empty the burnt pot") and "oops dropped it" discard (the agent threw away what
    # it held).
    cooking = Context(("alice", "bob"), ("bob",))
    assert _steps(ground(label, "take the bob out of the pot when it's done", cooking)) == [("serve(bob)", 1)]
    assert ground(label, "oops dropped it", cooking).steps == ()
    assert _steps(ground("discard", "bin that burnt soup", cooking)) == [("discard", 1)]
    assert _steps(ground("clear", "the pot is charred, clear it", cooking)) == [("clear", 1)]


def test_an_errand_the_speaker_takes_is_not_the_agents():
    assert ground("bring", "I'll grab plates", ORDERS).steps == ()
    assert ground("bring", "lemme fetch the extinguisher", ORDERS).steps == ()
    assert _steps(ground("bring", "can I get a plate", ORDERS)) == [("fetch(plate)", 1), ("pass", 1)]


def test_a_soup_given_to_the_agent_is_no_split_whatever_the_label():
    # The split label gave the named soup to the human and all the others to the agent.
    assert _steps(ground("split", "lets both work on david", ORDERS)) == [("cook(david)", 1)]
    assert _steps(ground("split", "you do alice", ORDERS)) == [("cook(alice)", 1)]
    # words that name no actor: the label says the human takes it
    assert ("cook(alice)", 1) not in _steps(ground("split", "dibs on alice", ORDERS))


@pytest.mark.parametrize("message, steps, claims", [
    ("u do bob ok?", [("cook(bob)", 1)], []),
    ("you should focus on cathy orders", [("cook(cathy)", 1)], []),
    ("cathy = me", [], ["cook(cathy)"]),
    ("you did the bob nicely", [], []),
    ("who is doing bob?", [], []),
])
def test_when_unsure_of_the_gist_who_is_named_with_what_decides(learned, message, steps, claims):
    # Below the head's confidence threshold every one of these was "no request".
    got = learned.interpret(message, ORDERS).intention
    assert _steps(got) == steps and [str(m) for m in got.claims] == claims


def test_focus_on_chopping_is_the_chopping_the_orders_need():
    got = ground("keep", "focus on chopping", Context(("bob",)))
    assert _steps(got) == [("chop(lettuce)", None), ("chop(tomato)", None)]


@pytest.mark.parametrize("label", ["split", "recipe", "cook"])
def test_asking_who_does_what_is_answered_from_the_plan(label):
    # "are you doing bob?" was read as a split (the agent cooked every other soup) and
    # "who's doing bob?" answered with Bob's recipe.
    on_cathy = Context(("alice", "bob", "cathy"), last=Intention("short", (Step(Macro("cook", "cathy")),)))
    got = ground(label, "are you doing bob?", on_cathy)
    assert got.kind == "question" and not got.steps
    assert got.reply == "Not me: I'm on the Cathy soup. Say so if you want me on Bob."
    assert ground(label, "who's on cathy?", on_cathy).reply == "Yes, I'm on the Cathy soup."
    assert ground(label, "r u making alice?", ORDERS).reply.startswith("Not me: I'm on the open orders")


def test_shorthand_divisions_of_the_work():
    # Each was read wrong before: both soups cooked ("for me" was read as a request), a
    # recipe recited, no request, and every soup but Bob cooked.
    got = ground("assign", "Bob for you pls, Alice for me", ORDERS)
    assert _steps(got) == [("cook(bob)", 1)] and got.claims == (Macro("cook", "alice"),)
    got = ground("recipe", "doing Alice, need tomatoes from u", ORDERS)
    assert _steps(got) == [("chop(tomato)", 1)] and got.claims == (Macro("cook", "alice"),)
    assert ground("recipe", "doing what for Alice?", ORDERS).kind == "question"
    got = ground("split", "I'll do tomatoes for Bob, you do the pot", ORDERS)
    assert _steps(got) == [("cook(bob)", 1)] and got.claims == (Macro("chop", "tomato"),)


def test_unsure_of_the_gist_a_part_each_is_a_split(learned):
    got = learned.interpret("can u prep tomatoes? I got the Alice pot", ORDERS).intention
    assert _steps(got) == [("chop(tomato)", 1)] and got.claims == (Macro("cook", "alice"),)


# The messages written by hand each round to find misreadings. The readers were fixed on
# them, so these floors guard against regressions; they do not measure generalisation.
# Before the fixes (learned, rules): dev_s8 69 and 61 of 94; dev_s9 (the human telling how
# their own soup stands) 10 and 13 of 24; dev_s9b (typos, emoji, conditions, slips taken
# back, questions about state; four batches, each written before the readers ran on it)
# 100 and 100 of 153.
@pytest.mark.parametrize("name, size, learned_least, rules_least", [
    ("dev_s8.txt", 94, 93, 80),
    ("dev_s9.txt", 24, 23, 24),
    ("dev_s9b.txt", 153, 148, 147),
])
def test_the_hand_written_dev_messages_are_read_right(learned, name, size, learned_least, rules_least):
    from dualmind.agents.language.evalset import is_correct, load_cases

    cases = load_cases(name)
    assert len(cases) == size
    for reader, least in ((learned, learned_least), (RulesInterpreter(), rules_least)):
        right = sum(is_correct(c, reader.interpret(c.message, c.context).intention) for c in cases)
        assert right >= least, (name, reader.name, right)


def test_the_reply_to_fetch_an_onion_says_an():
    # "On it: I'll get a onion, then hand it to you."
    from dualmind.agents.minds import describe_step

    assert describe_step(Step(Macro("fetch", "onion"))) == "get an onion"
    assert describe_step(Step(Macro("fetch", "tomato"))) == "get a tomato"


def test_the_human_telling_how_their_soup_stands_asks_for_nothing(learned):
    # "started the david" read as "cook David": the agent made a second one.
    for reader in (learned, RulesInterpreter()):
        for message in ("started the david", "alice cooking now", "my alice is in",
                        "the cathy is on the heat", "pot's full, bob cooking"):
            got = reader.interpret(message, ORDERS).intention
            assert not got.steps, (reader.name, message, got)
        # told, then asked: the asking still counts
        got = reader.interpret("bob is in, do me a lettuce", ORDERS).intention
        assert _steps(got) == [("chop(lettuce)", 1)], (reader.name, got)
        assert _steps(reader.interpret("start the david", ORDERS).intention) == [("cook(david)", 1)]

