"""HLA as a teammate: what it does when the human claims, asks for a soup, or the game
is about to end (issue 13's cooperation goals)."""

from __future__ import annotations

import dataclasses

import pytest

from dualmind.agents import macro_logic, mind_agent
from dualmind.agents.intention import Intention, Step
from dualmind.agents.language.context import Context
from dualmind.agents.language.coverage import ground
from dualmind.agents.macros import Macro
from dualmind.agents.mind_agent import MindAgent, MindConfig
from dualmind.agents.minds import (
    MindOutput,
    choose_from_plan,
    leave_ready_soup,
    named_soups,
    possible,
    too_late_to_chop,
    unblock_board,
)
from dualmind.agents.navigation import NavMap
from dualmind.agents.status import Request, rule_status
from dualmind.agents.world import World
from dualmind.game import Kitchen, items, load_layout, parse_layout
from dualmind.game.rules import BURNING
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


def test_an_agent_with_nothing_to_do_gets_a_plate_for_the_soup_about_to_be_ready():
    # Both pots cooking the only two orders: the planner has nothing left but to wait.
    state = _state(tick=300)
    state = dataclasses.replace(state, orders=(state.orders[0]._replace(soup="alice"),
                                               state.orders[0]._replace(soup="alice")))
    ticks = RING.settings.ticks

    def cooking(ready_in_s: float) -> Pot:
        return Pot(("lettuce", "onion"), soup="alice",
                   cook_start=300 + ticks(ready_in_s) - RING.cook_ticks)

    agent = _agent(state)
    soon = dataclasses.replace(state, pots=(cooking(3.0), cooking(3.0)))
    assert agent.planner.choose(_world(soon), set()) == Macro("wait")
    assert agent._cooperative_choice(_world(soon), set(), soon) == Macro("serve", "alice")
    # Still long to cook: waiting (a plate held for long blocks the hands).
    later = dataclasses.replace(state, pots=(cooking(9.0), cooking(9.0)))
    assert agent._cooperative_choice(_world(later), set(), later) == Macro("wait")
    # Hands full: no plate on top.
    full = dataclasses.replace(soon, players=(soon.players[0]._replace(holding=items.chopped("tomato")),
                                              soon.players[1]))
    assert agent._cooperative_choice(_world(full), set(), full).verb != "serve"


def test_boards_blocked_by_half_chopped_vegetables_are_freed_by_finishing_one():
    # Both boards hold a vegetable someone started to chop and left; the agent holds an
    # onion it was asked to chop.
    half = {(3, 3): items.Item(items.VEGETABLE, ("tomato",), chops=3),
            (4, 3): items.Item(items.VEGETABLE, ("lettuce",), chops=2)}
    state = _state(holding=items.fresh("onion"))
    blocked = dataclasses.replace(state, items={**state.items, **half})
    w, onion = _world(blocked), Macro("chop", "onion")
    finish = {Macro("chop", "tomato"), Macro("chop", "lettuce")}
    assert unblock_board(w) in finish
    assert choose_from_plan(w, [Step(onion, 1)]) in finish
    agent = _agent(blocked)
    assert agent._cooperative_choice(w, set(), blocked) in finish  # not a discard of the onion
    # Finishing one starts by putting the onion down (not in the bin).
    move = macro_logic.plan(w, {}, unblock_board(w))
    assert isinstance(move, macro_logic.Use) and move.tile not in blocked.items
    assert RING.layout.grid[move.tile[1]][move.tile[0]] != "B"
    # The partner standing at the boards may be chopping there: leave them be.
    there = dataclasses.replace(blocked, players=(blocked.players[0],
                                                  blocked.players[1]._replace(pos=(3, 2))))
    assert unblock_board(_world(there)) is None
    # A free board: nothing to unblock, chop as asked.
    one = dataclasses.replace(state, items={**state.items, (3, 3): half[(3, 3)]})
    assert unblock_board(_world(one)) is None
    assert choose_from_plan(_world(one), [Step(onion, 1)]) == onion


