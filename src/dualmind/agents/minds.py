"""The two minds of HLA and the plan they share.

* :class:`SlowMind` reads every human message that arrived since its last call, with the
  capable interpreter, and returns the new intention (or keeps the old one for "never
  mind") and a chat reply for questions.
* :class:`FastMind` picks the next macro action from the intention, constrained to the
  macros possible now (a cook whose vegetables are not chopped yet becomes chopping
  them); it can also read a fresh message with the quick interpreter so the body reacts
  before the slow mind has finished. It returns None when the intention offers nothing
  possible, and the agent falls back to the scripted planner (counted).
* :class:`IntentionProgress` tracks an intention's progress: each completed macro uses
  up one of its step's count; standing orders never run out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from dualmind.agents import macro_logic
from dualmind.agents.intention import Intention, Step
from dualmind.agents.language.context import Context
from dualmind.agents.language.interpreters import Interpretation, Interpreter
from dualmind.agents.macros import Macro
from dualmind.agents.navigation import INF
from dualmind.agents.scripted import ScriptedPlanner, uncovered_orders, vegetable_supply
from dualmind.agents.world import World
from dualmind.game import items, tiles
from dualmind.game.rules import FILLING, READY
from dualmind.game.text import article


@dataclass
class MindOutput:
    """What one mind call produced."""

    intention: Intention | None = None  # None: keep the current one
    macro: Macro | None = None
    reply: str = ""
    tokens: tuple[int, int] = (0, 0)
    prompt: str = ""
    output: str = ""
    model_errors: int = 0
    meta: dict = field(default_factory=dict)
    claims: tuple[Macro, ...] = ()  # what the human said they will do themselves
    avoid: tuple[Macro, ...] = ()  # what the human told the agent not to do
    stop: bool = False  # the human ended the intention in force and asked nothing new


class IntentionProgress:
    """The intention in force and how much of each step is left."""

    def __init__(self, intention: Intention | None = None):
        self.set(intention or Intention())

    def set(self, intention: Intention) -> None:
        self.intention = intention
        self.left: list[list] = [[s.macro, s.count] for s in intention.steps]

    @property
    def steps(self) -> list[Step]:
        return [Step(m, c) for m, c in self.left]

    @property
    def empty(self) -> bool:
        return not self.left

    def steps_after(self, macro: Macro) -> list[Step]:
        """The steps left once one more round of ``macro`` is done (the plan unchanged)."""
        ahead = IntentionProgress()
        ahead.intention, ahead.left = self.intention, [list(e) for e in self.left]
        ahead.completed(macro)
        return ahead.steps

    def completed(self, macro: Macro) -> None:
        """One round of ``macro`` is done: use up one of the first matching step."""
        for entry in self.left:
            if entry[0] == macro:
                if entry[1] is not None:
                    entry[1] -= 1
                    if entry[1] <= 0:
                        self.left.remove(entry)
                return


def possible(world: World, macro: Macro) -> bool:
    """Can the executor start this macro now (it does not fail or finish at once)?"""
    # A cook is asked for (the agent sets WHOLE_SET on it): with every pot cooking, it
    # can still start by gathering the set in hand (macro_logic._set_in_hand_for_pot).
    mem = {macro_logic.WHOLE_SET: True} if macro.verb == "cook" else {}
    move = macro_logic.plan(world, mem, macro)
    return isinstance(move, macro_logic.Use | macro_logic.Go | macro_logic.Stay)


def chop_need(world: World) -> Counter:
    """Chopping the open orders still lack: their ingredients (orders not yet cooking)
    minus every vegetable already on its way (chopped, in a hand, in a filling pot)."""
    need: Counter = Counter()
    for soup in uncovered_orders(world):
        need.update(items.SOUPS[soup].ingredients)
    need.subtract(vegetable_supply(world))
    return need


CHOP_AND_SERVE_SECONDS = 6.0
"""Beside the cooking itself, what a vegetable chopped now still needs to reach the window:
chopping it, carrying it to a pot, plating and serving the soup (a few seconds each)."""
SERVE_COOKS_ONLY_UNCOVERED = True  # switch for paired runs (see choose_from_plan)


def too_late_to_chop(world: World) -> bool:
    """Would a vegetable chopped from now on be left unused when the game ends? A soup it
    goes into could not cook and be served in the time left; chopping it only leaves one
    more item on a counter."""
    settings = world.kitchen.settings
    left = (world.kitchen.horizon - world.state.tick) * settings.tick_seconds
    return left < settings.cook_seconds + CHOP_AND_SERVE_SECONDS


def within_reach(world: World, veg: str) -> bool:
    """Is a chopped ``veg`` (alone or in a set) where this player can use it: in its hand,
    on a counter or board it reaches, or already in a pot it reaches? What the partner
    holds is the partner's."""
    held = world.holding
    if held is not None and held.kind in (items.CHOPPED, items.VEGETABLE) and veg in held.vegetables:
        return True
    if world.items_where(lambda it: it.kind == items.CHOPPED and veg in it.vegetables):
        return True
    return any(veg in world.pot_at(p).vegetables and world.pot_at(p).soup is None
               for p in world.kitchen.pot_cells if world.reachable(p))


