"""Simulated human players built from a persona (:mod:`~dualmind.partners.persona`).

Every persona plays through the same executor as the agents, at a human pace (its
actions per second, a reaction time before each new sub-task, now and then a longer
pause), and plans in its own style:

* ``leader`` -- splits the open orders: keeps one soup, hands the agent another soup (or,
  with one order, the chopping for its own soup), does its own part and relies on the
  agent for the rest: it leaves the handed-over pot (or chop) to the agent and, rather
  than stand idle, chops toward the handed-over soup what nobody is chopping yet. It
  re-plans, says so and does that part itself when the agent shows no sign of taking
  it up (no answer in chat, none of its vegetables in hand) within ``uptake_seconds``,
  or has not finished it within ``patience_seconds``.
* ``asker`` -- plays the whole game and asks for what it needs: a vegetable chopped for
  the soup it is making, a ready soup served while its hands are full, a fire put out,
  the open orders or a recipe. While it waits for the help it asked for, it does not do
  that itself.
* ``novice`` -- slower, pauses, chops the wrong vegetable now and then, announces the
  soup it is making, and sometimes gives the soup up and asks the agent to take it over.
* ``silent`` -- plays the whole game, never talks.
* ``talker`` -- plays the whole game and sends requests drawn at random (the stress test
  of command following; :class:`~dualmind.partners.talker.Talker`); like every persona
  it then leaves what it asked for to the agent for its patience instead of doing it too.

Once the agent has answered a hand-over of a soup (leader, novice), the persona leaves
alone the pot the agent started for it (:class:`~dualmind.agents.macro_logic.PotStarters` remembers who
started each pot).

Every message goes to ``talk_log`` with its ground truth: what a good partner should now
do, taken from the persona's own plan.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from dualmind.agents.executor import Executor, Status
from dualmind.agents.intention import Intention, Step
from dualmind.agents.macro_logic import AVOID_POTS, PotStarters
from dualmind.agents.macros import Macro
from dualmind.agents.navigation import NavMap
from dualmind.agents.scripted import ScriptedPlanner, can_chop, can_cook, uncovered_orders
from dualmind.agents.world import World
from dualmind.game import items as I
from dualmind.game import tiles as T
from dualmind.game.rules import BURNING, COOKING, EMPTY, FILLING, READY, Kitchen
from dualmind.game.state import State
from dualmind.game.text import article
from dualmind.partners.persona import Persona, Play, load_persona
from dualmind.partners.talker import (
    INTENT_KINDS,
    MARGIN_SECONDS,
    PLURALS,
    Talker,
    TalkRecord,
    seconds_needed,
)
from dualmind.runtime.agent import Decision


@dataclass(frozen=True)
class Imperfection:
    """How a simulated human falls short of the scripted player (kept for callers that
    build one by hand; personas set these from their ``[play]`` table)."""

    speed: float = 2.0
    pause_chance: float = 0.15
    pause_seconds: tuple[float, float] = (1.0, 4.0)
    wrong_item_chance: float = 0.1


# ---------------------------------------------------------------------- the agent's reach
def agent_can_chop(w: World) -> list[str]:
    """Vegetables the player ``w`` is for can chop alone, now."""
    return [v for v in I.VEGETABLES if can_chop(w, v)]


def agent_can_cook(w: World, soup: str) -> bool:
    """Could the player of ``w`` cook ``soup`` alone: a pot in reach and every ingredient
    choppable by it or lying chopped in its reach."""
    if not w.pots((EMPTY, FILLING)):
        return False
    have = set(agent_can_chop(w))
    for pos in w.items_where(lambda it: it.kind == I.CHOPPED):
        have |= set(w.state.items[pos].vegetables)
    return set(I.SOUPS[soup].ingredients) <= have


def agent_can_serve(w: World, soup: str) -> bool:
    return w.nearest(w.tiles(T.WINDOW)) is not None and bool(w.pots((COOKING, READY), soup))


def agent_can_extinguish(w: World) -> bool:
    return bool(w.pots((BURNING,))) and w.partner.holding != I.THE_EXTINGUISHER and (
        w.holding == I.THE_EXTINGUISHER or bool(w.items_where(lambda it: it == I.THE_EXTINGUISHER)))


def covered(w: World, soup: str) -> bool:
    """A soup is on its way: cooking, ready, or plated somewhere."""
    k, s = w.kitchen, w.state
    if any(p.soup == soup and k.pot_phase(p, s.tick) in (COOKING, READY) for p in s.pots):
        return True
    return any(it is not None and it.kind == I.PLATE and it.soup == soup
               for it in [*s.items.values(), *(p.holding for p in s.players)])


def chopped_in_reach(w: World, veg: str) -> int:
    """Chopped ``veg`` the player of ``w`` can use: on counters in reach, in its hand, or
    already in a filling pot it can reach."""
    n = sum(1 for p in w.items_where(lambda it: it.kind == I.CHOPPED and veg in it.vegetables))
    if w.holding is not None and w.holding.kind == I.CHOPPED and veg in w.holding.vegetables:
        n += 1
    n += sum(1 for p in w.pots((FILLING,)) if veg in w.pot_at(p).vegetables)
    return n


class SimulatedHuman:
    """A persona playing the human's side (see the module docstring)."""

    def __init__(self, talker: Talker | None = None, imperfection: Imperfection | None = None,
                 persona: Persona | None = None):
        if persona is None:
            persona = load_persona("talker" if talker else "silent")
            if imperfection is not None:
                persona = Persona(persona.name, persona.style, Play(
                    imperfection.speed, 0.0, imperfection.pause_chance, imperfection.pause_seconds,
                    imperfection.wrong_item_chance, 0.0), persona.talk, persona.phrases)
        self.persona = persona
        self.style = persona.style
        if self.style == "talker" and talker is None:
            t = persona.talk
            talker = Talker(t.first_seconds, t.every_seconds,
                            {k: {"kind": INTENT_KINDS[k], "phrases": list(v)}
                             for k, v in persona.phrases.items()})
        self.talker = talker if self.style == "talker" else None
        self.name = persona.name
        self.planner = ScriptedPlanner()
        self.executor: Executor | None = None
        self.rng = random.Random(0)
        self.log: list[TalkRecord] = []

    @property
    def talk_log(self) -> list[TalkRecord]:
        """What it said, with the ground truth of each message (empty if silent)."""
        return self.talker.log if self.talker else self.log

    # ------------------------------------------------------------------ set-up
    def reset(self, kitchen: Kitchen, me: int, seed: int) -> None:
        self.kitchen, self.me = kitchen, me
        self.nav = NavMap(kitchen)
        self.tick_s = tick_s = kitchen.settings.tick_seconds
        # Pace: a credit of actions_per_second * tick accrues every tick and each action
        # spends one, so 6.7 actions/s on 0.1 s ticks really is 6.7 (not 5 or 10).
        self.rate = min(1.0, self.persona.play.actions_per_second * tick_s)
        self.gap = max(1, math.ceil(1 / self.rate - 1e-9))  # the longest gap between actions
        self.credit = 1.0
        self.executor = Executor(kitchen, me, seed=seed, nav=self.nav)
        self.rng = random.Random(seed + 7919)
        self.last_act = -(10**9)
        self.paused_until = 0
        self.log = []
        self.next_talk = round(self.persona.talk.first_seconds / tick_s)
        self.relied: dict[Macro, int] = {}  # macros left to the agent -> tick the reliance ends
        self.request: TalkRecord | None = None  # the request the agent is working on
        self.request_until = 0
        self.mine: str | None = None  # the soup it is making itself (leader, novice)
        self.failed: dict[Macro, int] = {}
        self.macro: Macro | None = None
        self.pending_drop: str | None = None
        self.pending_ask: str | None = None  # a vegetable the asker decided to ask for
        self.agent_chops: set[str] | None = None
        self.pots = PotStarters(me)  # who started filling each pot
        self.state: State | None = None  # the state of this tick
        if self.talker:
            self.talker.reset(tick_s, seed + 104729)

    # ------------------------------------------------------------------ helpers
    def _views(self, state: State) -> tuple[World, World]:
        return (World(self.kitchen, self.nav, state, self.me),
                World(self.kitchen, self.nav, state, 1 - self.me))

    def _ticks(self, seconds: float) -> int:
        return max(1, round(seconds / self.tick_s))

    def _fill(self, kind: str, **slots) -> str:
        return self.rng.choice(self.persona.phrases[kind]).format(**slots)

    def _say(self, tick: int, kind: str, expected: Intention, keywords: tuple[str, ...] = (),
             **slots) -> str:
        record = TalkRecord(tick, self._fill(kind, **slots), kind, expected, keywords)
        self.log.append(record)
        lo, hi = self.persona.talk.every_seconds
        self.next_talk = tick + self._ticks(self.rng.uniform(lo, hi))
        if expected.kind in ("short", "long", "infer"):
            self.request = record
            # It waits a fair time (what a willing partner needs) before asking again, but
            # leaves the task alone only for its patience: a person does not watch a soup
            # burn to prove a point.
            wait = max(self._patience(expected), seconds_needed(expected) + MARGIN_SECONDS)
            self.request_until = tick + self._ticks(wait)
            for step in expected.steps:
                self.relied[step.macro] = tick + self._ticks(self._patience(expected))
        return record.text

    def _patience(self, expected: Intention) -> float:
        """How long it leaves a request to the agent: a ready soup or a fire cannot wait
        as long as chopping can."""
        verbs = {s.macro.verb for s in expected.steps}
        if verbs & {"serve", "extinguish"}:
            return min(self.persona.talk.patience_seconds, 8.0)
        if verbs == {"chop"}:
            return min(self.persona.talk.patience_seconds, seconds_needed(expected) + MARGIN_SECONDS)
        return self.persona.talk.patience_seconds

    def _time_left(self, tick: int) -> float:
        return (self.kitchen.horizon - tick) * self.tick_s

    def _request_time_ok(self, tick: int, expected: Intention) -> bool:
        """Only ask for what a willing partner can finish before the game ends, and a
        soup only while its order will still be open by then (nobody hands over an order
        that runs out before it could be cooked)."""
        needed = seconds_needed(expected) + MARGIN_SECONDS
        if needed > self._time_left(tick):
            return False
        soups = {s.macro.arg for s in expected.steps if s.macro.verb == "cook"}
        orders = self.state.orders if self.state is not None else ()
        for soup in soups:
            deadlines = [o.deadline for o in orders if o.soup == soup]
            if deadlines and (max(deadlines) - tick) * self.tick_s < needed:
                return False
        return True

    def _avoid(self, tick: int) -> set[Macro]:
        avoid = {m for m, until in self.relied.items() if tick < until}
        avoid |= self._recently_failed(tick)
        # Relying on the agent for a cook: leave its chopping to the agent too.
        for m in list(avoid):
            if m.verb == "cook" and m.arg in I.SOUPS and m.arg != self.mine:
                mine_needs = set(I.SOUPS[self.mine].ingredients) if self.mine else set()
                avoid |= {Macro("chop", v) for v in I.SOUPS[m.arg].ingredients
                          if v not in mine_needs and v in self.agent_chops}
            if m.verb == "serve":
                avoid.add(Macro("plate", m.arg))
            if m.verb == "extinguish":
                avoid.add(Macro("fetch", "extinguisher"))
        return avoid

    def _recently_failed(self, tick: int) -> set[Macro]:
        return {m for m, t in self.failed.items() if tick - t < self._ticks(2.0)}

    # ------------------------------------------------------------------ the tick
    def act(self, state: State) -> Decision:
        if self.executor is None:
            raise RuntimeError("reset() the partner before act()")
        mine_w, agent_w = self._views(state)
        self.state = state
        self.pots.update(state)
        if self.agent_chops is None:  # what the agent can chop: fixed by the layout's walls
            self.agent_chops = set(agent_can_chop(agent_w))
        say = None
        if self.talker is not None:
            say = self.talker.maybe_say(agent_w)
            if say is not None:
                self._rely(self.talker.log[-1])
        elif self.style != "silent":
            say = self._talk(state.tick, mine_w, agent_w)
        if state.tick < self.paused_until:
            self.credit = min(1.0 + self.rate, self.credit + self.rate)
            return Decision("stay", say)
        keep_off = self._keep_off(state)
        self.executor.memory[AVOID_POTS] = keep_off
        step = self.executor.step(state)
        if step.status == Status.FAILED and step.macro is not None:
            self.failed[step.macro] = state.tick
        if step.status != Status.RUNNING:
            play = self.persona.play
            # A reaction time before each new task (none before the very first), and now
            # and then a longer look at the screen.
            delay = play.reaction_seconds if step.status != Status.IDLE else 0.0
            if self.rng.random() < play.pause_chance:
                delay += self.rng.uniform(*play.pause_seconds)
            self.paused_until = state.tick + round(delay / self.tick_s)
            self.macro = self._choose(mine_w)
            self.executor.set_macro(self.macro)
            if state.tick < self.paused_until:
                self.credit = min(1.0 + self.rate, self.credit + self.rate)
                return Decision("stay", say)
            self.executor.memory[AVOID_POTS] = keep_off
            step = self.executor.step(state)
        return Decision(self._paced(step.action), say)

    def _keep_off(self, state: State) -> frozenset:
        """Pots the agent started for a soup it agreed to make: a person who handed a
        soup over does not tip their own vegetables into the pot the partner is filling
        for it."""
        soups = {m.arg for m, until in self.relied.items() if m.verb == "cook" and state.tick < until}
        # Only once the agent said it would: without an answer, a pot it starts could be
        # for any soup, and a half-filled pot nobody claimed is there to be finished.
        agreed = self._answered()
        return self.pots.partners_pots(self.kitchen, soups) if soups and agreed else frozenset()

    def _answered(self) -> bool:
        """Has the agent said anything in chat since the pending request?"""
        rec, state = self.request, self.state
        return rec is not None and state is not None and any(
            c.player != self.me and c.tick >= rec.tick for c in state.chat)

    def _paced(self, action: str) -> str:
        """The action if the persona has the credit for one this tick, else stay."""
        self.credit = min(1.0 + self.rate, self.credit + self.rate)
        if action == "stay":
            return action
        if self.credit < 1.0 - 1e-9:
            return "stay"
        self.credit -= 1.0
        return action

    # ------------------------------------------------------------------ planning
    def _choose(self, w: World) -> Macro:
        tick = w.state.tick
        avoid = self._avoid(tick)
        if self.style == "talker":
            macro = self._choose_talker(w)
        elif self.style == "leader" and self.mine is not None:
            macro = self._choose_own_part(w, avoid)
        else:
            macro = self.planner.choose(w, avoid)
        if self.style == "leader" and macro.verb == "wait":
            # Nothing of its own left: rather than watch, it helps with what it handed
            # over, short of the handed-over step itself (the pot, or the chop it asked
            # for). The planner counts what is already chopped or on a board, so it
            # chops only what nobody is chopping yet. (Measured: this idle waiting was
            # ~18 s a game on ring and bottleneck.)
            handed = {m for m, until in self.relied.items() if tick < until}
            macro = self.planner.choose(w, handed | self._recently_failed(tick))
        if self.style == "asker" and macro.verb == "chop" and w.holding is None \
                and self.request is None and tick >= self.next_talk:
            # Ask for this vegetable rather than chop it, and meanwhile do something else.
            agent_w = World(self.kitchen, self.nav, w.state, 1 - self.me)
            expected = Intention("short", (Step(macro, 1),))
            if macro.arg in agent_can_chop(agent_w) and self._request_time_ok(tick, expected):
                self.pending_ask = macro.arg
                self.relied[macro] = tick + self._ticks(self._patience(expected))
                macro = self.planner.choose(w, avoid | {macro})
        if self.style == "novice" and macro.verb in ("cook", "chop") and \
                self.rng.random() < self.persona.play.drop_chance:
            return self._give_up(w, macro)
        if macro.verb == "chop" and self.rng.random() < self.persona.play.wrong_item_chance:
            macro = Macro("chop", self.rng.choice([v for v in I.VEGETABLES if v != macro.arg]))
        return macro

    def _rely(self, record: TalkRecord) -> None:
        """The talker leaves what it just asked for to the agent for a while, as the
        other personas do: whoever says "you do the others" and then cooks them
        themselves is not a partner anyone could follow."""
        expected = record.expected
        if expected.kind not in ("short", "long", "infer"):
            return
        self.mine = self.talker.claimed if self.talker else None
        until = record.tick + self._ticks(self._patience(expected))
        for step in expected.steps:
            self.relied[step.macro] = until
        if self.executor is not None and self.executor.macro in self.relied:
            self.executor.set_macro(None)  # it just handed that over: it stops doing it

    def _choose_talker(self, w: World) -> Macro:
        macro = self.planner.choose(w, self._avoid(w.state.tick))
        claimed = self.talker.claimed if self.talker else None
        if claimed in {o.soup for o in w.state.orders} and macro.verb in ("chop", "wait"):
            # It said it would do this soup itself: keep its word where it can.
            if can_cook(w, claimed):
                return Macro("cook", claimed)
            choppable = [v for v in I.SOUPS[claimed].ingredients if can_chop(w, v)]
            if macro.verb == "wait" and choppable:
                macro = Macro("chop", self.rng.choice(choppable))
        return macro

    def _choose_own_part(self, w: World, avoid: set[Macro]) -> Macro:
        """The leader's own part: emergencies and serving as anyone would, then its soup."""
        mine = self.mine
        first = self.planner.choose(w, avoid)
        if first.verb in ("extinguish", "pass", "fetch", "clear", "serve", "plate", "discard"):
            return first
        if mine is not None and not covered(w, mine):
            # What the agent was asked to cook needs its own chopped vegetables: a
            # considerate cook leaves those and chops its own (two cooks racing for the
            # same chopped tomato is how handed-over soups fail).
            # Only once the agent said it would: nobody keeps vegetables aside for a
            # partner who has not answered.
            reserved: dict[str, int] = {}
            rec = self.request
            if rec is not None and self._answered() and rec.expected.steps \
                    and rec.expected.steps[0].macro.verb == "cook":
                for v in I.SOUPS[rec.expected.steps[0].macro.arg].ingredients:
                    reserved[v] = reserved.get(v, 0) + 1
            short = [v for v in I.SOUPS[mine].ingredients
                     if chopped_in_reach(w, v) - reserved.get(v, 0) <= 0]
            if can_cook(w, mine) and Macro("cook", mine) not in avoid and not short:
                return Macro("cook", mine)
            for veg in I.SOUPS[mine].ingredients:
                chop = Macro("chop", veg)
                if veg in short and can_chop(w, veg) and (chop not in avoid or reserved.get(veg)):
                    return chop
            return first  # its part waits on the agent: meanwhile, whatever else is useful
        return first

    def _give_up(self, w: World, macro: Macro) -> Macro:
        """The novice drops what it was doing and asks the agent to take its soup over."""
        soup = self.mine or next((s for s in uncovered_orders(w)), None)
        self.pending_drop = soup
        return Macro("pass") if w.holding is not None and w.hand_over_counters() else Macro("wait")

    # ------------------------------------------------------------------ talking
    def _talk(self, tick: int, me: World, agent: World) -> str | None:
        # A request ends when done (seen in the state) or when patience runs out.
        if self.request is not None:
            if self._request_done(me, agent, self.request):
                self.request = None
                self.relied.clear()
                if self.rng.random() < 0.5 and tick >= self.next_talk - self._ticks(2):
                    return self._say(tick, "thanks", Intention("none"))
            elif tick >= self.request_until or self._not_taken_up(tick, agent):
                text = self._give_up_waiting(tick)
                self.request = None
                self.relied.clear()
                if text:
                    return text
        if self.style == "leader":
            return self._talk_leader(tick, me, agent)
        if self.style == "asker":
            return self._talk_asker(tick, me, agent)
        if self.style == "novice":
            return self._talk_novice(tick, me, agent)
        return None

    def _not_taken_up(self, tick: int, agent: World) -> bool:
        """The leader's request has gone ``uptake_seconds`` without a sign that the agent
        took it up: no answer in chat and none of the vegetables it needs in the agent's
        hands. A person who hands over a soup and hears nothing back does not wait out
        their whole patience before doing it themselves. (Measured, 20 episodes beside
        an agent that ignores chat: 180 -> 199 on ring, 213 -> 225 on bottleneck.)"""
        rec = self.request
        if rec is None or self.style != "leader" or not rec.expected.steps:
            return False
        if tick < rec.tick + self._ticks(self.persona.talk.uptake_seconds) or self._answered():
            return False
        m = rec.expected.steps[0].macro
        if m.verb == "cook":
            wanted = set(I.SOUPS[m.arg].ingredients)
        elif m.verb == "chop":
            wanted = {m.arg}
        else:
            return False
        held = agent.holding
        return not (held is not None and held.kind in (I.VEGETABLE, I.CHOPPED)
                    and bool(set(held.vegetables) & wanted))

    def _request_done(self, me: World, agent: World, rec: TalkRecord) -> bool:
        steps = rec.expected.steps
        if not steps:
            return True
        m = steps[0].macro
        if m.verb == "cook":
            # A pot of it started since the request (one already cooking for a second
            # order of the same soup does not answer it), or nobody wants it any more
            # (no open order of it left uncovered: serving the other order of the same
            # soup does not answer it either).
            return m.arg not in uncovered_orders(me) or any(
                p.soup == m.arg and p.cook_start is not None and p.cook_start > rec.tick
                for p in me.state.pots)
        if m.verb == "chop":
            return chopped_in_reach(me, m.arg) > 0 or (self.mine is not None and covered(me, self.mine))
        if m.verb == "serve":
            return not me.pots((COOKING, READY), m.arg) and not any(
                it.kind == I.PLATE and it.soup == m.arg for it in me.state.items.values())
        if m.verb == "extinguish":
            return not any(self.kitchen.pot_phase(p, me.state.tick) == BURNING for p in me.state.pots)
        return True

    def _give_up_waiting(self, tick: int) -> str | None:
        rec = self.request
        if rec is None or self.style != "leader" or not rec.expected.steps:
            return None
        m = rec.expected.steps[0].macro
        if m.verb == "chop":  # "I'll do tomatoes myself"
            return self._say(tick, "replan", Intention("none"), yours=PLURALS[m.arg])
        if m.verb != "cook":
            return None
        return self._say(tick, "replan", Intention("none"), yours=self._soup_name(m.arg))

    def _soup_name(self, soup: str) -> str:
        return soup.capitalize() if self.rng.random() < 0.7 else soup

    # leader ------------------------------------------------------------------------
    def _talk_leader(self, tick: int, me: World, agent: World) -> str | None:
        orders = [o.soup for o in me.state.orders]
        if self.mine is not None and (self.mine not in orders or covered(me, self.mine)):
            self.mine = None
        wanted = [s for s in uncovered_orders(me)
                  if not (self.request and self.request.expected.steps
                          and self.request.expected.steps[0].macro == Macro("cook", s))]
        if self.mine is None:
            # It keeps the most urgent order for itself and hands the next one over: a
            # keyboard player is quicker than the AI seat, which the game holds to 2.5-3.5
            # actions a second, so the soup with the most time left goes to the partner.
            # (Measured, 20 episodes, beside HLA: 192/182/231/246 on ring/partition/
            # bottleneck/quick against 193/182/226/225 when it handed the most urgent
            # order over.)
            mine_options = [s for s in wanted if can_cook(me, s) or me.pots((EMPTY, FILLING))]
            self.mine = mine_options[0] if mine_options else None
        if self.request is not None or tick < self.next_talk:
            return None
        if not me.pots((EMPTY, FILLING, COOKING, READY)):
            # No stove on its side (a split kitchen): it chops and passes, the agent cooks.
            for soup in wanted:
                if agent.pots((EMPTY, FILLING)):
                    expected = Intention("short", (Step(Macro("cook", soup)),))
                    theirs = [v for v in I.SOUPS[soup].ingredients if v not in agent_can_chop(agent)]
                    if self._request_time_ok(tick, expected):
                        return self._say(tick, "split_pot", expected, yours=self._soup_name(soup),
                                         vegs=" and ".join(PLURALS[v] for v in theirs) or "vegetables")
            return None
        if self.mine is None:
            return None
        rest = [s for s in wanted if s != self.mine and agent_can_cook(agent, s)]
        lacking = [v for v in I.SOUPS[self.mine].ingredients
                   if chopped_in_reach(me, v) == 0 and v in agent_can_chop(agent)]
        # Two cooks after the same chopped vegetables get in each other's way, so it hands
        # over a whole soup only part of the time, and otherwise the chopping for its own.
        if rest and (not lacking or self.rng.random() < 0.4):
            expected = Intention("short", (Step(Macro("cook", rest[0])),))
            if self._request_time_ok(tick, expected):
                return self._say(tick, "split_cook", expected, mine=self._soup_name(self.mine),
                                 yours=self._soup_name(rest[0]))
        if lacking and not covered(me, self.mine):
            veg = lacking[0]
            expected = Intention("short", (Step(Macro("chop", veg), 1),))
            if self._request_time_ok(tick, expected):
                return self._say(tick, "split_chop", expected, mine=self._soup_name(self.mine),
                                 veg=veg, vegs=veg, n=article(veg))
        return None

    # asker -------------------------------------------------------------------------
    def _talk_asker(self, tick: int, me: World, agent: World) -> str | None:
        if self.request is not None:
            return None
        if agent_can_extinguish(agent):
            return self._say(tick, "ask_fire", Intention("short", (Step(Macro("extinguish")),)))
        if tick < self.next_talk:
            return None
        # Hands full and a soup ready: ask for it to be served.
        ready = [me.pot_at(p).soup for p in agent.pots((READY,))]
        if ready and me.holding is not None and agent.holding is None:
            soup = ready[0]
            expected = Intention("short", (Step(Macro("serve", soup)),))
            if agent_can_serve(agent, soup) and self._request_time_ok(tick, expected):
                return self._say(tick, "ask_serve", expected, soup=self._soup_name(soup))
        # It was about to chop for its soup and chose to ask for that vegetable instead.
        veg, self.pending_ask = self.pending_ask, None
        if veg is not None:
            expected = Intention("short", (Step(Macro("chop", veg), 1),))
            return self._say(tick, "ask_chop", expected, veg=veg, vegs=veg,
                             n=article(veg))
        if self.rng.random() < 0.15:
            soups = tuple(dict.fromkeys(o.soup for o in me.state.orders))
            if self.rng.random() < 0.5 and soups:
                reply = "The orders are " + ", ".join(f"{s.capitalize()} soup" for s in soups) + "."
                return self._say(tick, "ask_orders", Intention("question", reply=reply), soups)
            soup = self.rng.choice(soups or tuple(I.SOUPS))
            ingredients = I.SOUPS[soup].ingredients
            reply = f"{soup.capitalize()} soup is " + " + ".join(ingredients) + "."
            return self._say(tick, "ask_recipe", Intention("question", reply=reply), ingredients,
                             soup=self._soup_name(soup))
        return None

    # novice ------------------------------------------------------------------------
    def _talk_novice(self, tick: int, me: World, agent: World) -> str | None:
        drop = self.pending_drop
        if drop is not None:
            self.pending_drop = None
            expected = Intention("short", (Step(Macro("cook", drop)),))
            if self.request is None and agent_can_cook(agent, drop) and not covered(me, drop) \
                    and self._request_time_ok(tick, expected):
                self.mine = None
                return self._say(tick, "drop", expected, soup=self._soup_name(drop))
        m = self.macro
        if self.request is None and tick >= self.next_talk and m is not None and m.verb == "cook" \
                and m.arg != self.mine:
            self.mine = m.arg
            return self._say(tick, "announce", Intention("none"), soup=self._soup_name(m.arg))
        return None


def persona_player(name: str) -> SimulatedHuman:
    """A simulated human from a persona name or a persona file path."""
    persona = load_persona(name)
    return SimulatedHuman(persona=persona)


def talking_partner() -> SimulatedHuman:
    """``partner`` / ``talker`` on the command line: plays and talks at random."""
    return SimulatedHuman(Talker())


def silent_partner() -> SimulatedHuman:
    """``silent`` on the command line: plays, never talks."""
    return SimulatedHuman(persona=load_persona("silent"))
