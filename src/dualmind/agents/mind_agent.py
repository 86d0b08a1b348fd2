"""Agents with minds: HLA and its baselines, built from the same parts.

==========  ================================================================================
agent       how it works
==========  ================================================================================
``hla``     slow mind (capable interpreter, slow latency) keeps the intention and replies;
            fast mind (fast latency) reads each new message at once to preempt the body,
            and picks every next macro from the intention; the executor acts every tick
``smoa``    slow mind only: it reads chat *and* picks every macro, each at slow latency
``fmoa``    fast mind only: it reads chat with the quick interpreter and picks macros
``nea``     no executor: every atomic action is a fast-mind call (minds as in hla)
==========  ================================================================================

Nothing here blocks: calls go through a scheduler (virtual or wall clock, see
:mod:`dualmind.runtime.scheduler`) and their results are applied at the first tick after
they are ready. A macro chosen on a state that has changed is checked again before use
and dropped if no longer possible (or older than ``staleness_s``); a human message is
never dropped: messages that arrive while the slow mind is busy go with its next call.
When the intention offers nothing possible, or a mind fails, the scripted planner picks
the macro instead, and the fallback is counted.
"""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass

from dualmind.agents.executor import Executor, Status
from dualmind.agents.language.context import Context
from dualmind.agents.language.interpreters import Interpreter, make_interpreter
from dualmind.agents.macros import Macro
from dualmind.agents.minds import FastMind, MindOutput, Plan, SlowMind, possible
from dualmind.agents.navigation import NavMap
from dualmind.agents.scripted import ScriptedPlanner
from dualmind.agents.world import World
from dualmind.game.rules import Kitchen
from dualmind.game.state import State
from dualmind.runtime.agent import Decision
from dualmind.runtime.scheduler import CallRecord, LatencyModel
from dualmind.runtime.stats import percentile

MODES = ("hla", "smoa", "fmoa", "nea")
_CACHE: dict[str, Interpreter] = {}
_CACHE_LOCK = threading.Lock()


def shared_interpreter(name: str) -> Interpreter:
    """One interpreter per name per process (the learned one takes seconds to load)."""
    with _CACHE_LOCK:
        if name not in _CACHE:
            _CACHE[name] = make_interpreter(name)
        return _CACHE[name]


@dataclass(frozen=True)
class MindConfig:
    """Which models the minds use and what their calls cost in game time."""

    slow: str = "learned"
    """Slow mind's interpreter: learned, rules, embedded, openai."""
    fast: str = "rules"
    """Fast mind's quick interpreter for fresh messages: rules, learned, embedded."""
    slow_latency: float | None = 4.0
    """Game seconds per slow call (None: the measured time)."""
    fast_latency: float | None = 0.3
    """Game seconds per fast call (None: the measured time)."""
    staleness_s: float = 12.0
    """A macro chosen longer ago than this is not applied."""


