"""The one episode driver: the browser and ``play`` play the same game, the agent contract
is checked in one place, and summarizers see the whole episode."""

from __future__ import annotations

import asyncio
import random

import pytest

from dualmind.agents.mind_agent import MindAgent, MindConfig
from dualmind.agents.random_agent import RandomAgent
from dualmind.agents.scripted import ScriptedAgent
from dualmind.game import Kitchen, load_layout
from dualmind.game.rules import ACTIONS
from dualmind.partners.player import silent_partner, talking_partner
from dualmind.players import KeyboardHuman, make_player
from dualmind.runtime.agent import Decision, MindPlayer, Player, TalkingPlayer, capabilities
from dualmind.runtime.match import EpisodeView, Match
from dualmind.runtime.record import list_episodes
from dualmind.summaries import SUMMARIZERS
from dualmind.web.session import Game, GameOptions

RING = Kitchen(load_layout("ring"))
SEED, SECONDS = 7, 3.0
KEYS = [random.Random(1).choice(ACTIONS) for _ in range(40)]
CHAT = {4: "chop 2 tomatoes please", 15: "what are the orders?"}


class Feeder:
    """The scripted human: before the tick with state tick n is played, key n (and any
    chat for n) is waiting; the same script whichever way the game is driven."""

    def __init__(self, press, say):
        self.press, self.say = press, say
        self.feed(0)

    def feed(self, tick: int) -> None:
        if tick < len(KEYS):
            self.press(KEYS[tick])
        if tick in CHAT:
            self.say(CHAT[tick])


def test_browser_session_and_play_path_play_the_same_game(tmp_path):
    # The browser's game, driven without a browser: frames come out through a watcher,
    # which feeds the next key and chat in between ticks (on the wall clock).
    game = Game(GameOptions(layout="ring", agent="scripted", seconds=SECONDS, seed=SEED,
                            show_mind=True), str(tmp_path / "web.sqlite"))
    web_feeder = Feeder(game.key, game.say)
    frames: list[dict] = []

    def watch(message: dict) -> None:
        if message["type"] == "frame":
            frames.append(message)
            web_feeder.feed(message["tick"])

    game.watchers.append(watch)
    asyncio.run(game.run())

    # play's path: the driver on the virtual clock, the same players, seed and script.
    human = KeyboardHuman()
    play_feeder = Feeder(human.press, human.say)
    match = Match(RING, (make_player("scripted"), human), SEED, SECONDS, "virtual",
                  summarizers=SUMMARIZERS, on_tick=lambda state, _events: play_feeder.feed(state.tick))
    result = match.run()

    assert game.status == "finished" and len(frames) == 30
    assert game.match is not None and game.match.state == match.state
    assert [m.text for m in match.state.chat if m.player == 1] == list(CHAT.values())
    assert game.summary["score"] == result.score and game.summary["ticks"] == result.ticks == 30
    assert set(game.summary) == set(result.to_json())
    assert game.summary["compliance_source"] == result.to_json()["compliance_source"] == "interpreted"
    assert game.summary["clock"] == "wall" and result.clock == "virtual"
    (episode,) = list_episodes(tmp_path / "web.sqlite")
    assert episode.finished and set(episode.summary) == set(game.summary)


def test_capabilities_are_declared_not_probed():
    hla = MindAgent("hla", MindConfig(slow="rules", fast="rules"))
    caps = capabilities(hla)
    assert isinstance(hla, MindPlayer) and caps.mind is hla and caps.macros is hla
    scripted = capabilities(ScriptedAgent())
    assert scripted.mind is None and scripted.macros is not None and scripted.talker is None
    assert capabilities(RandomAgent()) == type(caps)()  # a plain player: nothing more
    assert isinstance(talking_partner(), TalkingPlayer) and capabilities(silent_partner()).talker
    assert isinstance(KeyboardHuman(), Player)

    class NotAPlayer:
        name = "nobody"

        def act(self, state):
            return Decision()

    with pytest.raises(TypeError, match="not a player"):
        capabilities(NotAPlayer())
    with pytest.raises(TypeError, match="not a player"):
        Match(RING, (ScriptedAgent(), NotAPlayer()))