def test_a_soup_asked_for_waits_for_a_pot_as_one_set_in_hand():
    # Both pots cooking Alice; Bob (lettuce + tomato) lies chopped on two counters.

    def cooking(ready_in_s: float) -> Pot:
        start = 300 + round(ready_in_s / RING.settings.tick_seconds) - RING.cook_ticks
        return Pot(("lettuce", "onion"), soup="alice", cook_start=start)

    lying = [items.chopped("lettuce"), items.chopped("tomato")]
    cook, whole = Macro("cook", "bob"), {macro_logic.WHOLE_SET: True}
    soon = _state(pots=(cooking(3.0), cooking(3.0)), on_counters=lying, tick=300)
    move = macro_logic.plan(_world(soon), whole, cook)
    assert isinstance(move, macro_logic.Use) and move.tile in LEFT_COUNTERS[:2]  # gathering
    assert possible(_world(soon), cook)
    # Without the key (the scripted player's and the personas' cook): no free pot, no cook.
    assert isinstance(macro_logic.plan(_world(soon), {}, cook), macro_logic.Failed)
    # The set in hand: held until a pot is free.
    held = _state(pots=(cooking(3.0), cooking(3.0)), holding=items.chopped("lettuce", "tomato"), tick=300)
    assert isinstance(macro_logic.plan(_world(held), whole, cook), macro_logic.Stay)
    # A soup just ready: the partner comes to plate it (the agent's hands are full)...
    just = dataclasses.replace(held, pots=(cooking(-1.0), cooking(3.0)))
    assert isinstance(macro_logic.plan(_world(just), whole, cook), macro_logic.Stay)
    # ...but one left ready for long, or pots still long to cook: no holding on.
    left = dataclasses.replace(held, pots=(cooking(-10.0), cooking(3.0)))
    assert isinstance(macro_logic.plan(_world(left), whole, cook), macro_logic.Failed)
    long = dataclasses.replace(held, pots=(cooking(12.0), cooking(12.0)))
    assert isinstance(macro_logic.plan(_world(long), whole, cook), macro_logic.Failed)


def test_a_soup_asked_for_is_not_dropped_for_a_ready_soup_the_partner_is_free_to_serve():
    # Alice is ready in one pot; the agent was asked to cook Bob (chopped lettuce and
    # tomato lie by it, the other pot is empty). The partner, hands free, reaches the pot
    # and the window.
    tick = 300
    ready = Pot(("lettuce", "onion"), soup="alice", cook_start=tick - RING.cook_ticks - 5)
    chopped = [items.chopped("lettuce"), items.chopped("tomato")]
    cook_bob = [Step(Macro("cook", "bob"), 1)]
    for pots in ((ready, Pot()), (Pot(), ready)):
        state = _state(pots=pots, on_counters=chopped, tick=tick)
        assert choose_from_plan(_world(state), cook_bob) == Macro("cook", "bob")
        # Not asked for a soup (a chop): the ready soup comes first, as before.
        if choose_from_plan(_world(state), [Step(Macro("chop", "onion"), 1)]).verb == "serve":
            break
    else:
        raise AssertionError("no pot the agent is nearer to than the partner")
    assert leave_ready_soup(_world(state), cook_bob)
    assert not leave_ready_soup(_world(state), [Step(Macro("chop", "onion"), 1)])
    # The partner's hands full: the agent serves it.
    busy = dataclasses.replace(state, players=(state.players[0],
                                               state.players[1]._replace(holding=items.chopped("onion"))))
    assert not leave_ready_soup(_world(busy), cook_bob)
    assert choose_from_plan(_world(busy), cook_bob).verb == "serve"
    # The planner's fallback (the asked-for cook just failed) waits rather than serve.
    agent = _agent(state)
    agent.plan.set(Intention("infer", tuple(cook_bob)))
    fallback = agent._cooperative_choice(_world(state), {Macro("cook", "bob")}, state)
    assert fallback == Macro("wait")
    agent.plan.set(Intention())
    assert agent._cooperative_choice(_world(state), {Macro("cook", "bob")}, state).verb == "serve"


