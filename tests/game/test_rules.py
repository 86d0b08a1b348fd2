"""Rules of GAME.md, one behaviour per test, through Kitchen.step."""

from __future__ import annotations

import dataclasses

import pytest

from dualmind.errors import InvalidActionError
from dualmind.game import Kitchen, items, parse_layout
from dualmind.game.events import EventKind
from dualmind.game.rules import BURNING, CHARRED, COOKING, READY
from dualmind.game.state import Order, Pot
from tests.conftest import place, run


def kinds(events):
    return [e.kind for e in events]


def test_move_and_facing(tiny):
    s = tiny.reset(0)
    s, _ = tiny.step(s, ("right", "stay"))
    assert s.players[0].pos == (2, 1) and s.players[0].facing == "right"


def test_move_into_counter_only_turns(tiny):
    s = tiny.reset(0)
    s, _ = tiny.step(s, ("up", "stay"))
    assert s.players[0].pos == (1, 1) and s.players[0].facing == "up"


@pytest.mark.parametrize("tile_pos,veg", [((1, 1), "tomato"), ((2, 1), "lettuce"), ((3, 1), "onion")])
def test_crate_gives_fresh_vegetable(tiny, tile_pos, veg):
    s = place(tiny.reset(0), 0, tile_pos, "up")
    s, ev = tiny.step(s, ("interact", "stay"))
    assert s.players[0].holding == items.fresh(veg)
    assert EventKind.TAKE in kinds(ev)


def test_crate_gives_nothing_to_a_full_hand(tiny):
    s = place(tiny.reset(0), 0, (1, 1), "up", items.CLEAN_PLATE)
    s, _ = tiny.step(s, ("interact", "stay"))
    assert s.players[0].holding == items.CLEAN_PLATE


def test_plate_dispenser(tiny):
    s = place(tiny.reset(0), 0, (4, 1), "up")
    s, _ = tiny.step(s, ("interact", "stay"))
    assert s.players[0].holding == items.CLEAN_PLATE


def test_counter_put_down_and_pick_up(tiny):
    s = place(tiny.reset(0), 0, (1, 1), "left", items.fresh("onion"))
    s, _ = run(tiny, s, ["interact"])
    assert s.players[0].holding is None and s.items[(0, 1)] == items.fresh("onion")
    s, _ = run(tiny, s, ["interact"])
    assert s.players[0].holding == items.fresh("onion") and (0, 1) not in s.items


def test_counter_combines_compatible_chopped_sets_into_hand(tiny):
    s = place(tiny.reset(0), 0, (1, 1), "left", items.chopped("lettuce"))
    s = dataclasses.replace(s, items={**s.items, (0, 1): items.chopped("onion", "tomato")})
    s, ev = run(tiny, s, ["interact"])
    assert s.players[0].holding == items.chopped("lettuce", "onion", "tomato")
    assert (0, 1) not in s.items and EventKind.COMBINE in kinds(ev)


def test_counter_refuses_incompatible_sets(tiny):
    s = place(tiny.reset(0), 0, (1, 1), "left", items.chopped("lettuce"))
    s = dataclasses.replace(s, items={**s.items, (0, 1): items.chopped("lettuce")})
    s, _ = run(tiny, s, ["interact"])
    assert s.players[0].holding == items.chopped("lettuce") and s.items[(0, 1)] == items.chopped("lettuce")


def test_chopping_takes_eight_interacts(tiny):
    s = place(tiny.reset(0), 0, (4, 1), "right", items.fresh("tomato"))
    s, _ = run(tiny, s, ["interact"])  # onto the board
    assert s.items[(5, 1)] == items.fresh("tomato")
    s, _ = run(tiny, s, ["interact"] * 7)
    assert s.items[(5, 1)].kind == items.VEGETABLE and s.items[(5, 1)].chops == 7
    s, ev = run(tiny, s, ["interact"])
    assert s.items[(5, 1)] == items.chopped("tomato") and EventKind.CHOPPED in kinds(ev)
    s, _ = run(tiny, s, ["interact"])
    assert s.players[0].holding == items.chopped("tomato")


def test_board_takes_only_fresh_vegetables(tiny):
    s = place(tiny.reset(0), 0, (4, 1), "right", items.CLEAN_PLATE)
    s, _ = run(tiny, s, ["interact"])
    assert s.players[0].holding == items.CLEAN_PLATE and (5, 1) not in s.items


