"""Who does what in chat shorthand without commas ("me david u cathy").

Messages written for these tests, in no persona's phrase bank: an outside user's persona
said "me alice u bob" and the agent cooked both soups (one clause, actor "u"), and "take
bob im on alice" made both soups the human's (one clause, actor "im").
"""

from __future__ import annotations

import pytest

from dualmind.agents.language.context import Context
from dualmind.agents.language.resolve import resolve_roles
from dualmind.agents.language.slots import clauses

ORDERS = Context(("alice", "bob", "cathy", "david"), ())

# message -> (the agent's steps, the human's claims)
SHORTHAND = {
    "me david u cathy": ({"cook(cathy)"}, {"cook(david)"}),
    "u cathy me david ok": ({"cook(cathy)"}, {"cook(david)"}),
    "ill make bob u handle david": ({"cook(david)"}, {"cook(bob)"}),
    "grab cathy im on bob": ({"cook(cathy)"}, {"cook(bob)"}),
    "cut lettuce pls im doing david": ({"chop(lettuce)"}, {"cook(david)"}),
    # the actor after its object: "david me, alice u"
    "david me alice u": ({"cook(alice)"}, {"cook(david)"}),
    "alice is mine you take david": ({"cook(david)"}, {"cook(alice)"}),
    "cathy pot urs i cut": ({"cook(cathy)"}, {"chop"}),
    # a dropped "I": the speaker's own limit or plan, not a prohibition or an order
    "cant do david can you take it": ({"cook(david)"}, set()),
    "gonna make the bob soup": (set(), {"cook(bob)"}),
}


def _reading(message: str) -> tuple[set[str], set[str], set[str]]:
    got = resolve_roles(clauses(message), ORDERS)
    assert got is not None, message
    return ({str(s.macro) for s in got.steps}, {str(m) for m in got.claims},
            {str(m) for m in got.avoid})


@pytest.mark.parametrize("message", sorted(SHORTHAND))
def test_shorthand_without_commas_is_cut_where_the_actor_changes(message):
    from dualmind.partners.persona import BUILTIN, load_persona

    banks = {p for name in BUILTIN for ps in load_persona(name).phrases.values() for p in ps}
    assert all(message not in p.lower() for p in banks)
    steps, claims, avoid = _reading(message)
    assert (steps, claims) == SHORTHAND[message]
    assert not avoid


@pytest.mark.parametrize("message, chops", [
    ("can you chop one onion for me", {"chop(onion)"}),
    ("u chop 2 tomatoes for me and 1 onion", {"chop(tomato)", "chop(onion)"}),
    ("give me 2 chopped onions", {"chop(onion)"}),
])
def test_me_as_an_object_does_not_cut_a_request(message, chops):
    # "for me", "give me": the human is who the work is for, not a second actor
    assert all(c.actor != "speaker" for c in clauses(message))
    got = resolve_roles(clauses(message), ORDERS)
    assert got is None or {str(s.macro) for s in got.steps} == chops


@pytest.mark.parametrize("message, chop", [
    ("need a lettuce chopped for david thx", "chop(lettuce)"),
    ("slice 2 onions for the alice soup", "chop(onion)"),
])
def test_a_soup_the_chopping_is_for_is_not_cooked_too(message, chop):
    # The gamer persona kept David and asked for lettuce "for" it: the agent cooked David too.
    got = resolve_roles(clauses(message), ORDERS)
    assert got is not None and {str(s.macro) for s in got.steps} == {chop}


def test_a_soup_to_chop_for_and_cook_is_still_cooked():
    got = resolve_roles(clauses("cut tomatoes for cathy u cook it"), ORDERS)
    assert got is not None and {str(s.macro) for s in got.steps} == {"cook(cathy)", "chop(tomato)"}


@pytest.mark.parametrize("message, step", [
    ("I wonder whether you might bring the david soup to the window", "serve(david)"),
    ("I'd be grateful if you could dice a tomato", "chop(tomato)"),
    ("I reckon you should make cathy", "cook(cathy)"),
])
def test_a_request_framed_by_the_speaker_is_the_agents(message, step):
    # A polite persona's "I wonder if you could serve the cathy" was the speaker's own
    # claim (the clause starts on "I"): the agent answered "You do Cathy." and did nothing.
    got = resolve_roles(clauses(message), ORDERS)
    assert got is not None and {str(s.macro) for s in got.steps} == {step} and not got.claims


@pytest.mark.parametrize("message, soup", [
    ("I started bob, you finish it", "bob"),
    ("i ruined the david, u take it from here", "david"),
])
def test_a_soup_handed_over_by_a_pronoun_is_no_longer_the_speakers(message, soup):
    # The novice giving up ("omg i messed up cathy, u do it") was read as both the human's
    # claim and the agent's step; the agent answered "You do Cathy; I'll cook the Cathy soup".
    got = resolve_roles(clauses(message), ORDERS)
    assert got is not None
    assert {str(s.macro) for s in got.steps} == {f"cook({soup})"} and not got.claims
