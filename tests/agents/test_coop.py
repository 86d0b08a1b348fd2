"""HLA as a teammate: what it does when the human claims, asks for a soup, or the game
is about to end (issue 13's cooperation goals)."""

from __future__ import annotations

import dataclasses

from dualmind.agents import macro_logic
from dualmind.agents.intention import Intention, Step
from dualmind.agents.macros import Macro
from dualmind.agents.mind_agent import MindAgent, MindConfig
from dualmind.agents.minds import MindOutput, choose_from_plan, too_late_to_chop
from dualmind.agents.navigation import NavMap
from dualmind.agents.world import World
from dualmind.game import Kitchen, items, load_layout
from dualmind.game.state import Pot

RING = Kitchen(load_layout("ring"))
NAV = NavMap(RING)
CONFIG = MindConfig(slow="rules", fast="rules")
LEFT_COUNTERS = [(0, 1), (0, 2), (0, 3)]  # free counters next to player 0's start


EMPTY_POTS = (Pot(), Pot())


def _state(pots=EMPTY_POTS, holding=None, on_counters=(), tick=10):
    """Ring at ``tick``: player 0 holds ``holding``; ``on_counters`` lie on the counters
    by its start."""
    state = RING.reset(0)
    p0 = state.players[0]._replace(holding=holding)
    lying = dict(zip(LEFT_COUNTERS, on_counters, strict=False))
    return dataclasses.replace(state, tick=tick, pots=tuple(pots),
                               players=(p0, state.players[1]), items=lying)


def _world(state) -> World:
    return World(RING, NAV, state, 0)


def _agent(state) -> MindAgent:
    agent = MindAgent("hla", CONFIG)
    agent.reset(RING, 0, seed=0)
    return agent


def test_a_request_in_words_wins_over_what_a_claim_implies():
    # Orders: David, Bob, Alice. "I'll cook the David, you chop lettuce for it": lettuce
    # is needed elsewhere too, so take an order set where only David needs it.
    state = _state()
    state = dataclasses.replace(state, orders=(state.orders[0], state.orders[0]._replace(soup="cathy")))
    agent = _agent(state)
    claim = Intention("infer", (Step(Macro("chop", "lettuce"), 1),), claims=(Macro("cook", "david"),))
    agent._hear(MindOutput(claims=claim.claims), state.tick)
    # The claim alone: David's own vegetable (lettuce: Cathy does not use it) is theirs.
    assert Macro("chop", "lettuce") in agent._avoid(state)
    assert Macro("cook", "david") in agent._avoid(state)
    # Asked in so many words: the lettuce is the agent's to chop after all.
    agent.plan.set(claim)
    assert Macro("chop", "lettuce") not in agent._avoid(state)
    assert Macro("cook", "david") in agent._avoid(state)
    assert choose_from_plan(_world(state), agent.plan.steps, agent._avoid(state)) == \
        Macro("chop", "lettuce")


def test_a_soup_asked_for_is_chopped_in_full_before_it_goes_into_a_pot():
    # A chopped onion lies ready for Alice (lettuce + onion); both pots are empty.
    state = _state(on_counters=[items.chopped("onion")])
    w, cook = _world(state), Macro("cook", "alice")
    # An onion alone in a pot is a Cathy for whoever passes with a tomato: chop first.
    assert choose_from_plan(w, [Step(cook)]) == Macro("chop", "lettuce")
    assert choose_from_plan(w, [Step(cook)], chop_first=False) == cook
    # With everything chopped, cook.
    both = _state(on_counters=[items.chopped("onion"), items.chopped("lettuce")])
    assert choose_from_plan(_world(both), [Step(cook)]) == cook
    # A pot already holding part of Alice is finished with what lies chopped.
    started = _state(pots=(Pot(("onion",)), Pot()), on_counters=[items.chopped("lettuce")])
    assert choose_from_plan(_world(started), [Step(cook)]) == cook


def test_whole_set_cooking_gathers_the_vegetables_before_the_pot():
    lettuce, onion = items.chopped("lettuce"), items.chopped("onion")
    cook = Macro("cook", "alice")
    # Holding the lettuce, the onion on a counter: with the key, combine first...
    w = _world(_state(holding=lettuce, on_counters=[onion]))
    whole = macro_logic.plan(w, {macro_logic.WHOLE_SET: True}, cook)
    assert isinstance(whole, macro_logic.Use) and whole.tile == LEFT_COUNTERS[0]
    # ...without it, the lettuce goes into the pot alone.
    alone = macro_logic.plan(w, {}, cook)
    assert isinstance(alone, macro_logic.Use) and alone.tile in RING.pot_cells
    # The set in hand goes into the pot in one go.
    full = _world(_state(holding=items.chopped("lettuce", "onion")))
    move = macro_logic.plan(full, {macro_logic.WHOLE_SET: True}, cook)
    assert isinstance(move, macro_logic.Use) and move.tile in RING.pot_cells
    # The rest not chopped yet: nothing to gather, the usual cook (add what is in hand).
    part = _world(_state(holding=lettuce))
    move = macro_logic.plan(part, {macro_logic.WHOLE_SET: True}, cook)
    assert isinstance(move, macro_logic.Use) and move.tile in RING.pot_cells


def test_nothing_is_chopped_that_the_end_of_the_game_leaves_unused():
    end = RING.horizon - RING.settings.ticks(10.0)
    early, late = _state(tick=100), _state(tick=end)
    assert not too_late_to_chop(_world(early)) and too_late_to_chop(_world(late))
    standing = [Step(Macro("chop", "onion"), None)]
    assert choose_from_plan(_world(early), standing) == Macro("chop", "onion")
    assert choose_from_plan(_world(late), standing) is None
    # "Chop two onions" is still done as asked.
    assert choose_from_plan(_world(late), [Step(Macro("chop", "onion"), 2)]) == Macro("chop", "onion")
    # The planner's fallback: chopping early; in the last seconds, getting a plate for a
    # soup that will be ready in time instead (cooking for 10 s of 15, 10 s left).
    agent = _agent(early)
    assert agent._cooperative_choice(_world(early), set(), early).verb == "chop"
    cooking = Pot(("lettuce", "onion"), soup="alice", cook_start=end - RING.settings.ticks(10.0))
    late = dataclasses.replace(late, pots=(cooking, cooking))  # one of them nearer to the agent
    assert agent._cooperative_choice(_world(late), set(), late) == Macro("serve", "alice")
    # Nothing that will be ready in time: the fallback is the planner's, as for the script.
    too_late = Pot(("lettuce", "onion"), soup="alice", cook_start=end)
    nothing = dataclasses.replace(late, pots=(too_late, too_late))
    assert agent._cooperative_choice(_world(nothing), set(), nothing).verb == "chop"