def _pot_state(tiny, pot: Pot, holding=None):
    s = place(tiny.reset(0), 0, (1, 2), "left", holding)
    return dataclasses.replace(s, pots=(pot,))


def test_pot_cooks_once_a_full_recipe_is_in(tiny):
    s = _pot_state(tiny, Pot(), items.chopped("lettuce"))
    s, _ = run(tiny, s, ["interact"])
    assert s.pots[0].vegetables == ("lettuce",) and s.pots[0].soup is None
    s = place(s, 0, (1, 2), "left", items.chopped("tomato"))
    s, ev = run(tiny, s, ["interact"])
    assert s.pots[0].soup == "bob" and EventKind.COOK_START in kinds(ev)
    assert tiny.pot_phase(s.pots[0], s.tick) == COOKING


def test_pot_refuses_a_second_lettuce(tiny):
    s = _pot_state(tiny, Pot(("lettuce",)), items.chopped("lettuce"))
    s, _ = run(tiny, s, ["interact"])
    assert s.pots[0].vegetables == ("lettuce",) and s.players[0].holding == items.chopped("lettuce")


def test_david_soup_from_a_combined_set(tiny):
    s = _pot_state(tiny, Pot(), items.chopped("lettuce", "onion", "tomato"))
    s, _ = run(tiny, s, ["interact"])
    assert s.pots[0].soup == "david"


def test_soup_ready_after_cook_time_then_plated_and_served(tiny):
    s = _pot_state(tiny, Pot(("lettuce", "tomato"), "bob", 0), items.CLEAN_PLATE)
    s = dataclasses.replace(s, orders=(Order("alice", 0, 600), Order("bob", 0, 600)))
    s, _ = tiny.step(s, ("interact", "stay"))  # tick 0: still cooking
    assert s.players[0].holding == items.CLEAN_PLATE
    s = dataclasses.replace(s, tick=tiny.cook_ticks)
    assert tiny.pot_phase(s.pots[0], s.tick) == READY
    s, ev = run(tiny, s, ["interact"])
    assert s.players[0].holding == items.Item(items.PLATE, soup="bob") and s.pots[0] == Pot()
    s = place(s, 0, (4, 2), "right", s.players[0].holding)
    s, ev = run(tiny, s, ["interact"])
    assert s.score == 15 and s.served == 1 and s.players[0].holding is None
    assert next(o.soup for o in s.orders) == "alice" and len(s.orders) == 2
    assert EventKind.SERVE in kinds(ev)


def test_serving_matches_the_oldest_order(tiny):
    s = place(tiny.reset(0), 0, (4, 2), "right", items.Item(items.PLATE, soup="bob"))
    s = dataclasses.replace(s, orders=(Order("bob", 0, 300), Order("bob", 5, 900)))
    s, _ = tiny.step(s, ("interact", "stay"))
    assert Order("bob", 5, 900) in s.orders and Order("bob", 0, 300) not in s.orders


def test_soup_nobody_ordered_scores_nothing(tiny):
    s = place(tiny.reset(0), 0, (4, 2), "right", items.Item(items.PLATE, soup="david"))
    s = dataclasses.replace(s, orders=(Order("bob", 0, 600),))
    s, ev = tiny.step(s, ("interact", "stay"))
    assert s.score == 0 and s.players[0].holding is None
    assert EventKind.WRONG_DELIVERY in kinds(ev)


def test_charred_soup_cannot_be_served(tiny):
    s = place(tiny.reset(0), 0, (4, 2), "right", items.Item(items.PLATE, soup=items.CHARRED))
    s, _ = tiny.step(s, ("interact", "stay"))
    assert s.players[0].holding == items.Item(items.PLATE, soup=items.CHARRED)


def test_bin_discards_but_keeps_the_extinguisher(tiny):
    s = place(tiny.reset(0), 0, (2, 2), "down", items.Item(items.PLATE, soup=items.CHARRED))
    s, ev = run(tiny, s, ["interact"])
    assert s.players[0].holding is None and EventKind.DISCARD in kinds(ev)
    s = place(s, 0, (2, 2), "down", items.THE_EXTINGUISHER)
    s, _ = run(tiny, s, ["interact"])
    assert s.players[0].holding == items.THE_EXTINGUISHER


