"""The LLM Fast Mind: Qwen2.5-Coder-0.5B picks the next macro by likelihood.

Given the intention (the plan's steps), the human's latest words (read from the chat at
once, so the body can react while the slow mind is still thinking), the agent's own last
words and the macros it chose recently, the model scores each macro possible now as the
continuation of one prompt, all candidates in one batched decode
(:meth:`~dualmind.llm.qwen.QwenBackend.score`), by mean log-probability per token. A
small priority prior is added (plate/serve > put out > cook > chop), weighted low when
there is a demand (a plan or a fresh message) so the words decide, high when there is
none so the model falls back to what scores points; the intention's steps and what the
human's latest message names get a fixed bonus on top (:data:`PLAN_BONUS`).

The candidates are the macros the executor can start now that matter here: the plan's
steps and the chopping a step's soup still needs, the scripted planner's first picks,
and ``wait``; a single candidate is returned without a model call.
"""

from __future__ import annotations

from collections import deque

from dualmind.agents.intention import Step
from dualmind.agents.language.slots import words
from dualmind.agents.llm.prompts import fill, quote
from dualmind.agents.macros import Macro, all_macros
from dualmind.agents.minds import MindOutput, possible
from dualmind.agents.scripted import ScriptedPlanner
from dualmind.agents.world import World
from dualmind.errors import BackendError
from dualmind.game import items
from dualmind.llm.qwen import chat_prompt

PRIOR = {"serve": 1.0, "plate": 1.0, "extinguish": 0.75, "cook": 0.5, "prepare": 0.5, "chop": 0.25}
DEMAND_WEIGHT, IDLE_WEIGHT = 0.3, 2.0
# The intention's steps and the macros the human's latest message names get this much on
# top: the 0.5B model alone sometimes picks a sibling (chop(tomato) for a plan of
# chop(onion), measured on states of a ring game).
PLAN_BONUS = 0.5
MAX_CANDIDATES = 8


def describe_item(item) -> str:
    if item is None:
        return "nothing"
    if item == items.CLEAN_PLATE:
        return "a clean plate"
    if item.kind == items.PLATE:
        return f"a plate of {item.soup} soup"
    return f"{item.kind} {'+'.join(item.vegetables)}".strip()


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
        self.done: deque[str] = deque(maxlen=4)  # the macros this mind chose lately
        prime = getattr(backend, "prime", None)
        if prime is not None:  # evaluate the fixed instructions now, not in the first call
            prime(chat_prompt(fill("fast", plan="", heard="", said="", done="", holding="")[:-1]))

    def candidates(self, world: World, steps: list[Step],
                   avoid: frozenset[Macro] = frozenset()) -> list[Macro]:
        wanted: list[Macro] = []
        # What the human's latest message names (a soup, a vegetable, a plate, the fire):
        # the macros about it are candidates before any plan knows of them.
        wanted += self.named(world)
        for step in steps:
            wanted.append(step.macro)
            if step.macro.verb in ("cook", "serve", "prepare", "plate"):
                wanted += [Macro("chop", v) for v in items.SOUPS[step.macro.arg].ingredients]
        taken: set[Macro] = set(avoid)
        for _ in range(3):  # the planner's first picks: what the game needs without words
            pick = self.planner.choose(world, taken)
            wanted.append(pick)
            taken.add(pick)
        wanted.append(Macro("wait"))
        out: list[Macro] = []
        for m in dict.fromkeys(wanted):
            if len(out) >= self.max_candidates:
                break
            if m in avoid:  # the agent's own veto (a macro the human claimed or forbade)
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

    def _heard(self, world: World) -> tuple[str, str]:
        heard = [m.text for m in world.state.chat if m.player != world.me_index][-2:]
        said = [m.text for m in world.state.chat if m.player == world.me_index][-1:]
        return (" / ".join(quote(h, 120) for h in heard) or "nothing",
                quote(said[0], 120) if said else "nothing")

    def choose(self, world: World, steps: list[Step], avoid: frozenset[Macro] = frozenset()) -> MindOutput:
        options = self.candidates(world, steps, avoid)
        if len(options) <= 1:
            macro = options[0] if options else None
            return MindOutput(macro=macro, output=str(macro), meta={"scored": 0})
        heard, said = self._heard(world)
        plan = ", ".join(f"{s.macro} x{'always' if s.count is None else s.count}" for s in steps) or "none"
        texts = [str(m) for m in options]
        messages = fill("fast", plan=plan, heard=heard, said=said, done=", ".join(self.done) or "nothing",
                        holding=describe_item(world.holding))
        demand = bool(steps) or heard != "nothing"
        weight = self.demand_weight if demand else self.idle_weight
        try:
            answer = self.backend.score(chat_prompt(messages), texts)
        except BackendError as e:
            return MindOutput(macro=None, model_errors=1, meta={"error": type(e).__name__})
        asked = {s.macro for s in steps} | set(self.named(world))
        scores = [s + weight * PRIOR.get(m.verb, 0.0) + (PLAN_BONUS if m in asked else 0.0)
                  for s, m in zip(answer.value, options, strict=True)]
        best = max(range(len(options)), key=scores.__getitem__)
        macro = options[best]
        self.done.append(texts[best])
        return MindOutput(macro=macro, tokens=(answer.prompt_tokens, answer.completion_tokens),
                          prompt=messages[-1].content, output=texts[best],
                          meta={"scores": dict(zip(texts, (round(s, 3) for s in scores), strict=True)),
                                "model_latency_s": answer.latency_s, **answer.meta})