def expand(macros, world: World | None = None) -> set[Macro]:
    """Macros with a bare verb (``cook``: every soup) written out in full."""
    out: set[Macro] = set()
    for m in macros:
        if m.arg is None and m.verb in ("chop", "cook", "serve", "plate", "prepare", "fetch"):
            args = items.VEGETABLES if m.verb in ("chop", "fetch") else tuple(items.SOUPS)
            out |= {Macro(m.verb, a) for a in args}
        else:
            out.add(m)
    return out


def named_soups(intention: Intention | None) -> frozenset[str]:
    """The soups a direct request names ("cook a Cathy soup", "make Bob next"): the human's
    wish wins over the order list (GAME.md), so these are cooked even when the soups on the
    stove or in hand cover their orders already (a soup no order wants any more still ends
    the request). A division of work ("you do the rest") or an urgent order is about the
    order list, and stays judged by it. (Measured, talker, bottleneck seeds 0-19: 3 of the
    12 requests HLA failed were such a soup, answered "already on its way" and dropped.)"""
    if intention is None or intention.kind != "short":
        return frozenset()
    return frozenset(s.macro.arg for s in intention.steps
                     if s.macro.verb == "cook" and s.macro.arg in items.SOUPS)


def choose_from_plan(world: World, steps: list[Step], avoid: frozenset[Macro] | set[Macro] = frozenset(),
                     chop_first: bool = True, named: frozenset[str] = frozenset()) -> Macro | None:
    """The first step possible now, or the chopping that would make a cook possible.

    Chopping is capped by use: a standing "keep chopping X" chops X only while the open
    orders need it (two spare at most), and a cook chops only the ingredients that are
    not on their way already, so no pile of unused vegetables builds up. With
    ``chop_first``, a soup asked for has all its vegetables chopped before any goes into a
    pot (:func:`_chop_first`). A soup in ``named`` (:func:`named_soups`) is cooked though
    the soups on the stove cover its orders already."""
    first = _PLANNER.choose(world, set(avoid))
    held = world.holding
    if first.verb in ("extinguish", "clear") or (
            first.verb in ("serve", "plate", "pass") and held is not None and held.kind == items.PLATE
            and held.soup not in (None, items.CHARRED)) or (
            first.verb in ("serve", "plate") and world.pots((READY,), first.arg)
            and not leave_ready_soup(world, steps)):
        # Fires, burnt pots and ready soups come first, whatever was asked: a teammate
        # does not let a soup char while chopping onions on request (unless the partner
        # is free to serve it: leave_ready_soup).
        return first
    need = chop_need(world)
    ordered = {o.soup for o in world.state.orders}
    uncovered = set(uncovered_orders(world))
    late = too_late_to_chop(world)

    def missing(step: Step) -> int:
        m = step.macro
        if m.verb != "cook" or m.arg not in items.SOUPS:
            return -1
        return sum(not within_reach(world, v) for v in items.SOUPS[m.arg].ingredients)

    # Of several soups to cook ("you do the others"), the one nearest to done first.
    steps = sorted(steps, key=missing)
    for step in steps:
        m = step.macro
        if m in avoid and not (m.verb in ("cook", "prepare") and m.arg in items.SOUPS):
            continue
        if m.verb in ("cook", "prepare", "plate", "serve") and m.arg not in ordered:
            continue  # the order is gone (served or expired): a soup nobody wants now
        if m.verb in ("cook", "prepare") and m.arg not in uncovered \
                and not (m.verb == "cook" and m.arg in named):
            continue  # already on the stove for every order of it (unless asked by name)
        if m.verb == "chop" and step.count is None and (need[m.arg] < -1 or late):
            # A standing order, and the orders have enough of this (two spare) already, or
            # nothing chopped now could be served before the end. (A counted "chop two"
            # is done as asked.)
            continue
        if chop_first and m.verb == "cook" and m.arg in items.SOUPS and not late:
            chop = _chop_first(world, m.arg, avoid)
            if chop is not None:
                return chop
        if m not in avoid and possible(world, m):
            return m
        if m.verb == "chop" and m not in avoid:
            unblock = unblock_board(world)
            if unblock is not None and unblock not in avoid:
                return unblock
        # A soup step that cannot start (or just failed: "needs chopped tomato") is
        # worked towards by chopping what it lacks; a serve only while no soup on the
        # stove or on a plate answers its order, else "deliver the Bob" read a moment
        # after the human served it started a second Bob nobody ordered.
        if m.verb in ("serve", "plate") and SERVE_COOKS_ONLY_UNCOVERED \
                and m.arg not in uncovered and m.arg not in named:
            continue
        if m.verb in ("cook", "serve", "prepare", "plate") and m.arg in items.SOUPS:
            cook = Macro("cook", m.arg)
            if m.verb != "cook" and cook not in avoid and possible(world, cook):
                return cook
            for veg in items.SOUPS[m.arg].ingredients:
                chop = Macro("chop", veg)
                if not late and not within_reach(world, veg) and chop not in avoid \
                        and possible(world, chop):
                    return chop
    return None