class MindAgent:
    """HLA and its baselines; ``mode`` is one of :data:`MODES`."""

    def __init__(self, mode: str = "hla", config: MindConfig | None = None,
                 slow: Interpreter | None = None, fast: Interpreter | None = None):
        """``slow``/``fast`` override the interpreters named in ``config`` (e.g. one over
        a test backend)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        self.name = mode
        self.mode = mode
        self.config = config or MindConfig()
        self.scheduler = None
        self.slow = SlowMind(slow or shared_interpreter(self.config.slow))
        quick = fast or (shared_interpreter(self.config.fast) if mode in ("hla", "fmoa") else None)
        self.fast = FastMind(quick if mode in ("hla", "fmoa") else None)
        self.planner = ScriptedPlanner()

    # ------------------------------------------------------------------ set-up
    def latency_models(self) -> dict[str, LatencyModel]:
        return {"slow": LatencyModel(self.config.slow_latency),
                "fast": LatencyModel(self.config.fast_latency)}

    def attach(self, scheduler) -> None:
        """The scheduler of this episode's clock (set by the loop before ``reset``)."""
        self.scheduler = scheduler

    def reset(self, kitchen: Kitchen, me: int, seed: int) -> None:
        self.kitchen, self.me = kitchen, me
        self.nav = NavMap(kitchen)
        self.executor = Executor(kitchen, me, seed=seed, nav=self.nav)
        self.plan = Plan()
        self.pending: list[str] = []  # messages the slow mind has not read yet
        self.fresh: list[str] = []  # messages the fast mind has not read yet
        self.seen_chat = 0
        self.need_since: int | None = None  # tick the body ran out of macro
        self.choosing = False  # a macro choice is in flight
        self.calls: list[tuple[CallRecord, MindOutput | None]] = []
        self.fallbacks = self.model_errors = self.stale_dropped = 0
        self.macro_latency: list[float] = []
        self.atomic_latency_ms: list[float] = []
        self.macros: list[tuple[int, str]] = []  # (tick, macro) each time one is set
        self.queued_action: str | None = None  # NEA: the atomic action that came back
        self.failed: dict[Macro, int] = {}  # macro -> tick it last failed (not retried at once)
        self.retry_ticks = kitchen.settings.ticks(2.0)
        if self.scheduler is None:
            from dualmind.runtime.scheduler import VirtualScheduler

            self.scheduler = VirtualScheduler(kitchen.settings.tick_seconds, self.latency_models())

    # ------------------------------------------------------------------ the tick
    def act(self, state: State) -> Decision:
        tick, sched = state.tick, self.scheduler
        for msg in state.chat[self.seen_chat:]:
            if msg.player != self.me:
                self.pending.append(msg.text)
                self.fresh.append(msg.text)
        self.seen_chat = len(state.chat)
        say = None
        slow_lane = "slow"
        choose_lane = "slow" if self.mode == "smoa" else "fast"

        record = sched.poll("slow", tick)
        if record is not None:
            say = self._on_result(record, state, from_slow=True)
        record = sched.poll("fast", tick)
        if record is not None:
            reply = self._on_result(record, state, from_slow=False)
            if self.mode == "fmoa":  # no slow mind: the fast mind answers questions itself
                say = " ".join(x for x in (say, reply) if x) or None

        ctx = Context.from_state(self.kitchen, state, self.plan.intention)
        if self.mode != "fmoa" and self.pending and not sched.busy(slow_lane):
            messages, self.pending = self.pending, []
            self.fresh = [] if self.mode == "smoa" else self.fresh
            if self.mode == "smoa":
                world = self._world(state)
                sched.submit(slow_lane, tick, lambda: self._think_and_choose(messages, ctx, world))
                self.choosing = True
            else:
                sched.submit(slow_lane, tick, lambda: self.slow.think(messages, ctx))
        if self.mode in ("hla", "fmoa") and self.fresh and not sched.busy("fast"):
            messages, self.fresh = self.fresh, []
            if self.mode == "fmoa":
                self.pending = []
            world, steps = self._world(state), self.plan.steps
            sched.submit("fast", tick, lambda: self.fast.react(messages, ctx, world, steps))
            self.choosing = True

        if self.mode == "nea":
            return self._act_without_executor(state, say)

        start = time.perf_counter()
        step = self.executor.step(state)
        self.atomic_latency_ms.append((time.perf_counter() - start) * 1000)
        if step.status == Status.DONE and step.macro is not None:
            self.plan.completed(step.macro)
        if step.status == Status.FAILED and step.macro is not None:
            self.failed[step.macro] = tick
        if step.status != Status.RUNNING:
            if self.need_since is None:
                self.need_since = tick
            if self.plan.empty and self.mode != "smoa" and not self.choosing:
                # No intention: the fast mind has nothing to choose from, so the body takes
                # the planner's macro now instead of waiting a call for the same answer.
                # (SMOA's slow mind picks every macro itself, so it still pays.)
                self._fallback_now(state)
                return Decision(self.executor.step(state).action, say)
            if not self.choosing and not sched.busy(choose_lane):
                world, steps = self._world(state), self.plan.steps
                sched.submit(choose_lane, tick, lambda: self.fast.choose(world, steps))
                self.choosing = True
        return Decision(step.action, say)

    def _fallback_now(self, state: State) -> None:
        recent = {m for m, t in self.failed.items() if state.tick - t < self.retry_ticks}
        macro = self.planner.choose(self._world(state), recent)
        self.fallbacks += 1
        self.executor.set_macro(macro)
        self.macros.append((state.tick, str(macro)))
        self.macro_latency.append((state.tick - self.need_since) * self.kitchen.settings.tick_seconds)
        self.need_since = None

    def _think_and_choose(self, messages, ctx, world) -> MindOutput:
        out = self.slow.think(messages, ctx)
        steps = list(out.intention.steps) if out.intention else self.plan.steps
        out.macro = self.fast.choose(world, steps).macro
        return out

    def _world(self, state: State) -> World:
        return World(self.kitchen, self.nav, state, self.me)

    # ------------------------------------------------------------------ results
    def _on_result(self, record: CallRecord, state: State, from_slow: bool) -> str | None:
        out: MindOutput | None = record.result if isinstance(record.result, MindOutput) else None
        self.calls.append((record, out))
        if out is None:  # the call raised: count it and let the planner cover
            self.model_errors += 1
            self.choosing = False
            return None
        self.model_errors += out.model_errors
        if self.mode == "nea" and not from_slow:
            self.queued_action = out.meta.get("atomic", "stay")
            self.atomic_latency_ms.append(record.latency_s * 1000)
            return None
        carries_choice = not from_slow or self.mode == "smoa"
        if carries_choice:
            self.choosing = False
        if out.intention is not None:
            self.plan.set(out.intention)
            current = self.executor.macro
            if from_slow and self.mode == "hla" and (current is None or current not in
                                                      [s.macro for s in self.plan.steps]):
                self._request_choice(state)  # the plan changed under the body: re-choose
        if carries_choice and (out.intention is not None or self.executor.macro is None):
            self._apply_macro(out.macro, record, state)
        return out.reply or None

    def _request_choice(self, state: State) -> None:
        lane = "slow" if self.mode == "smoa" else "fast"
        if not self.scheduler.busy(lane) and not self.choosing:
            world, steps = self._world(state), self.plan.steps
            self.scheduler.submit(lane, state.tick, lambda: self.fast.choose(world, steps))
            self.choosing = True

    def _apply_macro(self, macro: Macro | None, record: CallRecord, state: State) -> None:
        tick_s = self.kitchen.settings.tick_seconds
        world = self._world(state)
        age_s = (state.tick - record.submitted_tick) * tick_s
        if macro is not None and (age_s > self.config.staleness_s or not possible(world, macro)):
            self.stale_dropped += 1  # chosen on a state that is gone: choose again
            macro = None
            if not self.plan.empty:
                self._request_choice(state)
                return
        if macro is None:
            recent = {m for m, t in self.failed.items() if state.tick - t < self.retry_ticks}
            macro = self.planner.choose(world, recent)
            self.fallbacks += 1
        self.executor.set_macro(macro)
        self.macros.append((state.tick, str(macro)))
        since = self.need_since if self.need_since is not None else record.submitted_tick
        self.macro_latency.append((state.tick - since) * tick_s)
        self.need_since = None

    # ------------------------------------------------------------------ NEA
    def _act_without_executor(self, state: State, say: str | None) -> Decision:
        """Every atomic action is one fast-mind call on the state it was asked on."""
        action = "stay"
        if self.queued_action is not None:
            action, self.queued_action = self.queued_action, None
        if not self.scheduler.busy("fast"):
            world, steps = self._world(state), self.plan.steps
            self.scheduler.submit("fast", state.tick, lambda: self._atomic(world, steps, state))
        return Decision(action, say)

    def _atomic(self, world: World, steps, state: State) -> MindOutput:
        ex = self.executor
        if ex.macro is None:
            macro = self.fast.choose(world, steps).macro
            if macro is None:
                macro = self.planner.choose(world, set())
                self.fallbacks += 1
            ex.set_macro(macro)
            self.macros.append((state.tick, str(macro)))
        step = ex.step(state)
        if step.status == Status.DONE and step.macro is not None:
            self.plan.completed(step.macro)
        return MindOutput(output=step.action, meta={"atomic": step.action})

    # ------------------------------------------------------------------ metrics
    def drain_calls(self) -> list[tuple[CallRecord, MindOutput | None]]:
        calls, self.calls = self.calls, []
        return calls

    def summary(self) -> dict:
        def median(xs):
            return round(statistics.median(xs), 3) if xs else None

        p99 = percentile(self.atomic_latency_ms, 99)
        return {"fallbacks": self.fallbacks, "model_errors": self.model_errors,
                "stale_dropped": self.stale_dropped,
                "macro_latency_s": median(self.macro_latency),
                "atomic_latency_ms": median(self.atomic_latency_ms),
                "atomic_latency_p99_ms": p99 if p99 is None else round(p99, 3)}
