"""One game between two named players, summarized like every other game (the compliance
judge included): the unit that ``dualmind play``, evaluation and the benchmarks are built
from."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable

from dualmind.agents.mind_agent import MindConfig
from dualmind.game.events import Event
from dualmind.game.layout import load_layout
from dualmind.game.rules import Kitchen
from dualmind.game.state import State
from dualmind.players import make_player
from dualmind.runtime.match import EpisodeResult, Match
from dualmind.runtime.record import Recorder
from dualmind.summaries import SUMMARIZERS


def play_episode(layout: str, agents: tuple[str, str], seed: int = 0, seconds: float | None = None,
                 clock: str = "virtual",
                 on_tick: Callable[[State, list[Event]], None] | None = None,
                 minds: MindConfig | None = None, record: str | None = None) -> EpisodeResult:
    """Play one game; the summary has ``compliance``, ``command_to_action_s`` and
    ``reply_latency_s`` of the agent (None when its partner asked nothing)."""
    kitchen = Kitchen(load_layout(layout))
    players = (make_player(agents[0], minds), make_player(agents[1], minds))
    config = {"minds": dataclasses.asdict(minds or MindConfig())}
    with Recorder(record) if record else contextlib.nullcontext() as recorder:
        match = Match(kitchen, players, seed, seconds, clock, recorder=recorder, config=config,
                      summarizers=SUMMARIZERS, on_tick=on_tick)
        return match.run()
