"""The leader persona relies on the agent for what it handed over, keeps busy meanwhile,
and re-plans (saying so) when the agent does not take its part up."""

from __future__ import annotations

from dualmind.agents.scripted import ScriptedAgent, ScriptedPlanner
from dualmind.game import Kitchen, load_layout
from dualmind.game.events import EventKind
from dualmind.game.state import State
from dualmind.partners.persona import load_persona
from dualmind.partners.player import persona_player
from dualmind.runtime.agent import Decision
from dualmind.runtime.match import run_episode

TICK = Kitchen(load_layout("ring")).settings.tick_seconds
TALK = load_persona("leader").talk


class StillAgent:
    """An agent that never moves; with ``answer`` it says "ok" to every message of the
    leader (a partner who agrees and then does nothing)."""

    name = "still"

    def __init__(self, answer: bool):
        self.answer = answer

    def reset(self, kitchen: Kitchen, me: int, seed: int) -> None:
        self.me, self.heard = me, 0

    def act(self, state: State) -> Decision:
        theirs = [m for m in state.chat if m.player != self.me]
        say = None
        if self.answer and len(theirs) > self.heard:
            say = "ok"
        self.heard = len(theirs)
        return Decision("stay", say)


def game(answer: bool, seed: int):
    partner = persona_player("leader")
    kitchen = Kitchen(load_layout("ring"))
    events: list = []
    result, _ = run_episode(kitchen, (StillAgent(answer), partner), seed=seed, log=events)
    return partner, result, events


def handovers_and_replans(partner):
    """(hand-over, the replan that ended it or None) for each split_cook / split_chop."""
    out, pending = [], None
    for r in partner.talk_log:
        if r.intent in ("split_cook", "split_chop", "split_pot"):
            if pending is not None:
                out.append((pending, None))
            pending = r
        elif r.intent == "replan" and pending is not None:
            out.append((pending, r))
            pending = None
    return out


def test_the_leader_replans_and_says_so_soon_when_the_agent_neither_answers_nor_moves():
    checked = 0
    for seed in range(3):
        partner, result, _ = game(answer=False, seed=seed)
        for ask, replan in handovers_and_replans(partner):
            if replan is None:
                continue  # done without the agent (the leader's own soup went on first)
            waited = (replan.tick - ask.tick) * TICK
            assert TALK.uptake_seconds - 0.5 <= waited <= TALK.uptake_seconds + 1, (ask.text, waited)
            handed = ask.expected.steps[0].macro.arg
            assert handed.lower() in replan.text.lower() or ask.intent == "split_chop", replan.text
            checked += 1
        # Alone, it still does every part itself: the kitchen keeps serving.
        assert result.served >= 4, result.served
    assert checked >= 6


def test_an_agent_that_answered_gets_the_whole_patience():
    checked = 0
    for seed in range(3):
        partner, _, _ = game(answer=True, seed=seed)
        for ask, replan in handovers_and_replans(partner):
            if replan is None or ask.expected.steps[0].macro.verb != "cook":
                continue
            waited = (replan.tick - ask.tick) * TICK
            assert waited >= TALK.patience_seconds - 0.5, (ask.text, waited)
            checked += 1
    assert checked >= 2


def test_while_it_relies_on_the_agent_the_leader_keeps_busy():
    """Whenever the leader chooses to wait while a part is handed over, there is nothing
    else to do: the planner, kept off only the handed-over steps, would wait too."""
    planner = ScriptedPlanner()
    idle_with_work = chose_while_relying = 0
    for layout in ("ring", "bottleneck"):
        for seed in range(3):
            partner = persona_player("leader")
            choose = partner._choose

            def watched(w, partner=partner, choose=choose):
                nonlocal idle_with_work, chose_while_relying
                macro = choose(w)
                tick = w.state.tick
                handed = {m for m, until in partner.relied.items() if tick < until}
                if handed:
                    chose_while_relying += 1
                    failed = {m for m, t in partner.failed.items() if tick - t < round(2 / TICK)}
                    if macro.verb == "wait" and planner.choose(w, handed | failed).verb != "wait":
                        idle_with_work += 1
                return macro

            partner._choose = watched
            run_episode(Kitchen(load_layout(layout)), (ScriptedAgent(), partner), seed=seed)
    assert chose_while_relying >= 50
    assert idle_with_work == 0


def test_the_leader_leaves_the_pot_of_a_soup_the_agent_agreed_to_cook():
    checked = 0
    for seed in range(3):
        partner, _, events = game(answer=True, seed=seed)
        for ask, replan in handovers_and_replans(partner):
            if ask.intent != "split_cook":
                continue
            soup = ask.expected.steps[0].macro.arg
            end = replan.tick if replan is not None else ask.tick + round(TALK.patience_seconds / TICK)
            assert not [e for e in events if e.kind == EventKind.COOK_START and e.player == 1
                        and e.soup == soup and ask.tick <= e.tick < end], ask.text
            checked += 1
    assert checked >= 3


def test_uptake_seconds_is_optional_in_a_persona_file(tmp_path):
    """Files written before the key existed still load (with the default), and a file
    can set it."""
    old = tmp_path / "old.toml"
    old.write_text('style = "leader"\n[talk]\npatience_seconds = 20.0\n', encoding="utf-8")
    assert load_persona(str(old)).talk.uptake_seconds == TALK.uptake_seconds
    new = tmp_path / "new.toml"
    new.write_text('style = "leader"\n[talk]\nuptake_seconds = 30.0\n', encoding="utf-8")
    assert load_persona(str(new)).talk.uptake_seconds == 30.0


def test_the_leader_says_an_onion():
    # {n} was "a" for every vegetable: "chop a onion for me please".
    said = [r.text for seed in range(5) for r in game(False, seed)[0].talk_log if r.intent == "split_chop"]
    assert any("an onion" in t for t in said)
    assert not any("a onion" in t.replace("an onion", "") for t in said)
