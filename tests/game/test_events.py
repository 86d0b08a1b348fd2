"""Events carry what they concern in typed fields; nothing needs to parse a string."""

from __future__ import annotations

from dualmind.agents.scripted import ScriptedAgent
from dualmind.game import Kitchen, load_layout
from dualmind.game.events import Event, EventKind
from dualmind.game.items import SOUPS, VEGETABLES
from dualmind.runtime.match import run_episode


def test_a_game_reports_structured_events():
    kitchen = Kitchen(load_layout("ring"))
    events: list[Event] = []
    run_episode(kitchen, (ScriptedAgent(), ScriptedAgent()), seed=1, seconds=120, log=events)
    by_kind: dict[EventKind, list[Event]] = {}
    for e in events:
        by_kind.setdefault(e.kind, []).append(e)
    assert {EventKind.CHOPPED, EventKind.COOK_START, EventKind.SERVE} <= set(by_kind)
    assert all(e.item in VEGETABLES for e in by_kind[EventKind.CHOPPED])
    for e in by_kind[EventKind.COOK_START]:
        assert e.soup in SOUPS and e.pot in range(len(kitchen.pot_cells)) and e.item == ""
    for e in by_kind.get(EventKind.ADD_TO_POT, []):
        assert set(e.vegetables) <= set(VEGETABLES) and e.pot is not None
    assert all(e.soup in SOUPS for e in by_kind[EventKind.SERVE])
    assert all(e.label == e.soup for e in by_kind[EventKind.SERVE])


def test_chat_text_is_a_field():
    kitchen = Kitchen(load_layout("ring"))
    _state, events = kitchen.step(kitchen.reset(0), ("stay", "stay"), [(1, "chop 2 onions")])
    (chat,) = events
    assert chat.kind == EventKind.CHAT and chat.text == "chop 2 onions" == chat.label
    fire = Event(EventKind.FIRE_STARTED, 3, None, pot=1)
    assert fire.label == "pot 1" and fire.text == ""