def test_summarizers_see_the_whole_episode_and_reach_the_record(tmp_path):
    from dualmind.runtime.record import Recorder

    seen: list[EpisodeView] = []

    def count_chat(view: EpisodeView) -> dict:
        seen.append(view)
        return {"human_lines": sum(1 for line in view.chat if line.player == 1)}

    human = KeyboardHuman()
    human.say("keep chopping onions")
    hla = MindAgent("hla", MindConfig(slow="rules", fast="rules"))
    with Recorder(tmp_path / "r.sqlite") as rec:
        result = Match(RING, (hla, human), 3, 5.0, recorder=rec, summarizers=[count_chat]).run()
    (view,) = seen
    assert view.finished and view.final.tick == 50 and result.extra["human_lines"] == 1
    (line,) = [line for line in view.chat if line.player == 1]
    assert line.tick == 0 and line.before.tick == 0 and line.views[1] is None
    assert line.views[0] is not None  # the agent's mind view when the message came
    assert len(view.events) == sum(result.event_counts.values())
    (episode,) = list_episodes(tmp_path / "r.sqlite")
    assert episode.summary["human_lines"] == 1 and episode.summary["score"] == result.score


def test_scoring_can_come_after_the_record_is_finished(tmp_path):
    from dualmind.runtime.record import Recorder

    calls = []

    def slow_scoring(view: EpisodeView) -> dict:
        calls.append(view.final.tick)
        return {"scored": True}

    with Recorder(tmp_path / "r.sqlite") as rec:
        match = Match(RING, (ScriptedAgent(), ScriptedAgent()), 1, 2.0, recorder=rec,
                      summarizers=[slow_scoring])
        match.start()
        while not match.over:
            match.step()
        result = match.finish(summarize=False)
        (episode,) = list_episodes(tmp_path / "r.sqlite")
        assert episode.finished and "scored" not in episode.summary and not calls
        assert match.summarize() == {"scored": True} and match.summarize() == {"scored": True}
    assert calls == [20] and result.extra["scored"]
    (episode,) = list_episodes(tmp_path / "r.sqlite")
    assert episode.summary["scored"] and episode.summary["score"] == result.score


def test_a_match_is_driven_step_by_step():
    match = Match(RING, (ScriptedAgent(), ScriptedAgent()), 2, 1.0)
    match.start()
    assert not match.over and match.delay() == 0.0
    while not match.over:
        match.step()
    assert match.finish() is match.finish() and match.result.ticks == 10
    with pytest.raises(RuntimeError, match="already started"):
        match.start()


def test_run_async_never_blocks_the_event_loop():
    match = Match(RING, (ScriptedAgent(), ScriptedAgent()), 0, 1.0, "wall")
    seen: list[int] = []

    async def main():
        async def other_game():
            while not match.over:
                seen.append(match.state.tick if match.state else -1)
                await asyncio.sleep(0.02)

        other = asyncio.create_task(other_game())
        result = await match.run_async()
        await other
        return result

    result = asyncio.run(main())
    # The other coroutine ran between ticks all through the game, not only before or after.
    assert result.finished and len({t for t in seen if 0 < t < 10}) >= 3
    assert result.lateness_p99_ms is not None and result.lateness_p99_ms >= result.lateness_p50_ms


def test_a_cut_short_game_is_summarized_as_unfinished():
    class Crash(ScriptedAgent):
        def act(self, state):
            if state.tick == 5:
                raise RuntimeError("boom")
            return super().act(state)

    match = Match(RING, (ScriptedAgent(), Crash()), 0, 10.0, summarizers=SUMMARIZERS)
    with pytest.raises(RuntimeError, match="boom"):
        match.run()
    assert match.result is not None and not match.result.finished and match.result.ticks == 5
