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

import copy
import math
import statistics
import threading
import time
from dataclasses import dataclass, replace
from typing import NamedTuple

from dualmind.agents.executor import Executor, Status
from dualmind.agents.intention import Intention, Step
from dualmind.agents.language.context import Context
from dualmind.agents.language.interpreters import Interpreter, make_interpreter
from dualmind.agents.macro_logic import HAND_OVER, WHOLE_SET
from dualmind.agents.macros import Macro
from dualmind.agents.minds import (
    FastMind,
    IntentionProgress,
    MindOutput,
    SlowMind,
    expand,
    leave_ready_soup,
    named_soups,
    possible,
    too_late_to_chop,
    unblock_board,
)
from dualmind.agents.navigation import NavMap
from dualmind.agents.scripted import ScriptedPlanner, can_chop, uncovered_orders
from dualmind.agents.status import STATUS_SECONDS, Request
from dualmind.agents.world import World
from dualmind.game import items, tiles
from dualmind.game.rules import COOKING, EMPTY, FILLING, READY, STAY, Kitchen
from dualmind.game.state import State
from dualmind.runtime.agent import Decision, MindView
from dualmind.runtime.scheduler import CallRecord, LatencyModel
from dualmind.runtime.stats import percentile
from dualmind.vocab import (
    DEFAULT_FAST_BACKEND,
    DEFAULT_SLOW_BACKEND,
    FAST_LATENCY,
    MIND_AGENTS,
    SLOW_LATENCY,
    TOKENS,
)

MODES = MIND_AGENTS
CLAIM_SECONDS = 60.0  # a human's "I'll do X" holds this long unless X is on the stove before
BAN_SECONDS = 90.0  # "don't touch X" holds this long
FIRE_CLAIM_SECONDS = 15.0  # "I'll deal with the fire": time enough to reach the extinguisher
PLATE_AHEAD_SECONDS = 5.0  # an idle agent fetches a plate for a soup ready within this long
MAX_LEAD_TICKS = 16  # the furthest ahead of a macro's end its next macro is asked for
END_SERVED_REQUESTS = True  # a request to serve a soup ends once that soup is served (see _drop_served)
CHOOSE_ON_NOW = True  # with no intention, the macro is the planner's on the state now (see _apply_macro)
HAND_OVER_CHOPS = True  # a chop for the human's own soup is handed over (see _chop_for_partner)
READ_WITHOUT_WAITING = True  # an idle body with no intention does not wait for a fast reading (see act)
_CACHE: dict[str, Interpreter] = {}
_CACHE_LOCK = threading.Lock()


def shared_interpreter(name: str, status: bool = False) -> Interpreter:
    """One interpreter per name per process (the learned one takes seconds to load);
    ``status``: the LLM slow mind's variant that also judges requests over."""
    key = f"{name}+status" if status and name in ("llm", "openai") else name
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = make_interpreter(name, status=status)
        return _CACHE[key]


@dataclass(frozen=True)
class MindConfig:
    """Which models the minds use and what their calls cost in game time."""

    slow: str = DEFAULT_SLOW_BACKEND
    """Slow mind's interpreter: learned, rules, embedded, openai."""
    fast: str = DEFAULT_FAST_BACKEND
    """Fast mind's quick interpreter for fresh messages: rules, learned, embedded."""
    slow_latency: float | str | None = SLOW_LATENCY
    """Game seconds per slow call; None or -1: the measured wall time; ``"tokens"``: the
    call's prompt and generated tokens at this CPU's measured rates (:mod:`dualmind.llm.rates`)."""
    fast_latency: float | str | None = FAST_LATENCY
    """Game seconds per fast call (as ``slow_latency``)."""
    staleness_s: float = 12.0
    """A macro chosen longer ago than this is not applied."""
    fast_mind: str = "code"
    """How the fast mind picks macros: code (first possible step of the plan) or llm
    (Qwen 0.5B scores the possible macros by likelihood; the models extra)."""
    status_model: bool = False
    """Does the LLM slow mind also judge when a standing request is over (a status call
    on the slow lane, :mod:`dualmind.agents.status`)? Off by default: Qwen 1.5B got 8 of
    10 dev checks and 7 of 10 held-out ones (``dualmind bench status [--heldout]``), and
    ended "you handle tomatoes for the rest of the round" after 6; the game's rule (a soup
    no longer wanted) runs either way."""


def latency_model(value: float | str | None, lane: str) -> LatencyModel:
    """What a call on ``lane`` costs under the virtual clock: a fixed number of seconds,
    the measured wall time (None or a negative number, as ``--slow-latency -1``), or
    ``"tokens"``: per token at the rates measured on a 2-core CPU."""
    if value == TOKENS:
        from dualmind.llm.rates import cpu_latency

        return cpu_latency(lane)
    if value is None or float(value) < 0:
        return LatencyModel(None)
    return LatencyModel(float(value))


def serves(macro: Macro | None, steps) -> bool:
    """Is ``macro`` already a step towards the intention (itself, or chopping for a soup it
    asks for)? Then a new message asking for the same thing does not interrupt it."""
    if macro is None:
        return False
    for step in steps:
        m = step.macro
        if macro == m or (macro.verb == "chop" and m.verb in ("cook", "serve", "prepare")
                          and m.arg in items.SOUPS and macro.arg in items.SOUPS[m.arg].ingredients):
            return True
    return False


