"""The Executor: turns the current macro action into one atomic action every tick.

It never blocks and never searches the whole map per tick (distances are precomputed in
:class:`~dualmind.agents.navigation.NavMap`). It is partner-aware: it never walks into
the partner; when the partner blocks every shortest step it detours; when the two block
each other (a one-cell gap, a dead-end corridor) it notices within a few decisions and
breaks the tie by yielding at random, from a seeded generator, so two executors facing
each other cannot stay stuck in lockstep; a macro blocked for too long fails with the
reason "blocked by partner" so the mind above can choose something else.

A reflex layer (``reflexes=True``) may override the macro when safety demands: a burning
pot in reach (and the extinguisher free) -> ``extinguish``; a ready soup about to char
with me nearest -> ``plate`` it; idle in a corridor next to a waiting partner -> step
aside. When the reflex is over, the macro resumes.
"""

from __future__ import annotations

import random
from enum import StrEnum
from typing import NamedTuple

from dualmind.agents import macro_logic as L
from dualmind.agents.macros import Macro
from dualmind.agents.navigation import INF, NavMap, facing_towards
from dualmind.agents.world import World
from dualmind.game import items as I
from dualmind.game.rules import BURNING, READY, Kitchen
from dualmind.game.state import State


class Status(StrEnum):
    IDLE = "idle"  # no macro
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ExecStep(NamedTuple):
    """One tick's output: the atomic action, the macro's status and why."""

    action: str
    status: Status
    reason: str = ""
    macro: Macro | None = None


YIELD_AFTER = 2  # blocked decisions before a player considers yielding
FAIL_AFTER = 12  # blocked decisions before the macro fails (about 5 s at 2.5 actions/s)
RESCUE_SECONDS = 6.0  # a ready soup this close to charring triggers the plating reflex


class Executor:
    """Per-player executor. ``set_macro`` preempts at the next tick; ``step`` every tick."""

    def __init__(self, kitchen: Kitchen, me: int, *, reflexes: bool = True, seed: int = 0,
                 nav: NavMap | None = None):
        self.kitchen = kitchen
        self.me = me
        self.nav = nav or NavMap(kitchen)
        self.reflexes = reflexes
        self.rng = random.Random(seed)
        self.macro: Macro | None = None
        self.memory: dict = {}
        self.reflex: Macro | None = None
        self.reflex_memory: dict = {}
        self._blocked = 0
        self._yielding = 0
        self._partner_last = None
        self._route: list = []  # a committed detour around the partner
        self._blocked_by = None  # where the partner stood when it last blocked us
        self.rescue_ticks = kitchen.settings.ticks(RESCUE_SECONDS)

    def set_macro(self, macro: Macro | None) -> None:
        """Replace the current macro; it takes effect at the next ``step``."""
        self.macro = macro
        self.memory = {}
        self._blocked, self._blocked_by = 0, None
        self._route = []

    # ------------------------------------------------------------------ the tick
    def step(self, state: State) -> ExecStep:
        w = World(self.kitchen, self.nav, state, self.me)
        can_act = state.tick - w.me.last_action_tick >= self.kitchen.action_gaps[self.me]
        partner_still = self._partner_last == w.partner.pos
        self._partner_last = w.partner.pos

        if self.reflexes:
            self._update_reflex(w)
        if self.reflex is not None:
            plan = L.plan(w, self.reflex_memory, self.reflex)
            if isinstance(plan, L.Done | L.Failed):
                self.reflex = None
                self.memory = {}  # the macro re-plans from the new situation
            else:
                return self._act(w, plan, can_act, self.reflex, "reflex: ")
        if self.macro is None:
            return self._idle(w, can_act, partner_still, Status.IDLE, "no macro")
        plan = L.plan(w, self.memory, self.macro)
        if isinstance(plan, L.Done):
            macro, self.macro = self.macro, None
            step = self._idle(w, can_act, partner_still, Status.DONE, plan.why)
            return step._replace(macro=macro)
        if isinstance(plan, L.Failed):
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
            partner_has_it = w.partner.holding == I.THE_EXTINGUISHER
            reachable = w.holding == I.THE_EXTINGUISHER or w.items_where(
                lambda it: it == I.THE_EXTINGUISHER)
            if reachable and not partner_has_it:
                self.reflex, self.reflex_memory = Macro("extinguish"), {}
                return
        if current in ("plate", "serve", "extinguish"):
            return
        if w.holding is not None and w.holding != I.CLEAN_PLATE:
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
    def _act(self, w: World, plan: L.Plan, can_act: bool, macro: Macro, prefix: str) -> ExecStep:
        why = getattr(plan, "why", "")
        if isinstance(plan, L.Stay):
            return ExecStep("stay", Status.RUNNING, prefix + why, macro)
        if not can_act:
            return ExecStep("stay", Status.RUNNING, prefix + (why or "moving"), macro)
        if self._yielding > 0:
            self._yielding -= 1
            if w.partner.pos == self._blocked_by:
                self._blocked += 1  # yielding to a partner that does not move is no progress
            return ExecStep(self._aside(w), Status.RUNNING, prefix + "yielding to partner", macro)
        if isinstance(plan, L.Use):
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
            if route is None:
                return self._blocked_step(w, macro, prefix)
            self._route = route
            move = self._route_step(w, cell)
        return ExecStep(move or "stay", Status.RUNNING, prefix + (why or "walking"), macro)

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
        if self._blocked >= YIELD_AFTER and self.rng.random() < 0.5:
            self._yielding = 2
            return ExecStep(self._aside(w), Status.RUNNING, prefix + "yielding to partner", macro)
        return ExecStep("stay", Status.RUNNING, prefix + "waiting for partner to pass", macro)

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
        adjacent = abs(w.me.pos[0] - w.partner.pos[0]) + abs(w.me.pos[1] - w.partner.pos[1]) == 1
        if self.reflexes and can_act and adjacent and partner_still and w.me.pos in self.nav.corridor:
            return ExecStep(self._aside(w), status, why + "; stepping aside", None)
        return ExecStep("stay", status, why, None)