def leave_ready_soup(world: World, steps: list[Step]) -> bool:
    """Should a soup ready now be left to the partner, while the agent works on a soup
    the human asked it to cook? Only if the partner has free hands and reaches every
    ready pot and a window: then serving it is theirs to do, and the agent going for it
    drops the asked-for soup half-way (on bottleneck it walks through the one-cell gap
    to the window and back while the human's handed-over vegetables wait on the
    counter). (Measured, leader, seeds 100-131, bottleneck: 231.6 -> 233.6, scripted
    232.5; ring 209.8 -> 212.0; partition and quick unchanged within 0.5; asker and
    silent, seeds 100-115, unchanged.)"""
    if not any(step.macro.verb == "cook" for step in steps):
        return False
    if world.partner.holding is not None or not world.partner_can_use(tiles.WINDOW):
        return False
    return all(world.partner_distance(pos) < INF for pos in world.pots((READY,)))


def unblock_board(world: World) -> Macro | None:
    """With no chopping board free, finishing a vegetable someone left part-chopped on one
    (the partner not beside it): nobody else picks a part-chopped vegetable up, so it
    blocks that board for the rest of the game. (Measured, leader, ring seed 125: both
    boards held an abandoned half-chopped vegetable and the agent picked up and threw
    away an onion eleven times, the leader's requests all failing.)"""
    if world.free_boards():
        return None
    for pos in world.items_where(lambda it: it.kind == items.VEGETABLE and it.chops > 0):
        if pos in world.tiles(tiles.BOARD) and world.partner_distance(pos) > 1:
            return Macro("chop", world.state.items[pos].vegetables[0])
    return None


def _chop_first(world: World, soup: str, avoid) -> Macro | None:
    """Before a soup asked for goes into a pot, the chopping it still lacks.

    A pot holding one vegetable of a two- or three-vegetable soup is an open invitation:
    any player passing by with another vegetable completes it, as whatever soup those two
    make (an onion left in a pot for Alice becomes the partner's Cathy with their tomato).
    So the ingredients are chopped first and go in one after the other, unless a pot in
    reach already holds part of this soup (then finishing it is the quickest way)."""
    wanted = set(items.SOUPS[soup].ingredients)
    for pos in world.pots((FILLING,)):
        if set(world.pot_at(pos).vegetables) < wanted:
            return None
    for veg in items.SOUPS[soup].ingredients:
        chop = Macro("chop", veg)
        if not within_reach(world, veg) and chop not in avoid and possible(world, chop):
            return chop
    return None


_PLANNER = ScriptedPlanner()
PLURAL = {"tomato": "tomatoes", "onion": "onions", "lettuce": "lettuce"}


def describe_step(step: Step) -> str:
    """A step as a person would say it: "chop 2 onions", "bring you a plate"."""
    m = step.macro
    if m.verb == "chop":
        if step.count is None:
            return f"keep chopping {PLURAL[m.arg]} while the orders need them"
        return f"chop {step.count} {PLURAL[m.arg] if step.count > 1 else m.arg}"
    if m.verb in ("cook", "serve", "plate", "prepare"):
        return f"{m.verb} the {m.arg.capitalize()} soup"
    if m.verb == "fetch":
        named = {"plate": "a plate", "extinguisher": "the extinguisher"}
        thing = named.get(m.arg or "", f"{article(m.arg or '')} {m.arg}")
        return f"get {thing}"
    return _SAID.get(m.verb, str(m))


