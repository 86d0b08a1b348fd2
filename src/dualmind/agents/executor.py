"""The Executor: turns the current macro action into one atomic action every tick.

It never blocks and never searches the whole map per tick (distances are precomputed in
:class:`~dualmind.agents.navigation.NavMap`). It is partner-aware: it never walks into
the partner; when the partner blocks every shortest step it detours; when the two block
each other (a one-cell gap, a dead-end corridor) it notices within a few decisions and
breaks the tie by a rule both sides compute alike: the player nearer to a refuge cell (a
floor cell whose occupant does not cut the floor in two, such as a side branch or a room
beyond a doorway) walks there and waits a moment; on a tie player 1 does. Going round a
walking partner can go in circles (in a ring of one-tile lanes both go round, and meet
again in the other lane): a second detour soon after the first that is no nearer the goal
is not taken; the player waits instead, and the yield rule settles it. A macro blocked
for too long fails with the reason "blocked by partner" so the mind above can choose
something else. ``blocked`` says whether the last step waited for or made way for the
partner: two players both blocked for over 3 s is a deadlock
(:func:`dualmind.game.reach.count_deadlocks`).

A reflex layer (``reflexes=True``) may override the macro when safety demands: a burning
pot in reach (and the extinguisher free) -> ``extinguish``; a ready soup about to char
with me nearest -> ``plate`` it; idle in a corridor next to a waiting partner -> step
aside. When the reflex is over, the macro resumes.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from enum import StrEnum
from typing import NamedTuple

from dualmind.agents import macro_logic
from dualmind.agents.macros import Macro
from dualmind.agents.navigation import INF, NavMap, facing_towards
from dualmind.agents.world import World
from dualmind.game import items
from dualmind.game.reach import count_deadlocks
from dualmind.game.rules import BURNING, READY, STAY, Kitchen
from dualmind.game.state import State
from dualmind.runtime.match import EpisodeView


class Status(StrEnum):
    IDLE = "idle"  # no macro
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


WAITING = "waiting for partner to pass"
YIELDING = "yielding to partner"


class ExecStep(NamedTuple):
    """One tick's output: the atomic action, the macro's status and why."""

    action: str
    status: Status
    reason: str = ""
    macro: Macro | None = None


YIELD_AFTER = 2  # blocked decisions before a player considers yielding
YIELD_HOLD_SECONDS = 1.5  # how long a player that made way waits on its refuge cell
STUCK_SECONDS = 1.5  # a partner that has not acted for this long is waiting, not working
FAIL_AFTER = 12  # blocked decisions before the macro fails (about 5 s at 2.5 actions/s)
REMEET_SECONDS = 20.0  # a second detour this soon after one, no nearer the goal: going in circles
LET_PASS_SECONDS = 6.0  # then, for this long, wait for a walking partner instead of going round
RESCUE_SECONDS = 6.0  # a ready soup this close to charring triggers the plating reflex


class Executor:
    """Per-player executor. ``set_macro`` preempts at the next tick; ``step`` every tick."""

    def __init__(self, kitchen: Kitchen, me: int, *, reflexes: bool = True, seed: int = 0,
                 nav: NavMap | None = None):
        self.kitchen = kitchen
        self.me = me
        self.nav = nav or NavMap(kitchen)
        self.reflexes = reflexes
        # ``seed`` is accepted for callers that pass one; nothing here is random: the
        # yield rule below is deterministic so that both players can predict it.
        self.macro: Macro | None = None
        self.memory: dict = {}
        self.reflex: Macro | None = None
        self.reflex_memory: dict = {}
        self._blocked = 0
        self._yield_route: list = []  # the walk to a refuge cell while making way
        self._hold_until: int | None = None  # on the refuge: wait there until this tick
        self.hold_ticks = kitchen.settings.ticks(YIELD_HOLD_SECONDS)
        self.stuck_ticks = kitchen.settings.ticks(STUCK_SECONDS)
        self.blocked = False
        """True when the last step waited for or made way for the partner (deadlock count)."""
        self.blocked_ticks: list[int] = []
        """The ticks at which the executor ended up blocked, in order (see :func:`deadlocks`)."""
        self._partner_last = None
        self._partner_moved = -10**9  # the tick at which I last saw the partner change cell
        self._route: list = []  # a committed detour around the partner
        self._blocked_by = None  # where the partner stood when it last blocked us
        # The last time I went round a walking partner: (goal cell, my distance to it,
        # tick); and, once going round proved useless, (goal cell, until tick): meanwhile I
        # wait for a walking partner instead of going round it. Kept across ``set_macro``:
        # a mind that re-issues the same walk must not forget the circle it is in.
        self._went_round: tuple | None = None
        self._let_pass: tuple | None = None
        self.remeet_ticks = kitchen.settings.ticks(REMEET_SECONDS)
        self.let_pass_ticks = kitchen.settings.ticks(LET_PASS_SECONDS)
        self.rescue_ticks = kitchen.settings.ticks(RESCUE_SECONDS)

    def set_macro(self, macro: Macro | None) -> None:
        """Replace the current macro; it takes effect at the next ``step``."""
        self.macro = macro
        self.memory = {}
        self._blocked, self._blocked_by = 0, None
        self._route = []

    # ------------------------------------------------------------------ looking ahead
    def finish_state(self, state: State, action: str, horizon: int) -> State | None:
        """The state in which the current macro will be seen done, if that is within
        ``horizon`` ticks: ``action`` is what this executor just chose on ``state``, and
        the partner is assumed to stand still. None when the macro will not finish by
        then (or fails, or a reflex runs). The game's transition is pure, so this plays
        the next ticks on a private copy of the body without touching the real one.

        The agent asks its mind for the next macro from this state while the body still
        works, so the answer is there when the macro ends (:class:`MindAgent`)."""
        if self.macro is None or self.reflex is not None or horizon <= 0:
            return None
        macro, body = self.macro, self._lookahead_copy()
        actions = [STAY, STAY]
        for _ in range(horizon):
            actions[self.me] = action
            state, _ = self.kitchen.step(state, actions)
            step = body.step(state)
            if step.status == Status.DONE and step.macro == macro:
                return state
            if step.status != Status.RUNNING or body.reflex is not None:
                return None
            action = step.action
        return None

    def _lookahead_copy(self) -> Executor:
        """A copy whose stepping leaves this executor as it is: its own macro memory and
        routes; the kitchen and map shared (read-only), no deadlock log."""
        body = copy.copy(self)
        body.memory, body.reflex_memory = copy.deepcopy(self.memory), copy.deepcopy(self.reflex_memory)
        body._route, body._yield_route, body.blocked_ticks = list(self._route), list(self._yield_route), []
        return body

    # ------------------------------------------------------------------ the tick
    def step(self, state: State) -> ExecStep:
        step = self._step(state)
        self.blocked = step.reason.endswith((WAITING, YIELDING))
        ticks = self.blocked_ticks
        if ticks and ticks[-1] == state.tick:
            ticks.pop()  # stepped again this tick (a new macro): the last step counts
        if self.blocked:
            ticks.append(state.tick)
        return step

    def _step(self, state: State) -> ExecStep:
        w = World(self.kitchen, self.nav, state, self.me)
        can_act = state.tick - w.me.last_action_tick >= self.kitchen.action_gaps[self.me]
        partner_still = self._partner_last == w.partner.pos
        if not partner_still and self._partner_last is not None:
            self._partner_moved = state.tick
        self._partner_last = w.partner.pos

        if self.reflexes:
            self._update_reflex(w)
        if self.reflex is not None:
            plan = macro_logic.plan(w, self.reflex_memory, self.reflex)
            if isinstance(plan, macro_logic.Done | macro_logic.Failed):
                self.reflex = None
                self.memory = {}  # the macro re-plans from the new situation
            else:
                return self._act(w, plan, can_act, self.reflex, "reflex: ")
        if self.macro is None:
            return self._idle(w, can_act, partner_still, Status.IDLE, "no macro")
        plan = macro_logic.plan(w, self.memory, self.macro)
        if isinstance(plan, macro_logic.Done):
            macro, self.macro = self.macro, None
            step = self._idle(w, can_act, partner_still, Status.DONE, plan.why)
            return step._replace(macro=macro)
        if isinstance(plan, macro_logic.Failed):
            macro, self.macro = self.macro, None
            return ExecStep("stay", Status.FAILED, plan.why, macro)
        step = self._act(w, plan, can_act, self.macro, "")
        if step.status == Status.FAILED:
            self.macro = None
        return step

    def _update_reflex(self, w: World) -> None:
        if self.reflex is not None:
            return
        current = self.macro.verb if self.macro else None
        if current != "extinguish" and w.pots((BURNING,)):
            partner_has_it = w.partner.holding == items.THE_EXTINGUISHER
            reachable = w.holding == items.THE_EXTINGUISHER or w.items_where(
                lambda it: it == items.THE_EXTINGUISHER)
            if reachable and not partner_has_it:
                self.reflex, self.reflex_memory = Macro("extinguish"), {}
                return
        if current in ("plate", "serve", "extinguish"):
            return
        if w.holding is not None and w.holding != items.CLEAN_PLATE:
            return  # hands full: leave rescues to the partner or the planner
        k = self.kitchen
        for pos in w.pots((READY,)):
            pot = w.pot_at(pos)
            chars_at = pot.cook_start + k.cook_ticks + k.char_ticks
            if chars_at - w.state.tick <= self.rescue_ticks and \
                    w.distance(pos) <= w.partner_distance(pos):
                self.reflex, self.reflex_memory = Macro("plate", pot.soup), {}
                return

    # ------------------------------------------------------------------ movement
    def _act(self, w: World, plan: macro_logic.NextMove, can_act: bool, macro: Macro,
             prefix: str) -> ExecStep:
        why = getattr(plan, "why", "")
        if isinstance(plan, macro_logic.Stay):
            return ExecStep("stay", Status.RUNNING, prefix + why, macro)
        if not can_act:
            return ExecStep("stay", Status.RUNNING, prefix + (why or "moving"), macro)
        if self._yield_route or self._hold_until is not None:
            if w.partner.pos == self._blocked_by:
                self._blocked += 1  # making way for a partner that does not move is no progress
                if self._blocked >= FAIL_AFTER:
                    self._blocked, self._blocked_by = 0, None
                    self._yield_route, self._hold_until = [], None
                    return ExecStep("stay", Status.FAILED, prefix + "blocked by partner", macro)
            move = self._yield_step(w)
            if move is not None:
                return ExecStep(move, Status.RUNNING, prefix + YIELDING, macro)
        if isinstance(plan, macro_logic.Use):
            spot = self.nav.approach(w.me.pos, plan.tile, avoid=w.partner.pos)
            if spot is None:
                if self.nav.approach(w.me.pos, plan.tile) is None:
                    return ExecStep("stay", Status.FAILED, prefix + "target out of reach", macro)
                return self._blocked_step(w, macro, prefix)
            cell, facing, _ = spot
            if cell == w.me.pos:
                action = "interact" if w.me.facing == facing else facing
                return ExecStep(action, Status.RUNNING, prefix + why, macro)
        else:
            cell = plan.cell
            if cell == w.me.pos:
                return ExecStep("stay", Status.RUNNING, prefix + why, macro)
        move = self._route_step(w, cell) or self.nav.step_towards(w.me.pos, cell, w.partner.pos)
        if move is None:
            # The partner stands on every shortest path: commit to a way around it, if
            # there is one. Committing matters: re-deciding each tick walks back into the
            # corridor as soon as the partner steps back, and both players livelock.
            route = self.nav.detour(w.me.pos, cell, w.partner.pos)
            if route is None or self._wait_instead_of_going_round(w, cell):
                return self._blocked_step(w, macro, prefix)
            self._route = route
            move = self._route_step(w, cell)
        return ExecStep(move or "stay", Status.RUNNING, prefix + (why or "walking"), macro)

    def _wait_instead_of_going_round(self, w: World, goal) -> bool:
        """Should I wait for the partner rather than go round it? A detour assumes the
        partner stands still. Against a walking partner in a ring (two one-tile lanes
        joined at both ends) it can go round in circles: both go round, meet again
        head-on in the other lane, and again, for good (neither ever stands blocked, so
        it is no deadlock, but nothing is served). So a second detour around a walking
        partner soon after the first, on the way to the same cell and no nearer to it,
        means going round was useless: for a while I do not go round a walking partner
        but wait for it (``_blocked_step``). If it goes round or walks on, the way
        clears; if it waits too, the yield rule, which both compute alike, picks who
        makes way. A partner that has not changed cell for a while is an obstacle, not a
        walker (even one that faces me): going round it cannot circle, so the detour
        stands."""
        tick, me = w.state.tick, w.me.pos
        if tick - self._partner_moved >= self.stuck_ticks:
            return False
        if self._let_pass is not None:
            if self._let_pass[0] == goal and tick < self._let_pass[1]:
                return True
            self._let_pass = None
        dist = self.nav.dist[me].get(goal, INF)
        last = self._went_round
        if last is not None and last[0] == goal and dist >= last[1] and \
                tick - last[2] <= self.remeet_ticks:
            self._went_round, self._let_pass = None, (goal, tick + self.let_pass_ticks)
            return True
        self._went_round = (goal, dist, tick)
        return False

    def _route_step(self, w: World, goal) -> str | None:
        """The next move along a committed detour, while it still leads to ``goal``."""
        route = self._route
        if not route or route[-1] != goal:
            self._route = []
            return None
        while route and route[0] == w.me.pos:
            route.pop(0)
        if not route or route[0] == w.partner.pos or route[0] not in dict(
                (n, 1) for _, n in self.nav.neighbours[w.me.pos]):
            self._route = []
            return None
        return facing_towards(w.me.pos, route[0])

    def _blocked_step(self, w: World, macro: Macro, prefix: str) -> ExecStep:
        # Count blocked decisions for as long as the partner stays where it blocked us:
        # stepping back and returning is no progress against a partner that never moves.
        if w.partner.pos != self._blocked_by:
            self._blocked, self._blocked_by = 0, w.partner.pos
        self._blocked += 1
        if self._blocked >= FAIL_AFTER:
            self._blocked, self._blocked_by = 0, None
            return ExecStep("stay", Status.FAILED, prefix + "blocked by partner", macro)
        if self._blocked >= YIELD_AFTER and self._should_yield(w):
            self._yield_route = self.nav.refuge_route(w.me.pos, w.partner.pos, w.partner.facing) or []
            move = self._yield_step(w)
            if move is not None:
                return ExecStep(move, Status.RUNNING, prefix + YIELDING, macro)
        # Face the partner while waiting (a move into its cell only turns me): that is how
        # it sees that I want through, as I see it of it.
        me, partner = w.me.pos, w.partner.pos
        if abs(me[0] - partner[0]) + abs(me[1] - partner[1]) == 1 and \
                self.kitchen.neighbour.get((me, w.me.facing)) != partner:
            return ExecStep(facing_towards(me, partner), Status.RUNNING, prefix + WAITING, macro)
        return ExecStep("stay", Status.RUNNING, prefix + WAITING, macro)

    def _should_yield(self, w: World) -> bool:
        """The yield rule, which both players compute alike from what both can see: when
        the partner faces me (it is walking my way, not working at a station) or has not
        acted for a while (it waits as I do), the one of us nearer to a refuge cell makes
        way; on a tie, player 1 does. A refuge is a
        floor cell that does not cut the floor in two, and not one straight ahead of the
        other player or next to it (where the other is likely going)."""
        me, partner = w.me.pos, w.partner.pos
        head_on = self.kitchen.neighbour.get((partner, w.partner.facing)) == me
        # Or both wait on each other from afar (each stands where the other must go): a
        # partner that has done nothing for a while is waiting too, not working.
        stuck = w.state.tick - w.partner.last_action_tick >= self.stuck_ticks
        if not (head_on or stuck):
            return False
        mine = self.nav.refuge_route(me, partner, w.partner.facing)
        if mine is None:
            return False
        theirs = self.nav.refuge_route(partner, me, w.me.facing)
        if theirs is None:
            return True
        return len(mine) < len(theirs) or (len(mine) == len(theirs) and self.me == 1)

    def _yield_step(self, w: World) -> str | None:
        """One move of making way: walk to the refuge cell, then wait there a moment.
        None once the way is made (or the refuge turns out to be where the partner is
        going: it stands next to me wanting through, so the rule is applied afresh)."""
        me, partner = w.me.pos, w.partner.pos
        route = self._yield_route
        while route and route[0] == me:
            route.pop(0)
        if route:
            if route[0] == partner or route[0] not in {n for _, n in self.nav.neighbours[me]}:
                route[:] = self.nav.refuge_route(me, partner, w.partner.facing) or []
            if route:
                return facing_towards(me, route[0])
        if self._hold_until is None:
            self._hold_until = w.state.tick + self.hold_ticks
        wants_through = self.kitchen.neighbour.get((partner, w.partner.facing)) == me
        if w.state.tick >= self._hold_until or wants_through:
            self._hold_until = None
            return None
        return "stay"

    def _aside(self, w: World) -> str:
        """A move away from the partner (off its path), or stay if there is none."""
        dist = self.nav.dist[w.partner.pos]
        best = None
        for name, n in self.nav.neighbours[w.me.pos]:
            if n == w.partner.pos:
                continue
            score = (dist.get(n, INF), n not in self.nav.corridor, len(self.nav.neighbours[n]))
            if best is None or score > best[0]:
                best = (score, name)
        return "stay" if best is None else best[1]

    def _idle(self, w: World, can_act: bool, partner_still: bool, status: Status,
              why: str) -> ExecStep:
        """Nothing to do: stand still, but not in a corridor next to a waiting partner."""
        if can_act and (self._yield_route or self._hold_until is not None):
            move = self._yield_step(w)
            if move is not None:
                return ExecStep(move, status, why + "; " + YIELDING, None)
        adjacent = abs(w.me.pos[0] - w.partner.pos[0]) + abs(w.me.pos[1] - w.partner.pos[1]) == 1
        if self.reflexes and can_act and adjacent and partner_still and w.me.pos in self.nav.corridor:
            facing_me = self.kitchen.neighbour.get((w.partner.pos, w.partner.facing)) == w.me.pos
            route = self.nav.refuge_route(w.me.pos, w.partner.pos, w.partner.facing) if facing_me else None
            if route:  # a partner walking my way: make way to the nearest refuge cell
                self._yield_route = route
                move = self._yield_step(w)
                if move is not None:
                    return ExecStep(move, status, why + "; " + YIELDING, None)
            return ExecStep(self._aside(w), status, why + "; stepping aside", None)
        return ExecStep("stay", status, why, None)


def deadlocks(players: Sequence[object], ticks: int, tick_seconds: float) -> int | None:
    """Times both players were blocked by each other for over 3 s in an episode of
    ``ticks`` ticks (:func:`dualmind.game.reach.count_deadlocks`), from their executors'
    ``blocked_ticks``; None when a player has no executor to tell (a human)."""
    logs = [getattr(getattr(p, "executor", None), "blocked_ticks", None) for p in players]
    if any(log is None for log in logs):
        return None
    a, b = (set(log) for log in logs)  # type: ignore[arg-type]
    return count_deadlocks(((t in a, t in b) for t in range(ticks)), tick_seconds)


def deadlock_summary(view: EpisodeView) -> dict[str, int | None]:
    """Summarizer for the episode driver: ``deadlocks`` (None with a human player)."""
    return {"deadlocks": deadlocks(view.players, view.final.tick,
                                   view.kitchen.settings.tick_seconds)}
