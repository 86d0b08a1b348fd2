"""Team metrics from events: what was wasted, done twice, left waiting, and idle time."""

from __future__ import annotations

from dualmind.agents.scripted import ScriptedAgent
from dualmind.game import Kitchen, load_layout
from dualmind.game.events import Event, EventKind
from dualmind.partners.player import persona_player
from dualmind.runtime.match import run_episode
from dualmind.runtime.team import KEYS, team_metrics, team_summary

RING = Kitchen(load_layout("ring"))



def ev(kind, tick, player=None, **kw):
    return Event(kind, tick, player, **kw)


def test_chopped_items_never_used_and_burnt_soups_are_waste():
    final = RING.reset(0)
    events = [ev(EventKind.CHOPPED, 10, 0, item="tomato"),
              ev(EventKind.CHOPPED, 20, 1, item="onion"),
              ev(EventKind.ADD_TO_POT, 50, 1, vegetables=("onion",)),
              ev(EventKind.FIRE_STARTED, 60)]
    got = team_metrics(events, final, 0.1)
    # The tomato was never used (it waits until the end), the soup burnt: two wasted.
    assert got["wasted_items"] == 2
    assert got["duplicated_steps"] == 0


def test_the_same_step_done_by_both_players_is_a_duplicate():
    final = RING.reset(0)
    events = [ev(EventKind.CHOPPED, 100, 0, item="lettuce"),
              ev(EventKind.CHOPPED, 130, 1, item="lettuce"),  # 3 s later, the other player
              ev(EventKind.ADD_TO_POT, 200, 0, vegetables=("lettuce",)),
              ev(EventKind.ORDER_OPENED, 0, soup="bob"),
              ev(EventKind.COOK_START, 300, 0, soup="bob"),
              ev(EventKind.COOK_START, 310, 1, soup="bob")]  # a second Bob for one order
    got = team_metrics(events, final, 0.1)
    assert got["duplicated_steps"] == 2
    assert got["wasted_items"] == 1


def test_the_longest_wait_of_a_chopped_item_is_measured():
    final = RING.reset(0)
    events = [ev(EventKind.CHOPPED, 0, 0, item="onion"),
              ev(EventKind.ADD_TO_POT, 450, 0, vegetables=("onion",))]
    assert team_metrics(events, final, 0.1)["max_unused_s"] == 45.0


def test_idle_time_is_the_time_spent_in_wait_macros():
    final = RING.reset(0)
    macros = [(0, "chop(onion)"), (100, "wait"), (130, "wait"), (150, "cook(alice)")]
    got = team_metrics([], final, 0.1, agent_macros=macros)
    assert got["agent_idle_s"] == 5.0
    assert team_metrics([], final, 0.1)["agent_idle_s"] is None


def test_every_game_summary_carries_the_team_metrics():
    result, _ = run_episode(RING, (ScriptedAgent(), persona_player("leader")), seed=0, seconds=60,
                            summarizers=[team_summary])
    summary = result.to_json()
    assert set(KEYS) <= set(summary)
    assert summary["agent_idle_s"] is not None and summary["wasted_items"] >= 0
