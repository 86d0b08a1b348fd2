"""The LLM Fast Mind: Qwen2.5-Coder-0.5B picks the next macro by likelihood.

The prompt (``prompts/fast.txt``) is fixed instructions and worked examples, evaluated
once per process, then four short lines: the intention's steps, the human's latest words
(read from the chat at once, so the body can react while the slow mind still thinks),
the pots that cannot wait (a ready soup, a fire) and what the agent holds, in that order
so what changes most often comes last and llama.cpp re-evaluates only from there (~24
tokens when everything changed, fewer in a game). The model scores each macro possible
now as the continuation of that prompt, in the same llama.cpp decode as the prompt's new
tokens, and only up to the token where the candidates part (``ch|op|(on`` vs
``ch|op|(t``): the log-probability of starting down that candidate's branch
(:meth:`~dualmind.llm.qwen.QwenBackend.score` with ``until_distinct``). A small priority
prior is added (plate/serve > put out > cook > chop), weighted low when there is a demand
(a plan or a fresh message) so the words decide, high when there is none so the model
falls back to what scores points; the intention's steps and what the human's latest
message names get a fixed bonus on top (:data:`PLAN_BONUS`).

The candidates are the macros the executor can start now that matter here: what the
latest message names, the plan's steps and the chopping a step's soup still needs, the
scripted planner's first picks, ``discard``/``pass`` when a message may be about what the
agent holds, and ``wait``; a single candidate is returned without a model call.
"""

from __future__ import annotations

from dualmind.agents.intention import Step
from dualmind.agents.language.slots import words
from dualmind.agents.llm.prompts import fill, quote
from dualmind.agents.macros import Macro, all_macros
from dualmind.agents.minds import MindOutput, choose_from_plan, chop_need, possible
from dualmind.agents.scripted import ScriptedPlanner
from dualmind.agents.world import World
from dualmind.errors import BackendError
from dualmind.game import items
from dualmind.game.rules import BURNING, CHARRED, COOKING, READY
from dualmind.llm.qwen import chat_prompt

PRIOR = {"serve": 1.0, "plate": 1.0, "extinguish": 0.75, "cook": 0.5, "prepare": 0.5, "chop": 0.25}
DEMAND_WEIGHT, IDLE_WEIGHT = 0.3, 2.0
# The intention's steps and the macros the human's latest message names get this much on
# top: the 0.5B model alone sometimes picks a sibling (chop(tomato) for a plan of
# chop(onion), measured on states of a ring game).
PLAN_BONUS = 0.5
# The plan's next step as the code fast mind reads it (a cook whose vegetables are all
# chopped, else their chopping) gets this much more: with the same bonus as every macro
# the words name, the 0.5B chopped tomatoes the orders could use later instead of cooking
# the David soup asked for, all its vegetables chopped (partition, seed 104).
NEXT_BONUS = 0.5
MAX_CANDIDATES = 8
SOON_SECONDS = 5.0  # a soup is plated or served only if it is ready within this long
FRESH_SECONDS = 5.0  # a message this recent may be about what the agent holds


URGENT = ("serve", "plate", "extinguish", "clear")
"""Macros of the planner's that may interrupt an intention: a soup or a pot that cannot wait."""


def describe_item(item) -> str:
    if item is None:
        return "nothing"
    if item == items.CLEAN_PLATE:
        return "a clean plate"
    if item.kind == items.PLATE:
        return f"a plate of {item.soup} soup"
    return f"{item.kind} {'+'.join(item.vegetables)}".strip()


def describe_pots(world: World) -> str:
    """What in the pots cannot wait: a ready soup (it burns), a fire, a burnt pot."""
    tick, out = world.state.tick, []
    for pot in world.state.pots:
        phase = world.kitchen.pot_phase(pot, tick)
        if phase == READY:
            out.append(f"{pot.soup} soup ready")
        elif phase == BURNING:
            out.append("a pot on fire")
        elif phase == CHARRED:
            out.append("a burnt pot")
    return ", ".join(out) or "nothing urgent"


def _soups_ready_soon(world: World) -> set[str]:
    """The soups that can be plated or served within :data:`SOON_SECONDS`: ready or
    plated already, or cooking and done by then."""
    k, tick = world.kitchen, world.state.tick
    soon = {p.soup for p in world.state.pots if k.pot_phase(p, tick) in (COOKING, READY)
            and p.cook_start + k.cook_ticks - tick <= k.settings.ticks(SOON_SECONDS)}
    plated = [world.holding, world.partner.holding, *world.state.items.values()]
    return soon | {it.soup for it in plated if it is not None and it.kind == items.PLATE and it.soup}