def test_extinguisher_starts_on_its_counter_and_can_be_carried(tiny):
    s = place(tiny.reset(0), 0, (1, 2), "down")
    assert s.items[(1, 3)] == items.THE_EXTINGUISHER
    s, _ = run(tiny, s, ["interact"])
    assert s.players[0].holding == items.THE_EXTINGUISHER and (1, 3) not in s.items


def test_ready_soup_chars_and_catches_fire_then_is_put_out(tiny):
    s = _pot_state(tiny, Pot(("lettuce", "tomato"), "bob", 0), items.THE_EXTINGUISHER)
    fire_tick = tiny.cook_ticks + tiny.char_ticks
    s = dataclasses.replace(s, tick=fire_tick - 1)
    s, ev = tiny.step(s, ("stay", "stay"))
    assert EventKind.FIRE_STARTED in kinds(ev) and s.fires == 1
    assert tiny.pot_phase(s.pots[0], s.tick) == BURNING
    # Spraying every tick for 5 s of game time puts it out.
    events = []
    for _ in range(200):  # player 0 may act every 4th tick; extra presses are ignored
        s, ev = tiny.step(s, ("interact", "stay"))
        events += ev
        if tiny.pot_phase(s.pots[0], s.tick) == CHARRED:
            break
    assert EventKind.FIRE_OUT in kinds(events)
    sprays = [e.tick for e in events if e.kind in (EventKind.SPRAY, EventKind.FIRE_OUT)]
    assert (sprays[-1] - sprays[0] + 1) * tiny.settings.tick_seconds >= 5.0 - 1e-9
    # Charred soup is taken out with a plate, then binned.
    s = place(s, 0, (1, 2), "left", items.CLEAN_PLATE)
    s, _ = run(tiny, s, ["interact"])
    assert s.players[0].holding == items.Item(items.PLATE, soup=items.CHARRED) and s.pots[0] == Pot()


def test_pausing_the_spray_lets_the_fire_grow_back(tiny):
    fire_tick = tiny.cook_ticks + tiny.char_ticks
    s = _pot_state(tiny, Pot(("lettuce", "tomato"), "bob", 0), items.THE_EXTINGUISHER)
    s = dataclasses.replace(s, tick=fire_tick + 1)
    for _ in range(8):  # 8 sprays, one every 4 ticks: about 3 s of spraying
        s, _ = run(tiny, s, ["interact"])
    assert s.pots[0].spray_start is not None
    first = s.pots[0].spray_start
    for _ in range(tiny.regrow_ticks + 2):
        s, _ = tiny.step(s, ("stay", "stay"))
    s, _ = run(tiny, s, ["interact"])
    assert s.pots[0].spray_start > first  # progress lost: spraying starts over
    assert tiny.pot_phase(s.pots[0], s.tick) == BURNING


def test_burning_pot_cannot_be_plated(tiny):
    fire_tick = tiny.cook_ticks + tiny.char_ticks
    s = _pot_state(tiny, Pot(("lettuce", "tomato"), "bob", 0), items.CLEAN_PLATE)
    s = dataclasses.replace(s, tick=fire_tick + 3)
    s, _ = run(tiny, s, ["interact"])
    assert s.players[0].holding == items.CLEAN_PLATE


def test_order_expires_with_penalty_and_is_replaced(tiny):
    s = tiny.reset(7)
    first = s.orders[0]
    s = dataclasses.replace(s, tick=first.deadline - 1)
    s, ev = tiny.step(s, ("stay", "stay"))
    assert s.score == -5 * sum(1 for o in tiny.reset(7).orders if o.deadline == first.deadline)
    assert s.expired >= 1 and EventKind.ORDER_EXPIRED in kinds(ev)
    assert len(s.orders) == tiny.settings.open_orders
    assert all(o.deadline > s.tick for o in s.orders)


def test_score_is_bonuses_minus_penalties(tiny):
    s = place(tiny.reset(0), 0, (4, 2), "right", items.Item(items.PLATE, soup="david"))
    s = dataclasses.replace(s, orders=(Order("david", 0, 1), Order("alice", 0, 900)))
    s, _ = tiny.step(s, ("interact", "stay"))  # serve david (+20) in the tick it expires
    assert s.score == 20 and s.expired == 0