_SAID = {"extinguish": "put out the fire", "pass": "hand it to you", "discard": "throw it away",
         "clear": "empty the burnt pot", "wait": "wait"}
_GERUND = {"chop": "chopping", "cook": "cooking", "serve": "serving", "plate": "plating",
           "fetch": "fetching", "extinguish": "the fire"}


def _cannot(step: Step, ctx: Context) -> str | None:
    m = step.macro
    if m.verb == "chop" and ctx.can_chop is not None and m.arg not in ctx.can_chop:
        return f"I can't get {PLURAL[m.arg]} from here"
    if m.verb == "cook" and ctx.can_cook is False:
        return f"I can't reach the stove from here, so I'll chop for the {m.arg.capitalize()} soup"
    if m.verb == "serve" and ctx.can_serve is False:
        return "I can't reach the serving window from here, so I'll plate it and pass it"
    if m.verb == "extinguish" and ctx.can_extinguish is False:
        return "I can't reach the extinguisher from here"
    return None


def acknowledge(intention: Intention) -> str:
    """One short line naming what the agent will do (and what it leaves to the human)."""
    return _ack(intention, Context())


def _ack(got: Intention, ctx: Context) -> str:
    yours = [m.arg.capitalize() if m.arg else _GERUND.get(m.verb, m.verb) for m in got.claims
             if m.verb == "cook" or m.arg is None]
    parts = []
    if yours:
        parts.append(f"You do {' and '.join(dict.fromkeys(yours))}")
    cant = [c for c in (_cannot(s, ctx) for s in got.steps) if c]
    doable = [s for s in got.steps if _cannot(s, ctx) is None]
    if doable:
        what = " and ".join(describe_step(s) for s in doable[:3])
        parts.append(("I'll " if parts else "OK, I'll ") + what)
    parts += cant
    banned = [m for m in got.avoid if m.verb != "fetch"]
    if banned and not doable:
        things = ", ".join(dict.fromkeys(m.arg or m.verb for m in banned))
        parts.append(f"OK, I'll leave {things} alone")
    if not parts and got.claims:
        parts.append("OK, I'll work on the rest")
    return "; ".join(parts) + "." if parts else ""


def model_tokens(meta: dict) -> tuple[int, int]:
    """(prompt tokens evaluated, tokens generated) of a model call, from its ``meta``: the
    prompt tokens llama.cpp took from its cache are not counted (``evaluated_tokens``)."""
    return (int(meta.get("evaluated_tokens", meta.get("prompt_tokens", 0)) or 0),
            int(meta.get("completion_tokens", 0) or 0))


def read_messages(interpreter: Interpreter, messages: list[str], ctx: Context) -> MindOutput:
    """Interpret messages in order; the last one that asks for something sets the
    intention; every question gets its reply and every request a one-line
    acknowledgement; claims ("I'm on alice") and prohibitions ("don't touch X") are
    collected for the model of the human."""
    intention, replies, errors, stop = None, [], 0, False
    claims: list[Macro] = []
    avoid: list[Macro] = []
    last = ctx.last
    parts = []
    read = written = 0  # model tokens: prompt tokens evaluated (not from the cache), generated
    for text in messages:
        result: Interpretation = interpreter.interpret(text, replace(ctx, last=last))
        errors += "error" in result.meta
        tokens = model_tokens(result.meta)
        read, written = read + tokens[0], written + tokens[1]
        got = result.intention
        parts.append(f"{text[:200]!r} -> {result.intent}")
        if result.intent == "stop":  # "that's enough": what was asked before ends here
            intention, last, stop = None, None, True
            replies.append(got.reply)
            continue
        claims += getattr(got, "claims", ())
        avoid += getattr(got, "avoid", ())
        if got.kind == "question":
            replies.append(got.reply)
        elif got.kind != "none":
            intention = last = got
            replies.append(_ack(got, ctx))
        elif getattr(got, "claims", ()) or getattr(got, "avoid", ()):
            replies.append(_ack(got, ctx))
    return MindOutput(intention=intention, reply=" ".join(r for r in replies if r), model_errors=errors,
                      prompt=ctx.describe() + "\n" + "\n".join(m[:200] for m in messages),
                      output="; ".join(parts), claims=tuple(claims), avoid=tuple(avoid),
                      tokens=(read, written), stop=stop and intention is None)