class MindAgent:
    """HLA and its baselines; ``mode`` is one of :data:`MODES`."""

    def __init__(self, mode: str = "hla", config: MindConfig | None = None,
                 slow: Interpreter | None = None, fast: Interpreter | None = None,
                 parts: dict | None = None):
        """``slow``/``fast`` override the interpreters named in ``config`` (e.g. one over
        a test backend); with LLM minds, ``parts`` may hold the ``chooser`` (and NEA's
        ``stepper``) to use instead of loading the models."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        self.name = mode
        self.mode = mode
        self.config = config or MindConfig()
        self.scheduler = None
        self.slow = SlowMind(slow or shared_interpreter(self.config.slow, self.config.status_model),
                             status_model=self.config.status_model)
        quick = fast or (shared_interpreter(self.config.fast) if mode in ("hla", "fmoa") else None)
        chooser = None
        parts = parts or {}
        # With LLM minds the baselines are the paper's: SMOA's slow model and FMOA's fast
        # model pick every macro themselves, NEA's fast model every atomic action
        # (:mod:`dualmind.agents.llm.baselines`); with code minds, HLA's parts recombined.
        self.llm_baseline = self.config.fast_mind == "llm" and mode in ("smoa", "fmoa")
        self.stepper = None  # NEA with LLM minds: the model that picks each atomic action
        if self.config.fast_mind == "llm":
            from dualmind.agents.llm import baselines
            from dualmind.agents.llm.fast import LLMFastChooser

            # One per agent (a chooser remembers its recent macros).
            chooser = parts.get("chooser") or {"smoa": baselines.SMOAChooser,
                                               "fmoa": baselines.FMOAChooser}.get(mode, LLMFastChooser)()
            if mode == "nea":
                self.stepper = parts.get("stepper") or baselines.NEAStepper()
        elif self.config.fast_mind != "code":
            raise ValueError(f"fast_mind must be code or llm, got {self.config.fast_mind!r}")
        self.fast = FastMind(quick if mode in ("hla", "fmoa") else None, chooser=chooser)
        self.planner = ScriptedPlanner()
        self.plan = IntentionProgress()
        self.executor: Executor | None = None
        self.macros: list[tuple[int, str]] = []  # (tick, macro) each time one is set

    # ------------------------------------------------------------------ set-up
    def _rewind_models(self) -> None:
        """A new game starts every model from its fixed prompt prefix (see
        :meth:`~dualmind.llm.qwen.QwenBackend.rewind`), so its calls cost the same
        whichever game the process played before."""
        for part in (self.slow.interpreter, self.fast.interpreter, self.fast.chooser, self.stepper):
            rewind = getattr(getattr(part, "backend", None), "rewind", None)
            if rewind is not None:
                rewind()

    def latency_models(self) -> dict[str, LatencyModel]:
        return {"slow": latency_model(self.config.slow_latency, "slow"),
                "fast": latency_model(self.config.fast_latency, "fast")}

    def attach(self, scheduler) -> None:
        """The scheduler of this episode's clock (set by the loop before ``reset``)."""
        self.scheduler = scheduler

    def reset(self, kitchen: Kitchen, me: int, seed: int) -> None:
        self._rewind_models()
        self.kitchen, self.me = kitchen, me
        self.nav = NavMap(kitchen)
        self.executor = Executor(kitchen, me, seed=seed, nav=self.nav)
        self.plan = IntentionProgress()
        # The model of the human: what they said they will do, and what they told us not
        # to do, each until the tick it lapses; what they hold and do is read from the state.
        self.claims: dict[Macro, int] = {}
        self.banned: dict[Macro, int] = {}
        self.abilities: dict | None = None
        self.partner_can: dict | None = None
        self.deferred: Macro | None = None  # a macro waiting for a half-done chop to finish
        self.pending: list[str] = []  # messages the slow mind has not read yet
        self.fresh: list[str] = []  # messages the fast mind has not read yet
        self.seen_chat = 0
        self.need_since: int | None = None  # tick the body ran out of macro
        self.choosing = False  # a macro choice is in flight
        self.reading = False  # the choice in flight comes with a fast reading of new messages
        self.rechoose = False  # the plan changed under the body: a choice is due
        self.preempting = False  # the choice in flight replaces the body's macro
        # The next macro asked for before the current one ends (:meth:`_choose_ahead`):
        # in flight, (the macro it follows, the intention it read); back, an _Ahead.
        self.ahead_pending: tuple[Macro, Intention] | None = None
        self.ahead: _Ahead | None = None
        fixed = self.latency_models()["fast"].seconds
        self.lead_ticks = kitchen.settings.ticks(fixed) if fixed else 4  # the fast lane's last latency
        self.calls: list[tuple[CallRecord, MindOutput | None]] = []
        self.fallbacks = self.model_errors = self.stale_dropped = self.macros_ahead = 0
        self.macro_latency: list[float] = []
        self.atomic_latency_ms: list[float] = []
        self.macros: list[tuple[int, str]] = []  # (tick, macro) each time one is set
        self.queued_action: str | None = None  # NEA: the atomic action that came back
        self.failed: dict[Macro, int] = {}  # macro -> tick it last failed (not retried at once)
        self.retry_ticks = kitchen.settings.ticks(2.0)
        # The human's open request and its status checks (:mod:`dualmind.agents.status`).
        self.request: Request | None = None
        self.status_tick = 0  # when the last status check was made
        self.status_due = False  # a macro finished since then
        self.status_about: tuple = (None, None)  # the request and intention a check is about
        self.status_ticks = kitchen.settings.ticks(STATUS_SECONDS)
        # Soups served (by either player) and requests to serve one: (tick, soup) each time
        # an order was served; soup -> the tick of the message that asked to serve it.
        self.served_log: list[tuple[int, str]] = []
        self.last_orders: tuple = ()
        self.last_served = 0
        self.serve_asked: dict[str, int] = {}
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
        self._note_serves(state)
        if self.serve_asked:
            self._drop_served(state)
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

        if self.rechoose and not self.choosing and not sched.busy(choose_lane):
            self._request_choice(state)  # submitted: this choice replaces the body's macro
            self.preempting = True
        ctx = replace(Context.from_state(self.kitchen, state, self.plan.intention),
                      **self._abilities(state))
        avoid = self._avoid(state)
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
            world, steps, named = self._plan_view(state)
            if self.llm_baseline:  # FMOA's fast model reads the raw words, picks and replies
                sched.submit("fast", tick, lambda: self.fast.chooser.react(world, messages, frozenset(avoid)))
            else:
                sched.submit("fast", tick, lambda: self.fast.react(messages, ctx, world, steps, avoid, named))
            self.choosing = True
            self.reading = self.mode == "hla"

        if self.mode == "nea":
            return self._act_without_executor(state, say)

        start = time.perf_counter()
        current = self.executor.macro
        if current is not None and current.verb == "chop":
            self.executor.memory[HAND_OVER] = self._chop_for_partner(current, state)
        step = self.executor.step(state)
        self.atomic_latency_ms.append((time.perf_counter() - start) * 1000)
        ahead = None
        if step.status != Status.RUNNING:
            ahead, self.ahead = self.ahead, None
        elif step.action != STAY:
            self._choose_ahead(state, step.action)
        if step.status == Status.DONE and step.macro is not None:
            self.plan.completed(step.macro)
            if self.request is not None:
                self.request.did(step.macro)
                self.status_due = True
        if self.mode == "hla":
            say = self._check_status(state, say)
        if step.status == Status.FAILED and step.macro is not None:
            self.failed[step.macro] = tick
        if step.status != Status.RUNNING and self.deferred is not None:
            # The chop it would not abandon is done: now the macro that came meanwhile.
            macro, self.deferred = self.deferred, None
            if possible(self._world(state), macro):
                self.executor.set_macro(macro)
                self.macros.append((tick, str(macro)))
                return Decision(self.executor.step(state).action, say)
        if step.status != Status.RUNNING:
            if self.need_since is None:
                self.need_since = tick
            if ahead is not None and step.status == Status.DONE and ahead.after == step.macro \
                    and ahead.intention is self.plan.intention:
                # The next macro was chosen while this one ran: the body goes on at once.
                self._apply_macro(ahead.macro, ahead.record, state)
                if self.executor.macro is not None:
                    self.macros_ahead += 1
                    return Decision(self.executor.step(state).action, say)
            reading = READ_WITHOUT_WAITING and self.reading and self.fast.chooser is None
            if self.plan.empty and self.mode != "smoa" and not self.llm_baseline \
                    and (not self.choosing or reading):
                # No intention: the fast mind has nothing to choose from, so the body takes
                # the planner's macro now instead of waiting a call for the same answer.
                # (SMOA's slow mind picks every macro itself, so it still pays; so do the
                # LLM baselines, whose model picks every macro with no intention.) Nor does
                # it wait for the fast reading of a message in flight: most are questions
                # or thanks, and a request replaces this macro when it is read (the result
                # of a reading that sets an intention is applied whatever the body does).
                # (Measured, asker, quick seeds 100-119: the body stood 3 ticks for each
                # "what do we still have to make?" that came as a macro ended, in 7 games.)
                self._fallback_now(state)
                return Decision(self.executor.step(state).action, say)
            self._request_choice(state, avoid)  # (computed before this tick's step, as always)
        return Decision(step.action, say)

    def _check_status(self, state: State, say: str | None) -> str | None:
        """While a request of the human's is open, ask whether it is over: after a macro
        finishes, at most every :data:`STATUS_SECONDS`, and never ahead of a message still
        to read. An LLM slow mind answers on the slow lane (its tokens charged like any
        call); code minds answer by rule, at once (a rule costs no model time, like the
        planner's fallback)."""
        if self.request is None:
            return say
        if self.plan.empty:  # its counters ran out: nothing left to check
            self.request = None
            return say
        tick, sched = state.tick, self.scheduler
        if tick - self.status_tick < self.status_ticks or self.pending or sched.busy("slow"):
            return say
        model = self.slow.asks_model_for_status(self.plan.steps)
        if model and not self.status_due:
            return say  # the model is asked about progress; the game alone is checked below
        self.status_tick, self.status_due = tick, False
        (world, steps, named), request = self._plan_view(state), self.request
        ctx = Context.from_state(self.kitchen, state, self.plan.intention)
        self.status_about = (request, self.plan.intention)
        if model:
            sched.submit("slow", tick, lambda: self.slow.status(request, world, steps, ctx, named))
            return say
        out = self.slow.status(request, world, steps, ctx, named)
        if out.stop:  # (a rule's "not yet" every few seconds is not worth a record)
            self.calls.append((CallRecord("slow", tick, tick, result=out, prompt=out.prompt,
                                          output=out.output), out))
        # The line ending the old request goes out with, not instead of, what this tick
        # already says: a question read this tick (it leaves the request open) is checked
        # in the same tick, and its answer was lost. (Measured, talker, bottleneck seed 0:
        # "what's ordered right now?" got only "Done: I chopped a lettuce ...".)
        return " ".join(x for x in (say, self._status_result(out, state)) if x) or None

    def _status_result(self, out: MindOutput, state: State) -> str | None:
        """Apply a status answer if the request and intention it was about are still in force
        (a message read meanwhile replaced them: the answer is about the past)."""
        request, intention = self.status_about
        if not out.stop or request is not self.request or intention is not self.plan.intention:
            return None
        self._end_intention()
        return out.reply or None

    def _end_intention(self) -> None:
        """The intention in force is over (the human said stop, or a status check found its
        request done): the plan empties, and a body working on it chooses anew next tick."""
        asked = serves(self.executor.macro, self.plan.steps)
        self.plan.set(Intention())
        self.request = None
        if asked:
            self.executor.set_macro(None)

    def _note_serves(self, state: State) -> None:
        """Which soups were served this tick, by either player: the orders gone from the list
        before their deadline, when the served count went up."""
        if state.served > self.last_served:
            now = set(state.orders)
            gone = [o for o in self.last_orders if o not in now and o.deadline > state.tick]
            self.served_log += [(state.tick, o.soup) for o in gone[:state.served - self.last_served]]
        self.last_orders, self.last_served = state.orders, state.served

    def _note_serve_request(self, intention: Intention, submitted: int, state: State) -> None:
        """Remember since when each soup the new intention asks to serve (or plate) was asked
        for: the tick of the last message the call read. (HLA's; the baselines as they were.)"""
        if self.mode != "hla":
            return
        said = [m.tick for m in state.chat if m.player != self.me and m.tick <= submitted]
        since = said[-1] if said else submitted
        self.serve_asked = {s.macro.arg: since for s in intention.steps
                            if s.macro.verb in ("serve", "plate") and s.macro.arg in items.SOUPS
                            and s.count is not None}

    def _drop_served(self, state: State) -> None:
        """A request to serve a soup is over once that soup was served after it was asked, by
        the human too, or the human holds it plated (they are serving it): "serve the Cathy,
        my hands are full", then the human serves it themselves. Left open, the step turned
        into cooking a new Cathy (a serve that cannot start is worked towards,
        :func:`~dualmind.agents.minds.choose_from_plan`) ahead of the most urgent order, and
        into waiting with a plate at the pot while it cooked. (Measured, asker, quick seeds
        0-19: 91 s of cooking or chopping under such requests and 74 s holding a plate at a
        pot whose soup was not ready; 38 s and 0.4 s with this rule.)"""
        if not END_SERVED_REQUESTS:
            return
        held = state.players[1 - self.me].holding
        taken = held.soup if held is not None and held.kind == items.PLATE else None
        done = {soup for soup, since in self.serve_asked.items() if soup == taken
                or any(t >= since and served == soup for t, served in self.served_log)}
        if not done:
            return
        for soup in done:
            del self.serve_asked[soup]
        kept = [[m, c] for m, c in self.plan.left
                if not (m.verb in ("serve", "plate") and m.arg in done and c is not None)]
        if len(kept) == len(self.plan.left):
            return
        # What the body does towards the dropped step stops, unless it is serving: a serve
        # goes on as the planner's own would (to the next such soup cooking, or it fails and
        # the planner picks). (Measured, asker, quick seed 104: stopped, the agent put its
        # plate down for a cook and fetched another for the next Cathy.)
        current = self.executor.macro
        asked = current is not None and current.verb not in ("serve", "plate") \
            and serves(current, self.plan.steps)
        # A new intention object: a choice in flight or made ahead for the old plan is
        # asked again (see _on_result and act), as after any change of plan.
        self.plan.set(replace(self.plan.intention, steps=tuple(Step(m, c) for m, c in kept)))
        self.ahead = None
        if self.plan.empty:
            self.request = None
        if asked and not serves(self.executor.macro, self.plan.steps):
            if self.plan.empty:
                self.executor.set_macro(None)
            else:
                self.rechoose = True
        # A choice in flight read the old plan: the one that replaces it reads the new one.
        self.rechoose = self.rechoose or self.choosing

    def _fallback_now(self, state: State) -> None:
        recent = self._failed_recently(state.tick)
        macro = self._cooperative_choice(self._world(state), recent, state)
        self.fallbacks += 1
        self.executor.set_macro(macro)
        self.macros.append((state.tick, str(macro)))
        self.macro_latency.append((state.tick - self.need_since) * self.kitchen.settings.tick_seconds)
        self.need_since = None

    # ------------------------------------------------------------------ the human
    def _hear(self, out: MindOutput, tick: int) -> None:
        """Claims and prohibitions from chat go into the model of the human. A newer
        division of work replaces the older one."""
        claims, avoid = getattr(out, "claims", ()), getattr(out, "avoid", ())
        if claims:
            self.claims = {}
        for m in claims:
            # A fire the human took and did not put out is the agent's again soon: a fire
            # left burning spreads.
            hold = FIRE_CLAIM_SECONDS if m.verb == "extinguish" else CLAIM_SECONDS
            self.claims[m] = tick + self.kitchen.settings.ticks(hold)
        for m in avoid:
            self.banned[m] = tick + self.kitchen.settings.ticks(BAN_SECONDS)
        if claims or avoid:  # "I'll cook" / "don't touch X": the plan loses what they now cover
            drop = expand([*claims, *avoid])
            kept = [s for s in self.plan.steps if s.macro not in drop]
            if len(kept) != len(self.plan.steps):
                self.plan.left = [[s.macro, s.count] for s in kept]

    def _cooperative_choice(self, world: World, recent: set[Macro], state: State) -> Macro:
        """The planner's macro, leaving alone what the human claimed or forbade; if that
        leaves nothing to do, help with what they claimed rather than stand idle (what
        they forbade stays forbidden)."""
        macro = self.planner.choose(world, recent | self._avoid(state))
        if macro.verb in ("serve", "plate") and world.pots((READY,), macro.arg) \
                and leave_ready_soup(world, self.plan.steps):
            # The planner's fallback (the asked-for step just failed and is not retried
            # for 2 s) would take the agent off the soup it was asked for: wait instead.
            return Macro("wait")
        if macro.verb == "wait":
            macro = self.planner.choose(world, recent | self._banned_now(state.tick))
        if macro.verb == "wait" and world.holding is None:
            # Nothing to do but wait for a pot: get a plate for the soup about to be
            # ready instead, so it leaves the pot the moment it is done and the next soup
            # can go in. (Measured, leader, seeds 100-107: ~16 s a game of the agent's
            # waiting on ring was with every pot cooking. Fetched 10 s ahead, the plate
            # held that long cost asker and silent ~6-9 points on partition, 16 seeds.)
            ahead = self._serve_ahead(world, within_s=PLATE_AHEAD_SECONDS)
            if ahead is not None and ahead not in recent:
                return ahead
        held = world.holding
        if (macro.verb == "chop" and not possible(world, macro)) or (
                macro.verb == "discard" and held is not None and held.kind == items.VEGETABLE):
            # Every board blocked by a half-chopped vegetable: finish one, rather than
            # throw away the vegetable in hand (see unblock_board).
            unblock = unblock_board(world)
            if unblock is not None and unblock not in recent:
                return unblock
        if macro.verb in ("chop", "fetch") and macro.arg in items.VEGETABLES and too_late_to_chop(world):
            # Near the end a vegetable chopped now is left unused on a counter; getting a
            # plate for a soup that will be ready in time is worth more. (Only then: an
            # agent that just stops chopping leaves the chopping to its partner, who is
            # then busy when the last soup needs serving.)
            ahead = self._serve_ahead(world)
            if ahead is not None and ahead not in recent:
                return ahead
        return macro

    def _serve_ahead(self, world: World, within_s: float | None = None) -> Macro | None:
        """Serving (or plating, without a window) the soup that will be ready first, if
        one cooking in reach, no farther from this agent than from the partner, is ready
        before the end (and within ``within_s`` seconds, if given) and the partner holds
        no plate."""
        k = self.kitchen
        if world.partner.holding == items.CLEAN_PLATE:
            return None
        ready_at = {}
        for pos in world.pots((COOKING,)):
            if world.distance(pos) > world.partner_distance(pos):
                continue  # the planner's rule for ready soups: the nearer player takes them
            pot = world.pot_at(pos)
            ready_at[pot.soup] = min(ready_at.get(pot.soup, k.horizon), pot.cook_start + k.cook_ticks)
        last = k.horizon
        if within_s is not None:
            last = min(last, world.state.tick + k.settings.ticks(within_s))
        soon = [soup for soup, t in sorted(ready_at.items(), key=lambda x: x[1]) if t < last]
        if not soon:
            return None
        verb = "serve" if world.nearest(world.tiles(tiles.WINDOW)) is not None else "plate"
        return Macro(verb, soon[0])

    def _mid_chop(self, state: State) -> bool:
        """Is the body chopping a vegetable that already lies part-chopped on its board?"""
        ex = self.executor
        if ex is None or ex.macro is None or ex.macro.verb != "chop":
            return False
        board = ex.memory.get("board")
        item = state.items.get(board) if board is not None else None
        return item is not None and item.kind == items.VEGETABLE and item.chops > 0

    def _told_not_to_finish(self, state: State) -> bool:
        """Did the human forbid the chop the body is in the middle of ("stop chopping
        onions")? Then it is left as it is, half done."""
        macro = self.executor.macro if self.executor is not None else None
        return macro is not None and macro in self._banned_now(state.tick)

    def _failed_recently(self, tick: int) -> set[Macro]:
        """The macros that failed too recently to try again (see ``retry_ticks``)."""
        return {m for m, t in self.failed.items() if tick - t < self.retry_ticks}

    def _banned_now(self, tick: int) -> set[Macro]:
        """What the human forbade ("don't touch the tomatoes"), while the ban holds."""
        return expand(m for m, until in self.banned.items() if tick < until)

    def _avoid(self, state: State) -> set[Macro]:
        """What the agent should not do now: what just failed, what it was told not to,
        and what the human claimed (their soup's cooking, and chopping only their soup
        needs), while that claim holds (it lapses with time or once every order of the
        soup is on the stove)."""
        tick = state.tick
        orders = {o.soup for o in state.orders}
        # A claim on a soup holds while an order of it is still open and not cooking: "me
        # Cathy" with two Cathy orders open is both of them, not only the first one on the
        # stove.
        uncovered = set(uncovered_orders(self._world(state)))
        out = self._banned_now(tick)
        # A macro that just failed (a partner in the one-cell gap, a board in use) is not
        # chosen again at once: else the body retries it every call instead of doing
        # what it was asked meanwhile.
        out |= self._failed_recently(tick)
        claimed = expand(m for m, until in self.claims.items() if tick < until and
                         (m.arg is None or m.arg in uncovered or m.verb == "chop"))
        # A claim only covers what the human can do: "I'll chop" in a split kitchen leaves
        # the vegetables on the agent's side to the agent.
        partner = self._partner_abilities(state)
        by_claim = {m for m in claimed if m.verb == "cook" and partner["can_cook"]}
        by_claim |= {m for m in claimed if m.verb == "chop" and m.arg in partner["can_chop"]}
        by_claim |= {m for m in claimed if m.verb == "extinguish"}
        soups = {m.arg for m in claimed if m.verb == "cook" and m.arg}
        if soups and len(soups) < len(orders):
            others = {v for s in orders - soups for v in items.SOUPS[s].ingredients}
            by_claim |= {Macro("chop", v) for s in soups for v in items.SOUPS[s].ingredients
                         if v not in others}
        # What the human asked for in so many words wins over what their claim implies:
        # "I'll cook the David, you chop lettuce for it" claims David *and* asks for its
        # lettuce.
        asked = {step.macro for step in self.plan.steps}
        return out | (by_claim - asked)

    def _chop_for_partner(self, chop: Macro, state: State) -> bool:
        """Is this chop for a soup the human said they cook themselves, across a counter
        from the agent? Then the vegetable goes where they reach it. Kept on the agent's
        side, "you chop lettuce, I'll put Bob together" left the lettuce on a counter only
        the agent reached, while the human waited for it and then chopped one themselves
        (generated partition kitchens gen:7102, 7112 and 7117: the leader took the chop
        back 2-5 times a game)."""
        if not HAND_OVER_CHOPS or not self._partner_abilities(state)["can_cook"]:
            return False
        tick = state.tick
        soups = {m.arg for m in expand(m for m, until in self.claims.items() if tick < until)
                 if m.verb == "cook" and m.arg in items.SOUPS}
        return any(chop.arg in items.SOUPS[s].ingredients for s in soups)

    def _partner_abilities(self, state: State) -> dict:
        """What the human can reach (read once, like the agent's own)."""
        if self.partner_can is None:
            w = World(self.kitchen, self.nav, state, 1 - self.me)
            self.partner_can = {"can_chop": tuple(v for v in items.VEGETABLES if can_chop(w, v)),
                                "can_cook": bool(w.pots((EMPTY, FILLING, COOKING, READY)))}
        return self.partner_can

    def _abilities(self, state: State) -> dict:
        """What this agent can reach in this layout (read once: walls do not move)."""
        if self.abilities is None:
            w = self._world(state)
            self.abilities = {
                "can_chop": tuple(v for v in items.VEGETABLES if can_chop(w, v)),
                "can_cook": bool(w.pots((EMPTY, FILLING, COOKING, READY))),
                "can_serve": w.nearest(w.tiles(tiles.WINDOW)) is not None,
                "can_extinguish": bool(w.items_where(lambda it: it == items.THE_EXTINGUISHER))
                or w.holding == items.THE_EXTINGUISHER}
        return self.abilities

    def _think_and_choose(self, messages, ctx, world) -> MindOutput:
        if self.llm_baseline:  # one slow-model call reads the messages and picks the macro
            return self.fast.chooser.choose(world, [], frozenset(self._avoid(world.state)), messages=messages)
        out = self.slow.think(messages, ctx)
        steps = list(out.intention.steps) if out.intention else self.plan.steps
        named = named_soups(out.intention if out.intention else self.plan.intention)
        out.macro = self.fast.choose(world, steps, frozenset(self._avoid(world.state)), named).macro
        return out

    def _plan_view(self, state: State) -> tuple[World, list, frozenset[str]]:
        """What a choice of the next macro reads now: the world, the plan's steps and the
        soups asked for by name (:func:`~dualmind.agents.minds.named_soups`: cooked even
        when the order list is covered, by the code and the LLM fast mind alike)."""
        return self._world(state), self.plan.steps, named_soups(self.plan.intention)

    def _world(self, state: State) -> World:
        return World(self.kitchen, self.nav, state, self.me)

    # ------------------------------------------------------------------ results
    def _on_result(self, record: CallRecord, state: State, from_slow: bool) -> str | None:
        out: MindOutput | None = record.result if isinstance(record.result, MindOutput) else None
        self.calls.append((record, out))
        if out is None:  # the call raised: count it and let the planner cover
            self.model_errors += 1
            self.choosing = self.reading = False
            return None
        self.model_errors += out.model_errors
        if out.meta.get("status"):
            return self._status_result(out, state)
        self._hear(out, state.tick)
        if self.mode == "nea" and not from_slow:
            self._apply_atomic(out, record)
            return None
        carries_choice = not from_slow or self.mode == "smoa"
        preempt = False
        if carries_choice:
            self.choosing = self.reading = False
            preempt, self.preempting = self.preempting, False
        if not from_slow and out.intention is None:
            self.lead_ticks = math.ceil(record.latency_s / self.kitchen.settings.tick_seconds - 1e-9)
        if not from_slow and self.ahead_pending is not None:
            after, intention = self.ahead_pending
            self.ahead_pending = None
            if intention is not self.plan.intention:  # the plan changed meanwhile: ask again
                self.rechoose = self.rechoose or not serves(self.executor.macro, self.plan.steps)
                if self.executor.macro is None:
                    self._request_choice(state)
                return out.reply or None
            if self.executor.macro == after:  # still at it: kept for when it ends
                self.ahead = _Ahead(out.macro, record, after, intention)
                return out.reply or None
        if out.stop and out.intention is None and from_slow:  # "that's enough": the plan ends
            self._end_intention()
        if out.intention is not None:
            self.plan.set(out.intention)
            self.ahead = None  # chosen for the old plan
            self._note_serve_request(out.intention, record.submitted_tick, state)
            if from_slow and self.serve_asked and END_SERVED_REQUESTS:
                # Served (or plated by the human) while the slow mind read the request:
                # "OK, I'll serve the Bob soup", 4 s after the human delivered it, promised
                # what no one could do any more (asker, quick seed 10).
                asked = set(self.serve_asked)
                self._drop_served(state)
                gone = sorted(asked - set(self.serve_asked))
                if gone and self.plan.empty and out.reply:
                    names = " and ".join(s.capitalize() for s in gone)
                    return (f"The {names} soups are on their way already." if len(gone) > 1
                            else f"The {names} soup is on its way already.")
            if from_slow and self.mode == "hla":  # a new request: its status is checked from here
                words = out.meta.get("request")
                self.request = Request(words, state.tick) if words and out.intention.steps else None
                self.status_tick, self.status_due = state.tick, False
            current = self.executor.macro
            if from_slow and self.mode == "hla" and not serves(current, self.plan.steps):
                self.rechoose = True  # the plan changed under the body: choose again
        keep = out.intention is not None and serves(self.executor.macro, self.plan.steps)
        # A choice asked for because the plan changed replaces what the body is doing. It
        # used to wait for the body to be free, and was dropped: a fast reading of "I'll
        # chop the lettuces and onions and pass them over, you cook the Alice soup" sent
        # the body to serve Alice (a plate, then 12 s waiting at a pot), and the slow
        # mind's "cook Alice" never replaced it (partition, LLM minds, seed 8).
        replaces = preempt and out.macro is not None and out.macro != self.executor.macro
        if carries_choice and not keep and (out.intention is not None or self.executor.macro is None
                                            or replaces):
            self._apply_macro(out.macro, record, state)
        return out.reply or None

    def _choose_ahead(self, state: State, action: str) -> None:
        """Ask the fast mind for the next macro before the current one ends.

        The body projects its own next ticks (the game's transition is pure; the partner
        is assumed to stand still) and, if its macro ends within the fast mind's latency
        plus one action, the choice is asked now on the state where it ends, so the body
        need not stand waiting for it. At 2.5 actions a second the body acts every 4
        ticks: a fast mind answering in 3 ticks costs nothing, one answering in 4 made the
        team lose 14 points on partition (code minds, 20 seeds: 188 at 0.3 s, 174.5 at
        0.4 s). At the macro's end the choice is used if it is still possible and the
        plan has not changed (:meth:`_apply_macro`); otherwise the mind is asked again."""
        if self.mode not in ("hla", "fmoa") or self.choosing or self.ahead is not None \
                or self.deferred is not None or self.fresh or self.scheduler.busy("fast"):
            return
        macro = self.executor.macro
        steps = self.plan.steps_after(macro)
        if not steps and not self.llm_baseline:
            return  # no intention left: the planner takes over at once, at no cost
        horizon = min(self.lead_ticks + self.kitchen.action_gaps[self.me], MAX_LEAD_TICKS)
        done = self.executor.finish_state(state, action, horizon)
        if done is None:
            return
        world = World(self.kitchen, self.nav, done, self.me)
        avoid, named = frozenset(self._avoid(state)), named_soups(self.plan.intention)
        self.ahead_pending = (macro, self.plan.intention)
        self.scheduler.submit("fast", state.tick, lambda: self.fast.choose(world, steps, avoid, named))
        self.choosing, self.reading = True, False

    def _request_choice(self, state: State, avoid: set[Macro] | None = None) -> None:
        """Ask the mind that picks macros for the next one, unless a choice is in flight;
        ``avoid``: what not to choose (by default :meth:`_avoid` now)."""
        lane = "slow" if self.mode == "smoa" else "fast"
        if not self.scheduler.busy(lane) and not self.choosing:
            world, steps, named = self._plan_view(state)
            avoid = self._avoid(state) if avoid is None else avoid
            self.scheduler.submit(lane, state.tick, lambda: self.fast.choose(world, steps, avoid, named))
            self.choosing, self.rechoose, self.reading = True, False, False  # (it reads the plan in force)

    def _apply_macro(self, macro: Macro | None, record: CallRecord, state: State) -> None:
        """Set the chosen macro (or the planner's)."""
        tick_s = self.kitchen.settings.tick_seconds
        world = self._world(state)
        age_s = (state.tick - record.submitted_tick) * tick_s
        if macro is not None and (age_s > self.config.staleness_s or not possible(world, macro)):
            self.stale_dropped += 1  # chosen on a state that is gone: choose again
            macro = None
            if not self.plan.empty:
                self._request_choice(state)
                return
        if CHOOSE_ON_NOW and self.plan.empty and self.mode == "hla" and self.fast.chooser is None:
            # With no intention the code fast mind only echoes the planner (a ready soup, a
            # fire), on the state it was asked on: a message read while the body finished
            # a macro ("cheers") sent it to serve a soup the human had meanwhile come to
            # take. The planner's choice on the state now is as quick and current.
            macro = None
        chosen = macro is not None  # from the intention (not the planner's fallback)
        if macro is None:
            recent = self._failed_recently(state.tick)
            macro = self._cooperative_choice(world, recent, state)
            self.fallbacks += 1
        held = state.players[self.me].holding
        carrying_soup = held is not None and held.kind == items.PLATE and held.soup not in (
            None, items.CHARRED) and self.executor.macro is not None
        if ((self._mid_chop(state) and not self._told_not_to_finish(state)) or carrying_soup) \
                and macro.verb not in ("extinguish", "serve", "pass") and macro != self.executor.macro:
            # A plated soup in hand is delivered (or handed over) first: dropping it on a
            # counter to start something new is how soups go cold in a split kitchen.
            # A vegetable half chopped on a board blocks that board for everyone (nobody
            # else picks up a part-chopped vegetable, and every planner counts it as on
            # its way): finish it (at most 8 chops, ~3 s), then switch. This holds for a
            # new request in chat too: dropping the leader's onion half chopped when it
            # said "you make bob" left its own soup waiting on that onion for 27 s
            # (bottleneck, seed 4; 15 s a game of part-chopped vegetables left on boards
            # beside the leader, 20 seeds, against none beside the scripted agent).
            self.deferred = macro
            return
        self.executor.set_macro(macro)
        if chosen and macro.verb == "cook":
            # A soup the human asked for goes into the pot as one set (see WHOLE_SET).
            self.executor.memory[WHOLE_SET] = True
        self.macros.append((state.tick, str(macro)))
        since = self.need_since if self.need_since is not None else record.submitted_tick
        self.macro_latency.append((state.tick - since) * tick_s)
        self.need_since = None

    # ------------------------------------------------------------------ NEA
    def _act_without_executor(self, state: State, say: str | None) -> Decision:
        """Every atomic action is one fast-mind call on the state it was asked on.

        The call works on a snapshot (a copy of the executor, the plan's steps, what to
        avoid) and only returns what it decided; the tick thread applies that in
        :meth:`_apply_atomic`, so under the thread scheduler the executor, the plan and the
        macro log are never touched by a worker thread while the tick thread reads them.
        """
        action = "stay"
        if self.queued_action is not None:
            action, self.queued_action = self.queued_action, None
        if not self.scheduler.busy("fast"):
            world, steps, named = self._plan_view(state)
            steps = list(steps)  # the worker's own copy (see above)
            avoid, body = frozenset(self._avoid(state)), _private_copy(self.executor)
            self.scheduler.submit("fast", state.tick,
                                  lambda: self._atomic(world, steps, avoid, body, state, named))
        return Decision(action, say)

    def _atomic(self, world: World, steps, avoid: frozenset, body: Executor, state: State,
                named: frozenset[str] = frozenset()) -> MindOutput:
        """Worker side: touches only its arguments (``body`` is its own executor copy)."""
        chosen, fallback = None, False
        tokens, errors = (0, 0), 0
        if body.macro is None:
            picked = self.fast.choose(world, steps, avoid, named)
            chosen, tokens, errors = picked.macro, picked.tokens, picked.model_errors
            if chosen is None:
                chosen, fallback = self.planner.choose(world, set(avoid)), True
            body.set_macro(chosen)
        moved = self.stepper.step(world, body) if self.stepper is not None else None
        if moved is None or moved.model_errors:  # code minds, or the model failed: the code's step
            step = body.step(state)
            action, done = step.action, (step.macro if step.status == Status.DONE else None)
        else:
            action, done = moved.output, moved.meta.get("done")
        if moved is not None:
            tokens = (tokens[0] + moved.tokens[0], tokens[1] + moved.tokens[1])
            errors += moved.model_errors
        return MindOutput(output=action, tokens=tokens, model_errors=errors,
                          prompt=moved.prompt if moved is not None else "", meta={
            "atomic": action, "executor": body, "chosen": chosen, "fallback": fallback,
            "done": done, "tick": state.tick})

    def _apply_atomic(self, out: MindOutput, record: CallRecord) -> None:
        """Tick side: take up what one NEA call decided."""
        meta = out.meta
        self.queued_action = meta.get("atomic", "stay")
        self.atomic_latency_ms.append(record.latency_s * 1000)
        if isinstance(meta.get("executor"), Executor):
            self.executor = meta["executor"]  # the body as the call advanced it
        if meta.get("chosen") is not None:
            self.macros.append((meta.get("tick", record.submitted_tick), str(meta["chosen"])))
            self.fallbacks += int(bool(meta.get("fallback")))
        if meta.get("done") is not None:
            self.plan.completed(meta["done"])

    # ------------------------------------------------------------------ metrics
    def drain_calls(self) -> list[tuple[CallRecord, MindOutput | None]]:
        calls, self.calls = self.calls, []
        return calls

    def mind_view(self) -> MindView:
        """The intention in force, the steps left and the macro being run."""
        steps = ", ".join(f"{s.macro} x{'∞' if s.count is None else s.count}" for s in self.plan.steps)
        macro = self.executor.macro if self.executor is not None else None
        return MindView(self.plan.intention, steps, str(macro) if macro else "")

    def summary(self) -> dict:
        def median(xs):
            return round(statistics.median(xs), 3) if xs else None

        p99 = percentile(self.atomic_latency_ms, 99)
        return {"fallbacks": self.fallbacks, "model_errors": self.model_errors,
                "stale_dropped": self.stale_dropped,
                "macro_latency_s": median(self.macro_latency),
                "atomic_latency_ms": median(self.atomic_latency_ms),
                "atomic_latency_p99_ms": p99 if p99 is None else round(p99, 3)}


class _Ahead(NamedTuple):
    """A macro chosen before the body's current one ended (:meth:`MindAgent._choose_ahead`)."""

    macro: Macro | None
    record: CallRecord
    after: Macro  # the macro it follows
    intention: Intention  # the intention in force when it was asked for


def _private_copy(executor: Executor) -> Executor:
    """A copy of ``executor`` a worker thread may step: its own mutable state (macro,
    memory, route), the same kitchen and navigation map (read-only)."""
    body = copy.copy(executor)
    for name, value in vars(executor).items():
        if name not in ("kitchen", "nav"):
            setattr(body, name, copy.deepcopy(value))
    return body
