"""One game between two named players, with the compliance judge applied when one of them
is a talking partner: the unit that ``dualmind play`` and evaluation are built from."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from dualmind.agents.mind_agent import MindConfig
from dualmind.game.events import Event
from dualmind.game.layout import load_layout
from dualmind.game.rules import Kitchen
from dualmind.game.state import State
from dualmind.partners.judge import judge
from dualmind.players import make_player
from dualmind.runtime.loop import EpisodeResult, run_episode
from dualmind.runtime.record import Recorder


def play_episode(layout: str, agents: tuple[str, str], seed: int = 0, seconds: float | None = None,
                 clock: str = "virtual",
                 on_tick: Callable[[State, list[Event]], None] | None = None,
                 minds: MindConfig | None = None, record: str | None = None) -> EpisodeResult:
    """Play one game; the summary gains ``compliance``, ``command_to_action_s`` and
    ``reply_latency_s`` (for the other player) when a player talks."""
    kitchen = Kitchen(load_layout(layout))
    players = (make_player(agents[0], minds), make_player(agents[1], minds))
    events: list[Event] = []
    recorder = Recorder(record) if record else None
    config = {"minds": dataclasses.asdict(minds or MindConfig())}
    try:
        result, final = run_episode(kitchen, players, seed=seed, seconds=seconds, clock=clock,
                                    on_tick=on_tick, log=events, recorder=recorder, config=config)
    finally:
        if recorder is not None:
            recorder.close()
    for i, player in enumerate(players):
        talk = getattr(player, "talk_log", None)
        if talk:
            macros = getattr(players[1 - i], "macros", ())
            report = judge(talk, events, final.chat, 1 - i, kitchen.settings.tick_seconds, final.tick,
                           macros)
            result.extra.update(report.summary())
    return result