class SlowMind:
    """Reads chat with the capable interpreter; keeps the plan."""

    def __init__(self, interpreter: Interpreter, status_model: bool = False):
        self.interpreter = interpreter
        self.status_model = status_model  # may the model judge a request over (MindConfig)

    def think(self, messages: list[str], ctx: Context) -> MindOutput:
        out = read_messages(self.interpreter, messages, ctx)
        if out.intention is not None and out.intention.steps:  # the words a status call reads again
            out.meta["request"] = " / ".join(m[:200] for m in messages)
        return out

    def asks_model_for_status(self, steps: list[Step]) -> bool:
        """Does a status check of ``steps`` need a model call (an LLM slow mind and a
        standing order), or is it a rule?"""
        return self._ask is not None and any(s.count is None for s in steps)

    @property
    def _ask(self):
        return getattr(self.interpreter, "status", None) if self.status_model else None

    def status(self, request, world: World, steps: list[Step], ctx: Context,
               named: frozenset[str] = frozenset()) -> MindOutput:
        """Is the human's open ``request`` (:class:`~dualmind.agents.status.Request`) over?
        ``stop`` says so, ``reply`` tells the human what was done. The game decides first (a
        soup nobody orders any more); else the model, if this mind has one, reads the
        request's words against what was done (:mod:`dualmind.agents.status`)."""
        from dualmind.agents.status import finished_line, rule_status

        over, why = rule_status(world, steps, named)
        meta: dict = {"status": True, "request": request.text, "done": request.done_text()}
        # Counted steps end by their counters, which are exact; the model is asked only
        # about a standing order, whose end only its words can tell ("until the David is
        # in the pot"). Asked about counted ones too, the 1.5B ended "grab me a plate" and
        # "chop two onions" before they were done (bench status, 16 hand-written checks).
        if not over and self.asks_model_for_status(steps):
            over, answer = self._ask(request.text, request.done_text(), ctx)
            meta.update(answer)
        return MindOutput(stop=over, reply=finished_line(request, why) if over else "",
                          tokens=model_tokens(meta),
                          model_errors=int("error" in meta), meta=meta,
                          prompt=f"status of {request.text[:200]!r}; done {request.done_text()}",
                          output="finished" if over else "continue")


class FastMind:
    """Picks the next macro from the plan; reads a fresh message with a quick interpreter."""

    def __init__(self, interpreter: Interpreter | None = None, chooser=None):
        """``chooser``: an object whose ``choose(world, steps, avoid, named)`` returns a
        MindOutput (the LLM fast mind, :mod:`dualmind.agents.llm.fast`); None: code."""
        self.interpreter = interpreter
        self.chooser = chooser
        self.chop_first = True
        """A soup asked for is chopped in full before it goes into a pot (see
        :func:`_chop_first`)."""

    def choose(self, world: World, steps: list[Step], avoid: frozenset[Macro] = frozenset(),
               named: frozenset[str] = frozenset()) -> MindOutput:
        """The next macro; ``named``: soups the human asked for by name (:func:`named_soups`)."""
        if self.chooser is not None:
            return self.chooser.choose(world, steps, avoid, named)
        macro = choose_from_plan(world, steps, avoid, self.chop_first, named)
        return MindOutput(macro=macro, prompt="; ".join(f"{s.macro}x{s.count}" for s in steps),
                          output=str(macro))

    def react(self, messages: list[str], ctx: Context, world: World, steps: list[Step],
              avoid: frozenset[Macro] = frozenset(), named: frozenset[str] = frozenset()) -> MindOutput:
        """Read new messages quickly and pick the macro they call for, in one call."""
        if self.interpreter is None:
            return MindOutput()
        out = read_messages(self.interpreter, messages, ctx)
        plan_steps = list(out.intention.steps) if out.intention is not None else steps
        if out.intention is not None:
            named = named_soups(out.intention)
        if self.chooser is not None:
            chosen = self.chooser.choose(world, plan_steps, avoid | expand(out.avoid), named)
            out.macro, out.tokens = chosen.macro, chosen.tokens
            out.model_errors += chosen.model_errors
            return out
        out.macro = choose_from_plan(world, plan_steps, avoid | expand(out.avoid), self.chop_first, named)
        return out
