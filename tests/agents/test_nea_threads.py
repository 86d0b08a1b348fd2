"""NEA under a thread scheduler: a mind call may only compute; the tick thread applies.

Every NEA atomic action is a fast-mind call, which the wall clock runs in a worker
thread. The call used to set the executor's macro, step it, log the macro and complete
plan steps from that thread while the tick thread read the same objects."""

from __future__ import annotations

from dualmind.agents.mind_agent import MindAgent, MindConfig
from dualmind.game import Kitchen, load_layout
from dualmind.runtime.scheduler import VirtualScheduler


class Watching(VirtualScheduler):
    """Runs each call as the worker would, and notes any change it makes to the agent's
    own state (what the tick thread reads)."""

    def __init__(self, tick_seconds: float, agent: MindAgent):
        super().__init__(tick_seconds, agent.latency_models())
        self.agent = agent
        self.touched: list[str] = []

    def _seen(self) -> tuple:
        a = self.agent
        return (id(a.executor), a.executor.macro, repr(a.executor.memory), len(a.macros), a.fallbacks,
                [tuple(step) for step in a.plan.left], id(a.plan))

    def submit(self, mind, tick, fn):
        def watched():
            before = self._seen()
            out = fn()
            if self._seen() != before:
                self.touched.append(f"{mind} call at tick {tick}")
            return out

        return super().submit(mind, tick, watched)


def test_nea_calls_leave_the_agents_state_to_the_tick_thread():
    kitchen = Kitchen(load_layout("ring"))
    agent = MindAgent("nea", MindConfig(slow="rules", fast="rules", slow_latency=0.5, fast_latency=0.1))
    scheduler = Watching(kitchen.settings.tick_seconds, agent)
    agent.attach(scheduler)
    state = kitchen.reset(0)
    agent.reset(kitchen, 0, 0)
    moves = 0
    for n in range(600):
        decision = agent.act(state)
        moves += decision.action != "stay"
        chat = [(1, "chop 2 tomatoes")] if n == 0 else []
        state, _ = kitchen.step(state, (decision.action, "stay"), chat)
    assert scheduler.touched == []
    # ...and the agent still plays: its calls' results are applied on the tick thread.
    assert moves > 50 and len(agent.macros) >= 2
    assert "chop(tomato)" in [m for _t, m in agent.macros]  # the plan it was told reached the body