# --- conflicts ------------------------------------------------------------------------

def test_both_into_one_cell_neither_moves(tiny):
    s = place(place(tiny.reset(0), 0, (1, 1), "down"), 1, (3, 1), "down")
    s, _ = tiny.step(s, ("right", "left"))
    assert s.players[0].pos == (1, 1) and s.players[1].pos == (3, 1)
    assert s.players[0].facing == "right" and s.players[1].facing == "left"


def test_swap_is_refused(tiny):
    s = place(place(tiny.reset(0), 0, (1, 1), "down"), 1, (2, 1), "down")
    s, _ = tiny.step(s, ("right", "left"))
    assert s.players[0].pos == (1, 1) and s.players[1].pos == (2, 1)


def test_cannot_walk_into_a_standing_partner(tiny):
    s = place(place(tiny.reset(0), 0, (1, 1), "down"), 1, (2, 1), "down")
    s, _ = tiny.step(s, ("right", "stay"))
    assert s.players[0].pos == (1, 1)


def test_can_follow_a_partner_who_leaves(tiny):
    s = place(place(tiny.reset(0), 0, (1, 1), "down"), 1, (2, 1), "down")
    s, _ = tiny.step(s, ("right", "right"))
    assert s.players[0].pos == (2, 1) and s.players[1].pos == (3, 1)


RACE = """\
starts: 1,1 5,1
speeds: keyboard keyboard
grid:
-TL-OP-
-  -  /
U  -  *
-fB----
"""


@pytest.mark.parametrize("tick,winner", [(0, 0), (1, 1), (2, 0)])
def test_race_for_one_item_alternates_priority(tick, winner):
    kitchen = Kitchen(parse_layout(RACE))
    s = kitchen.reset(0)
    s = dataclasses.replace(s, tick=tick, items={**s.items, (3, 1): items.fresh("onion")})
    s = place(place(s, 0, (2, 1), "right"), 1, (4, 1), "left")
    s, _ = kitchen.step(s, ("interact", "interact"))
    assert s.players[winner].holding == items.fresh("onion")
    assert s.players[1 - winner].holding is None


# --- speed ----------------------------------------------------------------------------

def test_actions_faster_than_speed_are_ignored_and_counted(tiny):
    s = tiny.reset(0)  # player 0: 2.5 actions/s -> one per 4 ticks; player 1: keyboard
    assert tiny.action_gaps == (4, 1)
    for _ in range(4):
        s, _ = tiny.step(s, ("down", "left"))
    assert s.players[0].pos == (1, 2)  # moved once
    assert s.players[0].ignored_actions == 3
    assert s.players[1].pos == (1, 2) or s.players[1].ignored_actions == 0


def test_stay_is_free(tiny):
    s = tiny.reset(0)
    s, _ = tiny.step(s, ("right", "stay"))
    for _ in range(3):
        s, _ = tiny.step(s, ("stay", "stay"))
    s, _ = tiny.step(s, ("right", "stay"))
    assert s.players[0].pos == (3, 1) and s.players[0].ignored_actions == 0


def test_unknown_action_is_an_error(tiny):
    with pytest.raises(InvalidActionError, match="actions are stay, up"):
        tiny.step(tiny.reset(0), ("jump", "stay"))


# --- chat -----------------------------------------------------------------------------

def test_chat_is_kept_with_its_tick(tiny):
    s = tiny.reset(0)
    s, _ = tiny.step(s, ("stay", "stay"))
    s, ev = tiny.step(s, ("stay", "stay"), chat=[(1, "chop 3 tomatoes"), (0, "ok!")])
    assert [(m.tick, m.player, m.text) for m in s.chat] == [(1, 1, "chop 3 tomatoes"), (1, 0, "ok!")]
    assert kinds(ev).count(EventKind.CHAT) == 2


def test_chat_from_a_third_player_is_an_error(tiny):
    with pytest.raises(InvalidActionError):
        tiny.step(tiny.reset(0), ("stay", "stay"), chat=[(2, "hi")])


def test_render_counts_down_to_the_game_end(tiny):
    from dualmind.game import render

    s = tiny.reset(0)
    assert "180.0 s left" in render(tiny, s)
    assert "25.0 s left" in render(tiny, s, end_tick=250)