def _cooking_bob(tick: int = 300):
    """Ring at ``tick``, orders David, Bob, Alice; one pot cooking Bob, the other empty."""
    bob = Pot(("lettuce", "tomato"), soup="bob", cook_start=tick - 10)
    return _state(pots=(bob, Pot()), tick=tick)


def test_a_soup_asked_for_by_name_is_cooked_though_the_orders_have_it_covered():
    # "Cook a Bob soup" while a Bob already cooks for the one Bob order: the human's wish
    # wins over the order list (GAME.md); "you do the rest" stays judged by the orders.
    state = _cooking_bob()
    w, steps = _world(state), [Step(Macro("cook", "bob"), 1)]
    asked, rest = Intention("short", tuple(steps)), Intention("infer", tuple(steps))
    assert named_soups(asked) == {"bob"} and named_soups(rest) == frozenset()
    assert choose_from_plan(w, steps, named=named_soups(asked)) in (
        Macro("chop", "lettuce"), Macro("chop", "tomato"))
    assert choose_from_plan(w, steps, named=named_soups(rest)) is None
    assert rule_status(w, steps, named_soups(asked)) == (False, "")
    assert rule_status(w, steps, named_soups(rest)) == (True, "The Bob soup is already on its way")
    # No Bob order left at all (served, expired): nobody wants one, asked or not.
    gone = _world(dataclasses.replace(state, orders=tuple(o for o in state.orders if o.soup != "bob")))
    assert choose_from_plan(gone, steps, named=named_soups(asked)) is None
    assert rule_status(gone, steps, named_soups(asked)) == (True, "The Bob order is gone")
    # The agent's status check keeps the named request open, ends the division of work.
    for intention, still_open in ((asked, True), (rest, False)):
        agent = _agent(state)
        agent.plan.set(intention)
        agent.request = Request("cook a bob soup", state.tick)
        agent.status_tick = state.tick - agent.status_ticks
        agent._check_status(state, None)
        assert (agent.plan.steps == steps) is still_open


def test_a_line_ending_a_request_does_not_replace_the_answer_to_a_question():
    # A question read this tick leaves the old request open; the status check in the
    # same tick finds that request over ("the order is gone"): both lines are said.
    state = _cooking_bob()
    agent = _agent(state)
    agent.plan.set(Intention("infer", (Step(Macro("cook", "bob"), 1),)))
    agent.request = Request("you do bob", state.tick)
    agent.status_tick = state.tick - agent.status_ticks
    said = agent._check_status(state, "The orders are David soup, Bob soup, Alice soup.")
    assert said is not None and said.startswith("The orders are") and "already on its way" in said
    assert agent.plan.empty


def test_a_count_of_chopped_vegetables_to_bring_is_kept():
    # "Get me four chopped lettuces" was read as one chop (talker, bottleneck seed 7).
    for text, veg, count in (("get me four chopped lettuces", "lettuce", 4),
                             ("bring me 2 chopped tomatoes", "tomato", 2),
                             ("get me a chopped onion", "onion", 1)):
        assert ground("bring", text, Context()).steps == (Step(Macro("chop", veg), count),), text


