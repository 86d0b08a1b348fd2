"""Status of the human's open request (issue 14, "the agent talks like HLA"): the slow
mind checks, while a request is open, whether it is over, and says so."""

from __future__ import annotations

import dataclasses

from dualmind.agents.intention import Intention, Step
from dualmind.agents.language.context import Context
from dualmind.agents.llm.slow import LLMSlowInterpreter
from dualmind.agents.macros import Macro
from dualmind.agents.mind_agent import MindAgent, MindConfig
from dualmind.agents.minds import SlowMind
from dualmind.agents.navigation import NavMap
from dualmind.agents.status import Request, moot
from dualmind.agents.world import World
from dualmind.bench.language import STATUS_CASES, bench_status, status_cases
from dualmind.game import Kitchen, load_layout
from dualmind.game.state import ChatMessage
from dualmind.llm.protocol import Completion

RING = Kitchen(load_layout("ring"))
NAV = NavMap(RING)


def _run(agent: MindAgent, state, ticks: int, orders=None, from_tick: int = 0):
    """Drive the agent over ``ticks`` ticks of a frozen kitchen (only the clock moves);
    ``orders`` replaces the open orders from ``from_tick`` on. Returns what it said."""
    said = []
    for t in range(state.tick, state.tick + ticks):
        now = dataclasses.replace(state, tick=t)
        if orders is not None and t >= from_tick:
            now = dataclasses.replace(now, orders=orders)
        decision = agent.act(now)
        if decision.say:
            said.append(decision.say)
    return said


def test_a_request_for_a_soup_nobody_orders_any_more_ends_and_the_agent_says_so():
    state = RING.reset(0)  # orders: David, Bob, Alice
    state = dataclasses.replace(state, chat=(ChatMessage(0, 1, "please make a bob soup"),))
    agent = MindAgent("hla", MindConfig(slow="rules", fast="rules", slow_latency=1.0, fast_latency=0.1))
    agent.reset(RING, 0, seed=0)
    said = _run(agent, state, 30)  # read (1 s) and acknowledged
    assert any(s.macro == Macro("cook", "bob") for s in agent.plan.steps)
    assert agent.request is not None and "bob" in agent.request.text
    # The human served the Bob meanwhile: the order is gone, and so is the request.
    without_bob = tuple(o for o in state.orders if o.soup != "bob")
    said = _run(agent, dataclasses.replace(state, tick=30), 80, orders=without_bob, from_tick=30)
    assert agent.plan.empty and agent.request is None
    assert any("Bob order is gone" in s for s in said), said


def test_a_request_still_wanted_goes_on():
    state = RING.reset(0)
    state = dataclasses.replace(state, chat=(ChatMessage(0, 1, "please make a bob soup"),))
    agent = MindAgent("hla", MindConfig(slow="rules", fast="rules", slow_latency=1.0, fast_latency=0.1))
    agent.reset(RING, 0, seed=0)
    _run(agent, state, 110)
    assert any(s.macro == Macro("cook", "bob") for s in agent.plan.steps)
    assert agent.request is not None


def test_moot_only_judges_soups():
    state = RING.reset(0)
    world = World(RING, NAV, state, 0)
    assert moot(world, [Step(Macro("cook", "bob"))]) == ""  # Bob is ordered
    assert "Cathy order is gone" in moot(world, [Step(Macro("cook", "cathy"))])
    assert moot(world, [Step(Macro("chop", "onion"), None)]) == ""  # chopping: counters and caps decide
    assert moot(world, [Step(Macro("cook", "cathy")), Step(Macro("chop", "onion"))]) == ""


class _Judge:
    """An interpreter that answers status checks as told, and counts them."""

    name = "judge"

    def __init__(self, over: bool):
        self.over, self.asked = over, 0

    def interpret(self, message, context):  # pragma: no cover - not read here
        raise AssertionError("not used")

    def status(self, request: str, done: str, context: Context):
        self.asked += 1
        return self.over, {"prompt_tokens": 40, "completion_tokens": 1}


def test_the_model_is_asked_only_about_standing_orders_and_only_when_allowed():
    world = World(RING, NAV, RING.reset(0), 0)
    request = Request("keep chopping onions till the david is cooking", 0)
    request.did(Macro("chop", "onion"))
    judge = _Judge(over=True)
    mind = SlowMind(judge, status_model=True)
    counted = [Step(Macro("chop", "onion"), 2)]
    standing = [Step(Macro("chop", "onion"), None)]
    assert not mind.asks_model_for_status(counted) and mind.asks_model_for_status(standing)
    assert not mind.status(request, world, counted, Context()).stop and judge.asked == 0
    out = mind.status(request, world, standing, Context())
    assert out.stop and judge.asked == 1 and out.tokens == (40, 1)
    assert out.reply == "Done: I chopped an onion."
    # Off (the default): the model is never asked, whatever it would say.
    assert not SlowMind(judge).status(request, world, standing, Context()).stop and judge.asked == 1


class _Labels:
    """A backend that answers every constrained call with one label and keeps the prompts."""

    name = "labels"

    def __init__(self, value: str):
        self.value, self.prompts = value, []

    def complete(self, messages, constraint, timeout=None):
        self.prompts.append(messages)
        assert self.value in constraint.options
        return Completion(self.value, self.value, 0.01, 30, 1, backend=self.name)


def test_the_status_prompt_shares_the_reading_prompts_cached_prefix():
    backend = _Labels("no")
    slow = LLMSlowInterpreter(backend, template="slow+status")
    ctx = Context(("bob", "cathy"), (), Intention("long", (Step(Macro("chop", "tomato"), None),)))
    reading = slow.prompt("chop tomatoes", ctx)
    status = slow.status_prompt("keep chopping tomatoes", "chop(tomato) x3", ctx)
    assert status[:-1] == reading[:-1]  # only the last turn differs: llama.cpp re-reads ~50 tokens
    assert "keep chopping tomatoes" in status[-1].content and "chop(tomato) x3" in status[-1].content
    assert slow.status("keep chopping tomatoes", "chop(tomato) x3", ctx)[0] is False
    assert LLMSlowInterpreter(_Labels("yes")).status("x", "y", ctx)[0] is True
    # The reading-only prompt has no status turns (they cost reading accuracy).
    plain = LLMSlowInterpreter(_Labels("no")).prompt("chop tomatoes", ctx)
    assert not any("status: asked" in m.content for m in plain)
    assert sum("status: asked" in m.content for m in reading) >= 4
    assert reading[-1] == plain[-1] and reading[0].content.startswith(plain[0].content)


def test_bench_status_scores_the_hand_written_checks():
    standing = [c for c in status_cases(STATUS_CASES) if "x always" in c["doing"]]
    never = bench_status(_Judge(over=False), cases=STATUS_CASES)
    assert never["cases"] == len(standing)
    assert never["right"] == sum(not c["finished"] for c in standing)