class LLMFastChooser:
    """Chooses one macro among those possible now; plugs into :class:`FastMind`."""

    def __init__(self, backend=None, demand_weight: float = DEMAND_WEIGHT,
                 idle_weight: float = IDLE_WEIGHT, max_candidates: int = MAX_CANDIDATES):
        if backend is None:
            from dualmind.llm.qwen import fast_backend

            backend = fast_backend()
        self.backend = backend
        self.name = backend.name
        self.demand_weight, self.idle_weight = demand_weight, idle_weight
        self.max_candidates = max_candidates
        self.planner = ScriptedPlanner()
        prime = getattr(backend, "prime", None)
        if prime is not None:  # evaluate the fixed instructions now, not in the first call
            text = chat_prompt(fill("fast", plan="\x00", heard="", pots="", holding=""))
            prime(text[:text.index("\x00")])

    def candidates(self, world: World, steps: list[Step], avoid: frozenset[Macro] = frozenset(),
                   named: frozenset[str] = frozenset()) -> list[Macro]:
        return self._candidates(world, steps, avoid, choose_from_plan(world, steps, avoid, named=named))

    def _candidates(self, world: World, steps: list[Step], avoid: frozenset[Macro],
                    nxt: Macro | None) -> list[Macro]:
        """``nxt``: the plan's next step as the code fast mind reads it (a fire, a burnt
        pot, a ready soup or one in hand first, whatever was asked; else the first step
        possible, a cook whose vegetables are not chopped yet being the chopping the orders
        lack): :func:`~dualmind.agents.minds.choose_from_plan`."""
        if nxt is not None and nxt.verb in ("extinguish", "clear", "serve", "plate", "pass"):
            # Those come first as a rule, not a preference: scored beside the plan's cook
            # (which has the plan bonus), the 0.5B left ready and plated soups to expire
            # while it chopped for the next one (partition, 4 games: 101 against 163 with
            # the code fast mind and the same slow LLM).
            return [nxt]
        wanted: list[Macro] = [nxt] if nxt is not None else []
        need = chop_need(world)
        for step in steps:
            m = step.macro
            if not (nxt is not None and nxt.verb == "chop" and m.verb == "cook" and m.arg in items.SOUPS
                    and nxt.arg in items.SOUPS[m.arg].ingredients):
                # The soup asked for is chopped in full before it goes into a pot, as the
                # code fast mind does (minds._chop_first): offered its cook beside the
                # chop, the 0.5B picked the cook 6 times of 6 in a partition game.
                wanted.append(m)
            if step.macro.verb in ("cook", "serve", "prepare", "plate"):
                # Only what is still lacking: with every vegetable a soup needs offered, the
                # 0.5B chopped tomatoes again and again for a Cathy soup waiting for the
                # human's onions (partition, 10 LLM-mind games: 97 beside code minds' 164).
                wanted += [Macro("chop", v) for v in items.SOUPS[step.macro.arg].ingredients if need[v] > 0]
        planned = any(m.verb != "wait" and possible(world, m) for m in wanted)
        if not planned:
            # No intention to follow yet: what the human's latest message names (a soup, a
            # vegetable, a plate, the fire) is a candidate before any plan knows of it. With
            # an intention, the slow mind has already read who does what in those words
            # ("I'll do david, you make bob" names both soups), so naming is not asking.
            wanted = self.named(world) + wanted
        taken: set[Macro] = set(avoid)
        for _ in range(3):  # the planner's first picks: what the game needs without words
            pick = self.planner.choose(world, taken)
            taken.add(pick)
            # Beside a plan, only what cannot wait (a ready soup, a fire) competes with it.
            if not planned or pick.verb in URGENT:
                wanted.append(pick)
        if world.holding is not None and self._fresh_words(world):
            # A message may ask to get rid of or hand over what the agent holds ("throw
            # that away"), in words no macro name matches. Only a fresh one: offered for
            # the rest of the game, discarding a chopped lettuce outscored the plan.
            wanted += [Macro("discard"), Macro("pass")]
        if nxt is None or not steps:
            # With the plan's next step possible there is no reason to stand still: the
            # 0.5B, offered "wait", waited 10 s of a ring game through the chopping for the
            # David soup it had just agreed to cook (its branch "chop(t" scored -10).
            wanted.append(Macro("wait"))
        out: list[Macro] = []
        soon = _soups_ready_soon(world)
        for m in dict.fromkeys(wanted):
            if len(out) >= self.max_candidates:
                break
            if m in avoid:  # the agent's own veto (a macro the human claimed or forbade)
                continue
            if m.verb in ("serve", "plate") and m.arg not in soon:
                # Serving a soup that cooks for 10 s more is a plate held and a body
                # standing at the pot: the 0.5B chose it for "you cook the Alice soup"
                # (its name in the words) while both pots were busy (partition, seed 8).
                continue
            if m.verb == "wait" or possible(world, m):
                out.append(m)
        return out

    def named(self, world: World) -> list[Macro]:
        """The macros about what the human's latest message names (a soup, a vegetable, a
        plate, the fire), so they are candidates before any plan knows of them."""
        heard = [m.text for m in world.state.chat if m.player != world.me_index][-1:]
        said = set(words(heard[0][:300])) if heard else set()
        if not said:
            return []
        return [m for m in all_macros() if any(w.startswith(m.arg or m.verb) for w in said)
                or (m.verb == "extinguish" and "fire" in said)]

    @staticmethod
    def _fresh_words(world: World) -> bool:
        """Did the human say something in the last :data:`FRESH_SECONDS`?"""
        since = world.state.tick - world.kitchen.settings.ticks(FRESH_SECONDS)
        return any(m.player != world.me_index and m.tick >= since for m in world.state.chat)

    def _heard(self, world: World) -> str:
        """The human's last two messages, quoted ("nothing" when none)."""
        heard = [m.text for m in world.state.chat if m.player != world.me_index][-2:]
        return " / ".join(f'"{quote(h, 120)}"' for h in heard) or "nothing"

    def choose(self, world: World, steps: list[Step], avoid: frozenset[Macro] = frozenset(),
               named: frozenset[str] = frozenset()) -> MindOutput:
        """The next macro by likelihood among the candidates; ``named``: soups the human
        asked for by name, cooked even when the orders are covered (as the code fast mind
        does, :func:`~dualmind.agents.minds.named_soups`)."""
        # Once: the plan's next step leads the candidates and gets the bonus.
        nxt = choose_from_plan(world, steps, avoid, named=named)
        options = self._candidates(world, steps, avoid, nxt)
        if len(options) <= 1:
            macro = options[0] if options else None
            return MindOutput(macro=macro, output=str(macro), meta={"scored": 0})
        heard = self._heard(world)
        # The steps without their counts: how many times does not change the next macro.
        plan = ", ".join(dict.fromkeys(str(s.macro) for s in steps)) or "none"
        texts = [str(m) for m in options]
        # What changes least comes first, so llama.cpp re-evaluates only the tail: the plan
        # and the words change when someone speaks, what the agent holds every few calls.
        messages = fill("fast", plan=plan, heard=heard, pots=describe_pots(world),
                        holding=describe_item(world.holding))
        demand = bool(steps) or heard != "nothing"
        weight = self.demand_weight if demand else self.idle_weight
        try:
            answer = self.backend.score(chat_prompt(messages), texts, until_distinct=True)
        except BackendError as e:
            return MindOutput(macro=None, model_errors=1, meta={"error": type(e).__name__})
        # (With no steps, ``nxt`` is only ever an urgent macro, returned above unscored.)
        asked = {s.macro for s in steps} | set(self.named(world)) | ({nxt} if nxt is not None else set())
        scores = [s + weight * PRIOR.get(m.verb, 0.0) + (PLAN_BONUS if m in asked else 0.0)
                  + (NEXT_BONUS if m == nxt and steps else 0.0)
                  for s, m in zip(answer.value, options, strict=True)]
        best = max(range(len(options)), key=scores.__getitem__)
        macro = options[best]
        return MindOutput(macro=macro, tokens=(answer.prompt_tokens, answer.completion_tokens),
                          prompt=messages[-1].content, output=texts[best],
                          meta={"scores": dict(zip(texts, (round(s, 3) for s in scores), strict=True)),
                                "model_latency_s": answer.latency_s, **answer.meta})