def test_a_vegetable_half_chopped_is_finished_before_a_new_request_is_taken_up():
    # The agent stands at a board chopping an onion (4 of 8 chops done) when the fast
    # mind reads the human's new request ("chop a tomato"): it finishes the onion first
    # (left half chopped, the board is blocked and every planner counts the onion as on
    # its way), then does what it was asked. Told not to chop onions, it leaves it at once.
    from dualmind.agents.minds import MindOutput
    from dualmind.runtime.scheduler import CallRecord

    onion, tomato = Macro("chop", "onion"), Macro("chop", "tomato")
    asked = Intention("short", (Step(tomato, 1),))
    state = _state(tick=300)
    at_board = state.players[0]._replace(pos=(3, 2), facing="down")
    state = dataclasses.replace(state, players=(at_board, state.players[1]),
                                items={(3, 3): items.Item(items.VEGETABLE, ("onion",), chops=4)})

    def request(agent, now, avoid=()):
        out = MindOutput(intention=asked, macro=tomato, avoid=avoid)
        agent._on_result(CallRecord("fast", now.tick, now.tick, result=out), now, from_slow=False)

    agent = _agent(state)
    agent.executor.set_macro(onion)
    assert agent.executor.step(state).action == "interact"  # chopping
    request(agent, state, avoid=(onion,))  # "stop chopping onions, get me a tomato"
    assert agent.executor.macro == tomato and agent.deferred is None
    # Played out: the onion is chopped through, then the tomato is taken up.
    agent = _agent(state)
    agent.executor.set_macro(onion)
    now = state
    for _ in range(60):
        decision = agent.act(now)
        if now.tick == 301:
            request(agent, now)
            assert agent.executor.macro == onion and agent.deferred == tomato
        now, _ = RING.step(now, (decision.action, "stay"))
        if agent.executor.macro == tomato:
            break
    assert agent.executor.macro == tomato
    assert items.chopped("onion") in now.items.values()  # chopped through (and off the board)
    assert not any(it.kind == items.VEGETABLE for it in now.items.values())


def test_a_fire_the_human_takes_is_left_to_them_for_a_while():
    # A Bob soup burnt long ago: the pot is on fire. "I'll deal with the fire" is the
    # human's claim, not a request: the agent leaves the fire to them for a while, then
    # takes it back if it still burns (a fire left alone spreads).
    bob = Pot(("lettuce", "tomato"), soup="bob", cook_start=0)
    state = _state(pots=(bob, Pot()), tick=RING.settings.ticks(200))
    w = _world(state)
    assert w.pots((BURNING,))
    agent = _agent(state)
    assert agent.planner.choose(w, set()) == Macro("extinguish")
    said = ground("extinguish", "i'll deal with the fire", Context(("bob",)))
    assert not said.steps and said.claims == (Macro("extinguish"),)
    agent._hear(MindOutput(claims=said.claims), state.tick)
    assert agent.planner.choose(w, agent._avoid(state)) != Macro("extinguish")
    later = dataclasses.replace(state, tick=state.tick + RING.settings.ticks(20))
    assert agent.planner.choose(_world(later), agent._avoid(later)) == Macro("extinguish")


HANDOVER = """name: handover
description: the agent has the crates, a pot and the plates; the human a pot and the window
starts: 1,1 5,1
grid:
-LTO-U-
/   - *
/   - U
-   f -
U   - -
-PB----
"""


@pytest.mark.parametrize("on", [True, False])
def test_a_chop_for_the_soup_the_human_cooks_is_left_where_they_reach_it(on, monkeypatch):
    # A wall of counters between the players; the human (right) has a pot and the window,
    # the agent (left) the crates and boards. "I'll cook the Bob, you chop lettuce for it":
    # the chopped lettuce goes on the wall, not on a counter only the agent reaches.
    monkeypatch.setattr(mind_agent, "HAND_OVER_CHOPS", on)
    kitchen = Kitchen(parse_layout(HANDOVER))
    agent = MindAgent("hla", CONFIG)
    agent.reset(kitchen, 0, seed=0)
    state = kitchen.reset(0)
    said = {5: [(1, "I'll cook the Bob, you chop lettuce for it")]}
    wall, boards = {(4, y) for y in range(1, 5)}, {(0, 1), (0, 2)}
    placed = None
    for _ in range(400):
        action = agent.act(state).action
        state, _ = kitchen.step(state, (action, "stay"), said.get(state.tick, ()))
        chopped = [p for p, it in state.items.items()
                   if it == items.chopped("lettuce") and p not in boards]
        if chopped and state.players[0].holding is None:
            placed = chopped[0]
            break
    assert placed is not None, "the agent never put a chopped lettuce down"
    assert (placed in wall) is on, placed
